/* Reconciliation's parts (recon.c, recon_out.c, recon_answer.c): the reply
 * being written and the steps they share. Internal to net/. */
#ifndef LINLI_RECON_INT_H
#define LINLI_RECON_INT_H

#include "net_int.h"

/* Worst-case encoded sizes, for checking room before writing (so nothing
 * written is ever rolled back after a callback reported it). */
#define NET__HEAD_MAX (1 + 9 + 2 + 2 + NET_ID_BYTES + 1) /* array, dms, key, mode */
#define NET__FP_MAX (NET__HEAD_MAX + 2 + NET_FP_BYTES)
#define NET__RESERVE (2 * NET__FP_MAX) /* a skip and the final "rest" range */
#define NET__FULL 1

/* The reply being written: one RECON, or several when one does not hold it
 * and the output buffer has room for more (each a part of the answer, all
 * but the last with `more`). */
struct net__out {
  struct net_recon *r;
  struct crdt_buf *b;
  size_t start;     /* where the first message starts in b */
  size_t msg_start; /* where the current message starts */
  size_t list_at;   /* the 5-byte placeholder of the range array header */
  size_t soft_cap;
  uint32_t n_msgs, n_asking; /* messages closed; those holding an FPRINT or IDLIST */
  uint32_t n_ranges, n_ids;
  uint64_t n_sent; /* items reported through have() in SENDS ranges */
  uint64_t prev_hlc;
  struct net_bound last; /* everything below is covered by written ranges */
  int full;              /* out of room: the rest is one FPRINT range */
  int top_known;         /* 1: top is my newest item; -1: I have none */
  struct net_item top;
  int asks;              /* a written range needs the peer's answer */
  struct net_bound rest_lo, rest_hi;
};

/* recon_out.c */
void net__out_begin(struct net__out *o, struct net_recon *r, struct crdt_buf *b);
void net__msg_close(struct net__out *o, int more);
int net__ensure(struct net__out *o, uint64_t bytes, uint64_t ids);
int net__room(struct net__out *o, const struct net_bound *lo, uint64_t bytes, uint64_t ids);
void net__head(struct net__out *o, const struct net_bound *lo, const struct net_bound *upper,
               enum net_mode mode);
void net__bin_open(struct net__out *o, uint32_t n_ids);
int net__emit_idlist(struct net__out *o, const struct net_bound *lo,
                     const struct net_bound *hi, uint64_t m);
int net__emit_fp(struct net__out *o, const struct net_bound *lo, const struct net_bound *hi,
                 uint64_t count, const uint8_t sum[NET_SUM_BYTES]);
int net__cut(struct net_recon *r, const struct net_bound *lo, const struct net_bound *hi,
             uint64_t k, int cheap, struct net_bound *out);
int net__split(struct net__out *o, const struct net_bound *lo, const struct net_bound *hi,
               uint64_t m);

/* recon_answer.c */
int net__answer(struct net__out *o, const struct net_bound *lo, const struct net_range *in);
int net__out_end(struct net__out *o);

#endif
