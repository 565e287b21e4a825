/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * prom_dashboards.h - self-metrics of the dashboards generator (dashboards/task.h).
 */
#ifndef OZG_PROM_DASHBOARDS_H
#define OZG_PROM_DASHBOARDS_H

#include "exporter/prom_format.h"
#include "model/dash_stats.h"

/* Appends the ozgmon_dashboards_* families; nothing when st is NULL. */
void prom_render_dashboards(const struct prom_out *o, const struct dash_stats *st);

#endif
