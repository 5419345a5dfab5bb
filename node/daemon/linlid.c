#define _XOPEN_SOURCE 700
/* linlid: the node daemon. Loads the config and key, opens the node, binds
 * it to ZeroMQ (transport.c) and serves peers and the control socket until
 * SIGTERM/SIGINT or a "stop" request. Operator guide: docs/operator.md. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "staff.h"
#include "domain.h"
#include "events.h"
#include "node.h"
#include "summaries.h"
#include "transport.h"
#include "trust.h"
#include "web.h"
#include "web_users.h"

static volatile sig_atomic_t linlid_stop_flag;
_Static_assert(CONTROL_NAME_MAX == CONFIG_NAME_MAX, "a peer name in a status reply");
static volatile sig_atomic_t linlid_reload_flag; /* SIGHUP or ["reload"] */

struct linlid {
  struct config cfg;
  struct crdt_identity id;
  struct node *node;
  struct transport *tr;
  struct web *web; /* the web console (config http), or NULL */
  struct events *ev; /* the events thread (events.h) */
  struct summaries *su; /* a hub's daily summaries (summaries.h), or NULL */
  /* The control socket, bound once and kept across reloads: a client's
   * request waits in it while the node reopens, none is lost. */
  struct transport_control *control;
  char control_ep[sizeof ((struct config *)0)->control];
  uint64_t started_ms;
  int lock_fd;
  int grants_damaged; /* key ops for this node that did not open, as last told */
  uint64_t refused_minute, refused_n, refused_quiet; /* linlid_refused's rate */
};

static void linlid_on_signal(int sig)
{
  if (sig == SIGHUP)
    linlid_reload_flag = 1;
  linlid_stop_flag = 1;
}

/* "2026-11-28T23:59:01Z linlid[shihua] <line>" on stderr. */
static void linlid_log(void *arg, const char *line)
{
  struct linlid *d = arg;
  char ts[32] = "-";
  struct timespec now;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &now);
  if (gmtime_r(&now.tv_sec, &tm))
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  fprintf(stderr, "%s linlid[%s] %s\n", ts, d->cfg.n_scopes ? d->cfg.scopes[0] : "-", line);
}

/* ---- control requests (docs/operator.md "Control protocol") ---- */

static void linlid_reply_err(struct crdt_buf *out, int err, const char *msg)
{
  control_enc_err(out, err, msg);
}

/* Why a write failed, in the words staff read: a full disk (LMDB reports a
 * short write as EIO), a missing certificate, or the error's own. */
static const char *linlid_write_why(struct linlid *d, int rc, char *msg, size_t cap)
{
  struct statvfs fs;
  if ((rc == -ENOSPC || rc == -EIO || rc == -EDQUOT) && statvfs(d->cfg.data, &fs) == 0 &&
      (uint64_t)fs.f_bavail * fs.f_frsize < 2u * CRDT_OP_MAX_BYTES + 1024u * 1024u) {
    snprintf(msg, cap, "no space left on device: the disk of %s has %llu KiB free; nothing was "
             "written", d->cfg.data, (unsigned long long)fs.f_bavail * fs.f_frsize / 1024u);
    return msg;
  }
  if (rc == LINLI_EPENDING)
    return "this node has no certificate yet: enrol it at the hub (linli enroll) and import the "
           "certificate here (linli import-cert), or let it sync";
  if (*node_write_why(d->node))
    return node_write_why(d->node);
  return NULL;
}

/* A request refused for the caller's role: logged (the uid and the role,
 * never a name), at most 10 lines a minute, then how many were not. */
static void linlid_refused(struct linlid *d, const struct staff_who *w)
{
  struct timespec now;
  char line[160];
  clock_gettime(CLOCK_MONOTONIC, &now);
  uint64_t minute = (uint64_t)now.tv_sec / 60u;
  if (minute != d->refused_minute) {
    if (d->refused_quiet) {
      snprintf(line, sizeof line, "control refusals not logged count=%llu",
               (unsigned long long)d->refused_quiet);
      linlid_log(d, line);
    }
    d->refused_minute = minute;
    d->refused_n = d->refused_quiet = 0;
  }
  if (d->refused_n++ >= 10) {
    d->refused_quiet++;
    return;
  }
  snprintf(line, sizeof line, "control refused uid=%ld role=%s", w->uid,
           w->role < 0 ? "none" : web_role_name(w->role));
  linlid_log(d, line);
}

/* ["write", ...] / ["writes", request, [...]]: all in one transaction,
 * answered after the commit with the op ids; a refusal names the change. */
static void linlid_writes(struct linlid *d, struct control_req *q, const struct staff_who *who,
                          struct crdt_buf *out)
{
  uint8_t(*ids)[CRDT_ID_BYTES] = malloc((q->n ? q->n : 1) * sizeof *ids);
  uint8_t *arena = NULL;
  char msg[CONFIG_PATH_MAX + 160];
  size_t bad = 0;
  int rc = ids ? 0 : LINLI_ENOMEM;
  msg[0] = 0;
  for (size_t i = 0; !rc && i < q->n; i++)
    if ((rc = staff_may_write(who, q->changes[i].collection, msg, sizeof msg)))
      bad = i;
  /* who wrote it: the owner's own writes (the web console's) keep the
   * `by` they carry; everyone else's carry their staff name */
  if (!rc)
    rc = staff_stamp(q->changes, q->n, who->name, who->owner, &arena, &bad);
  if (!rc)
    rc = node_write_batch(d->node, q->changes, q->n, q->has_request ? q->request : NULL, ids, &bad);
  free(arena);
  if (rc == LINLI_EROLE)
    linlid_refused(d, who);
  if (rc) {
    int full = rc == -ENOSPC || rc == -EIO || rc == -EDQUOT;
    const char *why = rc == LINLI_EROLE ? msg : linlid_write_why(d, rc, msg, sizeof msg);
    if (why && full)
      rc = -ENOSPC;
    if (q->single)
      control_enc_err(out, rc, why);
    else
      control_enc_err_at(out, rc, why, bad);
  } else {
    crdt_w_array(out, 2);
    crdt_w_uint(out, 0);
    crdt_w_bin(out, ids, q->n * CRDT_ID_BYTES);
  }
  free(ids);
}

/* ["import", op]: one signed op (a certificate file, a revocation, any op),
 * verified like a received one: [0, 1] stored now, [0, 0] stored already,
 * [0, 2] held until its author's certificate arrives; else the reason.
 * ["imports", request, [op, ...]]: in one transaction, [0, stored,
 * [what, ...]] with each op's fate as node_import_each says. */
static void linlid_imports(struct linlid *d, struct control_req *q, struct crdt_buf *out)
{
  int *what = malloc((q->n ? q->n : 1) * sizeof *what);
  int rc = what ? node_import_batch(d->node, q->ops, q->lens, q->n,
                                    q->has_request ? q->request : NULL, what)
                : LINLI_ENOMEM;
  if (q->single && rc >= 0 && what[0] < 0 && what[0] != LINLI_EPENDING)
    rc = what[0];
  if (rc < 0) {
    char msg[CONFIG_PATH_MAX + 160];
    control_enc_err(out, rc, linlid_write_why(d, rc, msg, sizeof msg));
  } else if (q->single) {
    crdt_w_array(out, 2);
    crdt_w_uint(out, 0);
    crdt_w_uint(out, what[0] == LINLI_EPENDING ? 2 : (uint64_t)what[0]);
  } else {
    crdt_w_array(out, 3);
    crdt_w_uint(out, 0);
    crdt_w_uint(out, (uint64_t)rc);
    crdt_w_array(out, (uint32_t)q->n);
    for (size_t i = 0; i < q->n; i++)
      crdt_w_int(out, what[i]);
  }
  free(what);
}

/* ["request", id]: [0, committed, ops, added, first id]. */
static void linlid_request(struct linlid *d, struct control_req *q, struct crdt_buf *out)
{
  uint64_t ops = 0, added = 0;
  uint8_t first[CRDT_ID_BYTES];
  int rc = node_request_state(d->node, q->request, &ops, &added, first);
  if (rc < 0) {
    control_enc_err(out, rc, NULL);
    return;
  }
  crdt_w_array(out, 5);
  crdt_w_uint(out, 0);
  crdt_w_bool(out, rc == 1);
  crdt_w_uint(out, ops);
  crdt_w_uint(out, added);
  crdt_w_bin(out, first, rc == 1 ? sizeof first : 0);
}

static void linlid_peer_sums(struct linlid *d, int r, struct node_peer_status *sum)
{
  struct node_peer_status ps;
  memset(sum, 0, sizeof *sum);
  uint32_t ids[2] = {TRANSPORT_IN_BASE + (uint32_t)r, (uint32_t)r};
  /* only roster links dial: a certified link's r may be another's in-id */
  for (int k = 0; k < (r < d->cfg.n_roster ? 2 : 1); k++) {
    if (node_peer_status(d->node, ids[k], &ps))
      continue;
    if (ps.last_sync_ms >= sum->last_sync_ms) {
      sum->last_sync_ms = ps.last_sync_ms;
      sum->behind = ps.behind;
    }
    sum->ops_in += ps.ops_in;
    sum->ops_out += ps.ops_out;
    sum->bytes_in += ps.bytes_in;
    sum->bytes_out += ps.bytes_out;
    sum->rejected += ps.rejected;
    sum->limited_ops += ps.limited_ops;
    sum->limited_msgs += ps.limited_msgs;
  }
}

static void linlid_status(struct linlid *d, struct crdt_buf *out)
{
  struct node_status st;
  int rc = node_status(d->node, &st);
  if (rc) {
    linlid_reply_err(out, rc, NULL);
    return;
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  uint64_t now_ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
  int n_links = transport_link_count(d->tr), n_why = 0;
  for (int i = 1; i < LINLI_ERR_SLOTS; i++)
    n_why += st.rejected_by[i] != 0;
  crdt_w_array(out, 3);
  crdt_w_uint(out, 0);
  crdt_w_array(out, 11);
  crdt_w_cstr(out, d->cfg.scopes[0]);
  crdt_w_bin(out, d->id.pk, sizeof d->id.pk);
  crdt_w_uint(out, st.ops);
  crdt_w_uint(out, st.hlc);
  crdt_w_uint(out, st.rejected);
  crdt_w_uint(out, st.malformed_msgs);
  crdt_w_uint(out, (now_ms - d->started_ms) / 1000u);
  crdt_w_uint(out, now_ms);
  crdt_w_uint(out, st.held);
  crdt_w_uint(out, st.purged);
  crdt_w_array(out, (uint32_t)n_why);
  for (int i = 1; i < LINLI_ERR_SLOTS; i++)
    if (st.rejected_by[i]) {
      crdt_w_array(out, 2);
      crdt_w_int(out, linli_err_of_index(i));
      crdt_w_uint(out, st.rejected_by[i]);
    }
  crdt_w_array(out, (uint32_t)n_links);
  for (int r = 0; r < n_links; r++) {
    struct node_peer_status ps;
    struct transport_link_info li;
    linlid_peer_sums(d, r, &ps);
    transport_link_info(d->tr, r, &li);
    crdt_w_array(out, 14);
    crdt_w_cstr(out, li.name);
    crdt_w_bool(out, li.dial);
    crdt_w_bool(out, li.up_out || li.up_in);
    crdt_w_uint(out, ps.last_sync_ms);
    crdt_w_uint(out, ps.ops_in);
    crdt_w_uint(out, ps.ops_out);
    crdt_w_uint(out, ps.behind);
    crdt_w_uint(out, ps.bytes_in);
    crdt_w_uint(out, ps.bytes_out);
    crdt_w_uint(out, ps.rejected);
    crdt_w_uint(out, li.bad_msgs);
    crdt_w_uint(out, li.dropped);
    crdt_w_bin(out, li.pk, CRDT_PK_BYTES);
    crdt_w_bool(out, li.refused);
  }
}

/* ["limits"]: [0, [inbound, max_inbound, accepted, evicted, peer_ops_per_s,
 * peer_msgs_per_s], [[name, limited_ops, limited_msgs], ...]] (one entry
 * per link, in status order). */
static void linlid_limits(struct linlid *d, struct crdt_buf *out)
{
  struct transport_stats ts;
  int n_links = transport_link_count(d->tr);
  transport_stats(d->tr, &ts);
  crdt_w_array(out, 3);
  crdt_w_uint(out, 0);
  crdt_w_array(out, 6);
  crdt_w_uint(out, ts.inbound);
  crdt_w_uint(out, ts.inbound_max);
  crdt_w_uint(out, ts.accepted);
  crdt_w_uint(out, ts.evicted);
  crdt_w_uint(out, d->cfg.peer_ops_per_s);
  crdt_w_uint(out, d->cfg.peer_msgs_per_s);
  crdt_w_array(out, (uint32_t)n_links);
  for (int r = 0; r < n_links; r++) {
    struct node_peer_status ps;
    struct transport_link_info li;
    linlid_peer_sums(d, r, &ps);
    transport_link_info(d->tr, r, &li);
    crdt_w_array(out, 3);
    crdt_w_cstr(out, li.name);
    crdt_w_uint(out, ps.limited_ops);
    crdt_w_uint(out, ps.limited_msgs);
  }
}

/* ["compare"]: [0, [[name, dial, [[scope, at_ms, sent, need], ...]], ...]]:
 * per link (status order), whether this node dials it (and so starts its
 * rounds: ["sync"]), each scope it holds with this node, the last
 * reconciliation of it completed here (node_scope_sync; at_ms 0: none yet;
 * of the link's two peer ids, the later). */
static void linlid_compare(struct linlid *d, struct crdt_buf *out)
{
  int n_links = transport_link_count(d->tr);
  crdt_w_array(out, 2);
  crdt_w_uint(out, 0);
  crdt_w_array(out, (uint32_t)n_links);
  for (int r = 0; r < n_links; r++) {
    struct transport_link_info li;
    struct node_scope_sync best[CONFIG_SCOPES_MAX];
    uint8_t common[CONFIG_SCOPES_MAX];
    uint32_t n_common = 0;
    uint32_t ids[2] = {TRANSPORT_IN_BASE + (uint32_t)r, (uint32_t)r};
    transport_link_info(d->tr, r, &li);
    for (int i = 0; i < d->cfg.n_scopes; i++) {
      common[i] = 0;
      memset(&best[i], 0, sizeof best[i]);
      for (int k = 0; k < (r < d->cfg.n_roster ? 2 : 1); k++) {
        struct node_scope_sync ss;
        if (node_scope_sync(d->node, ids[k], d->cfg.scopes[i], &ss))
          continue;
        common[i] = 1;
        if (ss.at_ms >= best[i].at_ms)
          best[i] = ss;
      }
      n_common += common[i];
    }
    crdt_w_array(out, 3);
    crdt_w_cstr(out, li.name);
    crdt_w_bool(out, li.dial);
    crdt_w_array(out, n_common);
    for (int i = 0; i < d->cfg.n_scopes; i++) {
      if (!common[i])
        continue;
      crdt_w_array(out, 4);
      crdt_w_cstr(out, d->cfg.scopes[i]);
      crdt_w_uint(out, best[i].at_ms);
      crdt_w_uint(out, best[i].sent);
      crdt_w_uint(out, best[i].need);
    }
  }
}

static void linlid_digest(struct linlid *d, const char *scope, struct crdt_buf *out)
{
  uint8_t dg[CRDT_DIGEST_BYTES];
  int rc = node_digest(d->node, scope, dg);
  if (rc) {
    linlid_reply_err(out, rc, NULL);
    return;
  }
  crdt_w_array(out, 2);
  crdt_w_uint(out, 0);
  crdt_w_bin(out, dg, sizeof dg);
}

static void linlid_control(void *arg, const uint8_t *req, size_t len, const char *peer,
                           struct crdt_buf *out)
{
  struct linlid *d = arg;
  struct control_req q;
  struct staff_who who;
  char why[CONFIG_PATH_MAX + 160];
  int rc = control_req_decode(&q, req, len, why, sizeof why);
  if (rc) {
    linlid_reply_err(out, rc == LINLI_EPROTO ? LINLI_EPROTO : rc, why);
    return;
  }
  staff_resolve(&d->cfg, staff_peer_uid(peer), (long)geteuid(), &who);
  if ((q.verb == CONTROL_IMPORT && staff_may(&who, 0, "importing", why, sizeof why)) ||
      ((q.verb == CONTROL_STOP || q.verb == CONTROL_RELOAD) &&
       staff_may(&who, 1, q.verb == CONTROL_STOP ? "stopping linlid" : "reloading linlid", why,
                 sizeof why))) {
    linlid_refused(d, &who);
    linlid_reply_err(out, LINLI_EROLE, why);
    control_req_free(&q);
    return;
  }
  switch (q.verb) {
  case CONTROL_WRITE:
    linlid_writes(d, &q, &who, out);
    break;
  case CONTROL_IMPORT:
    linlid_imports(d, &q, out);
    break;
  case CONTROL_REQUEST:
    linlid_request(d, &q, out);
    break;
  case CONTROL_STATUS:
    linlid_status(d, out);
    break;
  case CONTROL_LIMITS:
    linlid_limits(d, out);
    break;
  case CONTROL_DIGEST:
    linlid_digest(d, q.scope, out);
    break;
  case CONTROL_COMPARE:
    linlid_compare(d, out);
    break;
  case CONTROL_SYNC:
    crdt_w_array(out, 2);
    crdt_w_uint(out, 0);
    crdt_w_uint(out, (uint64_t)node_sync_now(d->node));
    break;
  case CONTROL_STOP:
    crdt_w_array(out, 1);
    crdt_w_uint(out, 0);
    linlid_log(d, "stop requested on the control socket");
    transport_stop(d->tr);
    break;
  case CONTROL_RELOAD:
    crdt_w_array(out, 1);
    crdt_w_uint(out, 0);
    linlid_log(d, "reload requested on the control socket");
    linlid_reload_flag = 1;
    transport_stop(d->tr);
    break;
  }
  control_req_free(&q);
}

/* ---- start-up ---- */

/* ---- the community key: grants taken as they arrive ----
 * A node with a key file (a community's node; one that joined has an empty
 * one) takes the key ops addressed to it into the file within a tick of
 * their being stored, so that it seals and reads from then on without a
 * `linli key` call (docs/protocol.md 12.6). */
static void linlid_take_keys(struct linlid *d)
{
  struct store *s = node_store(d->node);
  size_t kl = 0;
  const uint8_t *kb = s ? store_keys(s, &kl) : NULL;
  struct store_read *rd = NULL;
  struct dom_keys *ks;
  int damaged = 0, dropped = 0, rc;
  uint32_t through = 0;
  char line[160];
  if (!kb || !d->cfg.n_scopes || !(ks = malloc(sizeof *ks)))
    return;
  if (dom_keys_parse(kb, kl, ks)) { /* a malformed file is left for the operator */
    free(ks);
    return;
  }
  if ((rc = store_read_begin(s, &rd)) == 0) {
    struct crdt_view v = store_read_view(rd);
    rc = dom_keys_take(&v, d->cfg.scopes[0], &d->id, ks, &damaged);
    if (rc >= 0 && dom_keys_retired(&v, d->cfg.scopes[0], &through) == 0 && through)
      dropped = dom_keys_drop(ks, d->cfg.scopes[0], through);
    store_read_end(rd);
  }
  int taken = rc;
  if ((taken > 0 || dropped > 0) && (rc = dom_keys_save(d->cfg.data, ks)) == 0) {
    if (taken > 0) {
      snprintf(line, sizeof line, "key taken epochs=%d (granted to this node)", taken);
      linlid_log(d, line);
    }
    if (dropped > 0) {
      snprintf(line, sizeof line,
               "key retired epochs=%d through=%u (this node's copy deleted: personal fields "
               "sealed with them are unreadable here from now on)",
               dropped, (unsigned)through);
      linlid_log(d, line);
    }
  } else if (rc < 0) {
    snprintf(line, sizeof line, "key take failed reason=%s", linli_errname(rc));
    linlid_log(d, line);
  }
  if (damaged != d->grants_damaged) {
    d->grants_damaged = damaged;
    if (damaged) {
      snprintf(line, sizeof line, "key grants damaged n=%d (they do not open: ask for the key again)",
               damaged);
      linlid_log(d, line);
    }
  }
  dom_keys_wipe(ks);
  free(ks);
}

static void linlid_tick(void *arg)
{
  struct linlid *d = arg;
  struct timespec mono, wall;
  linlid_take_keys(d);
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &wall);
  summaries_tick(d->su, d->node, (uint64_t)mono.tv_sec * 1000u + (uint64_t)mono.tv_nsec / 1000000u,
                 (uint64_t)wall.tv_sec * 1000u + (uint64_t)wall.tv_nsec / 1000000u, linlid_log, d);
}

static int linlid_usage(FILE *f, int code)
{
  fprintf(f, "usage: linlid --data DIR [--config FILE]\n"
             "  Runs a linli node: syncs the data in DIR with the peers in the config\n"
             "  (default DIR/linlid.conf) and serves the linli CLI on the control socket.\n"
             "  Logs one line per event on stderr; stops cleanly on SIGTERM or SIGINT;\n"
             "  on SIGHUP (or linli enroll adding a scope) re-reads the config and reopens.\n"
             "  See docs/operator.md.\n");
  return code;
}

/* Only one daemon per data directory: a POSIX lock on DIR/linlid.lock,
 * which the CLI tests to tell whether the daemon runs. */
static int linlid_lock(struct linlid *d)
{
  char path[CONFIG_PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/linlid.lock", d->cfg.data);
  d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (d->lock_fd < 0)
    return -errno;
  if (store_dir_shared(d->cfg.data) && store_share_file(d->cfg.data, path, 0640) < 0)
    fprintf(stderr, "linlid: cannot make %s readable by group %s: %s\n", path, STORE_STAFF_GROUP,
            strerror(errno)); /* staff of the group test it to see linlid run */
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if (fcntl(d->lock_fd, F_SETLK, &fl) < 0)
    return errno == EACCES || errno == EAGAIN ? LINLI_EEXIST : -errno;
  return 0;
}

/* The config's data line and --data must name the same directory, which
 * must be ours alone (0700), or our staff's (store_dir_guard). */
static int linlid_check_data(struct linlid *d, const char *data)
{
  char a[PATH_MAX], b[PATH_MAX];
  struct stat st;
  if (!realpath(data, a) || !realpath(d->cfg.data, b)) {
    fprintf(stderr, "linlid: data directory %s: %s\n", data, strerror(errno));
    return 1;
  }
  if (strcmp(a, b) != 0) {
    fprintf(stderr, "linlid: the config's data line (%s) names another directory than --data (%s)\n",
            d->cfg.data, data);
    return 1;
  }
  (void)st;
  if (store_dir_guard(a) < 0) {
    fprintf(stderr, "linlid: data directory %s is open to other users and chmod 700 failed\n", a);
    return 1;
  }
  if (store_dir_shared(a)) { /* staff of the group read the config and the community keys
                                (linlid_lock: the lock; the store: its files) */
    static const char *const shared[] = {"linlid.conf", STORE_KEYS_FILE};
    for (int i = 0; i < 2; i++) {
      char p[PATH_MAX + 32];
      snprintf(p, sizeof p, "%s/%s", a, shared[i]);
      if (access(p, F_OK) == 0 && store_share_file(a, p, 0640) < 0)
        fprintf(stderr, "linlid: cannot make %s readable by group %s: %s\n", p,
                STORE_STAFF_GROUP, strerror(errno));
    }
  }
  return 0;
}

static int linlid_load(struct linlid *d, const char *data, const char *conf)
{
  char path[CONFIG_PATH_MAX + 16], err[CONFIG_ERR_MAX + CONFIG_PATH_MAX];
  int rc;
  if (!conf) {
    snprintf(path, sizeof path, "%s/linlid.conf", data);
    conf = path;
  }
  if ((rc = config_load(&d->cfg, conf, err, sizeof err))) {
    fprintf(stderr, "linlid: config %s\n", err);
    return 1;
  }
  if (linlid_check_data(d, data))
    return 1;
  if (d->lock_fd >= 0) /* a reload: the lock and the key are held already */
    return 0;
  if ((rc = linlid_lock(d))) {
    fprintf(stderr, "linlid: %s\n", rc == LINLI_EEXIST ? "another linlid already runs on this data directory"
                                                      : linli_strerror(rc));
    return 1;
  }
  snprintf(path, sizeof path, "%s/node.key", d->cfg.data);
  if ((rc = crdt_identity_load(&d->id, path))) {
    fprintf(stderr, "linlid: key file %s: %s\n", path, linli_strerror(rc));
    return 1;
  }
  return 0;
}

static int linlid_open(struct linlid *d)
{
  struct transport_hooks hooks = {d, linlid_log, linlid_control, linlid_tick, NULL};
  struct node_env env;
  struct node_config nc;
  char err[512];
  int rc;
  if (!d->control) {
    if ((rc = transport_control_open(&d->control, d->cfg.control, err, sizeof err))) {
      fprintf(stderr, "linlid: %s\n", err);
      return 1;
    }
    snprintf(d->control_ep, sizeof d->control_ep, "%s", d->cfg.control);
  } else if (strcmp(d->control_ep, d->cfg.control)) {
    linlid_log(d, "reload: the control line changed; the control socket stays where it was "
                  "until linlid restarts");
    snprintf(d->cfg.control, sizeof d->cfg.control, "%s", d->control_ep);
  }
  hooks.control_sock = d->control;
  if ((rc = transport_new(&d->tr, &d->cfg, &d->id, &hooks, err, sizeof err))) {
    fprintf(stderr, "linlid: %s\n", err);
    return 1;
  }
  transport_env(d->tr, &env);
  config_node(&d->cfg, &d->id, &nc);
  if ((rc = node_open(&d->node, &env, &nc))) {
    fprintf(stderr, "linlid: cannot open the node in %s: %s\n", d->cfg.data, linli_strerror(rc));
    return 1;
  }
  if ((rc = transport_start(d->tr, d->node, err, sizeof err))) {
    fprintf(stderr, "linlid: %s\n", err);
    return 1;
  }
  summaries_free(d->su);
  d->su = NULL;
  if ((rc = summaries_new(&d->su, &d->cfg, d->id.pk, err, sizeof err))) {
    fprintf(stderr, "linlid: summaries: %s\n", rc == LINLI_ENOMEM ? linli_strerror(rc) : err);
    return 1;
  }
  if (d->su) {
    snprintf(err, sizeof err, "summaries every=%llus (the district's daily summaries for the city)",
             (unsigned long long)d->cfg.summary_s);
    linlid_log(d, err);
  }
  return 0;
}

/* A node that dials nobody and listens nowhere syncs with nobody: say so. */
static void linlid_warn_alone(struct linlid *d)
{
  int dials = 0;
  for (int i = 0; i < d->cfg.n_roster; i++)
    dials |= d->cfg.roster[i].dial;
  if (!dials && !d->cfg.listen[0])
    linlid_log(d, "warning: no peer line and no listen address: this node syncs with nobody; add "
                  "'peer hub tcp://HOST:PORT HUBKEY' to linlid.conf (docs/operator.md)");
}

/* A district hub in a city: the city's certificate of it, in the city scope. */
struct linlid_cert_find {
  struct trust *t;
  uint64_t now_ms;
  int found;
};

static int linlid_city_cert(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw,
                            size_t len)
{
  struct linlid_cert_find *f = arg;
  struct crdt_op op;
  (void)hlc, (void)id;
  if (crdt_op_decode(&op, raw, len) == 0 && trust_city_certifies_hub(f->t, &op, f->now_ms))
    f->found = 1;
  return f->found;
}

/* The city refuses the summaries of a hub it has not certified: say so. */
static void linlid_warn_uncertified(struct linlid *d)
{
  struct timespec now;
  if (!d->cfg.trust || !d->cfg.has_city || memcmp(d->cfg.hub_pk, d->id.pk, CRDT_PK_BYTES) ||
      !memcmp(d->cfg.city_pk, d->id.pk, CRDT_PK_BYTES) || !node_trust(d->node))
    return;
  clock_gettime(CLOCK_REALTIME, &now);
  struct linlid_cert_find f = {node_trust(d->node),
                               (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u, 0};
  struct store_bound hi = store_bound_max();
  store_range_each(node_store(d->node), d->cfg.city, &STORE_BOUND_MIN, &hi, 0, linlid_city_cert, &f);
  if (!f.found) {
    char line[512];
    snprintf(line, sizeof line, "warning: the city %s holds no valid certificate of this hub for "
             "district %s: the city refuses its summaries; enrol it at the city (linli enroll) "
             "and import the certificate here (linli import-cert)", d->cfg.city, d->cfg.district);
    linlid_log(d, line);
  }
}

/* The web console (web.h): its threads read the node's store and write
 * through the control socket, which this loop serves like the CLI's. */
static int linlid_web(struct linlid *d)
{
  char err[512];
  struct web_opts o = {&d->cfg, d->id.pk, node_store(d->node), linlid_log, d, NULL, NULL, NULL};
  if (web_start(&d->web, &o, err, sizeof err)) {
    fprintf(stderr, "linlid: web console: %s\n", err);
    return 1;
  }
  return 0;
}

static int linlid_args(int argc, char **argv, const char **data, const char **conf)
{
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
      return linlid_usage(stdout, 0) - 1;
    if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
      *data = argv[++i];
    else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
      *conf = argv[++i];
    else
      return linlid_usage(stderr, 2);
  }
  return *data ? 0 : linlid_usage(stderr, 2);
}

int main(int argc, char **argv)
{
  const char *data = NULL, *conf = NULL;
  struct linlid *d = calloc(1, sizeof *d);
  int rc = linlid_args(argc, argv, &data, &conf), code = 1;
  if (rc) {
    free(d);
    return rc < 0 ? 0 : rc;
  }
  if (!d || crdt_init()) {
    fprintf(stderr, "linlid: cannot initialise (memory or libsodium)\n");
    return 1;
  }
  umask(077);
  d->lock_fd = -1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = linlid_on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  d->started_ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
  if (linlid_load(d, data, conf) || linlid_open(d))
    goto out;
  char pk[2 * CRDT_PK_BYTES + 1];
  for (int i = 0; i < CRDT_PK_BYTES; i++)
    snprintf(pk + 2 * i, 3, "%02x", d->id.pk[i]);
  char line[512];
  snprintf(line, sizeof line, "started key=%.16s scopes=%d roster=%d control=%s trust=%s%s", pk,
           d->cfg.n_scopes, d->cfg.n_roster, d->cfg.control, d->cfg.trust ? d->cfg.district : "off",
           d->cfg.trust && memcmp(d->cfg.hub_pk, d->id.pk, CRDT_PK_BYTES) == 0 ? " hub=self" : "");
  linlid_log(d, line);
  linlid_warn_alone(d);
  linlid_warn_uncertified(d);
  if (d->cfg.http.addr[0] && linlid_web(d))
    goto out;
  char everr[256];
  if (events_start(&d->ev, &d->cfg, node_store(d->node), linlid_log, d, everr, sizeof everr)) {
    fprintf(stderr, "linlid: events: %s\n", everr);
    goto out;
  }
  while (!(rc = transport_run(d->tr, &linlid_stop_flag)) && linlid_reload_flag) {
    /* Reopen with the config as it is now: the same process, the lock
     * kept; peers reconnect. A config that no longer loads keeps the old. */
    struct config *old = malloc(sizeof *old);
    if (!old)
      break;
    memcpy(old, &d->cfg, sizeof *old);
    linlid_reload_flag = 0, linlid_stop_flag = 0;
    web_stop(d->web);
    d->web = NULL;
    events_stop(d->ev);
    d->ev = NULL;
    node_close(d->node);
    d->node = NULL;
    transport_destroy(d->tr);
    d->tr = NULL;
    if (linlid_load(d, data, conf)) {
      memcpy(&d->cfg, old, sizeof *old);
      linlid_log(d, "reload: the config does not load (see the line above); keeping the old one");
    }
    free(old);
    if (linlid_open(d) || (d->cfg.http.addr[0] && linlid_web(d)) ||
        events_start(&d->ev, &d->cfg, node_store(d->node), linlid_log, d, everr, sizeof everr)) {
      rc = 1;
      break;
    }
    snprintf(line, sizeof line, "reloaded scopes=%d roster=%d", d->cfg.n_scopes, d->cfg.n_roster);
    linlid_log(d, line);
    linlid_warn_alone(d);
    linlid_warn_uncertified(d);
  }
  linlid_log(d, rc ? "stopping after a transport failure" : "stopping");
  code = rc ? 1 : 0;
out:
  web_stop(d->web); /* first: its requests in flight read the store */
  events_stop(d->ev);  /* likewise its scan */
  node_close(d->node); /* its last log lines go through the transport */
  transport_destroy(d->tr);
  transport_control_close(d->control);
  summaries_free(d->su);
  if (code == 0)
    linlid_log(d, "stopped");
  if (d->lock_fd >= 0)
    close(d->lock_fd);
  crdt_identity_wipe(&d->id);
  free(d);
  return code;
}
