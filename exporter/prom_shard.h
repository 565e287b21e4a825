/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * prom_shard.h - what a sharded ozgmond adds to /metrics so that Prometheus
 * can put the shards together again (docs/scaling.md).
 *
 * - ozgmon_shard_info{shard,shards}, ozgmon_shard_targets and
 *   ozgmon_config_targets: which shard this is and how many targets it owns
 *   (an unsharded instance is shard 1 of 1).
 * - ozg_dienst_host_info{dienst,host}: the portal of each Onlinedienst.
 * - ozg_dienst_area_info{dienst,area,level}: the Land and the Kreise each
 *   Onlinedienst's Angebote cover, for availability per area across shards.
 * - ozg_rollout_area_leistung_reifegrad{area,level,ozg_id,scope} and
 *   ozg_rollout_threshold_reifegrad{kind}: the per Land/Kreis and Leistung
 *   facts from which recording rules count distinct Leistungen.
 */
#ifndef OZG_PROM_SHARD_H
#define OZG_PROM_SHARD_H

#include "exporter/prom_cache.h"
#include "exporter/prom_format.h"
#include "model/state.h"
#include "rollout/task.h"


/*
 * Appends the families above.  s (may be NULL) gives the shard and the
 * targets; ref (may be NULL) the rollout facts and the Angebote of its cfg;
 * cache (may be NULL, prom_cache.h) keeps the host and area families rendered for
 * s's configuration.
 */
void prom_render_shard(const struct prom_out *o, const struct snapshot *s, const struct rollout_ref *ref,
		       struct prom_cache *cache);

#endif
