/* The workload: what community staff do, as ops. Gate and health checks
 * and distributions are log appends; case changes and resident edits are
 * lww sets whose parents are what the writing node sees now (so an edit
 * made on both sides of a partition shows as a conflict); supply stock is
 * a counter. Keys come from small sets so records are edited often. */
#include <string.h>

#include "domain.h"
#include "sim_int.h"

struct sim_frontier {
  uint8_t ids[CRDT_PARENTS_MAX * CRDT_ID_BYTES];
  uint32_t n;
  const uint8_t *key;
  size_t kl;
};

static int frontier_add(void *arg, const struct crdt_lww_entry *e)
{
  struct sim_frontier *f = arg;
  if (f->n == CRDT_PARENTS_MAX)
    return 1;
  memcpy(f->ids + (size_t)f->n++ * CRDT_ID_BYTES, e->id, CRDT_ID_BYTES);
  return 0;
}

static int frontier_read(void *arg, const struct crdt_view *v)
{
  struct sim_frontier *f = arg;
  const uint8_t *val;
  size_t vl;
  int rc = v->get(v->ctx, f->key, f->kl, &val, &vl);
  if (rc == LINLI_ENOTFOUND)
    return 0;
  if (rc)
    return rc;
  return crdt_lww_each(val, vl, frontier_add, f) < 0 ? LINLI_ECORRUPT : 0;
}

/* The ids that currently hold field `field` of the record, as parents. */
static int frontier(struct sim *s, struct sim_node *nd, const char *coll, const char *key,
                    const char *field, struct sim_frontier *f)
{
  uint8_t rk[256];
  const char *scope = s->scope_name[nd->scopes[0]];
  int pl = crdt_row_prefix(rk, sizeof rk, scope, strlen(scope), coll, strlen(coll), key,
                           strlen(key));
  size_t fl = strlen(field);
  if (pl < 0 || (size_t)pl + fl + 2 > sizeof rk)
    return LINLI_ETOOBIG;
  rk[pl] = CRDT_ROW_LWW;
  memcpy(rk + pl + 1, field, fl);
  rk[pl + 1 + fl] = 0;
  f->n = 0;
  f->key = rk;
  f->kl = (size_t)pl + fl + 2;
  return store_read_rows(node_store(nd->n), frontier_read, f);
}

static const char *pick(struct sim *s, const char *const *list, size_t n)
{
  return list[sim_rng_below(&s->rng, n)];
}

/* Builds one change; fills body (in b), key and collection. */
static int make_change(struct sim *s, struct sim_node *nd, struct node_change *c,
                       struct crdt_buf *b, char *key, struct sim_frontier *f)
{
  const struct sim_scenario *sc = s->sc;
  static const char *const items[] = {"meat", "medicine", "rice", "vegetables"};
  static const char *const ways[] = {"group", "proxy", "relief"};
  static const char *const cats[] = {"close_contact", "confirmed", "fever", "suspected"};
  static const char *const stock[] = {"fish_kg", "meat_kg", "rice_kg", "vegetables_kg"};
  uint64_t total = (uint64_t)sc->w_gate + sc->w_health + sc->w_case + sc->w_distribution +
                   sc->w_stock + sc->w_resident;
  uint64_t r = sim_rng_below(&s->rng, total ? total : 1);
  uint64_t n = ++nd->seq;
  memset(c, 0, sizeof *c);
  f->n = 0;
  if (r < sc->w_gate) {
    c->collection = domain_name(DOM_GATE_CHECK), c->kind = CRDT_APPEND;
    snprintf(key, 32, "g%02u", (unsigned)sim_rng_below(&s->rng, 4));
    crdt_w_map(b, 4);
    crdt_w_cstr(b, "ask"), crdt_w_bool(b, 1);
    crdt_w_cstr(b, "n"), crdt_w_uint(b, n);
    crdt_w_cstr(b, "pass"), crdt_w_bool(b, sim_rng_ppm(&s->rng, 980000));
    crdt_w_cstr(b, "temp_dc"), crdt_w_uint(b, 355 + sim_rng_below(&s->rng, 30));
  } else if ((r -= sc->w_gate) < sc->w_health) {
    c->collection = domain_name(DOM_HEALTH_CHECK), c->kind = CRDT_APPEND;
    snprintf(key, 32, "r%03u", (unsigned)sim_rng_below(&s->rng, 200));
    crdt_w_map(b, 3);
    crdt_w_cstr(b, "cough"), crdt_w_bool(b, sim_rng_ppm(&s->rng, 30000));
    crdt_w_cstr(b, "n"), crdt_w_uint(b, n);
    crdt_w_cstr(b, "temp_dc"), crdt_w_uint(b, 355 + sim_rng_below(&s->rng, 30));
  } else if ((r -= sc->w_health) < sc->w_case) {
    c->collection = domain_name(DOM_CASE), c->kind = CRDT_SET;
    snprintf(key, 32, "k%02u", (unsigned)sim_rng_below(&s->rng, 8));
    crdt_w_map(b, 2);
    crdt_w_cstr(b, "category"), crdt_w_cstr(b, pick(s, cats, 4));
    char date[16];
    snprintf(date, sizeof date, "2020-03-%02u", (unsigned)(1 + s->now / 86400000 % 28));
    crdt_w_cstr(b, "start_date"), crdt_w_cstr(b, date);
    int rc = frontier(s, nd, c->collection, key, "category", f);
    if (rc)
      return rc;
  } else if ((r -= sc->w_case) < sc->w_distribution) {
    c->collection = domain_name(DOM_DISTRIBUTION), c->kind = CRDT_APPEND;
    snprintf(key, 32, "h%03u", (unsigned)sim_rng_below(&s->rng, 100));
    crdt_w_map(b, 3);
    crdt_w_cstr(b, "items"), crdt_w_cstr(b, pick(s, items, 4));
    crdt_w_cstr(b, "n"), crdt_w_uint(b, n);
    crdt_w_cstr(b, "way"), crdt_w_cstr(b, pick(s, ways, 3));
  } else if ((r -= sc->w_distribution) < sc->w_stock) {
    c->collection = domain_name(DOM_STOCK), c->kind = CRDT_COUNTER;
    snprintf(key, 32, "stock");
    crdt_w_map(b, 1);
    crdt_w_cstr(b, pick(s, stock, 4));
    crdt_w_int(b, (int64_t)sim_rng_below(&s->rng, 200) - 120);
  } else {
    c->collection = domain_name(DOM_RESIDENT), c->kind = CRDT_SET;
    snprintf(key, 32, "r%03u", (unsigned)sim_rng_below(&s->rng, 8));
    const char *field = sim_rng_below(&s->rng, 2) ? "phone" : "special_needs";
    crdt_w_map(b, 1);
    crdt_w_cstr(b, field);
    char text[24]; /* both are text fields (node/domain/table.c) */
    if (field[0] == 'p')
      snprintf(text, sizeof text, "138%08u", (unsigned)sim_rng_below(&s->rng, 100000000));
    else
      snprintf(text, sizeof text, "%s", sim_rng_below(&s->rng, 2) ? "wheelchair" : "none");
    crdt_w_cstr(b, text);
    int rc = frontier(s, nd, c->collection, key, field, f);
    if (rc)
      return rc;
  }
  c->key = key;
  c->body = b->p;
  c->body_len = b->len;
  c->parents = f->n ? f->ids : NULL;
  c->n_parents = f->n;
  return crdt_buf_err(b);
}

static struct sim_node *pick_writer(struct sim *s)
{
  for (int tries = 0; tries < 8; tries++) {
    struct sim_node *nd = &s->nodes[sim_rng_below(&s->rng, s->n_nodes)];
    if ((nd->role == SIM_OFFICE || nd->role == SIM_LAPTOP) && nd->revoked_at_ms == UINT64_MAX)
      return nd; /* a revoked laptop's staff stop */
  }
  return NULL;
}

/* One staff write at a random writer node. A crashed node takes no
 * writes (its staff wait); a write that fails is an invariant failure:
 * honest writes within the limits must succeed. */
int sim__write(struct sim *s)
{
  struct sim_node *nd = pick_writer(s);
  if (!nd)
    return 0;
  if (!nd->n) {
    s->writes_refused++;
    return 0;
  }
  uint8_t body[512], id[CRDT_ID_BYTES], raw[CRDT_OP_MAX_BYTES];
  char key[32];
  struct crdt_buf b;
  struct node_change c;
  struct sim_frontier f;
  crdt_buf_init(&b, body, sizeof body);
  int rc = make_change(s, nd, &c, &b, key, &f);
  if (!rc)
    rc = node_write(nd->n, &c, id);
  if (nd->dying)
    return 0; /* it died in the write: no answer; a restart finds out (sim__adopt_unacked) */
  if (rc == LINLI_EIO) {
    s->writes_refused++; /* the crash seam failed its commit: the staff are told */
    sim__trace(s, "write n%u failed: %s", nd->idx, linli_errname(rc));
    return 0;
  }
  if (rc) {
    sim__fail(s, "n%u write %s/%s refused: %s", nd->idx, c.collection, key, linli_errname(rc));
    return 0;
  }
  int len = store_get_op(node_store(nd->n), id, raw, sizeof raw);
  if (len < 0) {
    sim__fail(s, "n%u acknowledged op %02x%02x%02x%02x but does not hold it: %s", nd->idx,
              id[0], id[1], id[2], id[3], linli_errname(len));
    return 0;
  }
  if ((rc = sim__reg_add(s, nd->idx, nd->scopes[0], raw, (size_t)len))) {
    sim__fail(s, "n%u op %02x%02x%02x%02x: registry: %s", nd->idx, id[0], id[1], id[2], id[3],
              linli_errname(rc));
    return 0;
  }
  s->v->ops++;
  sim__trace(s, "write n%u %s/%s kind=%d parents=%u id=%02x%02x%02x%02x", nd->idx, c.collection,
             key, c.kind, c.n_parents, id[0], id[1], id[2], id[3]);
  return 0;
}
