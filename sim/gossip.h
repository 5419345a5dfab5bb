/* gossip: a deterministic peer-choice schedule for all-to-all sync.
 *
 * n nodes, numbered 0..n-1 by their place in the sorted roster, meet in
 * rounds; in each round every node syncs with at most one peer (the
 * telephone model). gossip_partner() says, from (self, n, round) alone,
 * whom a node talks to, so every node computes the same matching without
 * talking about it. Each round is a matching: if a's partner is b then b's
 * partner is a; at most one node idles when n is odd, none when n is even.
 *
 * Starting at round 0 (or any multiple of gossip_rounds(n)), after
 * gossip_rounds(n) rounds every node has heard, directly or through others,
 * from every node: ceil(log2 n) rounds for even n, ceil(log2 n) + 1 for odd
 * n, which is the optimum of the telephone model (Knödel 1975). The schedule
 * repeats with that period.
 *
 * How (positions are node indices):
 *   even n: the Knödel graph W(D, n), D = floor(log2 n). In dimension r an
 *     even node p talks to p + 2^(r+1) - 1 (mod n), an odd one to
 *     p - 2^(r+1) + 1. Rounds use dimensions 0, 1, ..., D-1 (and 0 again
 *     when n is not a power of two). After t rounds an even node knows the
 *     2^t nodes p .. p + 2^t - 1, an odd one p - 2^t + 1 .. p.
 *   odd n = 4k + 1: the last node c = n-1 hands its data to node 0 in the
 *     first round (which is the Knödel round of dimension D-1 on the other
 *     n-1 nodes, node 0's partner idling), the n-1 others run their Knödel
 *     schedule (c idles), and in the last round (dimension 0) node 0 tells c
 *     everything while node 1 idles.
 *   odd n = 4k + 3: the first round pairs a_i = i with b_i = P + i
 *     (P = (n-1)/2; c = n-1 idles); the P + 1 nodes a_0..a_{P-1}, c then run
 *     the even schedule among themselves while each b_i copies the call of
 *     its a_i to the matching b (idling when a_i calls c); in the last round
 *     a_i and b_i meet again.
 * tests/sim/test_gossip.c checks matching and completion for n = 1..2000.
 */
#ifndef LINLI_GOSSIP_H
#define LINLI_GOSSIP_H

#include <stdint.h>

/* The peer self talks to in round `round`, or self when it idles (always
 * when n < 2 or self >= n). */
uint32_t gossip_partner(uint32_t self, uint32_t n, uint32_t round);

/* Rounds of one period: every node has every node's data after them.
 * 0 for n < 2. */
uint32_t gossip_rounds(uint32_t n);

#endif
