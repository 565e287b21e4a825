/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * i18n.h - the dashboards' words and number formats, one table per language.
 *
 * Every visible string of the generated pages lives in one `struct dash_lang`
 * (German and English).  Numbers, percentages and dates are formatted the way
 * the language writes them: German "99,5 %", "1.234", "27.11.2026";
 * English "99.5%", "1,234", "2026-11-27".  Dates are in the process's local
 * time zone (Europe/Berlin on a German server).
 *
 * All formatting functions write a NUL-terminated string into out (truncated
 * to outsz) and return out, so calls can be nested in printf arguments.
 */
#ifndef OZG_DASH_I18N_H
#define OZG_DASH_I18N_H

#include <stddef.h>
#include <time.h>

#include "model/state.h"

struct dash_lang {
	const char *code;		/* "de" or "en": the html lang attribute */
	char decimal, thousands;	/* ',' '.' or '.' ',' */
	const char *pct_sep;		/* between number and '%' */
	/* frame */
	const char *simulated[2];	/* banner of a demo with a simulated past: before, after the time */
	const char *site, *skip, *nav_label, *nav_overview, *nav_status, *nav_dienste,
		*updated, *sort_hint, *no_data, *yes, *no;
	/* Land overview */
	const char *overview_title, *progress, *catalog, *online, *online_all, *fulfilled,
		*fulfilled_all, *coverage, *coverage_reliable, *of, *trend, *trend_summary,
		*reifegrad_dist, *reifegrad, *leistungen, *themenfelder, *themenfeld,
		*availability7, *avail_summary, *avail_band_hi, *avail_band_mid, *avail_band_lo,
		*avail_band_none, *dienste, *share, *least_available, *open_incidents,
		*no_open_incidents, *kreise, *kreis, *population, *disrupted, *time;
	/* area pages */
	const char *kreis_title, *gemeinde_title, *gemeinden, *gemeinde, *covering,
		*dienst, *provider, *state, *last_failure, *uptime, *uptime_1d, *uptime_7d,
		*uptime_30d, *uptime_90d, *incidents, *latency_graphs, *area_level_names[4],
		*parent_kreis, *verband;
	/* states */
	const char *st_up, *st_down, *st_pending;
	const char *reason[PROBE_RESULT_COUNT];
	/* Dienst pages */
	const char *dienst_title, *address, *efa, *efa_adoption, *efa_summary, *angebote,
		*area, *leistung, *latency, *latency_summary, *latency_avg, *latency_max,
		*latency_last, *availability, *avail_daily, *day, *incidents_total,
		*downtime, *open_since, *badges, *badge_embed, *all_dienste_title;
	/* status page */
	const char *status_title, *all_up, *status_pending, *incident_history,
		*no_incidents, *since;
	/* badges */
	const char *badge_status, *badge_uptime;
	/* graph titles and legends (librrd text: plain ASCII-safe UTF-8) */
	const char *g_latency, *g_avg, *g_max, *g_avail, *g_trend, *g_seconds, *g_percent;
	/* librrd --x-grid specifications with the language's date labels */
	const char *g_xgrid_24h, *g_xgrid_7d, *g_xgrid_30d;
	/* certificates */
	const char *cert, *cert_until, *cert_day_one, *cert_days_left, *cert_expired, *cert_soon;
	/* latency by phase: the phases in probe_phase order, then the total */
	const char *phases_title, *phases_summary, *phase, *phase_names[6], *phase_mean24,
		*phase_last, *g_ms;
	/* usage statistics */
	const char *usage, *usage_summary, *usage_none, *usage_failed, *usage_last_ok,
		*usage_metric, *usage_key, *usage_value, *usage_more_one, *usage_more;
	/* incident history */
	const char *hist_summary, *hist_start, *hist_end, *hist_duration, *hist_reason,
		*hist_ongoing, *hist_reconciled, *reason_unknown, *hist_per_dienst,
		*recent_incidents, *no_recent;
	/* a downtime with an open incident: "3 h 17 min (davon 12 min andauernd)" */
	const char *of_which;
	/* pagination of long lists */
	const char *pages_label, *page_word;
	/* area pages: incidents with their downtime in one column */
	const char *incidents_downtime;
	/* usage summed over the portals' documents (Land page), a document shared by a portal's Dienste */
	const char *usage_sums, *usage_sums_summary, *usage_sum, *usage_docs, *usage_shared;
	/* usage counters over time (<id>.usage.rrd) */
	const char *usage_trend, *usage_trend_summary, *usage_per_hour, *usage_24h, *usage_7d;
	/* sharded instances (global.shard): "Shard", "of", and what the pages leave out */
	const char *shard, *shard_of, *shard_note;
	/*
	 * Counts "n von total <noun>": the noun agrees with total, in the case
	 * "von" asks for ("1 von 1 Dienst", "27 von 670 Diensten").
	 */
	const char *svc_one, *svc_many, *od_one, *od_many;
	/* maps (map.h) and the pages per Leistung and the catalogue (leistung.h) */
	/* the attribution the registers' licence asks for where their figures are shown */
	const char *destatis_attribution;
	const char *nav_leistungen, *map, *map_attribution, *map_fallback, *map_table,
		*map_land_title, *map_kreis_title, *map_leistung_title, *map_coverage_legend,
		*map_reifegrad_legend, *map_desc, *not_offered, *leistung_title, *catalogue_title,
		*catalogue_summary, *ozg_id, *lebenslage, *lebenslagen, *max_reifegrad,
		*gemeinden_offered, *population_offered, *level, *filter, *filter_all,
		*filter_none, *search, *search_hint, *area_leistungen, *area_leistungen_summary,
		*efa_adopters, *efa_adopters_summary, *efa_adopters_none, *gemeinden_title,
		*gemeinden_summary, *by_kreis, *leistung_not_offered, *shown;
};

/* The table for "de" or "en"; anything else gets German. */
const struct dash_lang *dash_lang_get(const char *code);

/* v with `decimals` digits and thousands separators; "–" for NaN. */
char *dash_fmt_num(char *out, size_t outsz, double v, int decimals, const struct dash_lang *L);
/* ratio (0..1) as a percentage with `decimals` digits: "99,5 %"; "–" for NaN. */
char *dash_fmt_pct(char *out, size_t outsz, double ratio, int decimals, const struct dash_lang *L);
/* A date ("27.11.2026") and a date with time ("27.11.2026, 10:50 Uhr"). */
char *dash_fmt_date(char *out, size_t outsz, time_t t, const struct dash_lang *L);
char *dash_fmt_datetime(char *out, size_t outsz, time_t t, const struct dash_lang *L);
/*
 * The line a sharded instance's pages carry: "Shard 1 von 2: 332 von 670
 * Onlinediensten. ..." (empty for an unsharded cfg).
 */
char *dash_fmt_shard(char *out, size_t outsz, const struct cfg *cfg, const struct dash_lang *L);
/*
 * The name usage metric m has on the pages: its configured title, else the
 * language's name for a metric the demo's portals publish
 * (applications_submitted_total: "Eingereichte Anträge"), else NULL: the
 * pages then show the metric's own name as code.
 */
const char *dash_usage_title(const struct cfg_usage_metric *m, const struct dash_lang *L);
/*
 * A time given in seconds as milliseconds with one decimal, the precision of
 * the pages' latency tables: "0,3 ms", "1.534,2 ms" ("0.3 ms"); "–" unknown.
 */
char *dash_fmt_ms(char *out, size_t outsz, double seconds, const struct dash_lang *L);
/*
 * "n von total noun": one when total is 1, else many ("1 von 1 Dienst",
 * "27 von 670 Diensten"; "1 of 1 service", "27 of 670 services"), numbers
 * with the language's separators.
 */
char *dash_fmt_of(char *out, size_t outsz, double n, double total, const char *one,
		  const char *many, const struct dash_lang *L);
/*
 * A length of time: "42 s", "17 min", "3 h 05 min", "2 d 4 h", each rounded to
 * the unit it shows; a value that rounds up to a whole larger unit is written
 * in that unit ("1 min", never "60 s").
 */
char *dash_fmt_span(char *out, size_t outsz, double seconds, const struct dash_lang *L);

#endif
