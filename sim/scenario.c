/* Scenarios: the defaults, the built-ins, and the text format of
 * scenario files (docs/sim.md "Writing a scenario"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

const char *const sim_builtin_names[] = {"star", "district", "city", "flaky-links",
                                         "long-partition", "mesh", "crash-mid-commit", NULL};

static const char *const fault_names[SIM_F_COUNT] = {
    "drop", "dup", "reorder", "delay", "partition", "oneway", "crash",
    "restore", "jump", "forge", "skewed", "malformed", "cut", "revoke"};

const char *sim_fault_name(enum sim_fault f)
{
  return (unsigned)f < SIM_F_COUNT ? fault_names[f] : "?";
}

void sim_scenario_defaults(struct sim_scenario *sc)
{
  memset(sc, 0, sizeof *sc);
  snprintf(sc->name, sizeof sc->name, "custom");
  sc->topo = SIM_TOPO_STAR;
  sc->districts = 1;
  sc->communities = 20;
  sc->hub_scopes = 60;
  sc->mesh_nodes = 30;
  sc->mesh_degree = 4;
  sc->duration_ms = 60000;
  sc->sync_ms = 2000;
  sc->check_ms = 10000;
  sc->lat_min_ms = 5;
  sc->lat_max_ms = 50;
  sc->detect_ms = 2000;
  sc->redial_ms = 500;
  sc->max_rounds = 10;
  sc->skew_max_ms = 25000;
  sc->max_drift_ms = 600000;
  sc->ahead_ms = NODE_AHEAD_MS;
  sc->write_per_s = 20;
  sc->w_gate = 3, sc->w_health = 3, sc->w_case = 1, sc->w_distribution = 2, sc->w_stock = 1,
  sc->w_resident = 2;
  sc->delay_max_ms = 3000;
  sc->drop_resets = 1;
  sc->part_min_ms = 5000, sc->part_max_ms = 20000;
  sc->down_min_ms = 1000, sc->down_max_ms = 10000;
}

/* Every fault kind at a moderate rate. */
static void all_faults(struct sim_scenario *sc)
{
  sc->drop_ppm = 2000, sc->dup_ppm = 2000, sc->reorder_ppm = 5000, sc->delay_ppm = 5000;
  sc->partition_pm = 2, sc->oneway_pm = 1, sc->crash_pm = 2, sc->restore_pm = 1;
  sc->jump_pm = 2, sc->forge_pm = 6, sc->skewed_pm = 2, sc->malformed_pm = 4;
  sc->hostile = 1;
}

static const char long_partition[] =
    "# hub and communities 0-9 on one side, communities 10-19 and every laptop\n"
    "# (laptops 21-24 belong to communities 0-3) on the other, until the end\n"
    "at 5s partition 0-10 | 11-24\n"
    "# the heal is the end of the run (120 s): rounds counts its repair\n";

int sim_scenario_builtin(struct sim_scenario *sc, const char *name)
{
  char err[128];
  sim_scenario_defaults(sc);
  if (strcmp(name, "star") == 0) {
    sc->laptops = 4, sc->neighbours = 1;
    all_faults(sc);
  } else if (strcmp(name, "district") == 0) {
    sc->communities = 150, sc->laptops = 10, sc->neighbours = 1, sc->write_per_s = 60;
    sc->duration_ms = 40000;
    all_faults(sc);
  } else if (strcmp(name, "city") == 0) {
    sc->districts = 13, sc->communities = 1400, sc->write_per_s = 100;
    sc->duration_ms = 20000, sc->sync_ms = 5000, sc->check_ms = 0, sc->max_rounds = 8;
    all_faults(sc);
    sc->crash_pm = 6, sc->restore_pm = 3;
  } else if (strcmp(name, "flaky-links") == 0) {
    sc->laptops = 4, sc->neighbours = 2;
    sc->drop_ppm = 50000, sc->dup_ppm = 50000, sc->reorder_ppm = 100000, sc->delay_ppm = 50000;
    sc->partition_pm = 6, sc->oneway_pm = 3, sc->part_min_ms = 1000, sc->part_max_ms = 5000;
    sc->lat_max_ms = 400;
  } else if (strcmp(name, "long-partition") == 0) {
    sc->laptops = 4, sc->neighbours = 1, sc->duration_ms = 120000, sc->w_resident = 6;
    if (sim_scenario_parse(sc, long_partition, err, sizeof err))
      return LINLI_EINVAL;
  } else if (strcmp(name, "crash-mid-commit") == 0) {
    /* the store's crash seam at a seeded commit of a seeded node, several
     * times a run, with trust on (certificates held and released,
     * revocations purging) and every other fault; small, for 200 seeds */
    sc->communities = 10, sc->laptops = 4, sc->neighbours = 1, sc->trust = 1;
    sc->duration_ms = 20000, sc->write_per_s = 10;
    all_faults(sc);
    sc->cut_pm = 15, sc->revoke_pm = 3;
  } else if (strcmp(name, "mesh") == 0) {
    sc->topo = SIM_TOPO_MESH;
    sc->drop_ppm = 5000, sc->dup_ppm = 5000, sc->reorder_ppm = 5000;
    sc->partition_pm = 2, sc->crash_pm = 2, sc->jump_pm = 2;
  } else {
    return LINLI_ENOTFOUND;
  }
  snprintf(sc->name, sizeof sc->name, "%s", name);
  return 0;
}

uint32_t sim_scenario_nodes(const struct sim_scenario *sc)
{
  if (sc->topo == SIM_TOPO_MESH)
    return sc->mesh_nodes;
  uint32_t D = sc->districts ? sc->districts : 1, per = sc->hub_scopes ? sc->hub_scopes : 60;
  uint32_t hubs = 0;
  for (uint32_t d = 0; d < D; d++) {
    uint32_t k = (d + 1) * sc->communities / D - d * sc->communities / D;
    hubs += (k + per - 1) / per;
  }
  return hubs + sc->communities + (sc->laptops < sc->communities ? sc->laptops : sc->communities);
}

/* ---- the text format ---- */

/* "250ms", "2s", "3m", "1h", or plain milliseconds; a leading - allowed. */
static int parse_ms(const char *t, int64_t *out)
{
  char *end;
  errno = 0;
  long long v = strtoll(t, &end, 10);
  if (end == t || errno)
    return LINLI_EINVAL;
  int64_t mul = 1;
  if (strcmp(end, "s") == 0)
    mul = 1000;
  else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
    mul = 60000;
  else if (strcmp(end, "h") == 0)
    mul = 3600000;
  else if (*end && strcmp(end, "ms") != 0)
    return LINLI_EINVAL;
  if (v > INT64_MAX / mul || v < INT64_MIN / mul)
    return LINLI_EINVAL;
  *out = v * mul;
  return 0;
}

static int parse_ums(const char *t, uint64_t *out)
{
  int64_t v;
  int rc = parse_ms(t, &v);
  if (!rc && v < 0)
    rc = LINLI_EINVAL;
  if (!rc)
    *out = (uint64_t)v;
  return rc;
}

static int parse_u32(const char *t, uint32_t *out)
{
  char *end;
  errno = 0;
  unsigned long v = strtoul(t, &end, 10);
  if (end == t || *end || errno || v > UINT32_MAX || t[0] == '-')
    return LINLI_EINVAL;
  *out = (uint32_t)v;
  return 0;
}

/* A probability: "0.01" or "1%", to parts per million. */
static int parse_ppm(const char *t, uint32_t *out)
{
  char *end;
  errno = 0;
  double v = strtod(t, &end);
  if (end == t || errno || v < 0)
    return LINLI_EINVAL;
  if (strcmp(end, "%") == 0)
    v /= 100;
  else if (*end)
    return LINLI_EINVAL;
  if (v > 1)
    return LINLI_EINVAL;
  *out = (uint32_t)(v * 1e6 + 0.5);
  return 0;
}

/* "N/min", "N/s" (writes), or N. */
static int parse_rate(const char *t, uint32_t *out, const char *unit)
{
  char buf[32];
  snprintf(buf, sizeof buf, "%s", t);
  char *slash = strchr(buf, '/');
  if (slash) {
    if (strcmp(slash + 1, unit) != 0)
      return LINLI_EINVAL;
    *slash = 0;
  }
  return parse_u32(buf, out);
}

static int parse_span(const char *t, uint64_t *lo, uint64_t *hi)
{
  char buf[64];
  snprintf(buf, sizeof buf, "%s", t);
  char *dots = strstr(buf, "..");
  if (!dots)
    return LINLI_EINVAL;
  *dots = 0;
  if (parse_ums(buf, lo) || parse_ums(dots + 2, hi) || *hi < *lo)
    return LINLI_EINVAL;
  return 0;
}

struct kv {
  const char *k;
  const char *v;
};

static int split_kv(char *tok, struct kv *kv)
{
  char *eq = strchr(tok, '=');
  if (!eq)
    return LINLI_EINVAL;
  *eq = 0;
  kv->k = tok;
  kv->v = eq + 1;
  return 0;
}

static int topo_kv(struct sim_scenario *sc, const struct kv *x)
{
  uint32_t u;
  if (parse_u32(x->v, &u))
    return LINLI_EINVAL;
  if (!strcmp(x->k, "districts") && u >= 1)
    sc->districts = u;
  else if (!strcmp(x->k, "communities") && u >= 1 && u <= 9999)
    sc->communities = u;
  else if (!strcmp(x->k, "laptops"))
    sc->laptops = u;
  else if (!strcmp(x->k, "neighbours") && u < NODE_SCOPES_MAX - 1)
    sc->neighbours = u;
  else if (!strcmp(x->k, "hub-scopes") && u >= 1 && u <= NODE_SCOPES_MAX)
    sc->hub_scopes = u;
  else if (!strcmp(x->k, "nodes") && u >= 1)
    sc->mesh_nodes = u;
  else if (!strcmp(x->k, "degree"))
    sc->mesh_degree = u;
  else if (!strcmp(x->k, "hostile") && u <= 1)
    sc->hostile = (int)u;
  else if (!strcmp(x->k, "trust") && u <= 1)
    sc->trust = (int)u;
  else
    return LINLI_EINVAL;
  return 0;
}

static int workload_kv(struct sim_scenario *sc, const struct kv *x)
{
  uint32_t *w = !strcmp(x->k, "gate")           ? &sc->w_gate
                : !strcmp(x->k, "health")       ? &sc->w_health
                : !strcmp(x->k, "case")         ? &sc->w_case
                : !strcmp(x->k, "distribution") ? &sc->w_distribution
                : !strcmp(x->k, "stock")        ? &sc->w_stock
                : !strcmp(x->k, "resident")     ? &sc->w_resident
                                                : NULL;
  if (w)
    return parse_u32(x->v, w);
  if (!strcmp(x->k, "rate")) {
    int rc = parse_rate(x->v, &sc->write_per_s, "s");
    return rc || sc->write_per_s > 1000 ? LINLI_EINVAL : 0;
  }
  return LINLI_EINVAL;
}

static int faults_kv(struct sim_scenario *sc, const struct kv *x)
{
  static const char *const ppm_keys[] = {"drop", "dup", "reorder", "delay"};
  static const char *const pm_keys[] = {"partition", "oneway", "crash", "restore", "jump",
                                        "forge", "skewed", "malformed", "cut", "revoke"};
  uint32_t *ppm[] = {&sc->drop_ppm, &sc->dup_ppm, &sc->reorder_ppm, &sc->delay_ppm};
  uint32_t *pm[] = {&sc->partition_pm, &sc->oneway_pm, &sc->crash_pm, &sc->restore_pm,
                    &sc->jump_pm, &sc->forge_pm, &sc->skewed_pm, &sc->malformed_pm,
                    &sc->cut_pm, &sc->revoke_pm};
  for (int i = 0; i < 4; i++)
    if (!strcmp(x->k, ppm_keys[i]))
      return parse_ppm(x->v, ppm[i]);
  for (int i = 0; i < 10; i++)
    if (!strcmp(x->k, pm_keys[i]))
      return parse_rate(x->v, pm[i], "min");
  if (!strcmp(x->k, "delay-max"))
    return parse_ums(x->v, &sc->delay_max_ms);
  if (!strcmp(x->k, "partition-len"))
    return parse_span(x->v, &sc->part_min_ms, &sc->part_max_ms);
  if (!strcmp(x->k, "down"))
    return parse_span(x->v, &sc->down_min_ms, &sc->down_max_ms);
  if (!strcmp(x->k, "drop-resets")) {
    uint32_t u;
    if (parse_u32(x->v, &u) || u > 1)
      return LINLI_EINVAL;
    sc->drop_resets = (int)u;
    return 0;
  }
  return LINLI_EINVAL;
}

/* Groups: "0-10,12 | 13-24" (PARTITION, groups 1, 2, ...) or "A > B"
 * (ONEWAY: A is group 1, B group 2). */
static int parse_groups(struct sim_sched *x, char **tok, int n)
{
  uint32_t group = 1;
  for (int i = 0; i < n; i++) {
    if (!strcmp(tok[i], "|") || !strcmp(tok[i], ">")) {
      if ((x->action == SIM_A_ONEWAY) != (tok[i][0] == '>'))
        return LINLI_EINVAL;
      group++;
      continue;
    }
    for (char *save = NULL, *r = strtok_r(tok[i], ",", &save); r; r = strtok_r(NULL, ",", &save)) {
      if (x->n_ranges == 16)
        return LINLI_ETOOBIG;
      char *dash = strchr(r, '-');
      if (dash)
        *dash = 0;
      if (parse_u32(r, &x->lo[x->n_ranges]) ||
          parse_u32(dash ? dash + 1 : r, &x->hi[x->n_ranges]))
        return LINLI_EINVAL;
      x->group[x->n_ranges++] = group;
    }
  }
  return group >= SIM_GROUPS_MAX || (x->action == SIM_A_ONEWAY && group != 2) ? LINLI_EINVAL : 0;
}

static int parse_at(struct sim_scenario *sc, char **tok, int n)
{
  static const char *const names[] = {"partition", "oneway", "heal", "crash",
                                      "backup", "restore", "jump", "forge"};
  if (n < 3 || sc->n_sched == SIM_SCHED_MAX)
    return LINLI_EINVAL;
  struct sim_sched *x = &sc->sched[sc->n_sched];
  memset(x, 0, sizeof *x);
  if (parse_ums(tok[1], &x->at_ms))
    return LINLI_EINVAL;
  int a = 0;
  while (a < 8 && strcmp(tok[2], names[a]))
    a++;
  if (a == 8)
    return LINLI_EINVAL;
  x->action = (enum sim_action)a;
  int rc = 0;
  if (a == SIM_A_PARTITION || a == SIM_A_ONEWAY)
    rc = parse_groups(x, tok + 3, n - 3);
  else if (a == SIM_A_HEAL)
    rc = n == 3 ? 0 : LINLI_EINVAL;
  else if (n < 4 || parse_u32(tok[3], &x->node))
    rc = LINLI_EINVAL;
  else if (a == SIM_A_CRASH && n == 6 && !strcmp(tok[4], "for"))
    rc = parse_ms(tok[5], &x->arg);
  else if (a == SIM_A_JUMP && n == 5)
    rc = parse_ms(tok[4], &x->arg);
  else if (n != 4)
    rc = LINLI_EINVAL;
  if (!rc)
    sc->n_sched++;
  return rc;
}

static int parse_line(struct sim_scenario *sc, char **tok, int n)
{
  const char *k = tok[0];
  struct kv x;
  int rc = 0;
  if (!strcmp(k, "at"))
    return parse_at(sc, tok, n);
  if (!strcmp(k, "base") && n == 2) /* must come first: it resets everything */
    return sim_scenario_builtin(sc, tok[1]) ? LINLI_EINVAL : 0;
  if (!strcmp(k, "name") && n == 2)
    return snprintf(sc->name, sizeof sc->name, "%s", tok[1]) < 0;
  if (!strcmp(k, "latency") && n == 3)
    return parse_ums(tok[1], &sc->lat_min_ms) || parse_ums(tok[2], &sc->lat_max_ms) ||
           sc->lat_max_ms < sc->lat_min_ms ? LINLI_EINVAL : 0;
  if (!strcmp(k, "topology") && n >= 2) {
    if (strcmp(tok[1], "star") && strcmp(tok[1], "mesh"))
      return LINLI_EINVAL;
    sc->topo = tok[1][0] == 's' ? SIM_TOPO_STAR : SIM_TOPO_MESH;
    for (int i = 2; i < n && !rc; i++)
      rc = split_kv(tok[i], &x) || topo_kv(sc, &x);
    return rc ? LINLI_EINVAL : 0;
  }
  if (!strcmp(k, "workload") || !strcmp(k, "faults")) {
    if (!strcmp(k, "faults") && n == 2 && !strcmp(tok[1], "none")) {
      sc->drop_ppm = sc->dup_ppm = sc->reorder_ppm = sc->delay_ppm = 0;
      sc->partition_pm = sc->oneway_pm = sc->crash_pm = sc->restore_pm = 0;
      sc->jump_pm = sc->forge_pm = sc->skewed_pm = sc->malformed_pm = 0;
      sc->cut_pm = sc->revoke_pm = 0;
      return 0;
    }
    for (int i = 1; i < n && !rc; i++)
      rc = split_kv(tok[i], &x) || (k[0] == 'w' ? workload_kv(sc, &x) : faults_kv(sc, &x));
    return rc ? LINLI_EINVAL : 0;
  }
  if (!strcmp(k, "bug") && n == 2) {
    sc->bug = !strcmp(tok[1], "wipe")        ? SIM_BUG_WIPE
              : !strcmp(tok[1], "trust-all") ? SIM_BUG_TRUST_ALL
                                             : SIM_BUG_NONE;
    return sc->bug || !strcmp(tok[1], "none") ? 0 : LINLI_EINVAL;
  }
  if (n != 2)
    return LINLI_EINVAL;
  if (!strcmp(k, "peer-choice")) {
    sc->peers = !strcmp(tok[1], "schedule") ? SIM_PEERS_SCHEDULE
                : !strcmp(tok[1], "random") ? SIM_PEERS_RANDOM
                                            : SIM_PEERS_LINKS;
    return sc->peers || !strcmp(tok[1], "links") ? 0 : LINLI_EINVAL;
  }
  if (!strcmp(k, "max-rounds"))
    return parse_u32(tok[1], &sc->max_rounds) || !sc->max_rounds ? LINLI_EINVAL : 0;
  uint64_t *ms = !strcmp(k, "duration")    ? &sc->duration_ms
                 : !strcmp(k, "sync")      ? &sc->sync_ms
                 : !strcmp(k, "check")     ? &sc->check_ms
                 : !strcmp(k, "detect")    ? &sc->detect_ms
                 : !strcmp(k, "redial")    ? &sc->redial_ms
                 : !strcmp(k, "skew")      ? &sc->skew_max_ms
                 : !strcmp(k, "max-drift") ? &sc->max_drift_ms
                 : !strcmp(k, "ahead")     ? &sc->ahead_ms
                                           : NULL;
  if (!ms || parse_ums(tok[1], ms))
    return LINLI_EINVAL;
  if ((ms == &sc->sync_ms || ms == &sc->duration_ms || ms == &sc->max_drift_ms ||
       ms == &sc->ahead_ms) && !*ms)
    return LINLI_EINVAL;
  return 0;
}

int sim_scenario_parse(struct sim_scenario *sc, const char *text, char *err, size_t errcap)
{
  char line[1024];
  int lineno = 0;
  const char *p = text;
  while (*p) {
    size_t len = strcspn(p, "\n");
    lineno++;
    if (len >= sizeof line) {
      snprintf(err, errcap, "line %d: longer than %zu bytes", lineno, sizeof line - 1);
      return LINLI_EINVAL;
    }
    memcpy(line, p, len);
    line[len] = 0;
    p += len + (p[len] == '\n');
    char *hash = strchr(line, '#');
    if (hash)
      *hash = 0;
    char *tok[48];
    int n = 0;
    for (char *save = NULL, *t = strtok_r(line, " \t\r", &save); t && n < 48;
         t = strtok_r(NULL, " \t\r", &save))
      tok[n++] = t;
    if (n && parse_line(sc, tok, n)) {
      snprintf(err, errcap, "line %d: cannot read '%s ...' (see docs/sim.md)", lineno, tok[0]);
      return LINLI_EINVAL;
    }
  }
  if (sc->skew_max_ms * 2 >= sc->ahead_ms || sc->ahead_ms > sc->max_drift_ms) {
    snprintf(err, errcap, "skew must stay below ahead / 2 so honest ops are applied at once, "
                          "and ahead within max-drift");
    return LINLI_EINVAL;
  }
  if (sc->peers != SIM_PEERS_LINKS && sc->topo != SIM_TOPO_MESH) {
    snprintf(err, errcap, "peer-choice schedule|random needs topology mesh (one scope on every node)");
    return LINLI_EINVAL;
  }
  if (sc->trust && sc->topo != SIM_TOPO_STAR) {
    snprintf(err, errcap, "trust=1 needs topology star (a district hub certifies)");
    return LINLI_EINVAL;
  }
  if (sc->trust && (sc->hub_scopes >= NODE_SCOPES_MAX || sc->neighbours + 2 > NODE_SCOPES_MAX)) {
    snprintf(err, errcap, "trust=1 adds the district scope: hub-scopes and neighbours one fewer");
    return LINLI_EINVAL;
  }
  if (sim_scenario_nodes(sc) > SIM_NODES_MAX) {
    snprintf(err, errcap, "more than %d nodes", SIM_NODES_MAX);
    return LINLI_EINVAL;
  }
  return 0;
}

int sim_scenario_load(struct sim_scenario *sc, const char *name_or_path, char *err, size_t errcap)
{
  if (sim_scenario_builtin(sc, name_or_path) == 0)
    return 0;
  FILE *f = fopen(name_or_path, "r");
  if (!f) {
    snprintf(err, errcap, "'%s' is neither a built-in scenario nor a readable file", name_or_path);
    return -errno;
  }
  char *text = calloc(1, 1 << 20);
  size_t n = text ? fread(text, 1, (1 << 20) - 1, f) : 0;
  fclose(f);
  if (!text)
    return LINLI_ENOMEM;
  sim_scenario_defaults(sc);
  const char *slash = strrchr(name_or_path, '/');
  snprintf(sc->name, sizeof sc->name, "%s", slash ? slash + 1 : name_or_path);
  text[n] = 0;
  int rc = sim_scenario_parse(sc, text, err, errcap);
  free(text);
  return rc;
}
