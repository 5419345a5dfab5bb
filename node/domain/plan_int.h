/* The planner's parts (plan.c, plan_rules.c, plan_build.c): the job one
 * dom_plan() works on and the helpers they share. Internal to node/domain. */
#ifndef LINLI_PLAN_INT_H
#define LINLI_PLAN_INT_H

#include "domain.h"

#define VALS_MAX 64
#define CUR_MAX 256

struct val {
  const struct dom_field *f; /* NULL: a counter item */
  char op;                   /* '=' set, '+' add to a set, '-' remove from a set */
  char name[CRDT_FIELD_MAX + 1];
  struct dom_value v;
};

struct job {
  const struct dom_req *r;
  const struct dom_collection *c;
  const struct dom_command *cmd; /* the command used, or NULL (put, CSV, resolve) */
  const struct dom_command *say; /* the command named in sentences: cmd, or the collection's */
  const struct crdt_view *view;
  struct dom_plan *p;
  struct dom_err *e;
  const char *scope;
  unsigned verb;
  struct val v[VALS_MAX];
  int n;
  struct dom_index *own_index; /* built for this action when r->index is NULL */
  /* the record before the change */
  int found;
  char cur[DOM_FIELDS_MAX][CUR_MAX]; /* lww values of the fields, as text */
  int64_t sum[VALS_MAX];             /* counters: each item's stock */
  /* supplies (supply.c): what a hand-out or a delivered order draws from
   * which stock; whether a receipt is logged */
  struct dom_items draw;
  char draw_stock[CRDT_KEY_MAX + 1];
};


struct lookup {
  int found;
  struct job *j;     /* NULL: only whether the record is there */
  char field[32];    /* with j NULL: one lww field to copy */
  char value[CUR_MAX];
};

/* plan.c */
const char *plan_named(const struct job *j, char *out, size_t cap);
struct val *plan_given(struct job *j, const char *name);
const char *plan_cur_of(const struct job *j, const char *name);
const char *plan_after_of(struct job *j, const char *name, char *buf, size_t cap);
int plan_read_failed(const struct job *j, int rc);
int plan_parse_arg(struct job *j, const char *arg);
void plan_add_default(struct job *j, const struct dom_field *f, const char *text);
int plan_lookup(const struct crdt_view *v, const char *scope, int coll, const char *key,
                struct lookup *l);
int plan_check_refs(struct job *j);
size_t plan_elem_bytes(const struct val *v, uint8_t *out, size_t cap);

/* plan_rules.c */
int plan_stock_rule(struct job *j);
int plan_rule(struct job *j);

/* plan_build.c */
int plan_build(struct job *j);
int plan_void(struct job *j);
int plan_move(struct job *j);

#endif
