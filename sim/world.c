/* The world of a run: node cores and their data directories, identities
 * from the seed, the roster the acceptance hook checks, and the registry
 * of acknowledged ops (the oracle). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain.h"
#include "sim_int.h"
#include "trust.h"


static struct sim_node *node_of(void *ctx)
{
  return ctx;
}

static uint64_t env_now(void *ctx)
{
  struct sim_node *nd = node_of(ctx);
  return (uint64_t)((int64_t)(SIM_EPOCH_MS + nd->sim->now) + nd->skew_ms);
}

static void env_random(void *ctx, void *buf, size_t len)
{
  sim_rng_fill(&node_of(ctx)->sim->rng, buf, len);
}

/* A node whose store died (the crash seam) is a dead process: from that
 * moment it sends nothing, sets no timer and logs nothing. */
static int env_send(void *ctx, uint32_t peer, const uint8_t *msg, size_t len)
{
  struct sim_node *nd = node_of(ctx);
  if (nd->dying)
    return 0;
  return sim__send(nd->sim, nd->idx, peer, msg, len, 1);
}

static void env_timer(void *ctx, uint64_t at_ms)
{
  struct sim_node *nd = node_of(ctx);
  struct sim *s = nd->sim;
  if (nd->dying)
    return;
  int64_t vt = (int64_t)at_ms - (int64_t)SIM_EPOCH_MS - nd->skew_ms;
  uint64_t at = vt < (int64_t)s->now ? s->now : (uint64_t)vt;
  if (at == nd->timer_at)
    return;
  nd->timer_at = at;
  struct sim_ev e = {.at = at, .kind = SIM_EV_TIMER, .a = nd->idx, .epoch = nd->incarnation,
                     .arg = (int64_t)at};
  sim__push(s, &e);
}

static void env_log(void *ctx, const char *line)
{
  struct sim_node *nd = node_of(ctx);
  if (!nd->dying)
    sim__trace(nd->sim, "n%u %s", nd->idx, line);
}

static const char *const cut_names[] = {"go", "fail", "lose", "cut"};

/* The crash seam (store.h): the node's cut_at-th commit gets cut_how. */
static int env_commit(void *arg)
{
  struct sim_node *nd = arg;
  struct sim *s = nd->sim;
  if (++nd->commits != nd->cut_at)
    return STORE_COMMIT_GO;
  nd->cut_at = 0;
  s->faults[SIM_F_CUT]++;
  sim__trace(s, "commit n%u #%llu %s", nd->idx, (unsigned long long)nd->commits,
             cut_names[nd->cut_how]);
  if (nd->cut_how != STORE_COMMIT_FAIL)
    nd->dying = s->dying = 1;
  return nd->cut_how;
}

/* The roster: an author may write only its own community's scope; hubs and
 * the hostile peer write none. */
static int sim__accept(void *arg, const struct crdt_op *op)
{
  struct sim_node *nd = arg;
  struct sim *s = nd->sim;
  int why = domain_accept(NULL, op);
  if (why || s->sc->trust)
    return why; /* with trust on, certificates are the roster */
  if (s->sc->bug == SIM_BUG_TRUST_ALL && nd->idx == 0)
    return 0;
  for (uint32_t i = 0; i < s->n_nodes; i++) {
    struct sim_node *w = &s->nodes[i];
    if (memcmp(w->who.pk, op->author, CRDT_PK_BYTES) != 0)
      continue;
    if (w->role != SIM_OFFICE && w->role != SIM_LAPTOP)
      return LINLI_EUNAUTH;
    const char *home = s->scope_name[w->scopes[0]];
    if (strlen(home) == op->scope.len && memcmp(home, op->scope.p, op->scope.len) == 0)
      return 0;
    return LINLI_EUNAUTH;
  }
  return LINLI_EUNAUTH; /* not on the roster */
}

int sim__scope_held(const struct sim_node *nd, uint32_t scope)
{
  for (uint32_t i = 0; i < nd->n_scopes; i++)
    if (nd->scopes[i] == scope)
      return 1;
  return 0;
}

/* ---- building the topology ---- */

static struct sim_node *add_node(struct sim *s, enum sim_role role)
{
  struct sim_node *nd = &s->nodes[s->n_nodes];
  nd->sim = s;
  nd->idx = s->n_nodes++;
  nd->role = role;
  uint8_t seed[CRDT_SEED_BYTES];
  sim_rng_fill(&s->rng, seed, sizeof seed);
  crdt_identity_from_seed(&nd->who, seed);
  sodium_memzero(seed, sizeof seed);
  snprintf(nd->dir, sizeof nd->dir, "%s/n%u", s->root, nd->idx);
  snprintf(nd->bak, sizeof nd->bak, "%s/b%u", s->root, nd->idx);
  return nd;
}

static int add_scope(struct sim_node *nd, uint32_t scope)
{
  uint32_t *p = realloc(nd->scopes, (nd->n_scopes + 1) * sizeof *p);
  if (!p)
    return LINLI_ENOMEM;
  nd->scopes = p;
  nd->scopes[nd->n_scopes++] = scope;
  return 0;
}

static int build_star(struct sim *s)
{
  const struct sim_scenario *sc = s->sc;
  uint32_t C = sc->communities, D = sc->districts ? sc->districts : 1;
  uint32_t per = sc->hub_scopes ? sc->hub_scopes : 60;
  uint32_t *hub_of = calloc(C ? C : 1, sizeof *hub_of), *office = calloc(C ? C : 1, sizeof *office);
  int rc = 0;
  if (!hub_of || !office) {
    rc = LINLI_ENOMEM;
    goto out;
  }
  for (uint32_t c = 0; c < C; c++)
    snprintf(s->scope_name[c], SIM_SCOPE_LEN, "c%04u", c);
  s->n_scopes = C;
  if (sc->trust) { /* district scopes after the communities */
    s->district0 = C;
    s->n_districts = D;
    for (uint32_t d = 0; d < D; d++)
      snprintf(s->scope_name[C + d], SIM_SCOPE_LEN, "d%02u", d);
    s->n_scopes = C + D;
  }
  for (uint32_t d = 0; d < D; d++) { /* hub cores: each holds up to `per` scopes */
    uint32_t lo = d * C / D, hi = (d + 1) * C / D;
    for (uint32_t c = lo; c < hi; c++) {
      if ((c - lo) % per == 0) {
        add_node(s, SIM_HUB)->district = d;
        if (c == lo && sc->trust)
          s->district_hub[d] = s->n_nodes - 1; /* its key is the district's */
      }
      hub_of[c] = s->n_nodes - 1;
      if ((rc = add_scope(&s->nodes[s->n_nodes - 1], c)))
        goto out;
    }
  }
  for (uint32_t c = 0; c < C; c++) { /* offices: own scope, then neighbours' */
    uint32_t d = 0;
    while (c >= (d + 1) * C / D)
      d++;
    uint32_t lo = d * C / D, hi = (d + 1) * C / D;
    struct sim_node *o = add_node(s, SIM_OFFICE);
    o->district = d;
    office[c] = o->idx;
    if ((rc = add_scope(o, c)) || (rc = sim__edge_add(s, o->idx, hub_of[c])))
      goto out;
    for (uint32_t k = 1; k <= sc->neighbours && k < hi - lo; k++)
      if ((rc = add_scope(o, lo + (c - lo + k) % (hi - lo))))
        goto out;
  }
  for (uint32_t c = 0; c < C; c++) /* offices dial the neighbours they back up */
    for (uint32_t k = 1; k < s->nodes[office[c]].n_scopes; k++)
      if ((rc = sim__edge_add(s, office[c], office[s->nodes[office[c]].scopes[k]])))
        goto out;
  for (uint32_t c = 0; c < sc->laptops && c < C; c++) {
    struct sim_node *l = add_node(s, SIM_LAPTOP);
    l->district = s->nodes[office[c]].district;
    if ((rc = add_scope(l, c)) || (rc = sim__edge_add(s, l->idx, office[c])) ||
        (rc = sim__edge_add(s, l->idx, hub_of[c])))
      goto out;
  }
  if (sc->hostile) {
    struct sim_node *h = add_node(s, SIM_HOSTILE);
    s->hostile = h->idx;
    if ((rc = sim__edge_add(s, h->idx, 0)))
      goto out;
    for (uint32_t c = 1; c < 4 && c < C; c++)
      if ((rc = sim__edge_add(s, h->idx, office[c])))
        goto out;
  }
  for (uint32_t i = 0; i < s->n_nodes && sc->trust && !rc; i++) /* every node: its district */
    if (s->nodes[i].role != SIM_HOSTILE)
      rc = add_scope(&s->nodes[i], C + s->nodes[i].district);
out:
  free(hub_of);
  free(office);
  return rc;
}

/* trust=1: the district hub (its first hub core's key) certifies every
 * office and laptop; the certificates are registered as the hub's ops. */
static int certify_all(struct sim *s)
{
  for (uint32_t i = 0; i < s->n_nodes; i++) {
    struct sim_node *nd = &s->nodes[i];
    nd->cert = UINT32_MAX;
    if (nd->role != SIM_OFFICE && nd->role != SIM_LAPTOP)
      continue;
    struct sim_node *hub = &s->nodes[s->district_hub[nd->district]];
    uint8_t op[CRDT_OP_MAX_BYTES];
    int len = trust_cert_sign(&hub->who, s->scope_name[s->district0 + nd->district],
                              CRDT_HLC_MAKE(SIM_EPOCH_MS, i), nd->who.pk,
                              s->scope_name[nd->scopes[0]], "community", 0,
                              SIM_EPOCH_MS + 365 * 86400000ull, op, sizeof op);
    int rc = len < 0 ? len
                     : sim__reg_add(s, hub->idx, s->district0 + nd->district, op, (size_t)len);
    if (rc)
      return rc;
    nd->cert = (uint32_t)(s->n_reg - 1);
  }
  return 0;
}

static int build_mesh(struct sim *s)
{
  const struct sim_scenario *sc = s->sc;
  int rc;
  snprintf(s->scope_name[0], SIM_SCOPE_LEN, "c0000");
  s->n_scopes = 1;
  for (uint32_t i = 0; i < sc->mesh_nodes; i++)
    if ((rc = add_scope(add_node(s, SIM_OFFICE), 0)))
      return rc;
  for (uint32_t i = 0; i < sc->mesh_nodes && sc->mesh_nodes > 1 && sc->mesh_degree; i++) {
    if ((rc = sim__edge_add(s, i, (i + 1) % sc->mesh_nodes)))
      return rc;
    for (uint32_t k = 2; k < sc->mesh_degree; k += 2) {
      uint32_t j = (uint32_t)sim_rng_below(&s->rng, sc->mesh_nodes);
      if (j != i && (rc = sim__edge_add(s, i, j)))
        return rc;
    }
  }
  return 0;
}

static int build_holders(struct sim *s)
{
  s->holders = calloc(s->n_scopes, sizeof *s->holders);
  s->n_holders = calloc(s->n_scopes, sizeof *s->n_holders);
  if (!s->holders || !s->n_holders)
    return LINLI_ENOMEM;
  for (uint32_t i = 0; i < s->n_nodes; i++)
    for (uint32_t k = 0; k < s->nodes[i].n_scopes; k++) {
      uint32_t sc = s->nodes[i].scopes[k];
      uint32_t *h = realloc(s->holders[sc], (s->n_holders[sc] + 1) * sizeof *h);
      if (!h)
        return LINLI_ENOMEM;
      s->holders[sc] = h;
      h[s->n_holders[sc]++] = i;
    }
  return 0;
}

int sim__world_build(struct sim *s)
{
  uint32_t n = sim_scenario_nodes(s->sc) + 1, D = s->sc->districts ? s->sc->districts : 1;
  uint32_t scopes = s->sc->topo == SIM_TOPO_STAR ? s->sc->communities + D : 1;
  int rc;
  s->hostile = UINT32_MAX;
  s->pending_revoke.node = UINT32_MAX;
  s->nodes = calloc(n, sizeof *s->nodes);
  s->scope_name = calloc(scopes ? scopes : 1, sizeof *s->scope_name);
  s->district_hub = calloc(D, sizeof *s->district_hub);
  if (!s->nodes || !s->scope_name || !s->district_hub)
    return LINLI_ENOMEM;
  rc = s->sc->topo == SIM_TOPO_STAR ? build_star(s) : build_mesh(s);
  if (!rc)
    rc = build_holders(s);
  for (uint32_t i = 0; i < s->n_nodes; i++) {
    s->nodes[i].revoked_at_ms = UINT64_MAX;
    s->nodes[i].cert = UINT32_MAX;
  }
  if (!rc && s->sc->trust && s->sc->topo == SIM_TOPO_STAR)
    rc = certify_all(s);
  for (uint32_t i = 0; i < s->n_nodes && !rc; i++) {
    int64_t m = (int64_t)s->sc->skew_max_ms;
    s->nodes[i].skew_ms = m ? (int64_t)sim_rng_below(&s->rng, (uint64_t)(2 * m + 1)) - m : 0;
    sim__trace(s, "node %u role=%d scopes=%u skew=%lld", i, s->nodes[i].role,
               s->nodes[i].n_scopes, (long long)s->nodes[i].skew_ms);
    if (s->nodes[i].role != SIM_HOSTILE)
      rc = sim__node_start(s, &s->nodes[i]);
  }
  return rc;
}

static int rm_rf(const char *dir)
{
  char path[SIM_PATH_MAX + 16];
  const char *files[] = {"data.mdb", "lock.mdb"};
  for (int i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    unlink(path);
  }
  return rmdir(dir) == 0 || errno == ENOENT ? 0 : -errno;
}

void sim__world_release(struct sim *s)
{
  for (uint32_t i = 0; s->nodes && i < s->n_nodes; i++) {
    struct sim_node *nd = &s->nodes[i];
    node_close(nd->n);
    rm_rf(nd->dir);
    rm_rf(nd->bak);
    crdt_identity_wipe(&nd->who);
    free(nd->scopes);
    free(nd->edges);
    free(nd->acked);
  }
  for (uint32_t i = 0; s->holders && i < s->n_scopes; i++)
    free(s->holders[i]);
  for (size_t i = 0; i < s->n_reg; i++)
    free(s->reg[i].raw);
  free(s->holders);
  free(s->n_holders);
  free(s->nodes);
  free(s->edges);
  free(s->scope_name);
  free(s->district_hub);
  free(s->reg);
  free(s->reg_index);
}

/* ---- a node's life ---- */

/* trust=1, at every start, as staff would after a lost disk: an office or
 * laptop imports its own certificate, the district hub all of them
 * (stored already, nothing changes). */
static int import_certs(struct sim *s, struct sim_node *nd)
{
  int is_root = s->sc->trust && nd->role == SIM_HUB && s->district_hub[nd->district] == nd->idx;
  for (uint32_t i = 0; i < s->n_nodes && s->sc->trust && !nd->dying; i++) {
    struct sim_node *w = &s->nodes[i];
    if (w->cert == UINT32_MAX || (w != nd && !(is_root && w->district == nd->district)))
      continue;
    const struct sim_reg *r = &s->reg[w->cert];
    int rc = LINLI_EIO;
    for (int tries = 0; tries < 3 && rc == LINLI_EIO && !nd->dying; tries++)
      rc = node_import_one(nd->n, r->raw, r->len); /* a failed commit: again */
    if (nd->dying)
      return 0;
    if (rc < 0) {
      sim__fail(s, "n%u cannot import the certificate of n%u: %s", nd->idx, i, linli_errname(rc));
      return rc;
    }
  }
  return 0;
}

int sim__node_start(struct sim *s, struct sim_node *nd)
{
  struct node_env env = {nd, env_now, env_random, env_send, env_timer, env_log};
  struct node_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.dir = nd->dir;
  cfg.identity = &nd->who;
  for (uint32_t i = 0; i < nd->n_scopes && i < NODE_SCOPES_MAX; i++)
    cfg.scopes[cfg.n_scopes++] = s->scope_name[nd->scopes[i]];
  cfg.map_size = (size_t)2 << 20;
  cfg.map_size_max = (size_t)1 << 30;
  cfg.nosync = 1;
  cfg.sync_interval_ms = s->sc->sync_ms;
  cfg.max_drift_ms = s->sc->max_drift_ms;
  cfg.ahead_ms = s->sc->ahead_ms;
  cfg.frame_max = s->sc->frame_max;
  cfg.accept = sim__accept; /* the domain's write check, then the scenario's roster */
  cfg.accept_arg = nd;
  cfg.hub_collections = domain_hub_collections();
  cfg.verify_seeded = 1; /* the inbox and the verify pool, as linlid */
  cfg.commit_fault = env_commit;
  cfg.commit_fault_arg = nd;
  if (s->sc->trust && s->sc->topo == SIM_TOPO_STAR) {
    cfg.hub_pk = s->nodes[s->district_hub[nd->district]].who.pk;
    cfg.district = s->scope_name[s->district0 + nd->district];
  }
  nd->pump_at = UINT64_MAX;
  int rc = node_open(&nd->n, &env, &cfg);
  if (rc == 0 && nd->dying) { /* a seeded cut while it opened */
    sim__trace(s, "start n%u: died opening", nd->idx);
    return 0;
  }
  if (rc) {
    sim__fail(s, "node %u does not open: %s", nd->idx, linli_errname(rc));
    return rc;
  }
  if ((rc = import_certs(s, nd)))
    return rc;
  nd->incarnation++;
  nd->timer_at = UINT64_MAX;
  struct sim_ev e = {.at = s->now + sim_rng_below(&s->rng, SIM_TICK_MS), .kind = SIM_EV_TICK,
                     .a = nd->idx, .epoch = nd->incarnation};
  sim__trace(s, "start n%u", nd->idx);
  if ((rc = sim__push(s, &e)))
    return rc;
  sim__links_of(s, nd);
  return 0;
}

void sim__count_gone(struct sim *s, struct sim_node *nd)
{
  struct node_status st;
  memset(&st, 0, sizeof st);
  node_status(nd->n, &st); /* the counters, even when the store is dead */
  s->gone_rejected += st.rejected;
  s->gone_clock += st.rejected_by[linli_err_index(LINLI_ECLOCK)];
}

/* The node goes away: closed (what) or abandoned; its peers notice after
 * detect_ms. */
static void node_gone(struct sim *s, struct sim_node *nd, const char *what)
{
  sim__count_gone(s, nd);
  if (what[0] == 'c')
    node_close(nd->n);
  else
    node_abandon(nd->n);
  nd->n = NULL;
  nd->timer_at = UINT64_MAX;
  sim__trace(s, "%s n%u", what, nd->idx);
  sim__links_of(s, nd);
}

/* Closes the node without a clean shutdown between two events; LMDB kept
 * every committed transaction. */
void sim__node_crash(struct sim *s, struct sim_node *nd)
{
  if (nd->n)
    node_gone(s, nd, "crash");
}

/* The crash seam killed a node's store during the last event: abandon the
 * node as the process would be (nothing more written), and bring it back
 * after a while. */
void sim__reap(struct sim *s)
{
  s->dying = 0;
  for (uint32_t i = 0; i < s->n_nodes; i++) {
    struct sim_node *nd = &s->nodes[i];
    if (!nd->dying)
      continue;
    nd->dying = 0;
    nd->was_cut = 1;
    node_gone(s, nd, "abandon");
    uint64_t down = sim_rng_range(&s->rng, s->sc->down_min_ms, s->sc->down_max_ms);
    struct sim_ev e = {.at = s->now + down, .kind = SIM_EV_RESTART, .a = nd->idx, .arg = 0};
    sim__push(s, &e);
  }
}

struct adopt_arg {
  struct sim *s;
  struct sim_node *nd;
  uint32_t scope;
  int rc;
};

static int adopt_one(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  struct adopt_arg *a = arg;
  struct crdt_op op;
  (void)hlc;
  if (sim__reg_find(a->s, id) >= 0 || crdt_op_decode(&op, raw, len) ||
      memcmp(op.author, a->nd->who.pk, CRDT_PK_BYTES))
    return 0;
  size_t acked = a->nd->n_acked;
  if ((a->rc = sim__reg_add(a->s, a->nd->idx, a->scope, raw, len)))
    return 1;
  a->nd->n_acked = acked; /* registered, never acknowledged */
  sim__trace(a->s, "adopt n%u %02x%02x%02x%02x (stored, never acknowledged)", a->nd->idx, id[0],
             id[1], id[2], id[3]);
  if (a->s->pending_revoke.node != UINT32_MAX && a->nd->idx == a->s->pending_revoke.by &&
      memcmp(id, a->s->pending_revoke.id, CRDT_ID_BYTES) == 0)
    sim__revoke_stored(a->s);
  return 0;
}

int sim__adopt_unacked(struct sim *s, struct sim_node *nd)
{
  struct store_bound lo = STORE_BOUND_MIN, hi = store_bound_max();
  for (uint32_t k = 0; k < nd->n_scopes && nd->n; k++) {
    struct adopt_arg a = {s, nd, nd->scopes[k], 0};
    int rc = store_range_each(node_store(nd->n), s->scope_name[nd->scopes[k]], &lo, &hi, 0,
                              adopt_one, &a);
    if (a.rc || rc < 0)
      return a.rc ? a.rc : rc;
  }
  return 0;
}

int sim__doomed(const struct sim *s, const struct sim_reg *r)
{
  return s->nodes[r->writer].revoked_at_ms <= r->ms;
}

static int copy_file(const char *from, const char *to)
{
  int in = open(from, O_RDONLY), out = -1, rc = 0;
  char buf[65536];
  if (in < 0)
    return -errno;
  out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (out < 0) {
    rc = -errno;
    goto out;
  }
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0) {
      rc = -errno;
      break;
    }
    if (n == 0)
      break;
    if (write(out, buf, (size_t)n) != n) {
      rc = LINLI_EIO;
      break;
    }
  }
out:
  if (out >= 0)
    close(out);
  close(in);
  return rc;
}

/* Copies the data file while the node is between two events: no write
 * transaction is open, and LMDB's file holds the last commit. */
int sim__node_backup(struct sim *s, struct sim_node *nd)
{
  char from[SIM_PATH_MAX + 16], to[SIM_PATH_MAX + 16];
  if (mkdir(nd->bak, 0700) != 0 && errno != EEXIST)
    return -errno;
  snprintf(from, sizeof from, "%s/data.mdb", nd->dir);
  snprintf(to, sizeof to, "%s/data.mdb", nd->bak);
  int rc = copy_file(from, to);
  if (rc == 0) {
    nd->has_backup = 1;
    nd->backup_acked = nd->n_acked;
    sim__trace(s, "backup n%u acked=%zu", nd->idx, nd->n_acked);
  }
  return rc;
}

static int held_elsewhere(struct sim *s, const struct sim_reg *r, uint32_t self)
{
  for (uint32_t k = 0; k < s->n_holders[r->scope]; k++) {
    struct sim_node *h = &s->nodes[s->holders[r->scope][k]];
    if (h->idx != self && h->n && store_has(node_store(h->n), r->id) == 1)
      return 1;
  }
  return 0;
}

/* Crash, put the backup's data file back, restart. Ops it acknowledged
 * after the backup must come back from peers; those no peer had are lost
 * by the restore itself and are marked unreplicated. */
int sim__node_restore(struct sim *s, struct sim_node *nd)
{
  char from[SIM_PATH_MAX + 16], to[SIM_PATH_MAX + 16];
  if (!nd->has_backup)
    return 0;
  for (size_t i = nd->backup_acked; i < nd->n_acked; i++) {
    struct sim_reg *r = &s->reg[nd->acked[i]];
    r->restored_away = 1;
    if (!held_elsewhere(s, r, nd->idx)) {
      r->unreplicated = 1;
      s->v->unreplicated++;
    }
  }
  sim__node_crash(s, nd);
  snprintf(from, sizeof from, "%s/data.mdb", nd->bak);
  snprintf(to, sizeof to, "%s/data.mdb", nd->dir);
  int rc = copy_file(from, to);
  snprintf(to, sizeof to, "%s/lock.mdb", nd->dir);
  unlink(to);
  sim__trace(s, "restore n%u acked_at_backup=%llu acked=%zu", nd->idx,
             (unsigned long long)nd->backup_acked, nd->n_acked);
  if (rc)
    return rc;
  return sim__node_start(s, nd);
}

/* ---- the registry ---- */

static uint64_t id_hash(const uint8_t *id)
{
  uint64_t h;
  memcpy(&h, id, sizeof h);
  return h;
}

static int reg_grow(struct sim *s)
{
  size_t cap = s->cap_index ? s->cap_index * 2 : 4096;
  uint32_t *ix = malloc(cap * sizeof *ix);
  if (!ix)
    return LINLI_ENOMEM;
  memset(ix, 0xff, cap * sizeof *ix);
  for (size_t i = 0; i < s->n_reg; i++) {
    size_t j = id_hash(s->reg[i].id) & (cap - 1);
    while (ix[j] != UINT32_MAX)
      j = (j + 1) & (cap - 1);
    ix[j] = (uint32_t)i;
  }
  free(s->reg_index);
  s->reg_index = ix;
  s->cap_index = cap;
  return 0;
}

long sim__reg_find(const struct sim *s, const uint8_t id[CRDT_ID_BYTES])
{
  if (!s->cap_index)
    return -1;
  for (size_t j = id_hash(id) & (s->cap_index - 1);; j = (j + 1) & (s->cap_index - 1)) {
    uint32_t i = s->reg_index[j];
    if (i == UINT32_MAX)
      return -1;
    if (memcmp(s->reg[i].id, id, CRDT_ID_BYTES) == 0)
      return (long)i;
  }
}

int sim__reg_add(struct sim *s, uint32_t writer, uint32_t scope, const uint8_t *raw, size_t len)
{
  struct crdt_op op;
  int rc = crdt_op_open(&op, raw, len);
  if (rc)
    return rc;
  if (sim__reg_find(s, op.id) >= 0)
    return LINLI_EEXIST;
  if ((s->n_reg + 1) * 2 > s->cap_index && (rc = reg_grow(s)))
    return rc;
  if (s->n_reg == s->cap_reg) {
    size_t cap = s->cap_reg ? s->cap_reg * 2 : 1024;
    struct sim_reg *r = realloc(s->reg, cap * sizeof *r);
    if (!r)
      return LINLI_ENOMEM;
    s->reg = r;
    s->cap_reg = cap;
  }
  struct sim_reg *r = &s->reg[s->n_reg];
  memset(r, 0, sizeof *r);
  memcpy(r->id, op.id, CRDT_ID_BYTES);
  r->ms = CRDT_HLC_MS(op.hlc);
  r->writer = writer;
  r->scope = scope;
  r->len = (uint32_t)len;
  if (!(r->raw = malloc(len)))
    return LINLI_ENOMEM;
  memcpy(r->raw, raw, len);
  size_t j = id_hash(r->id) & (s->cap_index - 1);
  while (s->reg_index[j] != UINT32_MAX)
    j = (j + 1) & (s->cap_index - 1);
  s->reg_index[j] = (uint32_t)s->n_reg++;
  struct sim_node *nd = &s->nodes[writer];
  if (nd->n_acked == nd->cap_acked) {
    size_t cap = nd->cap_acked ? nd->cap_acked * 2 : 64;
    uint32_t *a = realloc(nd->acked, cap * sizeof *a);
    if (!a)
      return LINLI_ENOMEM;
    nd->acked = a;
    nd->cap_acked = cap;
  }
  nd->acked[nd->n_acked++] = (uint32_t)(s->n_reg - 1);
  return 0;
}
