/* SPDX-License-Identifier: EUPL-1.2 */
/* site.c - see site.h. */
#include "dashboards/site.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collector/usage.h"
#include "common/buf.h"
#include "dashboards/feed.h"
#include "dashboards/graph.h"
#include "dashboards/leistung.h"
#include "dashboards/status_page.h"
#include "rollout/trend.h"
#include "store/history.h"

#define PAGE_LIMIT (4u * 1024u * 1024u)	/* hard cap of one page in memory */
#define LEAST_AVAILABLE 10		/* rows of the "least available" table */
#define HISTORY_ROWS_SHOWN 50		/* rows of the status page's incident table */
#define TREND_ROWS 14			/* rows of a trend's figure table */
#define AREA_RECENT_ROWS 10		/* rows of an area's or a Dienst's latest incidents */
#define USAGE_ROWS_SHOWN 40		/* rows of a Dienst's usage table */
#define CERT_SOON_DAYS 14		/* a certificate this close to its end is flagged */
/* Intrinsic sizes of the graphs (librrd's output for the options in graph.c). */
#define LAT_W 647
#define LAT_H 212
#define AVAIL_W 647
#define AVAIL_H 198

/* Figures of one Dienst read from its series once per generation. */
struct dstat {
	double lat_avg, lat_max, lat_last;	/* seconds over 24 h; NaN unknown */
	double phase_avg[PROBE_PHASE_COUNT];	/* mean seconds per phase over 24 h; NaN unknown */
	double day_up[7];			/* daily availability, oldest first; NaN unknown */
	time_t day_end[7];			/* a time within each row's UTC day (noon) */
	bool graph_latency, graph_avail;	/* a graph file exists for it */
	bool graph_usage;			/* likewise, usage counters over time */
};

struct gen {
	const struct dash_input *in;
	const struct dash_lang *L;
	const char *dir;
	struct dash_result *res;
	struct dstat *ds;		/* per Dienst */
	unsigned char *mark;		/* per Dienst: scratch for "covers this area" */
	struct buf b;			/* page being rendered */
	enum dash_band band;
	struct views *vw;		/* Leistungen and maps (leistung.h); NULL: left out */
	unsigned char *vw_state;	/* its per-Dienst inputs, owned */
	double *vw_up7;
	const char *feed, *feed_of;	/* its Atom feed (feed.h) and the feed's area; NULL: none */
};

/* ---- files ---------------------------------------------------------------- */

static void fail(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct gen *g, const char *fmt, ...)
{
	va_list ap;

	g->res->errors++;
	if (g->res->first_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(g->res->first_error, sizeof g->res->first_error, fmt, ap);
	va_end(ap);
}

/* Writes data to dir/rel (dash_write_file) and counts it. */
static int write_atomic(struct gen *g, const char *rel, const char *data, size_t len)
{
	char path[1024], err[1400];

	if ((size_t)snprintf(path, sizeof path, "%s/%s", g->dir, rel) >= sizeof path) {
		fail(g, "%s/%s: path too long", g->dir, rel);
		return -1;
	}
	if (dash_write_file(path, data, len, err, sizeof err) != 0) {
		fail(g, "%s", err);
		return -1;
	}
	g->res->files++;
	return 0;
}

/* Writes the page in g->b to rel and counts it. */
static void put_page(struct gen *g, const char *rel)
{
	if (g->b.overflow) {
		fail(g, "%s: page larger than %u bytes", rel, PAGE_LIMIT);
	} else if (write_atomic(g, rel, g->b.data ? g->b.data : "", g->b.len) == 0) {
		g->res->pages++;
		if (g->b.len > g->res->largest) {
			g->res->largest = g->b.len;
			snprintf(g->res->largest_name, sizeof g->res->largest_name, "%s", rel);
		}
	}
	buf_reset(&g->b);
	g->b.overflow = false;
}

static int mkdir_p(const char *dir, const char *sub, char *err, size_t errsz)
{
	char p[1024];

	if ((size_t)snprintf(p, sizeof p, "%s%s%s", dir, sub ? "/" : "", sub ? sub : "") >= sizeof p) {
		snprintf(err, errsz, "%s: path too long", dir);
		return -1;
	}
	if (mkdir(p, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errsz, "mkdir %s: %s", p, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- HTML pieces ---------------------------------------------------------- */

#define E(s) html_escape(&g->b, (s))
#define P(s) buf_puts(&g->b, (s))

static void page_begin(struct gen *g, const char *root, const char *title)
{
	const struct dash_lang *L = g->L;

	buf_printf(&g->b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
		   L->code);
	E(title);
	P(" – ");
	E(g->in->cfg->reg.land_name);
	P("</title>\n");
	if (g->feed)
		dash_feed_link(&g->b, g->feed, g->feed_of);
	buf_printf(&g->b, "<link rel=\"stylesheet\" href=\"%sstyle.css\">\n"
		   "<link rel=\"icon\" href=\"%sfavicon.svg\" type=\"image/svg+xml\">\n</head>\n<body>\n"
		   "<a class=\"skip\" href=\"#main\">", root, root);
	E(L->skip);
	buf_printf(&g->b, "</a>\n<header>\n<p class=\"brand\"><a href=\"%sindex.html\">ozgmon · ", root);
	E(g->in->cfg->reg.land_name);
	P("</a></p>\n<nav aria-label=\"");
	E(L->nav_label);
	buf_printf(&g->b, "\"><ul><li><a href=\"%sindex.html\">", root);
	E(L->nav_overview);
	buf_printf(&g->b, "</a></li><li><a href=\"%sstatus.html\">", root);
	E(L->nav_status);
	buf_printf(&g->b, "</a></li><li><a href=\"%sdienste.html\">", root);
	E(L->nav_dienste);
	buf_printf(&g->b, "</a></li><li><a href=\"%sleistungen.html\">", root);
	E(L->nav_leistungen);
	P("</a></li></ul></nav>\n</header>\n<main id=\"main\">\n");
	if (g->in->simulated_until > 0) {
		char when[64];
		dash_fmt_datetime(when, sizeof when, g->in->simulated_until, L);
		P("<p class=\"simulated\" role=\"note\">");
		E(L->simulated[0]);
		E(when);
		E(L->simulated[1]);
		P("</p>\n");
	}
	P("<h1>");
	E(title);
	P("</h1>\n");
}

/*
 * Closes the page: the footer (the shard line, the time of the figures and,
 * on a page with inhabitants' figures from the registers, the attribution
 * their licence asks for) and sort.js when a table is sortable.
 */
static void page_end(struct gen *g, const char *root, bool sortable, bool population)
{
	char t[320];

	P("</main>\n<footer>");
	if (population) {
		P("<p class=\"attribution\">");
		E(g->L->destatis_attribution);
		P("</p>\n");
	}
	P("<p>");
	if (g->in->cfg && g->in->cfg->global.shard_count) {
		E(dash_fmt_shard(t, sizeof t, g->in->cfg, g->L));
		P("</p>\n<p>");
	}
	E(g->L->updated);
	buf_printf(&g->b, ": %s · ozgmon %s</p></footer>\n",
		   dash_fmt_datetime(t, sizeof t, g->in->now, g->L), OZGMON_VERSION);
	if (sortable)
		buf_printf(&g->b, "<script src=\"%ssort.js\" defer></script>\n", root);
	P("</body>\n</html>\n");
}

static void h2(struct gen *g, const char *id, const char *text)
{
	buf_printf(&g->b, "<h2 id=\"%s\">", id);
	E(text);
	P("</h2>\n");
}

static void th(struct gen *g, const char *text, bool num)
{
	P(num ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">");
	E(text);
	P("</th>");
}

/* A numeric cell: the formatted text, the raw value in data-v for sorting. */
static void td_num(struct gen *g, const char *text, double raw)
{
	if (isfinite(raw))
		buf_printf(&g->b, "<td class=\"num\" data-v=\"%.6g\">", raw);
	else
		P("<td class=\"num\" data-v=\"-1\">");
	E(text);
	P("</td>");
}

static void td_pct(struct gen *g, double ratio, int dec)
{
	char t[64];
	td_num(g, dash_fmt_pct(t, sizeof t, ratio, dec, g->L), ratio);
}

static void td_count(struct gen *g, double v)
{
	char t[64];
	td_num(g, dash_fmt_num(t, sizeof t, v, 0, g->L), v);
}

/* ---- figures -------------------------------------------------------------- */

enum dstate { DS_PENDING, DS_UP, DS_DOWN };

static enum dstate dienst_state(const struct gen *g, size_t d)
{
	const struct snapshot *s = g->in->snap;

	if (!s || d >= s->n || !s->t[d].probed)
		return DS_PENDING;
	return s->t[d].success ? DS_UP : DS_DOWN;
}

/* State as symbol + word, never colour alone. */
static void state_html(struct gen *g, enum dstate st)
{
	static const char *const cls[] = { "pending", "up", "down" };
	static const char *const sym[] = { "○", "✓", "✗" };
	const char *word = st == DS_UP ? g->L->st_up : st == DS_DOWN ? g->L->st_down : g->L->st_pending;

	buf_printf(&g->b, "<span class=\"st %s\"><span aria-hidden=\"true\">%s</span> ", cls[st], sym[st]);
	E(word);
	P("</span>");
}

static double uptime(const struct gen *g, unsigned w, size_t d)
{
	const struct rollout_ref *ro = g->in->ro;

	if (!ro || !ro->uptime[w] || !ro->r || d >= ro->r->n_dienste)
		return NAN;
	return ro->uptime[w][d];
}

/*
 * The HTTP status that came with Dienst d's latest failure of kind r: the
 * current probe's when it failed so, else the latest failure seen; 0 unknown.
 */
static int failure_http(const struct gen *g, size_t d, enum probe_result r)
{
	const struct snapshot *s = g->in->snap;

	if (s && d < s->n && s->t[d].probed && !s->t[d].success)
		return s->t[d].result == r ? s->t[d].http_status : 0;
	if (g->in->last_fail && g->in->last_fail_http && g->in->last_fail[d] == r)
		return g->in->last_fail_http[d];
	return 0;
}

/*
 * Reason r as text; an unexpected HTTP status names its code when known
 * (failure_http): "unerwarteter HTTP-Status 503".
 */
static const char *reason_code(const struct gen *g, size_t d, enum probe_result r, char *out,
			       size_t outsz)
{
	const char *word = (unsigned)r < PROBE_RESULT_COUNT ? g->L->reason[r] : g->L->reason_unknown;
	int code = r == PROBE_HTTP_STATUS ? failure_http(g, d, r) : 0;

	if (code > 0)
		snprintf(out, outsz, "%s %d", word, code);
	else
		snprintf(out, outsz, "%s", word);
	return out;
}

/* Why Dienst d failed last (now, or the latest failure seen): "–" when never. */
static const char *last_failure(const struct gen *g, size_t d, char *out, size_t outsz)
{
	const struct snapshot *s = g->in->snap;
	enum probe_result r = PROBE_SUCCESS;

	if (s && d < s->n && s->t[d].probed && !s->t[d].success)
		r = s->t[d].result;
	else if (g->in->last_fail)
		r = g->in->last_fail[d];
	if ((unsigned)r >= PROBE_RESULT_COUNT || r == PROBE_SUCCESS)
		return "–";
	return reason_code(g, d, r, out, outsz);
}

static const struct incident_stats *incident(const struct gen *g, size_t d)
{
	const struct incidents_view *v = g->in->inc;
	return v && d < v->n ? &v->d[d] : NULL;
}

/*
 * A Dienst's downtime: its closed incidents' and, while one is open, that
 * one's duration so far (now - start), marked as ongoing: "3 h 05 min",
 * "12 min (andauernd)", "3 h 17 min (davon 12 min andauernd)"; "–"
 * unknown.  *secs gets the whole figure (for sorting).
 */
static void downtime_text(const struct gen *g, const struct incident_stats *is, char *out,
			  size_t outsz, double *secs)
{
	const struct dash_lang *L = g->L;
	double open_s;
	char all[64], part[64];

	*secs = is ? is->downtime_s : NAN;
	if (!is || !is->open) {
		dash_fmt_span(out, outsz, *secs, L);
		return;
	}
	open_s = (double)((int64_t)g->in->now * 1000 - is->open_since_ms) / 1000.0;
	if (open_s < 0)
		open_s = 0;
	*secs = is->downtime_s + open_s;
	dash_fmt_span(all, sizeof all, *secs, L);
	if (is->downtime_s > 0)
		snprintf(out, outsz, "%s (%s %s %s)", all, L->of_which,
			 dash_fmt_span(part, sizeof part, open_s, L), L->hist_ongoing);
	else
		snprintf(out, outsz, "%s (%s)", all, L->hist_ongoing);
}

/* Days until Dienst d's certificate ends (may be negative); NAN when unknown. */
static double cert_days(const struct gen *g, size_t d)
{
	const struct snapshot *s = g->in->snap;

	if (!s || d >= s->n || s->t[d].cert_expiry_s <= 0)
		return NAN;
	return floor((double)(s->t[d].cert_expiry_s - (int64_t)g->in->now) / 86400.0);
}

/*
 * The certificate's end as text, never by colour alone: "27.11.2027 (365 Tage)",
 * "⚠ 03.12.2026 (6 Tage, läuft bald ab)", "✗ abgelaufen (27.11.2026)"; "–" unknown.
 */
static void cert_text(const struct gen *g, size_t d, char *out, size_t outsz)
{
	const struct dash_lang *L = g->L;
	double days = cert_days(g, d);
	char date[32], n[32];

	if (isnan(days)) {
		snprintf(out, outsz, "–");
		return;
	}
	dash_fmt_date(date, sizeof date, (time_t)g->in->snap->t[d].cert_expiry_s, L);
	dash_fmt_num(n, sizeof n, days, 0, L);
	if (days < 0)
		snprintf(out, outsz, "✗ %s (%s)", L->cert_expired, date);
	else if (days < CERT_SOON_DAYS)
		snprintf(out, outsz, "⚠ %s (%s %s, %s)", date, n,
			 days == 1 ? L->cert_day_one : L->cert_days_left, L->cert_soon);
	else
		snprintf(out, outsz, "%s (%s %s)", date, n, L->cert_days_left);
}

/* The certificate cell: the date, the days left under it (may wrap, unlike other figures). */
static void td_cert(struct gen *g, size_t d)
{
	double days = cert_days(g, d);
	char t[128];

	cert_text(g, d, t, sizeof t);
	buf_printf(&g->b, "<td class=\"cert\" data-v=\"%.0f\">", isnan(days) ? -1e9 : days);
	E(t);
	P("</td>");
}

static const char *reason_text(const struct dash_lang *L, enum probe_result r)
{
	return (unsigned)r < PROBE_RESULT_COUNT ? L->reason[r] : L->reason_unknown;
}

/* The availability windows in memory (model/avail.h) for the generation's configuration. */
static const struct model *model_of(const struct gen *g)
{
	const struct snapshot *sn = g->in->snap;
	const struct rollout_ref *ro = g->in->ro;

	if (sn && sn->cfg == g->in->cfg && sn->cfgref)
		return sn->cfgref->model;
	if (ro && ro->cfg == g->in->cfg && ro->cfgref)
		return ro->cfgref->model;
	return NULL;
}

/* Dienst d's availability per UTC day, the last 7 days up to today, from memory. */
static void read_days(struct gen *g, size_t d)
{
	struct dstat *s = &g->ds[d];
	time_t today = g->in->now - g->in->now % 86400;

	model_days(model_of(g), d, g->in->now, 7, s->day_up);
	for (int i = 0; i < 7; i++)	/* noon UTC: the day's date in every European zone */
		s->day_end[i] = today - (time_t)(6 - i) * 86400 + 43200;
}

/* Reads one Dienst's latency (history.h) and daily availability (model/avail.h). */
static void read_series(struct gen *g, size_t d)
{
	struct dstat *s = &g->ds[d];
	struct history h = { 0 };
	char err[256];
	const char *path;
	time_t now = g->in->now;

	s->lat_avg = s->lat_max = s->lat_last = NAN;
	for (int i = 0; i < PROBE_PHASE_COUNT; i++)
		s->phase_avg[i] = NAN;
	read_days(g, d);
	if (!g->in->store)
		return;
	/* Response times live in the performance file (store.h). */
	path = store_perf_path(g->in->store, d);
	/* The finest rows for the mean and the latest value; the MAX archive for peaks. */
	if (history_fetch(path, "AVERAGE", now - 86400, now, 0, &h, err, sizeof err) == 0) {
		int k = history_ds(&h, "duration");
		double sum = 0, n = 0;
		for (size_t r = 0; k >= 0 && r < h.rows; r++) {
			double v = h.v[r * h.n_ds + (size_t)k];
			if (isnan(v))
				continue;
			sum += v;
			n++;
			s->lat_last = v;
			if (isnan(s->lat_max) || v > s->lat_max)
				s->lat_max = v;
		}
		if (n > 0)
			s->lat_avg = sum / n;
		/* The phases' means; the data source names are the phase names (store.h). */
		for (int ph = 0; ph < PROBE_PHASE_COUNT; ph++) {
			int kp = history_ds(&h, probe_phase_name((enum probe_phase)ph));
			double psum = 0, pn = 0;
			for (size_t r = 0; kp >= 0 && r < h.rows; r++) {
				double v = h.v[r * h.n_ds + (size_t)kp];
				if (!isnan(v)) {
					psum += v;
					pn++;
				}
			}
			if (pn > 0)
				s->phase_avg[ph] = psum / pn;
		}
		history_free(&h);
	}
	if (history_fetch(path, "MAX", now - 86400, now, 300, &h, err, sizeof err) == 0) {
		int k = history_ds(&h, "duration");
		for (size_t r = 0; k >= 0 && r < h.rows; r++) {
			double v = h.v[r * h.n_ds + (size_t)k];
			if (!isnan(v) && (isnan(s->lat_max) || v > s->lat_max))
				s->lat_max = v;
		}
		history_free(&h);
	}
}

/* ---- graphs --------------------------------------------------------------- */

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The metric of u's stored counter k; NULL when the index is out of range. */
static const struct cfg_usage_metric *stored_metric(const struct cfg_usage *u, size_t k)
{
	return k < u->n_stored && u->stored_metric[k] < u->n_metrics ? &u->metrics[u->stored_metric[k]]
								      : NULL;
}

/* A usage metric's name in a table's row header: its title (dash_usage_title), else its name as code. */
static void usage_name(struct gen *g, const struct cfg_usage_metric *m, const char *name)
{
	const char *title = dash_usage_title(m, g->L);

	if (title) {
		E(title);
		return;
	}
	P("<code>");
	E(name ? name : "?");
	P("</code>");
}

/* The usage counters of Dienst d over time, when its usage file exists. */
static void draw_usage_graph(struct gen *g, size_t d)
{
	const struct cfg_dienst *cd = &g->in->cfg->dienste[d];
	const char *path = store_usage_path(g->in->store, d);
	char ds[CFG_USAGE_STORED][STORE_DS_NAME_SIZE], out[1024], err[1200];
	const char *dsp[CFG_USAGE_STORED], *legend[CFG_USAGE_STORED];

	if (!cd->usage || cd->usage->n_stored == 0 || !path || access(path, R_OK) != 0)
		return;
	for (size_t k = 0; k < cd->usage->n_stored; k++) {
		const char *title = dash_usage_title(stored_metric(cd->usage, k), g->L);
		store_usage_ds_name(cd->usage->stored_names[k], ds[k]);
		dsp[k] = ds[k];
		legend[k] = title ? title : cd->usage->stored_names[k];
	}
	snprintf(out, sizeof out, "%s/graph/%s-usage.svg", g->dir, cd->id);
	if (dash_graph_usage(path, out, g->in->now, g->L, dsp, legend, cd->usage->n_stored, err,
			     sizeof err) == 0)
		g->res->graphs++;
	else
		fail(g, "%s", err);
}

static bool cancelled(const struct gen *g)
{
	return g->in->cancel && atomic_load(g->in->cancel);
}

/*
 * The latency, availability and usage graphs of Dienst d, whose series file
 * exists (the latency graph once the performance file does too).
 */
static void draw_dienst_graphs(struct gen *g, size_t d)
{
	const struct cfg *c = g->in->cfg;
	const char *rrd = store_path(g->in->store, d);
	const char *perf = store_perf_path(g->in->store, d);
	char out[1024], err[1200];

	if (g->in->graph_late)
		g->in->graph_late[d] = 0;
	snprintf(out, sizeof out, "%s/graph/%s-latency.svg", g->dir, c->dienste[d].id);
	if (access(perf, R_OK) == 0) {
		if (dash_graph_latency(perf, out, g->in->now, g->L, &g->band, err, sizeof err) == 0)
			g->res->graphs++;
		else
			fail(g, "%s", err);
	}
	snprintf(out, sizeof out, "%s/graph/%s-avail.svg", g->dir, c->dienste[d].id);
	if (dash_graph_avail(rrd, out, g->in->now, g->L, err, sizeof err) == 0)
		g->res->graphs++;
	else
		fail(g, "%s", err);
	draw_usage_graph(g, d);
}

static void draw_graphs(struct gen *g)
{
	const struct cfg *c = g->in->cfg;
	char out[1024], err[1200];
	double t0 = mono_s(), budget = g->in->graph_budget_s;
	size_t start = g->in->graph_cursor ? *g->in->graph_cursor : 0, cur = start;

	for (size_t k = 0; g->in->data_dir && k <= c->reg.n_kreise; k++) {
		const char *key = k == 0 ? c->reg.land_key : c->reg.kreise[k - 1].key;
		char rrd[1024];
		if (trend_path(g->in->data_dir, key, rrd, sizeof rrd) != 0 || access(rrd, R_OK) != 0)
			continue;
		snprintf(out, sizeof out, "%s/graph/trend-%s.svg", g->dir, key);
		if (dash_graph_trend(rrd, out, g->in->now, g->L, err, sizeof err) == 0)
			g->res->graphs++;
		else
			fail(g, "%s", err);
	}
	for (size_t i = 0; g->in->store && i < c->n_dienste; i++) {
		size_t d = (start + i) % c->n_dienste;

		if ((budget > 0 && mono_s() - t0 >= budget) || cancelled(g)) {
			cur = d;
			break;
		}
		cur = (d + 1) % c->n_dienste;
		if (access(store_path(g->in->store, d), R_OK) != 0) {
			if (g->in->graph_late)
				g->in->graph_late[d] = 1;
			continue;	/* not probed yet: no series, no graph */
		}
		draw_dienst_graphs(g, d);
	}
	if (g->in->graph_cursor)
		*g->in->graph_cursor = cur;
}

/* Between rounds: the Dienste a round found without series, once they have them. */
static void draw_late_graphs(struct gen *g)
{
	const struct cfg *c = g->in->cfg;
	double t0 = mono_s(), budget = g->in->graph_budget_s;

	for (size_t d = 0; g->in->store && g->in->graph_late && d < c->n_dienste; d++) {
		if (!g->in->graph_late[d] || access(store_path(g->in->store, d), R_OK) != 0)
			continue;
		if ((budget > 0 && mono_s() - t0 >= budget) || cancelled(g))
			break;
		draw_dienst_graphs(g, d);
	}
}

static bool file_exists(const struct gen *g, const char *rel)
{
	char p[1024];
	snprintf(p, sizeof p, "%s/%s", g->dir, rel);
	return access(p, R_OK) == 0;
}

/* ---- shared sections ------------------------------------------------------ */

/* The rollout figures of an area as a description list. */
static void area_figures(struct gen *g, const struct rollout_area *a)
{
	const struct dash_lang *L = g->L;
	size_t cat = g->in->cfg->reg.n_leistungen;
	char n1[64], n2[64], p[64];
	const struct { const char *label; unsigned v; } rows[] = {
		{ L->online, a->online }, { L->online_all, a->online_all },
		{ L->fulfilled, a->fulfilled }, { L->fulfilled_all, a->fulfilled_all },
	};

	P("<dl class=\"figs\">\n<div><dt>");
	E(L->catalog);
	buf_printf(&g->b, "</dt><dd>%s</dd></div>\n", dash_fmt_num(n1, sizeof n1, (double)cat, 0, L));
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		P("<div><dt>");
		E(rows[i].label);
		buf_printf(&g->b, "</dt><dd>%s <span class=\"sub\">%s %s (%s)</span></dd></div>\n",
			   dash_fmt_num(n1, sizeof n1, rows[i].v, 0, L), L->of,
			   dash_fmt_num(n2, sizeof n2, (double)cat, 0, L),
			   dash_fmt_pct(p, sizeof p, cat ? (double)rows[i].v / (double)cat : NAN, 1, L));
	}
	P("<div><dt>");
	E(L->coverage);
	buf_printf(&g->b, "</dt><dd>%s</dd></div>\n<div><dt>",
		   dash_fmt_pct(p, sizeof p, a->population_coverage, 1, L));
	E(L->coverage_reliable);
	buf_printf(&g->b, "</dt><dd>%s</dd></div>\n<div><dt>",
		   dash_fmt_pct(p, sizeof p, a->population_coverage_reliable, 1, L));
	E(L->population);
	buf_printf(&g->b, "</dt><dd>%s</dd></div>\n</dl>\n",
		   dash_fmt_num(n1, sizeof n1, (double)a->population, 0, L));
}

/* True when column `ds` of h has a known value. */
static bool any_known(const struct history *h, const char *ds)
{
	int k = history_ds(h, ds);
	for (size_t r = 0; k >= 0 && r < h->rows; r++)
		if (!isnan(h->v[r * h->n_ds + (size_t)k]))
			return true;
	return false;
}

/* A trend's daily rows over 30 days, or its hourly rows of the last 2 days when no day is complete yet. */
static int trend_rows(struct gen *g, const char *rrd, struct history *h, char *err, size_t errsz)
{
	if (history_fetch(rrd, "AVERAGE", g->in->now - 30 * 86400, g->in->now, 86400, h, err, errsz) != 0)
		return -1;
	if (any_known(h, "online"))
		return 0;
	history_free(h);
	return history_fetch(rrd, "AVERAGE", g->in->now - 2 * 86400, g->in->now, 3600, h, err, errsz);
}

/* The trend graph of an area with its summary and figures. */
static void trend_section(struct gen *g, const char *key, const char *root)
{
	const struct dash_lang *L = g->L;
	char rel[128], rrd[1024], err[256], t[64], n[64];
	struct history h = { 0 };
	size_t shown = 0;

	h2(g, "verlauf", L->trend);
	snprintf(rel, sizeof rel, "graph/trend-%s.svg", key);
	if (file_exists(g, rel)) {
		buf_printf(&g->b, "<figure>\n<img src=\"%s%s\" width=\"657\" height=\"221\" alt=\"", root, rel);
		E(L->trend_summary);
		P("\" loading=\"lazy\">\n<figcaption>");
		E(L->trend_summary);
		P("</figcaption>\n</figure>\n");
	}
	if (!g->in->data_dir || trend_path(g->in->data_dir, key, rrd, sizeof rrd) != 0 ||
	    trend_rows(g, rrd, &h, err, sizeof err) != 0) {
		P("<p>");
		E(L->no_data);
		P("</p>\n");
		return;
	}
	{
		int on = history_ds(&h, "online"), fd = history_ds(&h, "flaechendeckend"),
		    fu = history_ds(&h, "fulfilled");
		P("<table>\n<caption>");
		E(L->trend);
		P("</caption>\n<thead><tr>");
		th(g, L->time, false);
		th(g, L->online, true);
		th(g, L->online_all, true);
		th(g, L->fulfilled, true);
		P("</tr></thead>\n<tbody>\n");
		for (size_t r = h.rows; r-- > 0 && shown < TREND_ROWS;) {
			const double *v = &h.v[r * h.n_ds];
			if (on < 0 || isnan(v[on]))
				continue;
			shown++;
			if (h.step >= 86400)
				dash_fmt_date(t, sizeof t, h.start + (time_t)((r + 1) * h.step), L);
			else
				dash_fmt_datetime(t, sizeof t, h.start + (time_t)((r + 1) * h.step), L);
			buf_printf(&g->b, "<tr><th scope=\"row\">%s</th>", t);
			td_num(g, dash_fmt_num(n, sizeof n, v[on], 0, L), v[on]);
			td_num(g, dash_fmt_num(n, sizeof n, fd >= 0 ? v[fd] : NAN, 0, L), fd >= 0 ? v[fd] : NAN);
			td_num(g, dash_fmt_num(n, sizeof n, fu >= 0 ? v[fu] : NAN, 0, L), fu >= 0 ? v[fu] : NAN);
			P("</tr>\n");
		}
		if (shown == 0) {
			P("<tr><td colspan=\"4\">");
			E(L->no_data);
			P("</td></tr>\n");
		}
		P("</tbody>\n</table>\n");
	}
	history_free(&h);
}

/* Marks the Dienste whose Angebote cover the area `key` at `level`. */
static size_t mark_covering(struct gen *g, enum area_level level, const char *key)
{
	const struct cfg *c = g->in->cfg;
	const struct reg_gemeinde *gm = level == AREA_GEMEINDE ? reg_find_gemeinde(&c->reg, key) : NULL;
	size_t n = 0;

	memset(g->mark, 0, c->n_dienste);
	for (size_t i = 0; i < c->n_angebote; i++) {
		const struct cfg_angebot *a = &c->angebote[i];
		bool hit = false;

		switch (a->level) {
		case AREA_LAND: hit = true; break;
		case AREA_KREIS:
			hit = strncmp(a->area, key, 5) == 0;
			break;
		case AREA_VERBAND:
			hit = level == AREA_KREIS ? strncmp(a->area, key, 5) == 0
						  : gm && strcmp(a->area, gm->verband) == 0;
			break;
		case AREA_GEMEINDE:
			hit = level == AREA_KREIS ? strncmp(a->area, key, 5) == 0
						  : gm && (strcmp(a->area, gm->ags) == 0 ||
							   strcmp(a->area, gm->ars) == 0);
			break;
		}
		if (hit && !g->mark[a->dienst]) {
			g->mark[a->dienst] = 1;
			n++;
		}
	}
	return n;
}

static void dienst_link(struct gen *g, const char *root, size_t d)
{
	const struct cfg_dienst *cd = &g->in->cfg->dienste[d];
	buf_printf(&g->b, "<a href=\"%sdienst/%s.html\">", root, cd->id);
	E(cd->name);
	P("</a>");
}


/*
 * The journal's latest incidents, newest first: of the Dienste marked in
 * g->mark (mark_covering) when `marked`, of Dienst `only` otherwise, at most
 * `limit` rows; with a Dienst column when `with_dienst`.
 */
static void recent_table(struct gen *g, const char *root, bool marked, size_t only, size_t limit,
			 bool with_dienst)
{
	const struct dash_lang *L = g->L;
	size_t shown = 0;
	char t[64], why[160];

	for (size_t i = 0; i < g->in->n_recent && shown < limit; i++) {
		const struct incident_event *e = &g->in->recent[i];
		double secs;

		if (e->dienst >= g->in->cfg->n_dienste || (marked ? !g->mark[e->dienst] : e->dienst != only))
			continue;
		if (shown++ == 0) {
			P("<div class=\"scroll\"><table>\n<thead><tr>");
			if (with_dienst)
				th(g, L->dienst, false);
			th(g, L->hist_start, false);
			th(g, L->hist_end, false);
			th(g, L->hist_duration, true);
			th(g, L->hist_reason, false);
			P("</tr></thead>\n<tbody>\n");
		}
		P("<tr>");
		if (with_dienst) {
			/* Names repeat across providers ("Wohngeld"): the provider under it. */
			P("<th scope=\"row\">");
			dienst_link(g, root, e->dienst);
			P("<br><span class=\"sub\">");
			E(g->in->cfg->dienste[e->dienst].provider);
			P("</span></th>");
		}
		buf_printf(&g->b, "<td>%s</td><td>",
			   dash_fmt_datetime(t, sizeof t, (time_t)(e->start_ms / 1000), L));
		if (e->end_ms) {
			P(dash_fmt_datetime(t, sizeof t, (time_t)(e->end_ms / 1000), L));
			if (e->reconciled) {
				P(" <span class=\"sub\">(");
				E(L->hist_reconciled);
				P(")</span>");
			}
		} else {
			P("<strong>");
			E(L->hist_ongoing);
			P("</strong>");
		}
		P("</td>");
		secs = (double)((e->end_ms ? e->end_ms : (int64_t)g->in->now * 1000) - e->start_ms) / 1000.0;
		td_num(g, dash_fmt_span(t, sizeof t, secs, L), secs);
		P("<td>");
		/*
		 * An open incident's HTTP status is the latest failed probe's; the
		 * journal's view of a closed one carries no status code.
		 */
		E(e->end_ms ? reason_text(L, e->reason) : reason_code(g, e->dienst, e->reason, why, sizeof why));
		P("</td></tr>\n");
	}
	if (shown)
		P("</tbody>\n</table></div>\n");
	else {
		P("<p>");
		E(L->no_recent);
		P("</p>\n");
	}
}

/* The table of the marked Dienste, then their latest incidents and latency graphs. */
static void covering_section(struct gen *g, const char *root)
{
	const struct cfg *c = g->in->cfg;
	const struct dash_lang *L = g->L;
	char t[64], why[160];

	h2(g, "dienste", L->covering);
	P("<div class=\"scroll\"><table class=\"sortable\">\n<thead><tr>");
	th(g, L->dienst, false);
	th(g, L->provider, false);
	th(g, L->state, false);
	th(g, L->last_failure, false);
	th(g, L->uptime_1d, true);
	th(g, L->uptime_7d, true);
	th(g, L->uptime_30d, true);
	th(g, L->uptime_90d, true);
	th(g, L->cert, true);
	th(g, L->incidents_downtime, true);
	P("</tr></thead>\n<tbody>\n");
	for (size_t d = 0; d < c->n_dienste; d++) {
		const struct incident_stats *is;
		if (!g->mark[d])
			continue;
		is = incident(g, d);
		P("<tr><th scope=\"row\">");
		dienst_link(g, root, d);
		P("</th><td>");
		E(c->dienste[d].provider);
		P("</td><td>");
		state_html(g, dienst_state(g, d));
		P("</td><td>");
		E(last_failure(g, d, why, sizeof why));
		P("</td>");
		for (unsigned w = 0; w < ROLLOUT_WINDOWS; w++)
			td_pct(g, uptime(g, w, d), 2);
		td_cert(g, d);
		/* Incidents, and their downtime under the count (sorted by the count). */
		buf_printf(&g->b, "<td class=\"num\" data-v=\"%.0f\">%s", is ? (double)is->opened : -1.0,
			   dash_fmt_num(t, sizeof t, is ? (double)is->opened : NAN, 0, L));
		if (is && is->opened) {
			char dt[160];
			double secs;
			downtime_text(g, is, dt, sizeof dt, &secs);
			P("<br><span class=\"sub\">");
			E(dt);
			P("</span>");
		}
		P("</td>");
		P("</tr>\n");
	}
	P("</tbody>\n</table></div>\n");
	h2(g, "stoerungsverlauf", L->recent_incidents);
	recent_table(g, root, true, 0, AREA_RECENT_ROWS, true);
	h2(g, "antwortzeiten", L->latency_graphs);
	P("<div class=\"graphs\">\n");
	for (size_t d = 0; d < c->n_dienste; d++) {
		const struct dstat *s = &g->ds[d];
		char a[64], m[64], l[64];
		if (!g->mark[d])
			continue;
		/* The precision of the Dienst page's table: a sub-millisecond mean is "0,3 ms", not "0 ms". */
		dash_fmt_ms(a, sizeof a, s->lat_avg, L);
		dash_fmt_ms(m, sizeof m, s->lat_max, L);
		dash_fmt_ms(l, sizeof l, s->lat_last, L);
		P("<figure>\n");
		if (s->graph_latency) {
			buf_printf(&g->b, "<img src=\"%sgraph/%s-latency.svg\" width=\"%d\" height=\"%d\" "
				   "loading=\"lazy\" alt=\"", root, c->dienste[d].id, LAT_W, LAT_H);
			E(L->latency);
			P(": ");
			E(c->dienste[d].name);
			buf_printf(&g->b, ", %s %s, %s %s\">\n", L->latency_avg, a, L->latency_max, m);
		}
		P("<figcaption>");
		E(c->dienste[d].name);
		P(". ");
		E(L->latency_summary);
		buf_printf(&g->b, " %s %s, %s %s, %s %s.</figcaption>\n</figure>\n",
			   L->latency_avg, a, L->latency_max, m, L->latency_last, l);
	}
	P("</div>\n");
}

/* A map of the page with its heading (leistung.h); nothing without geometry. */
static void map_section(struct gen *g, const char *root, const char *map_rel, const char *title,
			const char *table_href)
{
	if (!g->vw || !g->in->geo)
		return;
	h2(g, "karte", g->L->map);
	views_map_embed(&g->b, g->vw, root, map_rel, title, table_href);
}

/* The maps, a page per Leistung offered, the catalogue and gemeinden.html (leistung.h). */
static void views_pages(struct gen *g)
{
	const struct dash_lang *L = g->L;
	unsigned written = 0, kept = 0;
	char rel[128], title[512], err[1400];
	const char *root;

	if (!g->vw)
		return;
	if (views_write_maps(g->vw, g->dir, &written, &kept, err, sizeof err) != 0)
		fail(g, "%s", err);
	g->res->files += written;
	for (size_t i = 0; i < views_n_offered(g->vw) && !cancelled(g); i++) {
		views_leistung_title(g->vw, i, title, sizeof title);
		page_begin(g, "../", title);
		views_leistung_body(&g->b, g->vw, i);
		page_end(g, "../", true, true);
		snprintf(rel, sizeof rel, "leistung/%s.html", views_offered(g->vw, i)->ozg_id);
		put_page(g, rel);
	}
	for (size_t k = 0; k < views_n_catalogue(g->vw) && !cancelled(g); k++) {
		views_catalogue_page(g->vw, k, rel, sizeof rel, title, sizeof title, &root);
		page_begin(g, root, title);
		views_catalogue_body(&g->b, g->vw, k);
		page_end(g, root, true, false);
		put_page(g, rel);
	}
	page_begin(g, "", L->gemeinden_title);
	views_gemeinden_body(&g->b, g->vw);
	page_end(g, "", true, true);
	put_page(g, "gemeinden.html");
	write_atomic(g, "katalog.js", views_catalogue_js, strlen(views_catalogue_js));
}

/* ---- pages ---------------------------------------------------------------- */

static void kreise_table(struct gen *g, const struct rollout *r)
{
	const struct cfg *c = g->in->cfg;
	const struct dash_lang *L = g->L;

	h2(g, "kreise", L->kreise);
	P("<p class=\"hint\">");
	E(L->sort_hint);
	P("</p>\n<div class=\"scroll\"><table class=\"sortable\">\n<thead><tr>");
	th(g, L->kreis, false);
	th(g, L->population, true);
	th(g, L->online, true);
	th(g, L->online_all, true);
	th(g, L->fulfilled, true);
	th(g, L->coverage, true);
	th(g, L->disrupted, true);
	P("</tr></thead>\n<tbody>\n");
	for (size_t k = 0; k < c->reg.n_kreise; k++) {
		const struct reg_kreis *kr = &c->reg.kreise[k];
		const struct rollout_area *a = r ? rollout_find_area(r, kr->key) : NULL;
		size_t down = 0;

		mark_covering(g, AREA_KREIS, kr->key);
		for (size_t d = 0; d < c->n_dienste; d++)
			down += g->mark[d] && dienst_state(g, d) == DS_DOWN;
		buf_printf(&g->b, "<tr><th scope=\"row\"><a href=\"kreis/%s.html\">", kr->key);
		E(kr->name);
		P("</a></th>");
		td_count(g, (double)kr->population);
		td_count(g, a ? a->online : NAN);
		td_count(g, a ? a->online_all : NAN);
		td_count(g, a ? a->fulfilled : NAN);
		td_pct(g, a ? a->population_coverage : NAN, 1);
		td_count(g, (double)down);
		P("</tr>\n");
	}
	P("</tbody>\n</table></div>\n");
}

static int cmp_avail(const void *pa, const void *pb, void *ctx)
{
	const double *u = ctx;
	double a = u[*(const size_t *)pa], b = u[*(const size_t *)pb];
	if (isnan(a) != isnan(b))
		return isnan(a) ? 1 : -1;
	return a < b ? -1 : a > b;
}

static void open_incidents(struct gen *g, const char *root)
{
	const struct cfg *c = g->in->cfg;
	const struct dash_lang *L = g->L;
	size_t n = 0;
	char t[64], why[160];

	for (size_t d = 0; d < c->n_dienste; d++) {
		const struct incident_stats *is = incident(g, d);
		if (!is || !is->open)
			continue;
		if (n++ == 0) {
			P("<div class=\"scroll\"><table>\n<thead><tr>");
			th(g, L->dienst, false);
			th(g, L->provider, false);
			th(g, L->open_since, false);
			th(g, L->last_failure, false);
			P("</tr></thead>\n<tbody>\n");
		}
		P("<tr><th scope=\"row\">");
		dienst_link(g, root, d);
		P("</th><td>");
		E(c->dienste[d].provider);
		buf_printf(&g->b, "</td><td>%s</td><td>",
			   dash_fmt_datetime(t, sizeof t, (time_t)(is->open_since_ms / 1000), L));
		E((unsigned)is->open_reason < PROBE_RESULT_COUNT
		  ? reason_code(g, d, is->open_reason, why, sizeof why) : "–");
		P("</td></tr>\n");
	}
	if (n)
		P("</tbody>\n</table></div>\n");
	else {
		P("<p>");
		E(L->no_open_incidents);
		P("</p>\n");
	}
}

#define USAGE_SUMS_SHOWN 20		/* counters summed on the Land page */

/*
 * The Land's usage: each counter named in the usage sections, summed over
 * the portals' statistics documents with usage_sum, so a document that
 * several Dienste of a portal share counts once.  Nothing when no document
 * gave a value.
 */
static void usage_sums(struct gen *g)
{
	const struct cfg *c = g->in->cfg;
	const struct dash_lang *L = g->L;
	size_t shown = 0;
	char t[64];

	if (!g->in->snap || g->in->snap->cfg != c)
		return;
	for (size_t d = 0; d < c->n_dienste && shown < USAGE_SUMS_SHOWN; d++) {
		const struct cfg_usage *u = c->dienste[d].usage;
		for (size_t k = 0; u && k < u->n_metrics && shown < USAGE_SUMS_SHOWN; k++) {
			const struct cfg_usage_metric *m = &u->metrics[k];
			bool seen = false;
			size_t docs;
			double sum;

			if (m->type != CFG_USAGE_COUNTER || !m->name)
				continue;
			/* each name once: where it is first named */
			for (size_t e = 0; e <= d && !seen; e++) {
				const struct cfg_usage *w = c->dienste[e].usage;
				for (size_t l = 0; w && l < (e < d ? w->n_metrics : k) && !seen; l++)
					seen = w->metrics[l].name && strcmp(w->metrics[l].name, m->name) == 0;
			}
			if (seen)
				continue;
			sum = usage_sum(g->in->snap, NULL, m->name, &docs);
			if (!docs)
				continue;
			if (shown++ == 0) {
				h2(g, "nutzung", L->usage_sums);
				P("<p>");
				E(L->usage_sums_summary);
				P("</p>\n<table>\n<thead><tr>");
				th(g, L->usage_metric, false);
				th(g, L->usage_sum, true);
				th(g, L->usage_docs, true);
				P("</tr></thead>\n<tbody>\n");
			}
			P("<tr><th scope=\"row\">");
			usage_name(g, m, m->name);
			P("</th>");
			td_num(g, dash_fmt_num(t, sizeof t, sum, sum == floor(sum) ? 0 : 2, L), sum);
			td_count(g, (double)docs);
			P("</tr>\n");
		}
	}
	if (shown)
		P("</tbody>\n</table>\n");
}

static void page_index(struct gen *g)
{
	const struct cfg *c = g->in->cfg;
	const struct dash_lang *L = g->L;
	const struct rollout *r = g->in->ro ? g->in->ro->r : NULL;
	const struct rollout_area *land = r ? rollout_find_area(r, c->reg.land_key) : NULL;
	char t[64], title[256];

	snprintf(title, sizeof title, "%s: %s", c->reg.land_name, L->overview_title);
	page_begin(g, "", title);
	h2(g, "umsetzung", L->progress);
	if (land)
		area_figures(g, land);
	else {
		P("<p>");
		E(L->no_data);
		P("</p>\n");
	}
	map_section(g, "", "map/land.svg", L->map_land_title, "gemeinden.html");
	trend_section(g, c->reg.land_key, "");

	h2(g, "reifegrade", L->reifegrad_dist);
	if (land) {
		unsigned total = 0;
		for (int i = 0; i <= c->global.reifegrad_max && i < ROLLOUT_LEVELS; i++)
			total += land->by_reifegrad[i];
		P("<table>\n<thead><tr>");
		th(g, L->reifegrad, false);
		th(g, L->leistungen, true);
		th(g, L->share, true);
		P("</tr></thead>\n<tbody>\n");
		for (int i = 0; i <= c->global.reifegrad_max && i < ROLLOUT_LEVELS; i++) {
			double share = total ? (double)land->by_reifegrad[i] / total : NAN;
			buf_printf(&g->b, "<tr><th scope=\"row\">%d</th>", i);
			td_count(g, land->by_reifegrad[i]);
			buf_printf(&g->b, "<td class=\"num\">%s <svg class=\"bar\" aria-hidden=\"true\" "
				   "width=\"200\" height=\"12\"><rect width=\"%.0f\" height=\"12\" "
				   "fill=\"#1b1b1b\"/><rect width=\"200\" height=\"12\" fill=\"none\" "
				   "stroke=\"#1b1b1b\"/></svg></td></tr>\n",
				   dash_fmt_pct(t, sizeof t, share, 1, L), isnan(share) ? 0.0 : share * 200);
		}
		P("</tbody>\n</table>\n");
	}

	h2(g, "themenfelder", L->themenfelder);
	if (r) {
		P("<div class=\"scroll\"><table class=\"sortable\">\n<thead><tr>");
		th(g, L->themenfeld, false);
		th(g, L->catalog, true);
		th(g, L->online, true);
		th(g, L->online_all, true);
		th(g, L->fulfilled, true);
		th(g, L->coverage, true);
		P("</tr></thead>\n<tbody>\n");
		for (size_t i = 0; i < r->n_themenfelder; i++) {
			const struct rollout_themenfeld *tf = &r->themenfelder[i];
			if (!tf->name || tf->catalog == 0)
				continue;
			P("<tr><th scope=\"row\">");
			E(tf->name);
			P("</th>");
			td_count(g, tf->catalog);
			td_count(g, tf->online);
			td_count(g, tf->online_all);
			td_count(g, tf->fulfilled);
			td_pct(g, tf->population_coverage, 1);
			P("</tr>\n");
		}
		P("</tbody>\n</table></div>\n");
	}

	h2(g, "verfuegbarkeit", L->availability7);
	{
		double sum = 0, *u7 = calloc(c->n_dienste ? c->n_dienste : 1, sizeof *u7);
		size_t *order = calloc(c->n_dienste ? c->n_dienste : 1, sizeof *order);
		size_t n = 0, band[4] = { 0 };
		const char *bn[4] = { L->avail_band_hi, L->avail_band_mid, L->avail_band_lo,
				      L->avail_band_none };

		if (!u7 || !order) {
			free(u7);
			free(order);
			fail(g, "index.html: out of memory");
		} else {
			for (size_t d = 0; d < c->n_dienste; d++) {
				u7[d] = uptime(g, 1, d);
				order[d] = d;
				if (isnan(u7[d])) {
					band[3]++;
					continue;
				}
				sum += u7[d];
				n++;
				band[u7[d] >= 0.99 ? 0 : u7[d] >= 0.95 ? 1 : 2]++;
			}
			P("<p>");
			E(L->avail_summary);
			buf_printf(&g->b, " <strong>%s</strong></p>\n",
				   dash_fmt_pct(t, sizeof t, n ? sum / (double)n : NAN, 2, L));
			P("<table>\n<thead><tr>");
			th(g, L->uptime_7d, false);
			th(g, L->dienste, true);
			P("</tr></thead>\n<tbody>\n");
			for (int i = 0; i < 4; i++) {
				P("<tr><th scope=\"row\">");
				E(bn[i]);
				P("</th>");
				td_count(g, (double)band[i]);
				P("</tr>\n");
			}
			P("</tbody>\n</table>\n<h3>");
			E(L->least_available);
			P("</h3>\n<table>\n<thead><tr>");
			th(g, L->dienst, false);
			th(g, L->provider, false);
			th(g, L->uptime_7d, true);
			P("</tr></thead>\n<tbody>\n");
			qsort_r(order, c->n_dienste, sizeof *order, cmp_avail, u7);
			for (size_t i = 0; i < c->n_dienste && i < LEAST_AVAILABLE && !isnan(u7[order[i]]); i++) {
				P("<tr><th scope=\"row\">");
				dienst_link(g, "", order[i]);
				P("</th><td>");
				E(c->dienste[order[i]].provider);
				P("</td>");
				td_pct(g, u7[order[i]], 2);
				P("</tr>\n");
			}
			P("</tbody>\n</table>\n");
			free(u7);
			free(order);
		}
	}
	usage_sums(g);
	h2(g, "stoerungen", L->open_incidents);
	open_incidents(g, "");
	kreise_table(g, r);
	page_end(g, "", true, true);
	put_page(g, "index.html");
}

static void page_kreis(struct gen *g, const struct reg_kreis *kr)
{
	const struct cfg *c = g->in->cfg;
	const struct dash_lang *L = g->L;
	const struct rollout *r = g->in->ro ? g->in->ro->r : NULL;
	const struct rollout_area *a = r ? rollout_find_area(r, kr->key) : NULL;
	char title[256], rel[64];

	snprintf(title, sizeof title, "%s: %s", L->kreis_title, kr->name);
	page_begin(g, "../", title);
	P("<p>");
	E(L->parent_kreis);
	P(": <a href=\"../index.html\">");
	E(c->reg.land_name);
	P("</a></p>\n");
	h2(g, "umsetzung", L->progress);
	if (a)
		area_figures(g, a);
	snprintf(rel, sizeof rel, "map/kreis-%s.svg", kr->key);
	map_section(g, "../", rel, L->map_kreis_title, "#gemeinden");
	trend_section(g, kr->key, "../");
	h2(g, "gemeinden", L->gemeinden);
	P("<div class=\"scroll\"><table class=\"sortable\">\n<thead><tr>");
	th(g, L->gemeinde, false);
	th(g, L->population, true);
	th(g, L->online, true);
	th(g, L->fulfilled, true);
	P("</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < c->reg.n_gemeinden; i++) {
		const struct reg_gemeinde *gm = &c->reg.gemeinden[i];
		const struct rollout_area *ga;
		if (strcmp(gm->kreis, kr->key) != 0)
			continue;
		ga = r ? rollout_find_area(r, gm->ags) : NULL;
		buf_printf(&g->b, "<tr><th scope=\"row\"><a href=\"../gemeinde/%s.html\">", gm->ags);
		E(gm->name);
		P("</a></th>");
		td_count(g, (double)gm->population);
		td_count(g, ga ? ga->online : NAN);
		td_count(g, ga ? ga->fulfilled : NAN);
		P("</tr>\n");
	}
	P("</tbody>\n</table></div>\n");
	if (g->vw)
		views_area_leistungen(&g->b, g->vw, AREA_KREIS, kr->key, "../");
	mark_covering(g, AREA_KREIS, kr->key);
	covering_section(g, "../");
	page_end(g, "../", true, true);
	snprintf(rel, sizeof rel, "kreis/%s.html", kr->key);
	put_page(g, rel);
}

static void page_gemeinde(struct gen *g, const struct reg_gemeinde *gm)
{
	const struct cfg *c = g->in->cfg;
	const struct dash_lang *L = g->L;
	const struct rollout *r = g->in->ro ? g->in->ro->r : NULL;
	const struct rollout_area *a = r ? rollout_find_area(r, gm->ags) : NULL;
	const struct reg_kreis *kr = reg_find_kreis(&c->reg, gm->kreis);
	const struct reg_verband *vb = reg_find_verband(&c->reg, gm->verband);
	char title[256], rel[64], feed[32];

	snprintf(title, sizeof title, "%s: %s", L->gemeinde_title, gm->name);
	snprintf(feed, sizeof feed, "%s.atom", gm->ags);
	g->feed = dash_feed_gemeinde(c, gm) ? feed : NULL;
	g->feed_of = gm->name;
	page_begin(g, "../", title);
	g->feed = NULL;
	P("<p>");
	E(L->parent_kreis);
	P(": ");
	if (vb) {
		E(L->verband);
		P(" ");
		E(vb->name);
		P(", ");
	}
	if (kr) {
		buf_printf(&g->b, "<a href=\"../kreis/%s.html\">", kr->key);
		E(kr->name);
		P("</a>");
	}
	P("</p>\n");
	h2(g, "umsetzung", L->progress);
	if (a)
		area_figures(g, a);
	if (g->vw)
		views_area_leistungen(&g->b, g->vw, AREA_GEMEINDE, gm->ags, "../");
	mark_covering(g, AREA_GEMEINDE, gm->ags);
	covering_section(g, "../");
	page_end(g, "../", true, a != NULL);
	snprintf(rel, sizeof rel, "gemeinde/%s.html", gm->ags);
	put_page(g, rel);
}


/*
 * The stored usage counters of Dienst d (<id>.usage.rrd): the graph, and as
 * its text alternative the totals over 24 hours and 7 days, from the
 * hourly rates.  Nothing when the file has no rows yet.
 */
static void usage_trend_section(struct gen *g, size_t d)
{
	const struct cfg_usage *u = g->in->cfg->dienste[d].usage;
	const struct dash_lang *L = g->L;
	const char *path = g->in->store ? store_usage_path(g->in->store, d) : NULL;
	double day[CFG_USAGE_STORED], week[CFG_USAGE_STORED];
	int col[CFG_USAGE_STORED];
	struct history h = { 0 };
	time_t now = g->in->now;
	char err[256], t1[64], t2[64], name[STORE_DS_NAME_SIZE];

	if (!u || u->n_stored == 0 || !path ||
	    history_fetch(path, "AVERAGE", now - 7 * 86400, now, 3600, &h, err, sizeof err) != 0)
		return;
	for (size_t k = 0; k < u->n_stored; k++) {
		store_usage_ds_name(u->stored_names[k], name);
		col[k] = history_ds(&h, name);
		day[k] = week[k] = NAN;
		for (size_t r = 0; col[k] >= 0 && r < h.rows; r++) {
			double v = h.v[r * h.n_ds + (size_t)col[k]] * (double)h.step;
			time_t end = h.start + (time_t)((r + 1) * h.step);

			if (isnan(v))
				continue;
			week[k] = isnan(week[k]) ? v : week[k] + v;
			if (end > now - 86400)
				day[k] = isnan(day[k]) ? v : day[k] + v;
		}
	}
	history_free(&h);
	P("<h3>");
	E(L->usage_trend);
	P("</h3>\n");
	P("<figure>\n");
	if (g->ds[d].graph_usage) {
		buf_printf(&g->b, "<img src=\"../graph/%s-usage.svg\" width=\"%d\" height=\"%d\" alt=\"",
			   g->in->cfg->dienste[d].id, AVAIL_W, AVAIL_H);
		E(L->usage_trend);
		P(" (");
		E(L->usage_per_hour);
		P(")\">\n");
	}
	P("<figcaption>");
	E(L->usage_trend_summary);
	P("</figcaption>\n</figure>\n<table>\n<thead><tr>");
	th(g, L->usage_metric, false);
	th(g, L->usage_24h, true);
	th(g, L->usage_7d, true);
	P("</tr></thead>\n<tbody>\n");
	for (size_t k = 0; k < u->n_stored; k++) {
		P("<tr><th scope=\"row\">");
		usage_name(g, stored_metric(u, k), u->stored_names[k]);
		buf_printf(&g->b, "</th><td class=\"num\">%s</td><td class=\"num\">%s</td></tr>\n",
			   dash_fmt_num(t1, sizeof t1, day[k], 0, L),
			   dash_fmt_num(t2, sizeof t2, week[k], 0, L));
	}
	P("</tbody>\n</table>\n");
}

/*
 * The graphic beside usage value v of metric m (NULL: unknown) in the table.
 * A counter's value is an amount counted up from zero: a bar, its metric's
 * largest value the full width.  A gauge's value is a level: a mark on a
 * framed scale from 0 to the largest number its map knows (portal_status:
 * ok 1, degraded 0.5, down 0), or to its members' largest value when it has
 * several; a lone gauge without a map has no scale and shows its value only.
 */
static void usage_figure(struct gen *g, const struct usage_result *u, const struct usage_value *v,
			 const struct cfg_usage_metric *m)
{
	double top = 0, x;
	size_t members = 0;

	if (!m || !isfinite(v->v) || v->v < 0)
		return;
	for (size_t k = 0; k < u->n; k++)
		if (u->v[k].metric == v->metric && isfinite(u->v[k].v)) {
			members++;
			if (u->v[k].v > top)
				top = u->v[k].v;
		}
	if (m->type == CFG_USAGE_COUNTER) {
		if (top > 0)
			buf_printf(&g->b, " <svg class=\"bar\" aria-hidden=\"true\" width=\"120\" height=\"10\">"
				   "<rect width=\"%.0f\" height=\"10\" fill=\"#1b1b1b\"/><rect width=\"120\" "
				   "height=\"10\" fill=\"none\" stroke=\"#1b1b1b\"/></svg>", v->v / top * 120.0);
		return;
	}
	if (m->n_map > 0) {
		top = 0;
		for (size_t k = 0; k < m->n_map; k++)
			if (m->map[k].value > top)
				top = m->map[k].value;
	} else if (members < 2) {
		return;
	}
	if (!(top > 0))
		return;
	/* A 3 px mark centred on the level, kept inside the frame. */
	x = fmin(fmax(v->v / top * 120.0 - 1.5, 0.0), 117.0);
	buf_printf(&g->b, " <svg class=\"level\" aria-hidden=\"true\" width=\"120\" height=\"10\">"
		   "<rect width=\"120\" height=\"10\" fill=\"none\" stroke=\"#1b1b1b\"/>"
		   "<rect x=\"%.1f\" width=\"3\" height=\"10\" fill=\"#1b1b1b\"/></svg>", x);
}

#define USAGE_SHARED_SHOWN 12	/* other Dienste named beside a shared statistics document */

/*
 * When Dienst d's statistics document is its portal's, shared with other
 * Dienste (the same usage URL, usage_same_document): says so and names
 * them, so that the figures are read as the portal's, not as this
 * Dienst's own.
 */
static void usage_shared(struct gen *g, size_t d)
{
	const struct cfg *c = g->in->cfg;
	size_t n = 0;

	for (size_t j = 0; j < c->n_dienste; j++) {
		if (j == d || !usage_same_document(c->dienste[j].usage, c->dienste[d].usage))
			continue;
		if (n == 0) {
			P("<p class=\"shared\">");
			E(g->L->usage_shared);
			P(" ");
		} else if (n < USAGE_SHARED_SHOWN) {
			P(", ");
		}
		if (n < USAGE_SHARED_SHOWN)
			dienst_link(g, "../", j);
		n++;
	}
	if (n > USAGE_SHARED_SHOWN)
		buf_printf(&g->b, " … (%zu)", n);
	if (n)
		P(".</p>\n");
}

/* A Dienst's usage figures from its latest statistics document (collector/usage.h). */
static void usage_section(struct gen *g, size_t d)
{
	const struct cfg_dienst *cd = &g->in->cfg->dienste[d];
	const struct dash_lang *L = g->L;
	const struct snapshot *sn = g->in->snap;
	const struct usage_result *u = sn && d < sn->n ? sn->t[d].usage : NULL;
	char t[64];

	h2(g, "nutzung", L->usage);
	if (!cd->usage) {
		P("<p>");
		E(L->usage_none);
		P("</p>\n");
		return;
	}
	if (!u || !u->ok) {
		P("<p>");
		E(L->usage_failed);
		P(" ");
		E(u && u->error[0] ? u->error : L->no_data);
		P("</p>\n");
		if (u && u->last_ok_ms) {
			P("<p>");
			E(L->usage_last_ok);
			buf_printf(&g->b, ": %s</p>\n",
				   dash_fmt_datetime(t, sizeof t, (time_t)(u->last_ok_ms / 1000), L));
		}
		return;
	}
	P("<p>");
	E(L->usage_summary);
	buf_printf(&g->b, " %s.</p>\n", dash_fmt_datetime(t, sizeof t, (time_t)(u->fetched_ms / 1000), L));
	usage_shared(g, d);
	P("<div class=\"scroll\"><table>\n<thead><tr>");
	th(g, L->usage_metric, false);
	th(g, L->usage_key, false);
	th(g, L->usage_value, true);
	P("</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < u->n && i < USAGE_ROWS_SHOWN; i++) {
		const struct usage_value *v = &u->v[i];
		const struct cfg_usage_metric *m = v->metric < cd->usage->n_metrics
						   ? &cd->usage->metrics[v->metric] : NULL;

		P("<tr><th scope=\"row\">");
		usage_name(g, m, m ? m->name : NULL);
		P("</th><td>");
		E(v->label[0] ? v->label : "–");
		buf_printf(&g->b, "</td><td class=\"num\" data-v=\"%.6g\">%s", isfinite(v->v) ? v->v : -1.0,
			   dash_fmt_num(t, sizeof t, v->v, v->v == floor(v->v) ? 0 : 2, L));
		usage_figure(g, u, v, m);
		P("</td></tr>\n");
	}
	P("</tbody>\n</table></div>\n");
	if (u->n > USAGE_ROWS_SHOWN)
		buf_printf(&g->b, "<p>%zu %s.</p>\n", u->n - USAGE_ROWS_SHOWN,
			   u->n - USAGE_ROWS_SHOWN == 1 ? L->usage_more_one : L->usage_more);
	usage_trend_section(g, d);
}

static void page_dienst(struct gen *g, size_t d)
{
	const struct cfg *c = g->in->cfg;
	const struct cfg_dienst *cd = &c->dienste[d];
	const struct dash_lang *L = g->L;
	const struct rollout *r = g->in->ro ? g->in->ro->r : NULL;
	const struct incident_stats *is = incident(g, d);
	const struct dstat *s = &g->ds[d];
	char title[256], rel[160], t[64], a1[64], a2[64], a3[64], why[160];

	snprintf(title, sizeof title, "%s: %s", L->dienst_title, cd->name);
	page_begin(g, "../", title);
	P("<dl class=\"facts\">\n<div><dt>");
	E(L->provider);
	P("</dt><dd>");
	E(cd->provider);
	P("</dd></div>\n<div><dt>");
	E(L->address);
	P("</dt><dd><code>");
	E(cd->url);
	P("</code></dd></div>\n<div><dt>");
	E(L->efa);
	P("</dt><dd>");
	E(cd->efa ? L->yes : L->no);
	P("</dd></div>\n<div><dt>");
	E(L->state);
	P("</dt><dd>");
	state_html(g, dienst_state(g, d));
	P("</dd></div>\n<div><dt>");
	E(L->last_failure);
	P("</dt><dd>");
	E(last_failure(g, d, why, sizeof why));
	P("</dd></div>\n<div><dt>");
	E(L->cert);
	P(" ");
	E(L->cert_until);
	cert_text(g, d, t, sizeof t);
	P("</dt><dd>");
	E(t);
	P("</dd></div>\n</dl>\n");

	h2(g, "verfuegbarkeit", L->availability);
	P("<table>\n<thead><tr>");
	th(g, L->uptime_1d, true);
	th(g, L->uptime_7d, true);
	th(g, L->uptime_30d, true);
	th(g, L->uptime_90d, true);
	P("</tr></thead>\n<tbody><tr>");
	for (unsigned w = 0; w < ROLLOUT_WINDOWS; w++)
		td_pct(g, uptime(g, w, d), 2);
	P("</tr></tbody>\n</table>\n<figure>\n");
	if (s->graph_avail) {
		buf_printf(&g->b, "<img src=\"../graph/%s-avail.svg\" width=\"%d\" height=\"%d\" alt=\"",
			   cd->id, AVAIL_W, AVAIL_H);
		E(L->g_avail);
		buf_printf(&g->b, ": %s\">\n", dash_fmt_pct(t, sizeof t, uptime(g, 1, d), 2, L));
	}
	P("<figcaption>");
	E(L->avail_daily);
	P("</figcaption>\n</figure>\n<table>\n<thead><tr>");
	th(g, L->day, false);
	th(g, L->availability, true);
	P("</tr></thead>\n<tbody>\n");
	for (int i = 0; i < 7; i++) {
		buf_printf(&g->b, "<tr><th scope=\"row\">%s</th>",
			   dash_fmt_date(t, sizeof t, s->day_end[i], L));
		td_pct(g, s->day_up[i], 2);
		P("</tr>\n");
	}
	P("</tbody>\n</table>\n");

	h2(g, "antwortzeit", L->phases_title);
	/* One decimal, like the table below: a sub-millisecond mean is "0,3 ms", not "0 ms". */
	dash_fmt_ms(a1, sizeof a1, s->lat_avg, L);
	dash_fmt_ms(a2, sizeof a2, s->lat_max, L);
	dash_fmt_ms(a3, sizeof a3, s->lat_last, L);
	P("<figure>\n");
	if (s->graph_latency) {
		buf_printf(&g->b, "<img src=\"../graph/%s-latency.svg\" width=\"%d\" height=\"%d\" alt=\"",
			   cd->id, LAT_W, LAT_H);
		E(L->phases_title);
		buf_printf(&g->b, ": %s %s, %s %s\">\n", L->latency_avg, a1, L->latency_max, a2);
	}
	P("<figcaption>");
	E(L->phases_summary);
	P(" ");
	E(L->latency_summary);
	buf_printf(&g->b, " %s %s, %s %s, %s %s.</figcaption>\n</figure>\n<table>\n<thead><tr>",
		   L->latency_avg, a1, L->latency_max, a2, L->latency_last, a3);
	th(g, L->phase, false);
	th(g, L->phase_mean24, true);
	th(g, L->phase_last, true);
	P("</tr></thead>\n<tbody>\n");
	{
		const struct snapshot *sn = g->in->snap;
		const struct target_state *ts = sn && d < sn->n && sn->t[d].probed ? &sn->t[d] : NULL;
		for (int ph = 0; ph <= PROBE_PHASE_COUNT; ph++) {
			double mean = ph < PROBE_PHASE_COUNT ? s->phase_avg[ph] : s->lat_avg;
			double last = !ts ? NAN : ph < PROBE_PHASE_COUNT ? ts->phase_s[ph] : ts->duration_s;
			P(ph < PROBE_PHASE_COUNT ? "<tr><th scope=\"row\">" : "<tr class=\"total\"><th scope=\"row\">");
			E(L->phase_names[ph]);
			P("</th>");
			td_num(g, dash_fmt_num(t, sizeof t, mean * 1000.0, 1, L), mean * 1000.0);
			td_num(g, dash_fmt_num(t, sizeof t, last * 1000.0, 1, L), last * 1000.0);
			P("</tr>\n");
		}
		P("<tr><th scope=\"row\">");
		E(L->latency_max);
		P("</th>");
		td_num(g, dash_fmt_num(t, sizeof t, s->lat_max * 1000.0, 1, L), s->lat_max * 1000.0);
		P("<td class=\"num\">–</td></tr>\n</tbody>\n</table>\n");
	}

	usage_section(g, d);

	h2(g, "efa", L->efa_adoption);
	if (r && d < r->n_dienste) {
		const struct rollout_dienst *rd = &r->dienste[d];
		P("<p>");
		E(L->efa_summary);
		buf_printf(&g->b, " %s %u, %s %u, %s %u, %s %s.</p>\n", L->angebote, rd->angebote,
			   L->area, rd->areas, L->gemeinden, rd->gemeinden, L->population,
			   dash_fmt_num(t, sizeof t, (double)rd->population, 0, L));
	}
	P("<div class=\"scroll\"><table class=\"sortable\">\n<thead><tr>");
	th(g, L->area, false);
	th(g, L->leistung, false);
	th(g, L->reifegrad, true);
	P("</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < c->n_angebote; i++) {
		const struct cfg_angebot *an = &c->angebote[i];
		const struct reg_leistung *le;
		if (an->dienst != d)
			continue;
		le = reg_find_leistung(&c->reg, an->ozg_id);
		P("<tr><th scope=\"row\">");
		if (an->level == AREA_KREIS)
			buf_printf(&g->b, "<a href=\"../kreis/%.5s.html\">", an->area);
		else if (an->level == AREA_GEMEINDE && strlen(an->area) == 8)
			buf_printf(&g->b, "<a href=\"../gemeinde/%s.html\">", an->area);
		else if (an->level == AREA_LAND)
			P("<a href=\"../index.html\">");
		E(cfg_angebot_area_name(c, an));
		if (an->level != AREA_VERBAND && !(an->level == AREA_GEMEINDE && strlen(an->area) != 8))
			P("</a>");
		P(" <span class=\"sub\">(");
		E(L->area_level_names[an->level]);
		P(")</span></th><td>");
		E(le ? le->name : an->ozg_id);
		P("</td>");
		td_count(g, an->reifegrad);
		P("</tr>\n");
	}
	P("</tbody>\n</table></div>\n");

	h2(g, "stoerungen", L->incidents);
	P("<dl class=\"facts\">\n<div><dt>");
	E(L->incidents_total);
	buf_printf(&g->b, "</dt><dd>%s</dd></div>\n<div><dt>",
		   dash_fmt_num(t, sizeof t, is ? (double)is->opened : NAN, 0, L));
	E(L->downtime);
	{
		char dt[160];
		double secs;
		downtime_text(g, is, dt, sizeof dt, &secs);
		P("</dt><dd>");
		E(dt);
		P("</dd></div>\n<div><dt>");
	}
	E(L->open_since);
	buf_printf(&g->b, "</dt><dd>%s</dd></div>\n</dl>\n",
		   is && is->open ? dash_fmt_datetime(t, sizeof t, (time_t)(is->open_since_ms / 1000), L)
				  : "–");
	P("<h3>");
	E(L->recent_incidents);
	P("</h3>\n");
	recent_table(g, "../", false, d, AREA_RECENT_ROWS, false);

	h2(g, "abzeichen", L->badges);
	P("<p>");
	E(L->badge_embed);
	buf_printf(&g->b, "</p>\n<p><img src=\"../badge/%s-status.svg\" alt=\"", cd->id);
	E(L->badge_status);
	buf_printf(&g->b, "\"> <code>/badge/%s-status.svg</code></p>\n"
		   "<p><img src=\"../badge/%s-uptime.svg\" alt=\"", cd->id, cd->id);
	E(L->badge_uptime);
	buf_printf(&g->b, "\"> <code>/badge/%s-uptime.svg</code></p>\n", cd->id);
	page_end(g, "../", true, r != NULL);
	snprintf(rel, sizeof rel, "dienst/%s.html", cd->id);
	put_page(g, rel);
}

/* The list's page p (0-based) of n_pages: "dienste.html", "dienste-2.html", ... */
static void list_page_name(char *out, size_t outsz, size_t p)
{
	if (p == 0)
		snprintf(out, outsz, "dienste.html");
	else
		snprintf(out, outsz, "dienste-%zu.html", p + 1);
}

/* Links to every page of the list (above it), the current one marked (aria-current, bold, no link). */
static void list_pager(struct gen *g, size_t cur, size_t n_pages)
{
	const struct cfg *c = g->in->cfg;
	const struct dash_lang *L = g->L;
	char name[64];

	P("<nav class=\"pager\" aria-label=\"");
	E(L->pages_label);
	P("\"><ul>");
	for (size_t p = 0; p < n_pages; p++) {
		size_t from = p * DASH_LIST_PAGE + 1, to = (p + 1) * DASH_LIST_PAGE;
		if (to > c->n_dienste)
			to = c->n_dienste;
		list_page_name(name, sizeof name, p);
		if (p == cur)
			buf_printf(&g->b, "<li><strong aria-current=\"page\">%s %zu (%zu–%zu)</strong></li>",
				   L->page_word, p + 1, from, to);
		else
			buf_printf(&g->b, "<li><a href=\"%s\">%s %zu (%zu–%zu)</a></li>", name, L->page_word,
				   p + 1, from, to);
	}
	P("</ul></nav>\n");
}

/*
 * Every Onlinedienst with state and 7-day availability, DASH_LIST_PAGE per
 * page, so each page stays small however many Dienste there are.
 */
static void page_dienste(struct gen *g)
{
	const struct cfg *c = g->in->cfg;
	const struct dash_lang *L = g->L;
	size_t n_pages = c->n_dienste ? (c->n_dienste + DASH_LIST_PAGE - 1) / DASH_LIST_PAGE : 1;

	for (size_t p = 0; p < n_pages && !cancelled(g); p++) {
		char name[64], title[160];

		if (n_pages > 1)
			snprintf(title, sizeof title, "%s (%s %zu/%zu)", L->all_dienste_title, L->page_word,
				 p + 1, n_pages);
		else
			snprintf(title, sizeof title, "%s", L->all_dienste_title);
		page_begin(g, "", title);
		if (n_pages > 1)
			list_pager(g, p, n_pages);
		P("<p class=\"hint\">");
		E(L->sort_hint);
		P("</p>\n<div class=\"scroll\"><table class=\"sortable\">\n<thead><tr>");
		th(g, L->dienst, false);
		th(g, L->provider, false);
		th(g, L->state, false);
		th(g, L->uptime_7d, true);
		P("</tr></thead>\n<tbody>\n");
		for (size_t d = p * DASH_LIST_PAGE; d < c->n_dienste && d < (p + 1) * DASH_LIST_PAGE; d++) {
			P("<tr><th scope=\"row\">");
			dienst_link(g, "", d);
			P("</th><td>");
			E(c->dienste[d].provider);
			P("</td><td>");
			state_html(g, dienst_state(g, d));
			P("</td>");
			td_pct(g, uptime(g, 1, d), 2);
			P("</tr>\n");
		}
		P("</tbody>\n</table></div>\n");
		page_end(g, "", true, false);
		list_page_name(name, sizeof name, p);
		put_page(g, name);
	}
}

/* Orders Dienst indexes by their incident count, most first. */
static int cmp_opened(const void *pa, const void *pb, void *ctx)
{
	const struct incident_stats *v = ctx;
	uint64_t a = v[*(const size_t *)pa].opened, b = v[*(const size_t *)pb].opened;
	return a < b ? 1 : a > b ? -1 : 0;
}

static void page_status(struct gen *g)
{
	const struct cfg *c = g->in->cfg;
	const struct dash_lang *L = g->L;
	size_t down = 0, probed = 0;
	char t[64], why[160];

	g->feed = DASH_FEED_LAND;
	g->feed_of = c->reg.land_name;
	page_begin(g, "", L->status_title);
	g->feed = NULL;
	for (size_t d = 0; d < c->n_dienste; d++) {
		enum dstate st = dienst_state(g, d);
		probed += st != DS_PENDING;
		down += st == DS_DOWN;
	}
	if (probed == 0) {
		P("<p class=\"banner pending\">");
		E(L->status_pending);
		P("</p>\n");
	} else if (down == 0) {
		P("<p class=\"banner up\"><span aria-hidden=\"true\">✓</span> ");
		E(L->all_up);
		P("</p>\n");
	} else {
		char of[160];
		P("<p class=\"banner down\"><span aria-hidden=\"true\">✗</span> ");
		E(dash_fmt_of(of, sizeof of, (double)down, (double)probed, L->svc_one, L->svc_many, L));
		P(" ");
		E(L->disrupted);
		P("</p>\n<div class=\"scroll\"><table class=\"sortable\">\n<thead><tr>");
		th(g, L->dienst, false);
		th(g, L->provider, false);
		th(g, L->last_failure, false);
		th(g, L->open_since, false);
		P("</tr></thead>\n<tbody>\n");
		for (size_t d = 0; d < c->n_dienste; d++) {
			const struct incident_stats *is = incident(g, d);
			if (dienst_state(g, d) != DS_DOWN)
				continue;
			P("<tr><th scope=\"row\">");
			dienst_link(g, "", d);
			P("</th><td>");
			E(c->dienste[d].provider);
			P("</td><td>");
			E(last_failure(g, d, why, sizeof why));
			buf_printf(&g->b, "</td><td>%s</td></tr>\n",
				   is && is->open ? dash_fmt_datetime(t, sizeof t,
						(time_t)(is->open_since_ms / 1000), L) : "–");
		}
		P("</tbody>\n</table></div>\n");
	}
	h2(g, "verlauf", L->incident_history);
	P("<p>");
	E(L->hist_summary);
	P("</p>\n");
	memset(g->mark, 1, c->n_dienste);
	recent_table(g, "", true, 0, HISTORY_ROWS_SHOWN, true);
	h2(g, "je-dienst", L->hist_per_dienst);
	{
		const struct incidents_view *v = g->in->inc;
		size_t *order = v && v->n ? calloc(v->n, sizeof *order) : NULL;
		size_t n = 0;

		if (order) {
			for (size_t d = 0; d < v->n; d++)
				if (v->d[d].opened)
					order[n++] = d;
			qsort_r(order, n, sizeof *order, cmp_opened, v->d);
		}
		if (n == 0) {
			P("<p>");
			E(L->no_incidents);
			P("</p>\n");
		} else {
			P("<div class=\"scroll\"><table class=\"sortable\">\n<thead><tr>");
			th(g, L->dienst, false);
			th(g, L->incidents_total, true);
			th(g, L->downtime, true);
			th(g, L->open_since, false);
			P("</tr></thead>\n<tbody>\n");
			for (size_t i = 0; i < n && i < HISTORY_ROWS_SHOWN; i++) {
				const struct incident_stats *is = &v->d[order[i]];
				P("<tr><th scope=\"row\">");
				dienst_link(g, "", order[i]);
				P("</th>");
				td_count(g, (double)is->opened);
				{
					char dt[160];
					double secs;
					downtime_text(g, is, dt, sizeof dt, &secs);
					td_num(g, dt, secs);
				}
				buf_printf(&g->b, "<td>%s</td></tr>\n", is->open ?
					   dash_fmt_datetime(t, sizeof t, (time_t)(is->open_since_ms / 1000), L) : "–");
			}
			P("</tbody>\n</table></div>\n");
		}
		free(order);
	}
	page_end(g, "", true, false);
	put_page(g, "status.html");
}

/* ---- badges and assets ---------------------------------------------------- */

/* Characters of a UTF-8 string (for the badge's width). */
static size_t u8len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* A two-part badge: label on dark gray, value on a shade with a symbol. */
static void badge(struct gen *g, const char *rel, const char *title, const char *label,
		  const char *value, const char *fill)
{
	unsigned lw = (unsigned)(u8len(label) * 7 + 12), vw = (unsigned)(u8len(value) * 7 + 12);

	buf_printf(&g->b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"20\" "
		   "role=\"img\" aria-labelledby=\"t\">\n<title id=\"t\">", lw + vw);
	E(title);
	buf_printf(&g->b, "</title>\n<rect width=\"%u\" height=\"20\" fill=\"#333333\"/>"
		   "<rect x=\"%u\" width=\"%u\" height=\"20\" fill=\"%s\"/>\n"
		   "<g font-family=\"sans-serif\" font-size=\"11\" fill=\"#ffffff\">"
		   "<text x=\"6\" y=\"14\">", lw, lw, vw, fill);
	E(label);
	buf_printf(&g->b, "</text><text x=\"%u\" y=\"14\">", lw + 6);
	E(value);
	P("</text></g>\n</svg>\n");
	if (g->b.overflow || write_atomic(g, rel, g->b.data, g->b.len) != 0)
		fail(g, "%s: badge not written", rel);
	buf_reset(&g->b);
}

static void badges(struct gen *g, size_t d)
{
	const struct cfg_dienst *cd = &g->in->cfg->dienste[d];
	const struct dash_lang *L = g->L;
	enum dstate st = dienst_state(g, d);
	const char *word = st == DS_UP ? L->st_up : st == DS_DOWN ? L->st_down : L->st_pending;
	char rel[160], title[512], value[96], p[64];

	snprintf(value, sizeof value, "%s %s", st == DS_UP ? "✓" : st == DS_DOWN ? "✗" : "○", word);
	snprintf(title, sizeof title, "%s – %s: %s", cd->name, L->badge_status, word);
	snprintf(rel, sizeof rel, "badge/%s-status.svg", cd->id);
	badge(g, rel, title, L->badge_status, value,
	      st == DS_UP ? "#0b6b2b" : st == DS_DOWN ? "#a4000f" : "#555555");
	dash_fmt_pct(p, sizeof p, uptime(g, 1, d), 2, L);
	snprintf(title, sizeof title, "%s – %s: %s", cd->name, L->badge_uptime, p);
	snprintf(rel, sizeof rel, "badge/%s-uptime.svg", cd->id);
	badge(g, rel, title, L->badge_uptime, p, "#1d4f91");
}

static const char css[] =
	"*{box-sizing:border-box}\n"
	"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;"
	"margin:0;color:#1b1b1b;background:#fff;line-height:1.45}\n"
	"header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}\n"
	"header{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;"
	"border-bottom:3px solid #1b1b1b}\n"
	".brand{font-weight:bold;margin:.6rem 0}\n"
	"nav ul{list-style:none;display:flex;gap:1.2rem;margin:.6rem 0;padding:0}\n"
	"a{color:#0040a0;text-decoration:underline}\n"
	"a:visited{color:#5a2a82}\n"
	"a:focus-visible,button:focus-visible{outline:3px solid #1b1b1b;outline-offset:2px;"
	"background:#ffe066;color:#1b1b1b}\n"
	".skip{position:absolute;left:-999px;top:0;padding:.5rem;background:#fff}\n"
	".simulated{border:2px dashed #8a5a00;background:#fff8e6;color:#4a3000;padding:.4rem .6rem}\n"
	".skip:focus{left:.5rem}\n"
	"h1{font-size:1.6rem;margin:1.2rem 0 .8rem}\n"
	"h2{font-size:1.25rem;margin:2rem 0 .6rem;border-bottom:1px solid #999}\n"
	"h3{font-size:1.05rem}\n"
	"table{border-collapse:collapse;margin:.5rem 0 1rem;min-width:50%}\n"
	"caption{text-align:left;font-weight:bold;padding:.3rem 0}\n"
	"th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #bbb;vertical-align:top}\n"
	"thead th{background:#eee;border-bottom:2px solid #1b1b1b}\n"
	"tbody th{font-weight:normal}\n"
	".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	".scroll{overflow-x:auto}\n"
	".sub,.hint{color:#4a4a4a}\n"
	".st{white-space:nowrap}.up{color:#0b6b2b}.down{color:#a4000f;font-weight:bold}"
	".pending{color:#4a4a4a}\n"
	".banner{font-size:1.3rem;font-weight:bold;padding:.8rem 1rem;border:3px solid currentColor}\n"
	".figs,.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));"
	"gap:.6rem;margin:0}\n"
	".figs div,.facts div{border:1px solid #999;padding:.5rem .7rem}\n"
	"dt{font-size:.9rem;color:#3a3a3a}dd{margin:0;font-size:1.2rem;font-weight:bold}\n"
	".facts dd{font-size:1rem}\n"
	".bar,.level{vertical-align:middle;margin-left:.4rem}\n"
	"figure{margin:1rem 0}img{max-width:100%;height:auto}\n"
	"figcaption{font-size:.9rem}\n"
	"th button{font:inherit;font-weight:bold;background:none;border:0;padding:0;cursor:pointer;"
	"color:inherit;text-decoration:underline dotted}\n"
	"footer{margin-top:2rem;border-top:1px solid #999;color:#3a3a3a;font-size:.9rem}\n"
	"code{overflow-wrap:anywhere}\n"
	".pager ul{list-style:none;display:flex;flex-wrap:wrap;gap:.4rem 1rem;padding:0}\n"
	"tr.total th,tr.total td{font-weight:bold;border-top:2px solid #1b1b1b}\n"
	"td.cert{text-align:right;min-width:7.5rem}\n"
	".map object{max-width:100%;height:auto;display:block}\n"
	".attribution{font-size:.85rem}\n"
	".filters{list-style:none;display:flex;flex-wrap:wrap;gap:.3rem 1rem;padding:0;margin:.3rem 0}\n"
	".graphs{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,30rem),1fr));"
	"gap:0 1.5rem}\n";

static const char favicon[] =
	"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">"
	"<rect width=\"16\" height=\"16\" fill=\"#1b1b1b\"/>"
	"<path d=\"M3 8.5l3 3 7-7\" stroke=\"#ffffff\" stroke-width=\"2.5\" fill=\"none\"/></svg>\n";

static const char sort_js[] =
	"/* sort.js - sorting for tables marked \"sortable\"; the pages read the same without it. */\n"
	"'use strict';\n"
	"document.querySelectorAll('table.sortable').forEach(function (table) {\n"
	"  var heads = table.querySelectorAll('thead th');\n"
	"  heads.forEach(function (th, col) {\n"
	"    var b = document.createElement('button');\n"
	"    b.type = 'button';\n"
	"    while (th.firstChild) b.appendChild(th.firstChild);\n"
	"    th.appendChild(b);\n"
	"    b.addEventListener('click', function () {\n"
	"      var asc = th.getAttribute('aria-sort') !== 'ascending';\n"
	"      heads.forEach(function (h) { h.removeAttribute('aria-sort'); });\n"
	"      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');\n"
	"      var body = table.tBodies[0];\n"
	"      var rows = Array.prototype.slice.call(body.rows);\n"
	"      rows.sort(function (x, y) {\n"
	"        var a = x.cells[col], c = y.cells[col], r;\n"
	"        if (a.hasAttribute('data-v')) r = parseFloat(a.getAttribute('data-v')) - parseFloat(c.getAttribute('data-v'));\n"
	"        else r = a.textContent.trim().localeCompare(c.textContent.trim(), document.documentElement.lang);\n"
	"        return asc ? r : -r;\n"
	"      });\n"
	"      rows.forEach(function (row) { body.appendChild(row); });\n"
	"    });\n"
	"  });\n"
	"});\n";

/* ---- driver --------------------------------------------------------------- */

/* The data step of the Leistung views: per Dienst its state and 7-day availability. */
static void views_start(struct gen *g)
{
	const struct cfg *c = g->in->cfg;
	size_t n = c->n_dienste ? c->n_dienste : 1;
	unsigned char *st = calloc(n, 1);
	double *up7 = calloc(n, sizeof *up7);

	if (st && up7) {
		for (size_t d = 0; d < c->n_dienste; d++) {
			st[d] = (unsigned char)dienst_state(g, d);
			up7[d] = uptime(g, 1, d);
		}
		struct views_in vi = { .cfg = c, .L = g->L, .r = g->in->ro ? g->in->ro->r : NULL,
				       .geo = g->in->geo, .dstate = st, .up7 = up7 };
		g->vw = views_build(&vi);
	}
	if (!g->vw) {
		free(st);
		free(up7);
		fail(g, "Leistungen: out of memory");
		return;
	}
	g->vw_state = st;
	g->vw_up7 = up7;
}

int dash_generate(const struct dash_input *in, const char *dir, struct dash_result *res)
{
	static const char *const subdirs[] = { "kreis", "gemeinde", "dienst", "badge", "graph",
					       "leistung", "katalog", "map" };
	const struct cfg *c = in->cfg;
	struct gen g = { .in = in, .L = in->L, .dir = dir, .res = res };
	char err[1200];

	memset(res, 0, sizeof *res);
	if (mkdir_p(dir, NULL, err, sizeof err) != 0) {
		fail(&g, "%s", err);
		return -1;
	}
	for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++)
		if (mkdir_p(dir, subdirs[i], err, sizeof err) != 0) {
			fail(&g, "%s", err);
			return -1;
		}
	g.ds = calloc(c->n_dienste ? c->n_dienste : 1, sizeof *g.ds);
	g.mark = calloc(c->n_dienste ? c->n_dienste : 1, 1);
	if (!g.ds || !g.mark) {
		free(g.ds);
		free(g.mark);
		fail(&g, "out of memory");
		return -1;
	}
	buf_init(&g.b, PAGE_LIMIT);
	if (in->graphs)
		draw_graphs(&g);
	else
		draw_late_graphs(&g);
	for (size_t d = 0; d < c->n_dienste; d++) {
		char rel[160];
		read_series(&g, d);
		snprintf(rel, sizeof rel, "graph/%s-latency.svg", c->dienste[d].id);
		g.ds[d].graph_latency = file_exists(&g, rel);
		snprintf(rel, sizeof rel, "graph/%s-avail.svg", c->dienste[d].id);
		g.ds[d].graph_avail = file_exists(&g, rel);
		snprintf(rel, sizeof rel, "graph/%s-usage.svg", c->dienste[d].id);
		g.ds[d].graph_usage = file_exists(&g, rel);
	}
	views_start(&g);
	write_atomic(&g, "style.css", css, sizeof css - 1);
	write_atomic(&g, "sort.js", sort_js, sizeof sort_js - 1);
	write_atomic(&g, "favicon.svg", favicon, sizeof favicon - 1);
	for (size_t d = 0; d < c->n_dienste && !cancelled(&g); d++) {
		badges(&g, d);
		page_dienst(&g, d);
	}
	if (!cancelled(&g))
		dash_feeds_write(in, dir, res);	/* before the pages that link them */
	for (size_t k = 0; k < c->reg.n_kreise && !cancelled(&g); k++)
		page_kreis(&g, &c->reg.kreise[k]);
	for (size_t i = 0; i < c->reg.n_gemeinden && !cancelled(&g); i++)
		page_gemeinde(&g, &c->reg.gemeinden[i]);
	if (!cancelled(&g))
		views_pages(&g);
	if (!cancelled(&g)) {
		page_dienste(&g);
		page_status(&g);
		page_index(&g);	/* last: its presence means a whole site is there */
	}
	buf_free(&g.b);
	views_free(g.vw);
	free(g.vw_state);
	free(g.vw_up7);
	free(g.ds);
	free(g.mark);
	return res->errors ? -1 : 0;
}
