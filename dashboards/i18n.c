/* SPDX-License-Identifier: EUPL-1.2 */
/* i18n.c - see i18n.h. */
#include "dashboards/i18n.h"
#include "common/clock.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct dash_lang de = {
	.code = "de", .decimal = ',', .thousands = '.', .pct_sep = " ",
	.simulated = { "Demo: Verlauf und Trends vor ", " sind simuliert, nicht gemessen." },
	.site = "ozgmon – OZG-Onlinedienste", .skip = "Zum Inhalt springen",
	.nav_label = "Hauptnavigation", .nav_overview = "Übersicht", .nav_status = "Status",
	.nav_dienste = "Onlinedienste", .updated = "Stand", .sort_hint =
	"Spaltenköpfe sortieren die Tabelle (mit JavaScript).", .no_data = "keine Daten",
	.yes = "ja", .no = "nein",
	.overview_title = "Umsetzungsstand und Verfügbarkeit", .progress = "Umsetzungsstand",
	.catalog = "Leistungen im Katalog", .online = "online",
	.online_all = "flächendeckend online", .fulfilled = "OZG-erfüllt (Reifegrad 3+)",
	.fulfilled_all = "flächendeckend OZG-erfüllt", .coverage = "Bevölkerungsabdeckung",
	.coverage_reliable = "Abdeckung durch zuverlässige Dienste", .of = "von",
	.trend = "Verlauf", .trend_summary = "Verlauf der Zahl der Leistungen: online, "
	"flächendeckend und OZG-erfüllt. Werte in der Tabelle darunter.",
	.reifegrad_dist = "Verteilung der Reifegrade", .reifegrad = "Reifegrad",
	.leistungen = "Leistungen", .themenfelder = "Themenfelder", .themenfeld = "Themenfeld",
	.availability7 = "Verfügbarkeit der letzten 7 Tage",
	.avail_summary = "Mittlere Verfügbarkeit aller gemessenen Onlinedienste:",
	.avail_band_hi = "mindestens 99 %", .avail_band_mid = "95 % bis unter 99 %",
	.avail_band_lo = "unter 95 %", .avail_band_none = "noch nicht gemessen",
	.dienste = "Onlinedienste", .share = "Anteil", .least_available = "Am wenigsten verfügbar",
	.open_incidents = "Offene Störungen", .no_open_incidents = "Keine offenen Störungen.",
	.kreise = "Kreise und kreisfreie Städte", .kreis = "Kreis", .population = "Einwohner",
	.disrupted = "gestört", .time = "Zeitpunkt",
	.kreis_title = "Kreis", .gemeinde_title = "Gemeinde", .gemeinden = "Gemeinden",
	.gemeinde = "Gemeinde", .covering = "Onlinedienste für dieses Gebiet",
	.dienst = "Onlinedienst", .provider = "Anbieter", .state = "Zustand",
	.last_failure = "Letzte Fehlerursache", .uptime = "Verfügbarkeit",
	.uptime_1d = "1 Tag", .uptime_7d = "7 Tage", .uptime_30d = "30 Tage",
	.uptime_90d = "90 Tage", .incidents = "Störungen", .latency_graphs = "Antwortzeiten",
	.area_level_names = { "Land", "Kreis", "Gemeindeverband", "Gemeinde" },
	.parent_kreis = "Gehört zu", .verband = "Gemeindeverband",
	.st_up = "verfügbar", .st_down = "gestört", .st_pending = "noch nicht geprüft",
	.reason = { "kein Fehler", "Zeitüberschreitung", "Namensauflösung fehlgeschlagen",
		    "keine Verbindung", "TLS-Fehler", "Zertifikat abgelaufen",
		    "unerwarteter HTTP-Status", "erwarteter Inhalt fehlt",
		    "Antwort zu groß", "zu viele Weiterleitungen",
		    "Antwort-Header zu groß", "Weiterleitung abgelehnt", "Antwort zu langsam" },
	.dienst_title = "Onlinedienst", .address = "Adresse", .efa = "Einer für Alle (EfA)",
	.efa_adoption = "Angeschlossene Gebiete",
	.efa_summary = "Angebote, Gebiete, Gemeinden und Einwohner, die diesen Dienst nutzen:",
	.angebote = "Angebote", .area = "Gebiet", .leistung = "Leistung",
	.latency = "Antwortzeit", .latency_summary = "Antwortzeit der letzten 24 Stunden:",
	.latency_avg = "Mittel", .latency_max = "Höchstwert", .latency_last = "Zuletzt",
	.availability = "Verfügbarkeit", .avail_daily = "Verfügbarkeit je Tag", .day = "Tag",
	.incidents_total = "Störungen insgesamt", .downtime = "Ausfallzeit",
	.open_since = "Offen seit", .badges = "Abzeichen zum Einbinden",
	.badge_embed = "Die Abzeichen liegen unter diesen Adressen auf diesem Server:",
	.all_dienste_title = "Alle Onlinedienste",
	.status_title = "Status der Onlinedienste", .all_up = "Alle Dienste verfügbar",
	.status_pending = "Noch keine Prüfung abgeschlossen.",
	.incident_history = "Störungsverlauf", .no_incidents = "Bisher keine Störungen.",
	.since = "seit",
	.badge_status = "Status", .badge_uptime = "Verfügbarkeit 7 T",
	.g_latency = "Antwortzeit, 24 Stunden", .g_avg = "Mittel", .g_max = "Maximum",
	.g_avail = "Verfügbarkeit, 7 Tage", .g_trend = "Leistungen, 30 Tage",
	.g_seconds = "Sekunden", .g_percent = "Prozent",
	.g_xgrid_24h = "HOUR:1:HOUR:6:HOUR:3:0:%H:%M Uhr",
	.g_xgrid_7d = "HOUR:6:DAY:1:DAY:1:86400:%d.%m.",
	.g_xgrid_30d = "DAY:1:WEEK:1:DAY:5:86400:%d.%m.",
	.cert = "Zertifikat", .cert_until = "gültig bis", .cert_day_one = "Tag", .cert_days_left = "Tage",
	.cert_expired = "abgelaufen", .cert_soon = "läuft bald ab",
	.phases_title = "Antwortzeit nach Phasen",
	.phases_summary = "Mittlere Dauer der Phasen einer Prüfung in den letzten 24 Stunden, "
	"übereinander gestapelt; die Linie ist die gesamte Antwortzeit, gestrichelt ihr Höchstwert. "
	"Werte in Millisekunden in der Tabelle.",
	.phase = "Phase",
	.phase_names = { "Namensauflösung (DNS)", "Verbindungsaufbau", "TLS-Aushandlung",
			 "bis zum ersten Byte", "Übertragung", "gesamt" },
	.phase_mean24 = "Mittel 24 Stunden (ms)", .phase_last = "letzte Prüfung (ms)",
	.g_ms = "Millisekunden",
	.usage = "Nutzung", .usage_summary = "Zahlen aus der Nutzungsstatistik des Portals, abgerufen",
	.usage_none = "Für diesen Dienst ist keine Nutzungsstatistik eingerichtet.",
	.usage_failed = "Der letzte Abruf der Nutzungsstatistik ist fehlgeschlagen:",
	.usage_last_ok = "Zuletzt erfolgreich", .usage_metric = "Kennzahl", .usage_key = "Schlüssel",
	.usage_value = "Wert", .usage_more_one = "weiterer Wert nicht angezeigt",
	.usage_more = "weitere Werte nicht angezeigt",
	.hist_summary = "Die letzten Störungen aus dem Störungsjournal, neueste zuerst.",
	.hist_start = "Beginn", .hist_end = "Ende", .hist_duration = "Dauer",
	.hist_reason = "Ursache", .hist_ongoing = "andauernd",
	.hist_reconciled = "nach Neustart geschlossen", .reason_unknown = "unbekannt",
	.hist_per_dienst = "Störungen je Onlinedienst", .recent_incidents = "Letzte Störungen",
	.no_recent = "Keine Störungen im Journal.",
	.of_which = "davon",
	.pages_label = "Seiten der Liste", .page_word = "Seite",
	.incidents_downtime = "Störungen (Ausfallzeit)",
	.usage_sums = "Nutzung",
	.usage_sums_summary = "Summen der Zähler aus den Nutzungsstatistiken der Portale, jeweils "
	"aus dem letzten Abruf. Eine Statistik, die mehrere Onlinedienste eines Portals teilen, "
	"zählt einmal.",
	.usage_sum = "Summe", .usage_docs = "Statistiken",
	.usage_shared = "Diese Statistik gilt für das ganze Portal, nicht für diesen Dienst allein; "
	"dieselbe Statistik haben auch:",
	.usage_trend = "Nutzung im Verlauf",
	.usage_trend_summary = "Die gespeicherten Zähler der Nutzungsstatistik, je Stunde über sieben Tage; "
		"die Tabelle nennt die Summen.",
	.usage_per_hour = "je Stunde", .usage_24h = "letzte 24 Stunden", .usage_7d = "letzte 7 Tage",
	.shard = "Shard", .shard_of = "von",
	.shard_note = "Diese Seiten zeigen nur die Onlinedienste dieses Shards; "
	"die Zahlen für das ganze Land stehen in Prometheus.",
	.svc_one = "Dienst", .svc_many = "Diensten", .od_one = "Onlinedienst", .od_many = "Onlinediensten",
	.destatis_attribution = "Quelle: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV100AD, "
	"Stand 30.11.2021 (Datenlizenz Deutschland – Namensnennung – Version 2.0). Auszug Thüringen, "
	"in CSV umgewandelt.",
	.nav_leistungen = "Leistungen", .map = "Karte",
	.map_attribution = "© GeoBasis-DE / BKG 2021 (Daten verändert)",
	.map_fallback = "Die Karte braucht einen Browser, der SVG-Grafiken zeigt. Dieselben Werte stehen in der Tabelle:",
	.map_table = "Werte der Karte als Tabelle",
	.map_land_title = "Karte: Anteil der angebotenen Leistungen, die in der Gemeinde online sind",
	.map_kreis_title = "Karte der Gemeinden: Anteil der angebotenen Leistungen online",
	.map_leistung_title = "Karte: Gemeinden, in denen die Leistung angeboten wird, nach Reifegrad",
	.map_coverage_legend = "Anteil der im Land angebotenen Leistungen, die hier online sind",
	.map_reifegrad_legend = "Höchster Reifegrad eines Angebots für die Gemeinde",
	.map_desc = "Jede Gemeinde ist ein Link zu ihrer Seite; ihr Name und Wert stehen im Titel. "
	"Dieselben Werte stehen in einer Tabelle auf der Seite mit der Karte.",
	.not_offered = "nicht angeboten", .leistung_title = "Leistung",
	.catalogue_title = "Katalog der OZG-Leistungen",
	.catalogue_summary = "Alle Leistungen des OZG-Umsetzungskatalogs mit dem höchsten Reifegrad, "
	"der im Land angeboten wird, und der Zahl der Gemeinden mit einem Angebot. Die Filter sind eigene Seiten.",
	.ozg_id = "OZG-ID", .lebenslage = "Lebenslage", .lebenslagen = "Lebenslagen",
	.max_reifegrad = "Höchster Reifegrad", .gemeinden_offered = "Gemeinden mit Angebot",
	.population_offered = "Einwohner mit Angebot", .level = "Ebene", .filter = "Filter",
	.filter_all = "Alle Leistungen", .filter_none = "kein Angebot", .search = "Suche im Katalog",
	.search_hint = "Name oder OZG-ID", .area_leistungen = "Leistungen für dieses Gebiet",
	.area_leistungen_summary = "Die Leistungen, die hier angeboten werden, mit dem höchsten Reifegrad "
	"und der Ebene, die das Angebot macht (Land, Kreis, Gemeindeverband oder Gemeinde).",
	.efa_adopters = "Nachnutzung (Einer für Alle)",
	.efa_adopters_summary = "EfA-Onlinedienste für diese Leistung und die Gebiete, die sie nutzen:",
	.efa_adopters_none = "Kein EfA-Onlinedienst für diese Leistung.",
	.gemeinden_title = "Alle Gemeinden",
	.gemeinden_summary = "Je Gemeinde der Anteil der im Land angebotenen Leistungen, die dort online "
	"sind, und der Anteil durch zuverlässige Dienste: die Werte der Karte als Tabelle.",
	.by_kreis = "Nach Kreisen",
	.leistung_not_offered = "Diese Leistung wird im Land nicht angeboten.", .shown = "angezeigt",
};

static const struct dash_lang en = {
	.code = "en", .decimal = '.', .thousands = ',', .pct_sep = "",
	.simulated = { "Demo: the history and trends before ", " are simulated, not measured." },
	.site = "ozgmon – OZG online services", .skip = "Skip to content",
	.nav_label = "Main navigation", .nav_overview = "Overview", .nav_status = "Status",
	.nav_dienste = "Online services", .updated = "As of", .sort_hint =
	"Column headers sort the table (with JavaScript).", .no_data = "no data",
	.yes = "yes", .no = "no",
	.overview_title = "Rollout and availability", .progress = "Rollout",
	.catalog = "Services in the catalogue", .online = "online",
	.online_all = "online everywhere", .fulfilled = "OZG-fulfilled (maturity 3+)",
	.fulfilled_all = "OZG-fulfilled everywhere", .coverage = "Population coverage",
	.coverage_reliable = "Coverage by reliable services", .of = "of",
	.trend = "Trend", .trend_summary = "Number of services over time: online, online "
	"everywhere and OZG-fulfilled. Figures in the table below.",
	.reifegrad_dist = "Maturity levels", .reifegrad = "Maturity",
	.leistungen = "Services", .themenfelder = "Subject areas", .themenfeld = "Subject area",
	.availability7 = "Availability over the last 7 days",
	.avail_summary = "Mean availability of all measured online services:",
	.avail_band_hi = "99% or more", .avail_band_mid = "95% to under 99%",
	.avail_band_lo = "under 95%", .avail_band_none = "not measured yet",
	.dienste = "Online services", .share = "Share", .least_available = "Least available",
	.open_incidents = "Open incidents", .no_open_incidents = "No open incidents.",
	.kreise = "Districts", .kreis = "District", .population = "Inhabitants",
	.disrupted = "disrupted", .time = "Time",
	.kreis_title = "District", .gemeinde_title = "Municipality", .gemeinden = "Municipalities",
	.gemeinde = "Municipality", .covering = "Online services for this area",
	.dienst = "Online service", .provider = "Provider", .state = "State",
	.last_failure = "Last failure reason", .uptime = "Availability",
	.uptime_1d = "1 day", .uptime_7d = "7 days", .uptime_30d = "30 days",
	.uptime_90d = "90 days", .incidents = "Incidents", .latency_graphs = "Response times",
	.area_level_names = { "State", "District", "Municipal association", "Municipality" },
	.parent_kreis = "Part of", .verband = "Municipal association",
	.st_up = "available", .st_down = "disrupted", .st_pending = "not yet probed",
	.reason = { "no failure", "timeout", "name resolution failed", "connection failed",
		    "TLS error", "certificate expired", "unexpected HTTP status",
		    "expected content missing", "response too large", "too many redirects",
		    "response header too large", "redirect refused", "answer too slow" },
	.dienst_title = "Online service", .address = "Address", .efa = "One for all (EfA)",
	.efa_adoption = "Connected areas",
	.efa_summary = "Offers, areas, municipalities and inhabitants using this service:",
	.angebote = "Offers", .area = "Area", .leistung = "Service",
	.latency = "Response time", .latency_summary = "Response time over the last 24 hours:",
	.latency_avg = "Mean", .latency_max = "Maximum", .latency_last = "Latest",
	.availability = "Availability", .avail_daily = "Availability per day", .day = "Day",
	.incidents_total = "Incidents in total", .downtime = "Downtime",
	.open_since = "Open since", .badges = "Badges to embed",
	.badge_embed = "The badges are at these addresses on this server:",
	.all_dienste_title = "All online services",
	.status_title = "Status of the online services", .all_up = "All services available",
	.status_pending = "No probe has finished yet.",
	.incident_history = "Incident history", .no_incidents = "No incidents so far.",
	.since = "since",
	.badge_status = "status", .badge_uptime = "uptime 7d",
	.g_latency = "Response time, 24 hours", .g_avg = "Mean", .g_max = "Maximum",
	.g_avail = "Availability, 7 days", .g_trend = "Services, 30 days",
	.g_seconds = "seconds", .g_percent = "percent",
	.g_xgrid_24h = "HOUR:1:HOUR:6:HOUR:3:0:%H:%M",
	.g_xgrid_7d = "HOUR:6:DAY:1:DAY:1:86400:%b %d",
	.g_xgrid_30d = "DAY:1:WEEK:1:DAY:5:86400:%b %d",
	.cert = "Certificate", .cert_until = "valid until", .cert_day_one = "day", .cert_days_left = "days",
	.cert_expired = "expired", .cert_soon = "expires soon",
	.phases_title = "Response time by phase",
	.phases_summary = "Mean duration of the phases of a probe over the last 24 hours, "
	"stacked; the line is the whole response time, dashed its maximum. "
	"Figures in milliseconds in the table.",
	.phase = "Phase",
	.phase_names = { "Name lookup (DNS)", "Connect", "TLS handshake", "To first byte",
			 "Transfer", "total" },
	.phase_mean24 = "Mean over 24 hours (ms)", .phase_last = "Latest probe (ms)",
	.g_ms = "milliseconds",
	.usage = "Usage", .usage_summary = "Figures from the portal's usage statistics, fetched",
	.usage_none = "No usage statistics are configured for this service.",
	.usage_failed = "The latest fetch of the usage statistics failed:",
	.usage_last_ok = "Last success", .usage_metric = "Metric", .usage_key = "Key",
	.usage_value = "Value", .usage_more_one = "more value not shown",
	.usage_more = "more values not shown",
	.hist_summary = "The latest incidents from the incident journal, newest first.",
	.hist_start = "Start", .hist_end = "End", .hist_duration = "Duration",
	.hist_reason = "Reason", .hist_ongoing = "ongoing",
	.hist_reconciled = "closed after a restart", .reason_unknown = "unknown",
	.hist_per_dienst = "Incidents per online service", .recent_incidents = "Latest incidents",
	.no_recent = "No incidents in the journal.",
	.of_which = "of which",
	.pages_label = "Pages of the list", .page_word = "Page",
	.incidents_downtime = "Incidents (downtime)",
	.usage_sums = "Usage",
	.usage_sums_summary = "Totals of the counters in the portals' usage statistics, each from its "
	"latest fetch. A statistics document that several online services of one portal share counts once.",
	.usage_sum = "Total", .usage_docs = "Documents",
	.usage_shared = "These figures are the whole portal's, not this service's alone; the same "
	"statistics are also those of:",
	.usage_trend = "Usage over time",
	.usage_trend_summary = "The stored counters of the usage statistics, per hour over seven days; "
		"the table gives the totals.",
	.usage_per_hour = "per hour", .usage_24h = "last 24 hours", .usage_7d = "last 7 days",
	.shard = "Shard", .shard_of = "of",
	.shard_note = "These pages show only this shard's online services; "
	"the figures for the whole state are in Prometheus.",
	.svc_one = "service", .svc_many = "services", .od_one = "online service",
	.od_many = "online services",
	/* the licence's wording, as for the BKG's maps */
	.destatis_attribution = "Quelle: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV100AD, "
	"Stand 30.11.2021 (Datenlizenz Deutschland – Namensnennung – Version 2.0). Auszug Thüringen, "
	"in CSV umgewandelt.",
	.nav_leistungen = "Services", .map = "Map",
	.map_attribution = "© GeoBasis-DE / BKG 2021 (Daten verändert)",
	.map_fallback = "The map needs a browser that shows SVG images. The same values are in the table:",
	.map_table = "The map's values as a table",
	.map_land_title = "Map: share of the services offered that are online in the municipality",
	.map_kreis_title = "Map of the municipalities: share of the services offered online",
	.map_leistung_title = "Map: municipalities where the service is offered, by maturity",
	.map_coverage_legend = "Share of the services offered in the state that are online here",
	.map_reifegrad_legend = "Highest maturity of an offer for the municipality",
	.map_desc = "Each municipality links to its page; its name and value are in its title. "
	"The same values are in a table on the page with the map.",
	.not_offered = "not offered", .leistung_title = "Service",
	.catalogue_title = "Catalogue of OZG services",
	.catalogue_summary = "Every service of the OZG catalogue with the highest maturity offered in the "
	"state and the number of municipalities with an offer. The filters are pages of their own.",
	.ozg_id = "OZG id", .lebenslage = "Life situation", .lebenslagen = "Life situations",
	.max_reifegrad = "Highest maturity", .gemeinden_offered = "Municipalities with an offer",
	.population_offered = "Inhabitants with an offer", .level = "Level", .filter = "Filter",
	.filter_all = "All services", .filter_none = "no offer", .search = "Search the catalogue",
	.search_hint = "Name or OZG id", .area_leistungen = "Services for this area",
	.area_leistungen_summary = "The services offered here, with the highest maturity and the level "
	"that makes the offer (state, district, association or municipality).",
	.efa_adopters = "Reuse (one for all)",
	.efa_adopters_summary = "EfA online services for this service and the areas using them:",
	.efa_adopters_none = "No EfA online service for this service.",
	.gemeinden_title = "All municipalities",
	.gemeinden_summary = "Per municipality the share of the services offered in the state that are "
	"online there, and the share through reliable services: the map's values as a table.",
	.by_kreis = "By district",
	.leistung_not_offered = "This service is not offered in the state.", .shown = "shown",
};

const struct dash_lang *dash_lang_get(const char *code)
{
	return code && strcmp(code, "en") == 0 ? &en : &de;
}

char *dash_fmt_num(char *out, size_t outsz, double v, int decimals, const struct dash_lang *L)
{
	char digits[64], *o = out, *end = out + outsz - 1;
	const char *p, *dot;
	size_t intlen;

	if (outsz == 0)
		return out;
	if (!isfinite(v) || fabs(v) >= 1e15) {
		snprintf(out, outsz, "–");
		return out;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	snprintf(digits, sizeof digits, "%.*f", decimals, v);
	if (strspn(digits, "-0.") == strlen(digits) && digits[0] == '-')
		memmove(digits, digits + 1, strlen(digits));	/* no "-0,0" */
	p = digits;
	if (*p == '-' && o < end)
		*o++ = *p++;
	dot = strchr(p, '.');
	intlen = dot ? (size_t)(dot - p) : strlen(p);
	for (size_t i = 0; i < intlen && o < end; i++) {
		if (i > 0 && (intlen - i) % 3 == 0 && o < end)
			*o++ = L->thousands;
		if (o < end)
			*o++ = p[i];
	}
	if (dot) {
		if (o < end)
			*o++ = L->decimal;
		for (p = dot + 1; *p && o < end; p++)
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

char *dash_fmt_pct(char *out, size_t outsz, double ratio, int decimals, const struct dash_lang *L)
{
	char n[64];

	if (!isfinite(ratio)) {
		snprintf(out, outsz, "–");
		return out;
	}
	snprintf(out, outsz, "%s%s%%", dash_fmt_num(n, sizeof n, ratio * 100.0, decimals, L),
		 L->pct_sep);
	return out;
}

char *dash_fmt_date(char *out, size_t outsz, time_t t, const struct dash_lang *L)
{
	struct tm tm;

	if (!clock_local(t, &tm)) {
		snprintf(out, outsz, "–");
		return out;
	}
	if (L->decimal == ',')
		snprintf(out, outsz, "%02d.%02d.%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
	else
		snprintf(out, outsz, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return out;
}

char *dash_fmt_datetime(char *out, size_t outsz, time_t t, const struct dash_lang *L)
{
	struct tm tm;
	char d[32];

	if (!clock_local(t, &tm)) {
		snprintf(out, outsz, "–");
		return out;
	}
	dash_fmt_date(d, sizeof d, t, L);
	/* Labelled with the zone (global.timezone): "00:21 Uhr MEZ", not a bare server time. */
	if (strcmp(L->code, "de") == 0)
		snprintf(out, outsz, "%s, %02d:%02d Uhr %s", d, tm.tm_hour, tm.tm_min,
			 clock_abbrev(&tm, true));
	else
		snprintf(out, outsz, "%s %02d:%02d %s", d, tm.tm_hour, tm.tm_min,
			 clock_abbrev(&tm, false));
	return out;
}

char *dash_fmt_span(char *out, size_t outsz, double s, const struct dash_lang *L)
{
	double m, h;

	(void)L;
	if (!isfinite(s) || s < 0) {
		snprintf(out, outsz, "–");
		return out;
	}
	/*
	 * Each unit is rounded to what it shows, and the unit is chosen after
	 * rounding: 59.6 s is "1 min" (never "60 s"), 3599 s "1 h 00 min",
	 * 86399 s "1 d 0 h".
	 */
	if (round(s) < 60) {
		snprintf(out, outsz, "%.0f s", round(s));
		return out;
	}
	m = round(s / 60);
	if (m < 60)
		snprintf(out, outsz, "%.0f min", m);
	else if (m < 24 * 60)
		snprintf(out, outsz, "%.0f h %02.0f min", floor(m / 60), fmod(m, 60));
	else {
		h = round(s / 3600);
		snprintf(out, outsz, "%.0f d %.0f h", floor(h / 24), fmod(h, 24));
	}
	return out;
}

/* Names of the usage metrics the demo's portals publish (docs/simulator.md), per language. */
static const struct {
	const char *name, *de, *en;
} usage_titles[] = {
	{ "applications_submitted_total", "Eingereichte Anträge", "Applications submitted" },
	{ "applications_started_total", "Begonnene Anträge", "Applications started" },
	{ "by_service_submitted_total", "Eingereichte Anträge je Leistung",
	  "Applications submitted per service" },
	{ "portal_status", "Zustand des Portals", "Portal status" },
};

const char *dash_usage_title(const struct cfg_usage_metric *m, const struct dash_lang *L)
{
	if (!m)
		return NULL;
	if (m->title)
		return m->title;
	for (size_t i = 0; m->name && i < sizeof usage_titles / sizeof usage_titles[0]; i++)
		if (strcmp(m->name, usage_titles[i].name) == 0)
			return strcmp(L->code, "en") == 0 ? usage_titles[i].en : usage_titles[i].de;
	return NULL;
}

char *dash_fmt_ms(char *out, size_t outsz, double seconds, const struct dash_lang *L)
{
	char n[64];

	if (!isfinite(seconds)) {
		snprintf(out, outsz, "–");
		return out;
	}
	snprintf(out, outsz, "%s ms", dash_fmt_num(n, sizeof n, seconds * 1000.0, 1, L));
	return out;
}

char *dash_fmt_of(char *out, size_t outsz, double n, double total, const char *one,
		  const char *many, const struct dash_lang *L)
{
	char a[64], b[64];

	snprintf(out, outsz, "%s %s %s %s", dash_fmt_num(a, sizeof a, n, 0, L), L->of,
		 dash_fmt_num(b, sizeof b, total, 0, L), total == 1 ? one : many);
	return out;
}

char *dash_fmt_shard(char *out, size_t outsz, const struct cfg *cfg, const struct dash_lang *L)
{
	char of[160];

	if (outsz == 0)
		return out;
	out[0] = '\0';
	if (cfg && cfg->global.shard_count)
		snprintf(out, outsz, "%s %u %s %u: %s. %s", L->shard, cfg->global.shard_index,
			 L->shard_of, cfg->global.shard_count,
			 dash_fmt_of(of, sizeof of, (double)cfg->n_dienste, (double)cfg->n_dienste_file,
				     L->od_one, L->od_many, L),
			 L->shard_note);
	return out;
}
