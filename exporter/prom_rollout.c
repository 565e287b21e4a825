/* SPDX-License-Identifier: EUPL-1.2 */
/* prom_rollout.c - see prom_rollout.h. */
#include "exporter/prom_rollout.h"

#include <math.h>
#include <stdio.h>

#include "exporter/prom_format.h"
#include "model/state.h"

const char *area_level_name(enum area_level l)
{
	static const char *const names[] = { "land", "kreis", "verband", "gemeinde" };
	return (unsigned)l < 4 ? names[l] : "unknown";
}

enum afield { AF_ONLINE, AF_ONLINE_ALL, AF_FULFILLED, AF_FULFILLED_ALL, AF_RELIABLE, AF_COVERAGE,
	      AF_COVERAGE_RELIABLE, AF_CATALOG };

static void per_area(const struct prom_out *o, const struct rollout *r, const char *name, const char *help,
		     enum afield f, size_t catalog)
{
	prom_family(o, name, "gauge", help);
	for (size_t a = 0; a < r->n_areas; a++) {
		const struct rollout_area *ar = &r->areas[a];
		double v = 0;

		switch (f) {
		case AF_ONLINE: v = ar->online; break;
		case AF_ONLINE_ALL: v = ar->online_all; break;
		case AF_FULFILLED: v = ar->fulfilled; break;
		case AF_FULFILLED_ALL: v = ar->fulfilled_all; break;
		case AF_RELIABLE: v = ar->reliable; break;
		case AF_COVERAGE: v = ar->population_coverage; break;
		case AF_COVERAGE_RELIABLE: v = ar->population_coverage_reliable; break;
		case AF_CATALOG: v = catalog ? (double)ar->online / (double)catalog : 0; break;
		}
		if (isnan(v))
			continue;
		buf_printf(o->b, "%s{area=\"%s\",level=\"%s\"} ", name, ar->key, area_level_name(ar->level));
		prom_value(o->b, v);
		buf_puts(o->b, "\n");
	}
}

void prom_render_rollout(const struct prom_out *o, const struct rollout_ref *ref)
{
	const struct rollout *r;
	const struct cfg *cfg;

	if (!ref)
		return;
	r = ref->r;
	cfg = ref->cfg;
	prom_family(o, "ozg_area_info", "info",
		    "Name and level of an area (Land, Kreis, Gemeindeverband, Gemeinde).");
	for (size_t a = 0; a < r->n_areas; a++) {
		const struct rollout_area *ar = &r->areas[a];
		buf_printf(o->b, "ozg_area_info{area=\"%s\",level=\"%s\",name=\"", ar->key,
			   area_level_name(ar->level));
		prom_escape_label(o->b, ar->name ? ar->name : "");
		buf_puts(o->b, "\"} 1\n");
	}
	prom_family(o, "ozg_area_population", "gauge",
		    "Inhabitants of the area (register figure).");
	for (size_t a = 0; a < r->n_areas; a++)
		buf_printf(o->b, "ozg_area_population{area=\"%s\",level=\"%s\"} %ld\n", r->areas[a].key,
			   area_level_name(r->areas[a].level), r->areas[a].population);

	per_area(o, r, "ozg_rollout_services_online",
		 "OZG-Leistungen online (Reifegrad >= 2) in at least one Gemeinde of the area.", AF_ONLINE, 0);
	per_area(o, r, "ozg_rollout_services_flaechendeckend",
		 "OZG-Leistungen online in every Gemeinde of the area.", AF_ONLINE_ALL, 0);
	per_area(o, r, "ozg_rollout_services_fulfilled",
		 "OZG-Leistungen OZG-fulfilled (Reifegrad >= 3) in at least one Gemeinde of the area.",
		 AF_FULFILLED, 0);
	per_area(o, r, "ozg_rollout_services_fulfilled_flaechendeckend",
		 "OZG-Leistungen OZG-fulfilled in every Gemeinde of the area.", AF_FULFILLED_ALL, 0);
	per_area(o, r, "ozg_rollout_services_reliable",
		 "OZG-Leistungen online in at least one Gemeinde through Onlinedienste whose measured "
		 "availability reaches the reliability threshold.", AF_RELIABLE, 0);
	per_area(o, r, "ozg_rollout_catalog_ratio",
		 "Share of the relevant OZG-Leistungen online in at least one Gemeinde of the area.",
		 AF_CATALOG, r->relevant);
	prom_scalar(o, "ozg_rollout_leistungen_relevant", "gauge",
		    "OZG-Leistungen that count for the Land (not carried out by the Bund alone): the denominator.",
		    (double)r->relevant);
	prom_scalar(o, "ozg_rollout_leistungen_offered", "gauge",
		    "Relevant OZG-Leistungen online in at least one Gemeinde of the Land.",
		    (double)r->offered);
	per_area(o, r, "ozg_rollout_population_coverage_ratio",
		 "Mean share of the area's inhabitants who can use a Leistung online, over the "
		 "Leistungen offered somewhere in the Land.", AF_COVERAGE, 0);
	per_area(o, r, "ozg_rollout_population_coverage_reliable_ratio",
		 "The same, counting only reliable Onlinedienste.", AF_COVERAGE_RELIABLE, 0);

	prom_family(o, "ozg_rollout_services", "gauge",
		    "OZG-Leistungen by the highest Reifegrad offered in the area (Land and Kreise).");
	for (size_t a = 0; a < r->n_areas; a++) {
		const struct rollout_area *ar = &r->areas[a];
		if (ar->level != AREA_LAND && ar->level != AREA_KREIS)
			continue;
		for (int lv = 0; lv <= cfg->global.reifegrad_max && lv < ROLLOUT_LEVELS; lv++)
			buf_printf(o->b, "ozg_rollout_services{area=\"%s\",level=\"%s\",reifegrad=\"%d\"} %u\n",
				   ar->key, area_level_name(ar->level), lv, ar->by_reifegrad[lv]);
	}

	prom_family(o, "ozg_rollout_leistung_population_coverage_ratio", "gauge",
		    "Share of the Land's inhabitants who can use the OZG-Leistung online (offered Leistungen only).");
	for (size_t l = 0; l < r->n_services; l++) {
		const struct rollout_service *s = &r->services[l];
		if (s->gemeinden_online == 0)
			continue;
		buf_printf(o->b, "ozg_rollout_leistung_population_coverage_ratio{ozg_id=\"%s\"} ",
			   s->leistung->ozg_id);
		prom_value(o->b, s->population_coverage);
		buf_puts(o->b, "\n");
	}
	prom_family(o, "ozg_rollout_themenfeld_services_online", "gauge",
		    "OZG-Leistungen of the Themenfeld online in at least one Gemeinde of the Land.");
	for (size_t t = 0; t < r->n_themenfelder; t++) {
		buf_printf(o->b, "ozg_rollout_themenfeld_services_online{themenfeld=\"%d\",name=\"",
			   r->themenfelder[t].id);
		prom_escape_label(o->b, r->themenfelder[t].name ? r->themenfelder[t].name : "");
		buf_printf(o->b, "\"} %u\n", r->themenfelder[t].online);
	}
	prom_family(o, "ozg_efa_adopters", "gauge",
		    "Gemeinden connected to the Onlinedienst through its Angebote.");
	for (size_t d = 0; d < r->n_dienste; d++)
		buf_printf(o->b, "ozg_efa_adopters{dienst=\"%s\"} %u\n", cfg->dienste[d].id,
			   r->dienste[d].gemeinden);
	prom_family(o, "ozg_efa_population", "gauge",
		    "Inhabitants of the Gemeinden connected to the Onlinedienst.");
	for (size_t d = 0; d < r->n_dienste; d++)
		buf_printf(o->b, "ozg_efa_population{dienst=\"%s\"} %ld\n", cfg->dienste[d].id,
			   r->dienste[d].population);
	prom_family(o, "ozg_uptime_ratio", "gauge",
		    "Share of the window's probes that succeeded, maintenance excluded (kept in memory).");
	for (size_t d = 0; d < r->n_dienste; d++) {
		for (int w = 0; w < ROLLOUT_WINDOWS; w++) {
			if (isnan(ref->uptime[w][d]))
				continue;
			buf_printf(o->b, "ozg_uptime_ratio{dienst=\"%s\",window=\"%s\"} ", cfg->dienste[d].id,
				   rollout_window_name[w]);
			prom_value(o->b, ref->uptime[w][d]);
			buf_puts(o->b, "\n");
		}
	}
	prom_family(o, "ozgmon_rollout_last_compute_timestamp_seconds", "gauge",
		    "When the rollout figures were computed.");
	buf_puts(o->b, "ozgmon_rollout_last_compute_timestamp_seconds ");
	prom_value(o->b, ref->made_s);
	buf_puts(o->b, "\n");
	prom_family(o, "ozgmon_rollout_compute_seconds", "gauge",
		    "How long the last computation took, RRD reads included.");
	buf_puts(o->b, "ozgmon_rollout_compute_seconds ");
	prom_value(o->b, ref->took_s);
	buf_puts(o->b, "\n");
}

void prom_render_incidents(const struct prom_out *o, const struct incidents_view *v)
{
	const struct cfg *cfg;
	unsigned open = 0;

	if (!v)
		return;
	cfg = v->cfg;
	for (size_t d = 0; d < v->n; d++)
		open += v->d[d].open;
	prom_family(o, "ozg_incidents_open", "gauge",
		    "Incidents open now (Onlinedienste down after their retries).");
	buf_printf(o->b, "ozg_incidents_open %u\n", open);
	prom_family(o, "ozg_incident_open_since_timestamp_seconds", "gauge",
		    "Start of the Onlinedienst's open incident (only while one is open).");
	for (size_t d = 0; d < v->n; d++) {
		if (!v->d[d].open)
			continue;
		buf_printf(o->b, "ozg_incident_open_since_timestamp_seconds{dienst=\"%s\",reason=\"%s\"} ",
			   cfg->dienste[d].id, probe_result_name(v->d[d].open_reason));
		prom_value(o->b, (double)v->d[d].open_since_ms / 1000.0);
		buf_puts(o->b, "\n");
	}
	prom_family(o, "ozg_incidents_total", "counter",
		    "Incidents opened, over the whole journal.");
	for (size_t d = 0; d < v->n; d++)
		buf_printf(o->b, "ozg_incidents_total{dienst=\"%s\"} %llu\n", cfg->dienste[d].id,
			   (unsigned long long)v->d[d].opened);
	prom_family(o, "ozg_downtime_seconds_total", "counter",
		    "Summed length of the closed incidents.");
	for (size_t d = 0; d < v->n; d++) {
		buf_printf(o->b, "ozg_downtime_seconds_total{dienst=\"%s\"} ", cfg->dienste[d].id);
		prom_value(o->b, v->d[d].downtime_s);
		buf_puts(o->b, "\n");
	}
	prom_family(o, "ozg_dienst_first_success_timestamp_seconds", "gauge",
		    "When the Onlinedienst first answered correctly (time to rollout), from the journal.");
	for (size_t d = 0; d < v->n; d++) {
		if (!v->d[d].first_success_ms)
			continue;
		buf_printf(o->b, "ozg_dienst_first_success_timestamp_seconds{dienst=\"%s\"} ", cfg->dienste[d].id);
		prom_value(o->b, (double)v->d[d].first_success_ms / 1000.0);
		buf_puts(o->b, "\n");
	}
	prom_family(o, "ozgmon_incident_journal_errors_total", "counter",
		    "Journal lines skipped on load or writes that failed.");
	buf_printf(o->b, "ozgmon_incident_journal_errors_total %llu\n", (unsigned long long)v->journal_errors);
}
