/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * prom_probe.h - the probe targets (Onlinedienste) as metric families.
 *
 * Hot series carry only short keys as labels (dienst="<id>"); names live in
 * ozg_dienst_info.  Covers the collector's counters, the result of the last
 * probe per target with its phases, certificate and HTTP details, and the
 * usage figures read from the Onlinedienste's statistics documents.
 */
#ifndef OZG_PROM_PROBE_H
#define OZG_PROM_PROBE_H

#include "exporter/prom_cache.h"
#include "exporter/prom_format.h"
#include "model/state.h"

/* Appends the families of snapshot s; cache (may be NULL) keeps ozg_dienst_info. */
void prom_render_probes(const struct prom_out *o, const struct snapshot *s, struct prom_cache *cache);

#endif
