/* domain: the epidemic-control domain of linli, as data and rules.
 *
 * What the node core needs from the domain comes in through node_config:
 * domain_accept() as node_config.accept (the write check every op passes on
 * every node) and domain_hub_collections() as node_config.hub_collections
 * (the collections only the district hub writes). The domain knows
 * nothing of the core: the daemon, the CLI and the simulator hand these in. */
#ifndef LINLI_DOMAIN_H
#define LINLI_DOMAIN_H

#include "crdt.h"
#include "flow.h"
#include "record.h"
#include "report.h"
#include "roster_csv.h"
#include "rules.h"
#include "sample.h"
#include "schema.h"

/* The write check, as a node_config.accept hook (arg unused): 0, or
 * LINLI_ESCHEMA for an op that writes a known field the wrong way. */
int domain_accept(void *arg, const struct crdt_op *op);

/* The collections only the hub writes (NULL-terminated, static). */
const char *const *domain_hub_collections(void);

#endif
