/* Private helpers shared by the net/ sources. */
#ifndef LINLI_NET_INT_H
#define LINLI_NET_INT_H

#include "net.h"

/* Reads one range of a RECON (bound delta-coded against *prev_hlc, which it
 * advances) and checks its shape, sizes and id order. */
int net__range_read(struct crdt_mp *r, uint64_t *prev_hlc, struct net_range *out);
/* Writes the range's array header, bound and mode (not the payload). */
void net__range_head(struct crdt_buf *b, uint64_t *prev_hlc, const struct net_bound *upper,
                     enum net_mode mode);
/* Writes a complete range. */
void net__range_write(struct crdt_buf *b, uint64_t *prev_hlc, const struct net_range *r);
/* The bytes of a canonical array/bin header for n. */
size_t net__array_head(uint8_t out[5], uint32_t n);
size_t net__bin_head(uint8_t out[5], uint32_t n);
/* Replace the 5 placeholder bytes at b->p[at] by the canonical header `h`
 * (h_len bytes), moving what follows down. */
void net__fix_head(struct crdt_buf *b, size_t at, const uint8_t *h, size_t h_len);
/* 0 if n ids of 32 bytes strictly ascend, LINLI_EPROTO otherwise. */
int net__ids_check(const uint8_t *ids, uint32_t n);

#endif
