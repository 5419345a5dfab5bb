/* Writing records from the staff verbs (import-csv, check, case, declare,
 * approve, conflicts resolve, the verbs of records.c): one op at a time
 * through the running linlid's control socket (["write", ...],
 * docs/operator.md section 6), or, with the daemon stopped, into the node
 * opened here under linlid.lock. Bodies are built from name/value pairs in
 * canonical key order; cli_writer_lookup reads a record before a write. */
#include <errno.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "domain.h"
#include "node.h"
#include "store.h"
#include "control.h"
#include "staff.h"
#include "transport.h"
#include "verbs.h"

static int kv_cmp(const void *x, const void *y)
{
  return strcmp(((const struct cli_kv *)x)->k, ((const struct cli_kv *)y)->k);
}

int cli_body(struct crdt_buf *b, struct cli_kv *kv, int n)
{
  qsort(kv, (size_t)n, sizeof *kv, kv_cmp);
  crdt_w_map(b, (uint32_t)n);
  for (int i = 0; i < n; i++) {
    crdt_w_cstr(b, kv[i].k);
    switch (kv[i].t) {
    case 'i':
      crdt_w_int(b, kv[i].i);
      break;
    case 'b':
      crdt_w_bool(b, kv[i].i != 0);
      break;
    case 'a': /* a set add/remove: an array of one element */
      crdt_w_array(b, 1);
      crdt_w_cstr(b, kv[i].s);
      break;
    default:
      crdt_w_cstr(b, kv[i].s);
    }
  }
  return crdt_buf_err(b) || b->len > CRDT_BODY_MAX_BYTES ? LINLI_ETOOBIG : 0;
}

int cli_writer_open(struct cli_writer **out, const char *data)
{
  struct cli_writer *w = calloc(1, sizeof *w);
  *out = NULL;
  if (!w)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  w->fd = -1;
  if (cli_load_config(data, &w->c)) {
    free(w);
    return CLI_FAIL;
  }
  w->daemon = cli_daemon_running(data);
  if (!w->daemon) {
    struct staff_who who;
    staff_resolve(&w->c, (long)getuid(), staff_owner(data), &who);
    if (!who.owner) {
      free(w);
      return cli_fail("linlid is not running on %s, and with it stopped only the node's owner may "
                      "write (it then marks each op as written offline); start linlid, or ask "
                      "the owner", data);
    }
    /* who wrote it, and that linlid did not see it (domain.h "staff") */
    snprintf(w->by, sizeof w->by, "%.*s@offline", DOM_BY_MAX - 8, who.name);
    int rc = cli_node_open(&w->c, &w->n, &w->fd);
    if (rc == LINLI_EEXIST) {
      w->daemon = 1; /* it started meanwhile */
    } else if (rc) {
      free(w);
      return cli_fail("cannot open the node in %s: %s", data, cli_err(rc));
    }
  }
  *out = w;
  return CLI_OK;
}

/* n changes in one transaction, through linlid (one request) or into the
 * node opened here. 0 with the ids (NULL: not wanted), or the error with
 * w->msg saying why and *bad the change refused (n: the commit). When
 * linlid stopped before answering, w->lost is set and the outcome is the
 * one the store recorded: 0 if the batch committed (ids then unknown but
 * the first), else -ECONNRESET. */
static int writer_commit(struct cli_writer *w, const struct node_change *c, size_t n,
                         uint8_t (*ids)[CRDT_ID_BYTES], size_t *bad)
{
  uint8_t rid[NODE_REQUEST_BYTES];
  struct cli_outcome o;
  struct crdt_buf b;
  struct crdt_mp r;
  const uint8_t *reply;
  uint32_t cnt;
  int code;
  w->msg[0] = 0;
  w->lost = 0;
  *bad = n;
  if (!w->daemon) {
    struct node_change *st = malloc((n ? n : 1) * sizeof *st);
    uint8_t *arena = NULL;
    if (!st)
      return LINLI_ENOMEM;
    memcpy(st, c, n * sizeof *st);
    int rc = staff_stamp(st, n, w->by, 0, &arena, bad);
    if (!rc)
      rc = node_write_batch(w->n, st, n, NULL, ids, bad);
    free(arena);
    free(st);
    return rc;
  }
  size_t cap = control_writes_size(c, n);
  if (n > CONTROL_BATCH_MAX || cap > CONTROL_REQ_MAX) {
    snprintf(w->msg, sizeof w->msg,
             "%zu changes (%zu KiB) are more than linlid takes in one transaction (%u changes, "
             "%u MiB): split the file, or import it with linlid stopped",
             n, cap / 1024, CONTROL_BATCH_MAX, CONTROL_REQ_MAX >> 20);
    return LINLI_ETOOBIG;
  }
  uint8_t *req = malloc(cap);
  if (!req)
    return LINLI_ENOMEM;
  crdt_buf_init(&b, req, cap);
  cli_request_id(rid);
  control_enc_writes(&b, rid, c, n);
  int got = crdt_buf_err(&b) ? LINLI_ETOOBIG : cli_ctl(&w->c, b.p, b.len, rid, &reply, &o);
  free(req);
  if (got < 0)
    return got;
  if (got == 0) {
    w->lost = 1;
    if (!o.committed) {
      snprintf(w->msg, sizeof w->msg, "linlid stopped before it stored them; nothing was "
                                      "written (run the command again once linlid runs)");
      return -ECONNRESET;
    }
    if (ids) {
      memset(ids, 0, n * sizeof *ids);
      memcpy(ids[0], o.first, CRDT_ID_BYTES);
    }
    return 0;
  }
  size_t at;
  if (control_reply_open(&r, reply, (size_t)got, &cnt, &code, w->msg, sizeof w->msg, &at))
    return LINLI_EPROTO;
  if (code) {
    *bad = at < n ? at : n;
    return code;
  }
  return control_reply_writes(&r, cnt, n, ids);
}

/* The frontier of the fields a set op writes: its parents, so that a
 * write that saw the current values replaces them instead of standing
 * beside them as a conflict. */
struct frontier {
  const struct node_change *ch;
  uint8_t parents[CRDT_PARENTS_MAX * CRDT_ID_BYTES];
  uint32_t n;
};

int cli_parent_add(uint8_t *parents, uint32_t *n, const uint8_t id[CRDT_ID_BYTES])
{
  for (uint32_t i = 0; i < *n; i++)
    if (!memcmp(parents + i * CRDT_ID_BYTES, id, CRDT_ID_BYTES))
      return 0;
  if (*n == CRDT_PARENTS_MAX)
    return 1;
  memcpy(parents + (*n)++ * CRDT_ID_BYTES, id, CRDT_ID_BYTES);
  return 0;
}

static int fr_entry(void *arg, const struct crdt_lww_entry *e)
{
  struct frontier *f = arg;
  return cli_parent_add(f->parents, &f->n, e->id); /* full: the rest stay as a conflict */
}

static int body_has(const struct node_change *ch, const struct crdt_str *name)
{
  struct crdt_mp m;
  uint32_t n;
  crdt_mp_init(&m, ch->body, ch->body_len);
  if (crdt_mp_map(&m, &n))
    return 0;
  for (uint32_t i = 0; i < n; i++) {
    const char *k;
    uint32_t kl;
    if (crdt_mp_str(&m, &k, &kl) || crdt_mp_value(&m, CRDT_DEPTH_MAX))
      return 0;
    if (kl == name->len && !memcmp(k, name->p, kl))
      return 1;
  }
  return 0;
}

static int fr_record(void *arg, const struct record *r)
{
  struct frontier *f = arg;
  for (uint32_t i = 0; i < r->n_fields; i++)
    if (r->f[i].tag == CRDT_ROW_LWW && r->lww_rows[i] && body_has(f->ch, &r->f[i].name))
      crdt_lww_each(r->lww_rows[i], r->lww_lens[i], fr_entry, f);
  return 0;
}

static int fr_read(void *arg, const struct crdt_view *v)
{
  struct frontier *f = arg;
  int rc = record_each(v, f->ch->scope, f->ch->collection, f->ch->key, fr_record, f);
  return rc < 0 ? rc : 0;
}

int cli_frontier_of(const char *data, const char *scope, const char *coll, const char *key,
                    const uint8_t *body, size_t blen, uint8_t *parents, uint32_t *n)
{
  struct config *c = malloc(sizeof *c);
  struct frontier f;
  int rc = LINLI_ENOMEM;
  *n = 0;
  if (!c || (rc = cli_load_config(data, c) ? LINLI_EINVAL : 0))
    goto out;
  struct node_change ch = {scope ? scope : c->scopes[0], coll, key, CRDT_SET, body, blen, NULL, 0};
  struct store *s;
  struct store_config sc = {data, 0, 0, 0, 1};
  f.ch = &ch;
  f.n = 0;
  if ((rc = store_open(&s, &sc)))
    goto out;
  rc = store_read_rows(s, fr_read, &f);
  store_close(s);
  if (!rc) {
    memcpy(parents, f.parents, (size_t)f.n * CRDT_ID_BYTES);
    *n = f.n;
  }
out:
  free(c);
  return rc == LINLI_ENOTFOUND ? 0 : rc;
}

int cli_writer_put(struct cli_writer *w, const struct node_change *ch, uint8_t id[CRDT_ID_BYTES])
{
  uint8_t tmp[CRDT_ID_BYTES];
  struct node_change c = *ch;
  struct frontier f;
  int rc;
  w->msg[0] = 0;
  if (!c.scope)
    c.scope = w->c.scopes[0];
  if (c.kind == CRDT_SET && !c.parents) {
    f.ch = &c;
    f.n = 0;
    if ((rc = cli_writer_read(w, fr_read, &f)) && rc != LINLI_ENOTFOUND)
      return rc;
    c.parents = f.n ? f.parents : NULL;
    c.n_parents = f.n;
  }
  size_t bad;
  uint8_t ids[1][CRDT_ID_BYTES];
  rc = writer_commit(w, &c, 1, ids, &bad);
  if (!rc)
    memcpy(id ? id : tmp, ids[0], CRDT_ID_BYTES);
  return rc;
}

const char *cli_writer_why(const struct cli_writer *w, int rc)
{
  if (w->msg[0])
    return w->msg;
  if (w->n && *node_write_why(w->n))
    return node_write_why(w->n);
  if (rc == LINLI_EPENDING)
    return "this node has no certificate yet: enrol it at the hub (linli enroll) and import the "
           "certificate here (linli import-cert)";
  if (rc == -ETIMEDOUT || rc == -ECONNREFUSED)
    return _("linlid did not answer on its control socket");
  return cli_err(rc);
}

int cli_writer_read(struct cli_writer *w, int (*fn)(void *arg, const struct crdt_view *v), void *arg)
{
  if (w->n)
    return store_read_rows(node_store(w->n), fn, arg);
  struct store_config sc = {w->c.data, 0, 0, 0, 1};
  int rc;
  if (!w->ro && (rc = store_open(&w->ro, &sc)))
    return rc;
  return store_read_rows(w->ro, fn, arg);
}

/* fn on one read snapshot of s, with its handle. */
static int read_rd(struct store *s, cli_rd_fn fn, void *arg)
{
  struct store_read *rd;
  int rc = store_read_begin(s, &rd);
  if (rc)
    return rc;
  struct crdt_view v = store_read_view(rd);
  rc = fn(arg, rd, &v);
  store_read_end(rd);
  return rc;
}

int cli_writer_read_rd(struct cli_writer *w, cli_rd_fn fn, void *arg)
{
  if (w->n)
    return read_rd(node_store(w->n), fn, arg);
  struct store_config sc = {w->c.data, 0, 0, 0, 1};
  int rc;
  if (!w->ro && (rc = store_open(&w->ro, &sc)))
    return rc;
  return read_rd(w->ro, fn, arg);
}

int cli_write_kv(struct cli_writer *w, const struct node_change *ch, struct cli_kv *kv, int n)
{
  uint8_t body[CRDT_BODY_MAX_BYTES + 256], id[CRDT_ID_BYTES];
  char hex[2 * CRDT_ID_BYTES + 1];
  struct crdt_buf b;
  struct node_change c = *ch;
  crdt_buf_init(&b, body, sizeof body);
  if (cli_body(&b, kv, n))
    return cli_fail("the record is larger than %d bytes", CRDT_BODY_MAX_BYTES);
  c.body = b.p;
  c.body_len = b.len;
  int rc = cli_writer_put(w, &c, id);
  if (rc)
    return cli_fail("not recorded: %s", cli_writer_why(w, rc));
  cli_hex(hex, id, sizeof id);
  printf("%s\n", hex);
  return CLI_OK;
}

struct lookup {
  const char *scope, *coll, *key;
  int (*fn)(void *arg, const struct record *r);
  void *arg;
  int found;
};

static int lk_record(void *arg, const struct record *r)
{
  struct lookup *l = arg;
  if (r->deleted)
    return 0;
  l->found = 1;
  return l->fn ? l->fn(l->arg, r) : 0;
}

static int lk_read(void *arg, const struct crdt_view *v)
{
  struct lookup *l = arg;
  int rc = record_each(v, l->scope, l->coll, l->key, lk_record, l);
  return rc < 0 ? rc : 0;
}

int cli_writer_lookup(struct cli_writer *w, const char *scope, const char *coll, const char *key,
                      int (*fn)(void *arg, const struct record *r), void *arg)
{
  struct lookup l = {scope ? scope : w->c.scopes[0], coll, key, fn, arg, 0};
  int rc = cli_writer_read(w, lk_read, &l);
  if (rc == LINLI_ENOTFOUND)
    return 0;
  return rc < 0 ? rc : l.found;
}

const char *cli_writer_where(const struct cli_writer *w)
{
  return w->daemon ? _("through linlid") : _("into the database (linlid is stopped)");
}

void cli_writer_close(struct cli_writer *w)
{
  if (!w)
    return;
  if (w->n)
    cli_node_close(w->n, w->fd);
  if (w->ro)
    store_close(w->ro);
  free(w);
}

int cli_read_rows(const char *data, int (*fn)(void *arg, const struct crdt_view *v), void *arg)
{
  struct store *s;
  struct store_config sc = {data, 0, 0, 0, 1};
  int rc = store_open(&s, &sc);
  if (rc)
    return cli_fail("cannot read the database in %s: %s (has linlid run there yet?)", data,
                    cli_err(rc));
  rc = store_read_rows(s, fn, arg);
  store_close(s);
  return rc;
}

int cli_read_rows_rd(const char *data, cli_rd_fn fn, void *arg)
{
  struct store *s;
  struct store_config sc = {data, 0, 0, 0, 1};
  int rc = store_open(&s, &sc);
  if (rc)
    return cli_fail("cannot read the database in %s: %s (has linlid run there yet?)", data,
                    cli_err(rc));
  rc = read_rd(s, fn, arg);
  store_close(s);
  return rc;
}

/* Writes n changes in one transaction and says so: CLI_OK with *stored = n,
 * or CLI_FAIL after one sentence (nothing was stored). ids: NULL, or n. */
static int write_all(struct cli_writer *w, const struct node_change *c, size_t n,
                     uint8_t (*ids)[CRDT_ID_BYTES], int *stored)
{
  size_t bad;
  *stored = 0;
  int rc = writer_commit(w, c, n, ids, &bad);
  if (rc) {
    if (n > 1 && bad < n)
      return cli_fail("not recorded: change %zu of %zu (%s %s) was refused: %s; nothing was "
                      "stored", bad + 1, n, c[bad].collection, c[bad].key,
                      cli_writer_why(w, rc));
    return cli_fail("not recorded: %s", cli_writer_why(w, rc));
  }
  if (w->lost)
    fprintf(stderr, _("linli: linlid stopped after storing the %zu change(s) and before "
                    "answering; they are stored\n"), n);
  *stored = (int)n;
  return CLI_OK;
}

static void plan_change(const struct dom_change *d, struct node_change *ch)
{
  *ch = (struct node_change){d->scope, d->coll, d->key, d->kind, d->body, d->body_len,
                             d->parents, d->n_parents};
  if (d->kind == CRDT_SET && !d->n_parents)
    ch->parents = (const uint8_t *)""; /* the plan found nothing to replace: no frontier read */
}

int cli_write_plan(struct cli_writer *w, const struct dom_plan *p, int *stored)
{
  char hex[2 * CRDT_ID_BYTES + 1];
  struct node_change ch[DOM_PLAN_MAX];
  uint8_t ids[DOM_PLAN_MAX][CRDT_ID_BYTES];
  for (int i = 0; i < p->n; i++)
    plan_change(&p->ch[i], &ch[i]);
  if (write_all(w, ch, (size_t)p->n, ids, stored))
    return CLI_FAIL;
  for (int i = 0; i < p->n; i++) {
    if (w->lost && i) /* only the first id is known */
      break;
    cli_hex(hex, ids[i], sizeof ids[i]);
    printf("%s\n", hex);
  }
  return CLI_OK;
}

struct planning {
  const struct dom_req *r;
  struct dom_plan *p;
  struct dom_err e;
  int rc;
};

static int plan_in(void *arg, const struct crdt_view *v)
{
  struct planning *pl = arg;
  pl->rc = dom_plan(pl->r, v, pl->p, &pl->e);
  return pl->rc < 0 ? pl->rc : 0;
}

int cli_plan_write(struct cli_writer *w, struct dom_req *r, const char *who, struct dom_plan *p,
                   int *stored)
{
  char today[DOM_DATE_LEN + 1], now[9];
  struct planning pl = {r, p, {0, 0, "", ""}, 0};
  *stored = 0;
  cli_today(&w->c, today, now);
  r->home = w->c.scopes[0];
  r->district = w->c.trust ? w->c.district : NULL;
  r->today = today;
  r->now = now;
  int rc = cli_writer_read(w, plan_in, &pl);
  if (rc < 0 && rc != LINLI_ENOTFOUND)
    pl.rc = rc;
  if (pl.rc < 0) {
    fprintf(stderr, _("%s: cannot read the records: %s\n"), who, cli_err(pl.rc));
    return CLI_FAIL;
  }
  if (pl.rc) {
    fprintf(stderr, "%s: %s\n", who, pl.e.msg);
    return pl.e.code;
  }
  if (p->note[0])
    fprintf(stderr, _("%s: note: %s\n"), who, p->note);
  return cli_write_plan(w, p, stored);
}

/* ---- a batch of changes: every row of a CSV file ---- */

struct cli_batch {
  uint8_t *buf;
  size_t len, cap, n;
};

struct cli_batch *cli_batch_new(void)
{
  return calloc(1, sizeof(struct cli_batch));
}

void cli_batch_free(struct cli_batch *b)
{
  if (b)
    free(b->buf);
  free(b);
}

static int batch_room(struct cli_batch *b, size_t more)
{
  if (b->len + more <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 1 << 16;
  while (cap < b->len + more)
    cap *= 2;
  uint8_t *nb = realloc(b->buf, cap);
  if (!nb)
    return LINLI_ENOMEM;
  b->buf = nb;
  b->cap = cap;
  return 0;
}

static void batch_put(struct cli_batch *b, const void *p, size_t n)
{
  memcpy(b->buf + b->len, p, n);
  b->len += n;
}

/* A change in the batch: the dom_change with only its used bytes. */
struct batch_head {
  uint8_t scope_len, coll_len, key_len, kind;
  uint16_t body_len;
  uint8_t n_parents;
};

int cli_batch_add_plan(struct cli_batch *b, const struct dom_plan *p)
{
  for (int i = 0; i < p->n; i++) {
    const struct dom_change *d = &p->ch[i];
    struct batch_head h = {(uint8_t)strlen(d->scope), (uint8_t)strlen(d->coll),
                           (uint8_t)strlen(d->key), (uint8_t)d->kind, (uint16_t)d->body_len,
                           (uint8_t)d->n_parents};
    size_t need = sizeof h + h.scope_len + h.coll_len + h.key_len + h.body_len +
                  (size_t)h.n_parents * CRDT_ID_BYTES;
    if (batch_room(b, need))
      return LINLI_ENOMEM;
    batch_put(b, &h, sizeof h);
    batch_put(b, d->scope, h.scope_len);
    batch_put(b, d->coll, h.coll_len);
    batch_put(b, d->key, h.key_len);
    batch_put(b, d->body, h.body_len);
    batch_put(b, d->parents, (size_t)h.n_parents * CRDT_ID_BYTES);
    b->n++;
  }
  return 0;
}

int cli_write_batch(struct cli_writer *w, const struct cli_batch *b, int *stored)
{
  /* the changes point into the batch; their names are copied out */
  struct names {
    char scope[CRDT_SCOPE_MAX + 1], coll[CRDT_COLLECTION_MAX + 1], key[CRDT_KEY_MAX + 1];
  } *nm = malloc((b->n ? b->n : 1) * sizeof *nm);
  struct node_change *ch = malloc((b->n ? b->n : 1) * sizeof *ch);
  const uint8_t *p = b->buf;
  int rc = CLI_FAIL;
  *stored = 0;
  if (!nm || !ch) {
    cli_fail("%s", cli_err(LINLI_ENOMEM));
    goto out;
  }
  for (size_t i = 0; i < b->n; i++) {
    struct batch_head h;
    memcpy(&h, p, sizeof h);
    p += sizeof h;
    memcpy(nm[i].scope, p, h.scope_len), nm[i].scope[h.scope_len] = 0, p += h.scope_len;
    memcpy(nm[i].coll, p, h.coll_len), nm[i].coll[h.coll_len] = 0, p += h.coll_len;
    memcpy(nm[i].key, p, h.key_len), nm[i].key[h.key_len] = 0, p += h.key_len;
    ch[i] = (struct node_change){nm[i].scope, nm[i].coll, nm[i].key, (enum crdt_kind)h.kind, p,
                                 h.body_len, h.n_parents ? p + h.body_len : (const uint8_t *)"",
                                 h.n_parents};
    p += h.body_len + (size_t)h.n_parents * CRDT_ID_BYTES;
  }
  if (b->n >= 5000)
    fprintf(stderr, _("writing %zu ops %s in one transaction...\n"), b->n, cli_writer_where(w));
  rc = write_all(w, ch, b->n, NULL, stored);
out:
  free(nm);
  free(ch);
  return rc;
}
