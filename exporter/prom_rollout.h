/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * prom_rollout.h - the rollout model as Prometheus metric families.
 *
 * Areas are labelled by their key (`area`) and `level` (land, kreis,
 * verband, gemeinde); names live in ozg_area_info.  Per-Leistung series are
 * given for the Land only and only for Leistungen offered somewhere, so the
 * series count grows with what is offered, not with the catalogue.
 */
#ifndef OZG_PROM_ROLLOUT_H
#define OZG_PROM_ROLLOUT_H

#include "exporter/prom_format.h"
#include "rollout/incidents.h"
#include "rollout/task.h"

/* Appends every rollout family computed in `ref` (NULL: nothing); names from ref->cfg. */
void prom_render_rollout(const struct prom_out *o, const struct rollout_ref *ref);

/* Appends the incident families (NULL: nothing). */
void prom_render_incidents(const struct prom_out *o, const struct incidents_view *v);

/* "land", "kreis", "verband", "gemeinde". */
const char *area_level_name(enum area_level l);

#endif
