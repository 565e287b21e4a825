/*
 * prom.h - Prometheus text exposition format (version 0.0.4).
 *
 * prom_render() writes every metric family from one immutable snapshot plus
 * the self-metrics passed in, with HELP and TYPE lines.  Hot series carry only
 * short keys as labels (dienst="<id>"); names live in ozg_dienst_info.
 * Label values are escaped as the format requires (\\, \", \n), and numbers
 * are written so that Prometheus parses them back exactly.
 */
#ifndef OZG_PROM_H
#define OZG_PROM_H

#include "collector/state.h"
#include "common/buf.h"
#include "dashboards/task.h"
#include "rollout/incidents.h"
#include "rollout/task.h"
#include "store/store.h"

/* Self-metrics that do not live in the snapshot. */
struct prom_self {
	const struct store_stats *store;	/* may be NULL */
	double start_time_s;			/* process start, seconds since the epoch */
	bool ready;
	const struct rollout_ref *rollout;	/* may be NULL */
	const struct incidents_view *incidents;	/* may be NULL */
	const struct dash_stats *dashboards;	/* may be NULL */
};

/* Appends `s` to b with \\, \" and newline escaped (for a label value). */
void prom_escape_label(struct buf *b, const char *s);
/* Appends a sample value: integers exactly, NaN/Inf as the format spells them. */
void prom_value(struct buf *b, double v);
/* Renders the whole exposition into b (appends). */
void prom_render(struct buf *b, const struct snapshot *s, const struct prom_self *self);

#endif
