/* SPDX-License-Identifier: EUPL-1.2 */
/* status_page.c - see status_page.h. */
#include "dashboards/status_page.h"
#include "common/clock.h"
#include "dashboards/i18n.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void html_escape(struct buf *b, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *esc;
		switch (*s) {
		case '&': esc = "&amp;"; break;
		case '<': esc = "&lt;"; break;
		case '>': esc = "&gt;"; break;
		case '"': esc = "&quot;"; break;
		case '\'': esc = "&#39;"; break;
		default: continue;
		}
		buf_append(b, run, (size_t)(s - run));
		buf_puts(b, esc);
		run = s + 1;
	}
	buf_append(b, run, (size_t)(s - run));
}

struct strings {
	const char *title, *intro, *none, *up, *down, *pending, *col_dienst, *col_provider,
		*col_host, *col_state, *col_reason, *col_status, *col_duration, *col_last,
		*metrics;
	/*
	 * "{up} of {probed} up, {down} down, {pending} pending" in pieces; the
	 * noun after "of" agrees with {probed} ("1 von 1 geprüften Dienst").
	 */
	const char *sum_of, *sum_up_one, *sum_up, *sum_down, *sum_pending;
	char decimal;
};

static const struct strings de = {
	"ozgmon – Verfügbarkeit der Onlinedienste",
	"Zustand jedes überwachten Onlinedienstes nach der letzten Prüfung.",
	"Noch keine Prüfung abgeschlossen.",
	"verfügbar", "gestört", "noch nicht geprüft",
	"Onlinedienst", "Anbieter", "Host", "Zustand", "Ursache", "HTTP-Status",
	"Antwortzeit", "Letzte Prüfung (UTC)",
	"Metriken für Prometheus",
	" von ", " geprüften Dienst verfügbar, ", " geprüften Diensten verfügbar, ", " gestört, ",
	" noch nicht geprüft.", ','
};

static const struct strings en = {
	"ozgmon – availability of online services",
	"State of every monitored online service after its latest probe.",
	"No probe has finished yet.",
	"up", "down", "not yet probed",
	"Online service", "Provider", "Host", "State", "Reason", "HTTP status",
	"Response time", "Last probe (UTC)",
	"Metrics for Prometheus",
	" of ", " probed service up, ", " probed services up, ", " down, ", " not yet probed.", '.'
};

/* The host part of an http(s) URL, into out. */
static void url_host(const char *url, char *out, size_t outsz)
{
	const char *p = strstr(url, "://");
	size_t n;

	p = p ? p + 3 : url;
	n = strcspn(p, "/?#");
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static void seconds(struct buf *b, double v, char dec)
{
	char tmp[32];
	char *dot;

	snprintf(tmp, sizeof tmp, "%.3f s", v);
	if ((dot = strchr(tmp, '.')))
		*dot = dec;
	buf_puts(b, tmp);
}

void status_page_render(struct buf *b, const struct snapshot *s, const char *lang)
{
	const struct strings *L = lang && strcmp(lang, "en") == 0 ? &en : &de;
	size_t up = 0, down = 0, pending = 0;

	buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		      "<title>", L == &en ? "en" : "de");
	html_escape(b, L->title);
	buf_puts(b, "</title>\n<style>\n"
		    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
		    "margin:0 auto;max-width:80rem;padding:1rem;color:#1b1b1b;background:#fff}\n"
		    "table{border-collapse:collapse;width:100%}\n"
		    "th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ccc}\n"
		    "th{background:#f0f0f0}\n"
		    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
		    ".up{color:#0b6b2b}.down{color:#a4000f;font-weight:bold}.pending{color:#555}\n"
		    "</style>\n</head>\n<body>\n<main>\n<h1>");
	html_escape(b, L->title);
	buf_puts(b, "</h1>\n<p>");
	html_escape(b, L->intro);
	buf_puts(b, " <a href=\"/metrics\">");
	html_escape(b, L->metrics);
	buf_puts(b, "</a> · <a href=\"/index.html\">");
	html_escape(b, dash_lang_get(L == &en ? "en" : "de")->nav_overview);
	buf_puts(b, "</a></p>\n");
	if (s && s->cfg->global.shard_count) {
		char note[320];
		buf_puts(b, "<p id=\"shard\">");
		html_escape(b, dash_fmt_shard(note, sizeof note, s->cfg,
					      dash_lang_get(L == &en ? "en" : "de")));
		buf_puts(b, "</p>\n");
	}
	if (!s) {
		buf_printf(b, "<p>%s</p>\n</main>\n</body>\n</html>\n", L->none);
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (!s->t[i].probed)
			pending++;
		else if (s->t[i].success)
			up++;
		else
			down++;
	}
	buf_puts(b, "<p id=\"summary\">");
	buf_printf(b, "%zu%s%zu%s%zu%s%zu%s", up, L->sum_of, up + down,
		   up + down == 1 ? L->sum_up_one : L->sum_up, down, L->sum_down, pending, L->sum_pending);
	buf_puts(b, "</p>\n<table>\n<thead><tr>");
	{
		const char *cols[] = { L->col_state, L->col_dienst, L->col_provider, L->col_host,
				       L->col_reason, L->col_status, L->col_duration, L->col_last };
		for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
			buf_puts(b, "<th scope=\"col\">");
			html_escape(b, cols[i]);
			buf_puts(b, "</th>");
		}
	}
	buf_puts(b, "</tr></thead>\n<tbody>\n");
	/* Disrupted services first: they are what a reader looks for. */
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < s->n; i++) {
			const struct target_state *t = &s->t[i];
			const struct cfg_dienst *d = &s->cfg->dienste[i];
			int kind = !t->probed ? 2 : t->success ? 1 : 0;
			char host[256];

			if (kind != pass)
				continue;
			buf_printf(b, "<tr id=\"d-%s\"><td class=\"%s\">%s ", d->id,
				   kind == 0 ? "down" : kind == 1 ? "up" : "pending",
				   kind == 0 ? "&#x2716;" : kind == 1 ? "&#x2714;" : "&#x2026;");
			html_escape(b, kind == 0 ? L->down : kind == 1 ? L->up : L->pending);
			buf_puts(b, "</td><td>");
			html_escape(b, d->name ? d->name : d->id);
			buf_puts(b, "<br><small>");
			html_escape(b, d->id);
			buf_puts(b, "</small></td><td>");
			html_escape(b, d->provider ? d->provider : "");
			url_host(d->url, host, sizeof host);
			buf_puts(b, "</td><td>");
			html_escape(b, host);
			buf_puts(b, "</td><td>");
			if (t->probed)
				html_escape(b, probe_result_name(t->result));
			buf_puts(b, "</td><td class=\"num\">");
			if (t->probed && t->http_status)
				buf_printf(b, "%d", t->http_status);
			buf_puts(b, "</td><td class=\"num\">");
			if (t->probed)
				seconds(b, t->duration_s, L->decimal);
			buf_puts(b, "</td><td>");
			if (t->probed) {
				time_t secs = (time_t)(t->last_ms / 1000);
				struct tm tm;
				char when[48];
				if (clock_local(secs, &tm)) {
					size_t k = strftime(when, sizeof when,
							    L == &de ? "%d.%m.%Y %H:%M:%S " : "%Y-%m-%d %H:%M:%S ",
							    &tm);
					snprintf(when + k, sizeof when - k, "%s", clock_abbrev(&tm, L == &de));
					buf_puts(b, when);
				}
			}
			buf_puts(b, "</td></tr>\n");
		}
	}
	buf_puts(b, "</tbody>\n</table>\n</main>\n</body>\n</html>\n");
}
