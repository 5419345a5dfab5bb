/* Events that need a person. Contract: events.h. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "events.h"

extern char **environ;

#define EV_HOOKS_MAX 64 /* hook runs not yet reaped */

struct ev_state {
  char community[CRDT_SCOPE_MAX + 1];
  char compound[CRDT_KEY_MAX + 1]; /* "" for a community's silence */
  int state;                       /* enum dom_state, or 1 silent / 0 heard */
};

struct events {
  const struct config *c;
  struct store *s;
  void (*log)(void *, const char *);
  void *arg;
  struct dom_tz tz;
  char state_path[CONFIG_PATH_MAX + 32], log_path[CONFIG_PATH_MAX + 32];
  struct ev_state *prev, *cur;
  size_t n_prev, n_cur, cap;
  int baseline; /* 1: no state file yet: record, raise nothing */
  pid_t hooks[EV_HOOKS_MAX];
  int n_hooks;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int stop, running;
  /* the scan under way */
  uint64_t now_ms;
  char today[DOM_DATE_LEN + 1];
  int raised;
};

static void ev_log(struct events *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ev_log(struct events *e, const char *fmt, ...)
{
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (e->log)
    e->log(e->arg, line);
}

static int ev_cmp(const void *a, const void *b)
{
  const struct ev_state *x = a, *y = b;
  int c = strcmp(x->community, y->community);
  return c ? c : strcmp(x->compound, y->compound);
}

/* ---- the state file ---- */

static void load_state(struct events *e)
{
  FILE *f = fopen(e->state_path, "r");
  char line[CRDT_SCOPE_MAX + CRDT_KEY_MAX + 32];
  e->n_prev = 0;
  e->baseline = !f;
  if (!f)
    return;
  while (fgets(line, sizeof line, f) && e->n_prev < e->cap) {
    char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    if (!t1 || !t2 || (size_t)(t1 - line) > CRDT_SCOPE_MAX || (size_t)(t2 - t1 - 1) > CRDT_KEY_MAX)
      continue;
    struct ev_state *x = &e->prev[e->n_prev];
    memcpy(x->community, line, (size_t)(t1 - line));
    x->community[t1 - line] = 0;
    memcpy(x->compound, t1 + 1, (size_t)(t2 - t1 - 1));
    x->compound[t2 - t1 - 1] = 0;
    x->state = atoi(t2 + 1);
    e->n_prev++;
  }
  fclose(f);
  qsort(e->prev, e->n_prev, sizeof *e->prev, ev_cmp);
}

static int save_state(struct events *e)
{
  char tmp[sizeof e->state_path + 8];
  snprintf(tmp, sizeof tmp, "%s.tmp", e->state_path);
  FILE *f = fopen(tmp, "w");
  if (!f)
    return -errno;
  for (size_t i = 0; i < e->n_cur; i++)
    fprintf(f, "%s\t%s\t%d\n", e->cur[i].community, e->cur[i].compound, e->cur[i].state);
  int bad = ferror(f);
  if (fclose(f) || bad || rename(tmp, e->state_path))
    return -EIO;
  return 0;
}

/* ---- raising one ---- */

static void json_str(char **p, char *end, const char *s)
{
  if (*p < end)
    *(*p)++ = '"';
  for (; *s && *p + 7 < end; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      *(*p)++ = '\\', *(*p)++ = (char)ch;
    else if (ch < 0x20)
      *p += snprintf(*p, (size_t)(end - *p), "\\u%04x", ch);
    else
      *(*p)++ = (char)ch;
  }
  if (*p < end)
    *(*p)++ = '"';
}

static void field(char **p, char *end, const char *k, const char *v)
{
  *p += snprintf(*p, (size_t)(end - *p), ",\"%s\":", k);
  if (*p < end)
    json_str(p, end, v);
}

static void reap(struct events *e)
{
  for (int i = 0; i < e->n_hooks;) {
    int st;
    pid_t r = waitpid(e->hooks[i], &st, WNOHANG);
    if (r == 0) {
      i++;
      continue;
    }
    if (r > 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
      ev_log(e, "event hook %s failed: %s %d", e->c->on_event,
             WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    e->hooks[i] = e->hooks[--e->n_hooks];
  }
}

static void run_hook(struct events *e, const char *kind, const char *json, size_t len)
{
  int fd[2];
  pid_t pid;
  posix_spawn_file_actions_t fa;
  reap(e);
  if (e->n_hooks == EV_HOOKS_MAX) {
    ev_log(e, "event hook %s not run: %d runs not finished", e->c->on_event, EV_HOOKS_MAX);
    return;
  }
  if (pipe(fd)) {
    ev_log(e, "event hook %s not run: %s", e->c->on_event, strerror(errno));
    return;
  }
  fcntl(fd[1], F_SETFD, FD_CLOEXEC);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd[0], 0);
  posix_spawn_file_actions_addclose(&fa, fd[0]);
  char prog[CONFIG_PATH_MAX], kd[16];
  snprintf(prog, sizeof prog, "%s", e->c->on_event);
  snprintf(kd, sizeof kd, "%s", kind);
  char *argv[] = {prog, kd, NULL};
  int rc = posix_spawn(&pid, prog, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fd[0]);
  if (rc) {
    close(fd[1]);
    ev_log(e, "event hook %s not run: %s", e->c->on_event, strerror(rc));
    return;
  }
  e->hooks[e->n_hooks++] = pid;
  /* one line, shorter than a pipe's buffer: the write does not wait for the reader */
  if (write(fd[1], json, len) != (ssize_t)len)
    ev_log(e, "event hook %s: its standard input was not written whole", e->c->on_event);
  close(fd[1]);
}

/* Raises one event: the log line, events.log, the hook. */
static void raise_event(struct events *e, const char *kind, const char *community,
                        const char *compound, const char *name, const char *state,
                        const char *reason, const char *since)
{
  char json[EVENTS_LINE_MAX], ts[32] = "", local[20], t[9];
  char *p = json, *end = json + sizeof json - 2;
  time_t sec = (time_t)(e->now_ms / 1000);
  struct tm tm;
  if (gmtime_r(&sec, &tm))
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  int32_t off = dom_tz_offset(&e->tz, e->now_ms);
  dom_ms_time(e->now_ms, off, t);
  snprintf(local, sizeof local, "%s %.5s", e->today, t);
  p += snprintf(p, (size_t)(end - p), "{\"time\":\"%s\"", ts);
  field(&p, end, "local", local);
  field(&p, end, "date", e->today);
  field(&p, end, "kind", kind);
  field(&p, end, "community", community);
  if (compound)
    field(&p, end, "compound", compound), field(&p, end, "name", name ? name : "");
  if (state)
    field(&p, end, "state", state);
  if (since)
    field(&p, end, "since", since);
  field(&p, end, "reason", reason ? reason : "");
  if (p > end)
    p = end;
  *p++ = '}';
  *p++ = '\n';
  size_t len = (size_t)(p - json);
  ev_log(e, "event %s community=%s%s%s", kind, community, compound ? " compound=" : "",
         compound ? compound : "");
  int fd = open(e->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0 || write(fd, json, len) != (ssize_t)len)
    ev_log(e, "event not written to %s: %s", e->log_path, strerror(errno));
  if (fd >= 0)
    close(fd);
  if (e->c->on_event[0])
    run_hook(e, kind, json, len);
  e->raised++;
}

/* ---- a scan ---- */

static const struct ev_state *was(const struct events *e, const char *community, const char *compound)
{
  struct ev_state k;
  snprintf(k.community, sizeof k.community, "%s", community);
  snprintf(k.compound, sizeof k.compound, "%s", compound);
  return bsearch(&k, e->prev, e->n_prev, sizeof *e->prev, ev_cmp);
}

static int on_compound(void *arg, const struct dom_cstate *c)
{
  struct events *e = arg;
  if (e->n_cur == e->cap)
    return 0;
  struct ev_state *x = &e->cur[e->n_cur++];
  snprintf(x->community, sizeof x->community, "%s", c->community);
  snprintf(x->compound, sizeof x->compound, "%s", c->compound);
  x->state = c->state;
  const struct ev_state *p = e->baseline ? NULL : was(e, c->community, c->compound);
  if (e->baseline || (p && p->state == c->state))
    return 0;
  const char *kind = c->state == DOM_ST_WITHDRAWN  ? "withdrawal"
                     : c->state == DOM_ST_REJECTED ? "rejection"
                     : c->state == DOM_ST_PENDING  ? "declaration"
                                                   : NULL;
  if (kind)
    raise_event(e, kind, c->community, c->compound, c->name, dom_state_key(c->state),
                c->state == DOM_ST_PENDING ? "" : dom_cstate_why(c), NULL);
  return 0;
}

struct scan_read {
  struct events *e;
  const char *scopes[CONFIG_SCOPES_MAX];
  int n;
};

static int scan_rows(void *arg, const struct crdt_view *v)
{
  struct scan_read *r = arg;
  struct dom_community_state cs;
  for (int i = 0; i < r->n; i++) {
    int rc = dom_compound_states(v, NULL, r->e->c->trust ? r->e->c->district : NULL, r->scopes[i],
                                 r->e->today, &cs, on_compound, r->e);
    if (rc)
      return rc;
  }
  return 0;
}

static int silence(struct events *e, const char *scope)
{
  struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max(), last;
  uint8_t sum[STORE_FP_SUM_BYTES];
  uint64_t count = 0, newest = 0;
  int rc = store_range_fp(e->s, scope, &lo, &hi, &count, sum);
  if (!rc && count && (rc = store_range_nth(e->s, scope, &lo, &hi, count - 1, &last)) == 0)
    newest = CRDT_HLC_MS(last.hlc);
  if (rc)
    return rc;
  int silent = e->now_ms > newest && e->now_ms - newest > e->c->event_silent_s * 1000;
  if (e->n_cur == e->cap)
    return 0;
  struct ev_state *x = &e->cur[e->n_cur++];
  snprintf(x->community, sizeof x->community, "%s", scope);
  x->compound[0] = 0;
  x->state = silent;
  const struct ev_state *p = was(e, scope, ""); /* no baseline: silence at start is news */
  if (silent && !(p && p->state)) {
    char since[20] = "", why[96], d[DOM_DATE_LEN + 1], t[9];
    if (newest) {
      int32_t off = dom_tz_offset(&e->tz, newest);
      dom_ms_date(newest, off, d);
      dom_ms_time(newest, off, t);
      snprintf(since, sizeof since, "%s %.5s", d, t);
    }
    snprintf(why, sizeof why, "nothing heard for more than %llu s",
             (unsigned long long)e->c->event_silent_s);
    raise_event(e, "silent", scope, NULL, NULL, NULL, why, newest ? since : "never");
  }
  return 0;
}

int events_scan(struct events *e, uint64_t now_ms)
{
  struct scan_read r = {e, {0}, 0};
  e->now_ms = now_ms;
  e->raised = 0;
  e->n_cur = 0;
  dom_tz_now(&e->tz, now_ms, e->today, NULL);
  r.n = config_community_scopes(e->c, r.scopes);
  int rc = store_read_rows(e->s, scan_rows, &r);
  for (int i = 0; i < r.n && !rc && e->c->event_silent_s; i++)
    rc = silence(e, r.scopes[i]);
  reap(e);
  if (rc)
    return rc;
  /* what was seen becomes what was: only changes are saved */
  qsort(e->cur, e->n_cur, sizeof *e->cur, ev_cmp);
  int changed = e->baseline || e->n_cur != e->n_prev;
  for (size_t i = 0; !changed && i < e->n_cur; i++)
    changed = ev_cmp(&e->cur[i], &e->prev[i]) || e->cur[i].state != e->prev[i].state;
  if (changed && (rc = save_state(e)))
    ev_log(e, "events: %s not written: %s", e->state_path, strerror(-rc));
  struct ev_state *t = e->prev;
  e->prev = e->cur, e->cur = t;
  e->n_prev = e->n_cur;
  e->baseline = 0;
  return e->raised;
}

/* ---- the thread ---- */

static uint64_t wall_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void *ev_main(void *arg)
{
  struct events *e = arg;
  pthread_mutex_lock(&e->mu);
  while (!e->stop) {
    pthread_mutex_unlock(&e->mu);
    int rc = events_scan(e, wall_ms());
    if (rc < 0)
      ev_log(e, "events: scan failed: %s", linli_strerror(rc));
    pthread_mutex_lock(&e->mu);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)e->c->event_check_s;
    while (!e->stop && pthread_cond_timedwait(&e->cv, &e->mu, &until) != ETIMEDOUT)
      ;
  }
  pthread_mutex_unlock(&e->mu);
  return NULL;
}

int events_start(struct events **out, const struct config *c, struct store *s,
                 void (*log)(void *arg, const char *line), void *arg, char *err, size_t errcap)
{
  struct events *e = calloc(1, sizeof *e);
  *out = NULL;
  if (!e) {
    snprintf(err, errcap, "out of memory");
    return LINLI_ENOMEM;
  }
  e->c = c, e->s = s, e->log = log, e->arg = arg;
  e->cap = (size_t)CONFIG_SCOPES_MAX * 4096;
  e->prev = calloc(e->cap, sizeof *e->prev);
  e->cur = calloc(e->cap, sizeof *e->cur);
  int rc = e->prev && e->cur ? 0 : LINLI_ENOMEM;
  if (rc)
    snprintf(err, errcap, "out of memory");
  else if ((rc = config_zone_load(c->timezone, &e->tz, err, errcap)))
    rc = LINLI_EINVAL;
  if (rc) {
    free(e->prev), free(e->cur), free(e);
    return rc;
  }
  snprintf(e->state_path, sizeof e->state_path, "%s/events.state", c->data);
  snprintf(e->log_path, sizeof e->log_path, "%s/events.log", c->data);
  load_state(e);
  pthread_mutex_init(&e->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&e->cv, &ca);
  pthread_condattr_destroy(&ca);
  if ((rc = pthread_create(&e->thread, NULL, ev_main, e))) {
    snprintf(err, errcap, "cannot start the events thread: %s", strerror(rc));
    pthread_cond_destroy(&e->cv), pthread_mutex_destroy(&e->mu);
    free(e->prev), free(e->cur), free(e);
    return -rc;
  }
  e->running = 1;
  *out = e;
  return 0;
}

void events_stop(struct events *e)
{
  if (!e)
    return;
  pthread_mutex_lock(&e->mu);
  e->stop = 1;
  pthread_cond_signal(&e->cv);
  pthread_mutex_unlock(&e->mu);
  if (e->running)
    pthread_join(e->thread, NULL);
  reap(e);
  pthread_cond_destroy(&e->cv);
  pthread_mutex_destroy(&e->mu);
  free(e->prev);
  free(e->cur);
  free(e);
}

/* ---- reading events.log ---- */

int events_field(const char *line, const char *key, char *out, size_t cap)
{
  char pat[48];
  snprintf(pat, sizeof pat, "\"%s\":\"", key);
  const char *p = strstr(line, pat);
  size_t n = 0;
  if (!p || !cap)
    return -1;
  for (p += strlen(pat); *p && *p != '"'; p++) {
    char ch = *p;
    if (ch == '\\' && p[1]) {
      ch = *++p;
      if (ch == 'u' && strlen(p) >= 5) { /* \\u00XX: a control character */
        unsigned v = 0;
        sscanf(p + 1, "%4x", &v);
        ch = (char)(v & 0x7f);
        p += 4;
      }
    }
    if (n + 1 < cap)
      out[n++] = ch;
  }
  out[n] = 0;
  return 0;
}
