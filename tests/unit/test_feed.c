/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * test_feed.c - the Atom feeds of the incidents (dashboards/feed.h) and the
 * inhabitants an incident reaches.
 *
 * Fixture: testutil's registers, loaded by cfg_load (Land 16 "Thüringen";
 * Erfurt 16051000, 213.692 inhabitants, Kreis 16051; Kreis 16064 with
 * Mühlhausen 16064046, 35.913, and the VG "Bad Tennstedt" 160645001:
 * Ballhausen 16064005, 813, and Bad Tennstedt 16064004, 2.474), and three
 * Onlinedienste:
 *   erfurt-kfz       Kreis 16051                          reaches 213.692
 *   erfurt-wohnsitz  Gemeinde 16051000                    reaches 213.692
 *   vg-hund          the VG and Ballhausen once more      reaches 3.287 (813 + 2.474)
 * Mühlhausen has no Onlinedienst, so it has no feed.  The journal's three
 * incidents at now = 27.11.2026 09:05 UTC:
 *   e0 vg-hund          open since 08:55 UTC, timeout
 *   e1 erfurt-wohnsitz  07:05-09:00 UTC, unexpected HTTP status
 *   e2 erfurt-kfz       a day earlier 08:05-09:05 UTC, reason unknown, closed after a restart
 * The ids are version 5 UUIDs computed independently (Python's uuid.uuid5 in
 * the feeds' namespace deacdb6e-1144-484e-8c51-ac076fef3c25).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "dashboards/feed.h"
#include "dashboards/i18n.h"
#include "dashboards/site.h"
#include "rollout/rollout.h"
#include "tests/unit/testutil.h"

#define HAS(s, what) ck_assert_msg(strstr((s), (what)) != NULL, "missing: %s\nin:\n%s", (what), (s))
#define HASNT(s, what) ck_assert_msg(strstr((s), (what)) == NULL, "unexpected: %s", (what))

#define NOW ((time_t)1795770300)	/* 27.11.2026 09:05 UTC, 10:05 MEZ */
#define MS(t) ((int64_t)(t) * 1000)

static char dir[64], www[128];
static struct cfg *cfg;
static struct cfg_errors errs;

static const char fixture_yaml[] =
	"onlinedienste:\n"
	"  - { id: erfurt-kfz, name: \"Kfz-Zulassung\", url: \"https://service.erfurt.de/kfz\",\n"
	"      provider: \"Stadt Erfurt\" }\n"
	"  - { id: erfurt-wohnsitz, name: \"Wohnsitz anmelden\", url: \"https://service.erfurt.de/w\",\n"
	"      provider: \"Stadt Erfurt\" }\n"
	"  - { id: vg-hund, name: \"Hundesteuer <&> \\\"Anmeldung\\\"\", url: \"https://vg.example/h\" }\n"
	"angebote:\n"
	"  - { area: \"16051\", ozg_id: \"10000\", dienst: erfurt-kfz, reifegrad: 2 }\n"
	"  - { area: \"16051000\", ozg_id: \"10124\", dienst: erfurt-wohnsitz, reifegrad: 3 }\n"
	"  - { area: \"160645001\", ozg_id: \"10130\", dienst: vg-hund, reifegrad: 2 }\n"
	"  - { area: \"16064005\", ozg_id: \"10000\", dienst: vg-hund, reifegrad: 1 }\n";

static size_t dienst(const char *id)
{
	const struct cfg_dienst *d = cfg_find_dienst(cfg, id);

	ck_assert_msg(d != NULL, "no Dienst %s", id);
	return (size_t)(d - cfg->dienste);
}

static const struct reg_gemeinde *gemeinde(const char *ags)
{
	const struct reg_gemeinde *g = reg_find_gemeinde(&cfg->reg, ags);

	ck_assert_msg(g != NULL, "no Gemeinde %s", ags);
	return g;
}

static void load(const char *yaml)
{
	char path[256], all[4096];

	tu_path(dir, path, sizeof path, "conf/ozgmon.yaml");
	tu_cfg_load(path, yaml, true, &cfg, &errs);
	tu_cfg_errors_dump(&errs, all, sizeof all);
	ck_assert_msg(cfg != NULL, "fixture does not load:%s", all);
}

static void setup(void)
{
	char err[256];

	ck_assert_int_eq(clock_use_zone("Europe/Berlin", err, sizeof err), 0);
	tu_tmpdir(dir, sizeof dir, "feed");
	tu_cfg_tree(dir);
	tu_path(dir, www, sizeof www, "www");
	ck_assert_int_eq(mkdir(www, 0755), 0);
	cfg = NULL;
	memset(&errs, 0, sizeof errs);
	load(fixture_yaml);
}

static void teardown(void)
{
	cfg_free(cfg);
	cfg_errors_free(&errs);
	ck_assert_int_eq(tu_rm_rf(dir), 0);
}

/* The journal of the fixture, newest start first (as incidents_recent gives it). */
static void journal(struct incident_event ev[4])
{
	ev[0] = (struct incident_event){ .dienst = dienst("vg-hund"), .id = 9,
					 .start_ms = MS(NOW - 600), .reason = PROBE_TIMEOUT };
	ev[1] = (struct incident_event){ .dienst = dienst("erfurt-wohnsitz"), .id = 8,
					 .start_ms = MS(NOW - 7200), .end_ms = MS(NOW - 300),
					 .reason = PROBE_HTTP_STATUS };
	/* A Dienst no longer configured: left out. */
	ev[2] = (struct incident_event){ .dienst = 99, .id = 7, .start_ms = MS(NOW - 8000),
					 .reason = PROBE_DNS };
	ev[3] = (struct incident_event){ .dienst = dienst("erfurt-kfz"), .id = 5,
					 .start_ms = MS(NOW - 90000), .end_ms = MS(NOW - 86400),
					 .reason = PROBE_RESULT_COUNT, .reconciled = true };
}

static int feeds(const struct incident_event *ev, size_t n, struct dash_result *res)
{
	struct dash_input in = { .cfg = cfg, .L = dash_lang_get("de"), .now = NOW, .recent = ev,
				 .n_recent = n };

	memset(res, 0, sizeof *res);
	return dash_feeds_write(&in, www, res);
}

/* The whole file rel under www (caller frees), NULL when it does not exist. */
static char *slurp(const char *rel)
{
	return tu_slurp(www, rel);
}

static char *must(const char *rel)
{
	char *s = slurp(rel);

	ck_assert_msg(s != NULL, "%s is missing", rel);
	return s;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/*
 * Well-formed XML: xmllint accepts it when it is installed (libxml2-utils,
 * tools/deps.sh test); always: one declaration, one feed element closed at
 * the end, every entry closed, the feed's required elements before the
 * first entry.
 */
static void well_formed(const char *rel, const char *s)
{
	static const char head[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
				   "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"de\">\n";
	const char *first = strstr(s, "<entry>");
	const char *head_end = first ? first : s + strlen(s);
	char cmd[600];

	if (system("command -v xmllint >/dev/null 2>&1") == 0) {
		snprintf(cmd, sizeof cmd, "xmllint --noout '%s/%s'", www, rel);
		ck_assert_msg(system(cmd) == 0, "xmllint refuses %s", rel);
	} else {
		fprintf(stderr, "test_feed: no xmllint, %s checked by structure only\n", rel);
	}
	ck_assert_msg(strncmp(s, head, sizeof head - 1) == 0, "%s: no Atom feed element", rel);
	ck_assert_uint_eq(count(s, "<feed"), 1);
	ck_assert_uint_ge(strlen(s), 8);
	ck_assert_str_eq(s + strlen(s) - 8, "</feed>\n");
	ck_assert_uint_eq(count(s, "<entry>"), count(s, "</entry>"));
	ck_assert_uint_eq(count(s, "<id>urn:uuid:"), count(s, "<entry>") + 1);
	ck_assert_uint_eq(count(s, "<updated>"), count(s, "<entry>") + 1);
	ck_assert_uint_eq(count(s, "<title>"), count(s, "<entry>") + 1);
	for (const char *need = "<title>\0<id>\0<updated>\0<author><name>\0<link rel=\"self\"\0"
				"<link rel=\"alternate\" type=\"text/html\"\0"; *need; need += strlen(need) + 1) {
		const char *at = strstr(s, need);
		ck_assert_msg(at && at < head_end, "%s: %s missing before the entries", rel, need);
	}
	/* No raw control character and no markup character outside markup survives. */
	for (const char *p = s; *p; p++)
		ck_assert_msg((unsigned char)*p >= 0x20 || *p == '\n', "%s: control character 0x%02x",
			      rel, (unsigned char)*p);
}

/* ---- reach -------------------------------------------------------------------- */

START_TEST(reach_by_level)
{
	static const char land_yaml[] =
		"onlinedienste:\n"
		"  - { id: erfurt-kfz, url: \"https://service.erfurt.de/kfz\" }\n"
		"  - { id: erfurt-wohnsitz, url: \"https://service.erfurt.de/w\" }\n"
		"  - { id: th-elterngeld, url: \"https://th.example/e\" }\n"
		"  - { id: uhk-kfz, url: \"https://uhk.example/kfz\" }\n"
		"  - { id: vg-hund, url: \"https://vg.example/h\" }\n"
		"  - { id: nirgends, url: \"https://n.example/\" }\n"
		"angebote:\n"
		"  - { area: \"16051\", ozg_id: \"10000\", dienst: erfurt-kfz, reifegrad: 2 }\n"
		"  - { area: \"16051000\", ozg_id: \"10124\", dienst: erfurt-wohnsitz, reifegrad: 3 }\n"
		"  - { area: \"16\", ozg_id: \"10000\", dienst: th-elterngeld, reifegrad: 4 }\n"
		"  - { area: \"16064\", ozg_id: \"10130\", dienst: uhk-kfz, reifegrad: 4 }\n"
		/* a Gemeinde named by its ARS inside its Kreis' Angebot: counted once */
		"  - { area: \"160640046046\", ozg_id: \"10124\", dienst: uhk-kfz, reifegrad: 4 }\n"
		"  - { area: \"160645001\", ozg_id: \"10130\", dienst: vg-hund, reifegrad: 2 }\n"
		"  - { area: \"16064005\", ozg_id: \"10000\", dienst: vg-hund, reifegrad: 1 }\n";
	struct rollout_params p;
	struct rollout *r;
	double *avail;

	/* The fixture: a Kreis, a Gemeinde, a Verband with one of its Gemeinden once more. */
	ck_assert_int_eq(dash_reach(cfg, dienst("erfurt-kfz")), 213692);
	ck_assert_int_eq(dash_reach(cfg, dienst("erfurt-wohnsitz")), 213692);
	ck_assert_int_eq(dash_reach(cfg, dienst("vg-hund")), 813 + 2474);
	ck_assert(dash_feed_gemeinde(cfg, gemeinde("16051000")));
	ck_assert(dash_feed_gemeinde(cfg, gemeinde("16064005")));
	ck_assert(dash_feed_gemeinde(cfg, gemeinde("16064004")));
	ck_assert(!dash_feed_gemeinde(cfg, gemeinde("16064046")));

	load(land_yaml);
	ck_assert_int_eq(dash_reach(cfg, dienst("th-elterngeld")), 213692 + 35913 + 813 + 2474);
	ck_assert_int_eq(dash_reach(cfg, dienst("uhk-kfz")), 35913 + 813 + 2474);
	ck_assert_int_eq(dash_reach(cfg, dienst("nirgends")), 0);
	/* With a Land-wide Angebot every Gemeinde has Onlinedienste. */
	ck_assert(dash_feed_gemeinde(cfg, gemeinde("16064046")));
	/* The same figure as the Dienst pages' EfA adoption (rollout.h). */
	avail = calloc(cfg->n_dienste, sizeof *avail);
	ck_assert_ptr_nonnull(avail);
	rollout_params_default(&p);
	r = rollout_compute(cfg, avail, &p);
	ck_assert_ptr_nonnull(r);
	for (size_t d = 0; d < cfg->n_dienste; d++)
		ck_assert_int_eq(dash_reach(cfg, d), r->dienste[d].population);
	rollout_free(r);
	free(avail);
}
END_TEST

/* ---- the feeds ------------------------------------------------------------------ */

START_TEST(land_feed)
{
	struct incident_event ev[4];
	struct dash_result res;
	char *s;
	const char *e0, *e1, *e2;

	journal(ev);
	ck_assert_int_eq(feeds(ev, 4, &res), 0);
	ck_assert_uint_eq(res.errors, 0);
	ck_assert_uint_eq(res.files, 1 + 3);	/* the Land, Erfurt, Ballhausen, Bad Tennstedt */
	s = must(DASH_FEED_LAND);
	well_formed(DASH_FEED_LAND, s);
	HAS(s, "<title>Störungen der Onlinedienste – Thüringen</title>\n");
	HAS(s, "\n<id>urn:uuid:6560ad6b-2147-57d6-aa5b-8e19353f40f2</id>\n"
	       "<updated>2026-11-27T09:00:00Z</updated>\n"	/* the latest change: e1's close */
	       "<author><name>ozgmon · Thüringen</name></author>\n"
	       "<rights>Quelle: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV100AD, "
	       "Stand 30.11.2021 (Datenlizenz Deutschland – Namensnennung – Version 2.0). "
	       "Auszug Thüringen, in CSV umgewandelt.</rights>\n"
	       "<generator version=\"" OZGMON_VERSION "\">ozgmon</generator>\n"
	       "<link rel=\"self\" type=\"application/atom+xml\" href=\"feed.atom\"/>\n"
	       "<link rel=\"alternate\" type=\"text/html\" href=\"status.html\"/>\n<entry>");
	ck_assert_uint_eq(count(s, "<entry>"), 3);
	HASNT(s, "PROBE_DNS");
	HASNT(s, "Namensauflösung");	/* the incident of a Dienst no longer configured */
	/* The latest change first: e1 closed at 09:00, e0 opened at 08:55, e2 a day before. */
	e1 = strstr(s, "<entry>\n<id>urn:uuid:1fc67242-5915-5128-b586-976615f02c2c</id>\n"
		       "<title>Behoben: Wohnsitz anmelden (Erfurt, Stadt)</title>\n"
		       "<published>2026-11-27T07:05:00Z</published>\n"
		       "<updated>2026-11-27T09:00:00Z</updated>\n"
		       "<link rel=\"alternate\" type=\"text/html\" href=\"dienst/erfurt-wohnsitz.html\"/>\n"
		       "<summary>Gestört von 27.11.2026, 08:05 Uhr MEZ bis 27.11.2026, 10:00 Uhr MEZ, "
		       "Dauer 1 h 55 min. Ursache: unerwarteter HTTP-Status; betrifft 213.692 Einwohner. "
		       "Anbieter: Stadt Erfurt.</summary>\n</entry>\n");
	e0 = strstr(s, "<entry>\n<id>urn:uuid:93a52dff-8f15-5afe-88b2-9b4b74e4ad35</id>\n"
		       "<title>Störung: Hundesteuer &lt;&amp;&gt; &quot;Anmeldung&quot; (2 Gemeinden)"
		       "</title>\n<published>2026-11-27T08:55:00Z</published>\n"
		       "<updated>2026-11-27T08:55:00Z</updated>\n"
		       "<link rel=\"alternate\" type=\"text/html\" href=\"dienst/vg-hund.html\"/>\n"
		       "<summary>Gestört seit 27.11.2026, 09:55 Uhr MEZ, andauernd. "
		       "Ursache: Zeitüberschreitung; betrifft 3.287 Einwohner.</summary>\n</entry>\n");
	e2 = strstr(s, "<entry>\n<id>urn:uuid:b73597be-50a7-5437-9d05-892bd63572b0</id>\n"
		       "<title>Behoben: Kfz-Zulassung (Erfurt, Stadt)</title>\n"
		       "<published>2026-11-26T08:05:00Z</published>\n"
		       "<updated>2026-11-26T09:05:00Z</updated>\n"
		       "<link rel=\"alternate\" type=\"text/html\" href=\"dienst/erfurt-kfz.html\"/>\n"
		       "<summary>Gestört von 26.11.2026, 09:05 Uhr MEZ bis 26.11.2026, 10:05 Uhr MEZ "
		       "(nach Neustart geschlossen), Dauer 1 h 00 min. Ursache: unbekannt; "
		       "betrifft 213.692 Einwohner. Anbieter: Stadt Erfurt.</summary>\n</entry>\n"
		       "</feed>\n");
	ck_assert_msg(e0 && e1 && e2, "an entry differs:\n%s", s);
	ck_assert(e1 < e0 && e0 < e2);
	free(s);

	/* Once e0 closes, its entry keeps its id and says so. */
	ev[0].end_ms = MS(NOW - 60);
	ck_assert_int_eq(feeds(ev, 4, &res), 0);
	s = must(DASH_FEED_LAND);
	well_formed(DASH_FEED_LAND, s);
	HAS(s, "<entry>\n<id>urn:uuid:93a52dff-8f15-5afe-88b2-9b4b74e4ad35</id>\n"
	       "<title>Behoben: Hundesteuer &lt;&amp;&gt; &quot;Anmeldung&quot; (2 Gemeinden)</title>\n"
	       "<published>2026-11-27T08:55:00Z</published>\n<updated>2026-11-27T09:04:00Z</updated>\n");
	HAS(s, "Dauer 9 min. Ursache: Zeitüberschreitung; betrifft 3.287 Einwohner.");
	HAS(s, "<updated>2026-11-27T09:04:00Z</updated>\n<author>");
	ck_assert(strstr(s, "93a52dff") < strstr(s, "1fc67242"));	/* now the latest change */
	free(s);
}
END_TEST

START_TEST(gemeinde_feeds)
{
	struct incident_event ev[4];
	struct dash_result res;
	char *s;

	journal(ev);
	ck_assert_int_eq(feeds(ev, 4, &res), 0);
	/* Erfurt: its two Dienste's incidents, links up to the site's root. */
	s = must("gemeinde/16051000.atom");
	well_formed("gemeinde/16051000.atom", s);
	HAS(s, "<title>Störungen der Onlinedienste – Erfurt, Stadt</title>\n");
	HAS(s, "<id>urn:uuid:52ed958f-1d5b-5040-b583-a40dea88b338</id>\n"
	       "<updated>2026-11-27T09:00:00Z</updated>\n");
	HAS(s, "<link rel=\"self\" type=\"application/atom+xml\" href=\"16051000.atom\"/>\n"
	       "<link rel=\"alternate\" type=\"text/html\" href=\"16051000.html\"/>\n");
	ck_assert_uint_eq(count(s, "<entry>"), 2);
	ck_assert(strstr(s, "<id>urn:uuid:1fc67242-5915-5128-b586-976615f02c2c</id>\n"
			    "<title>Behoben: Wohnsitz anmelden (Erfurt, Stadt)</title>") <
		  strstr(s, "<id>urn:uuid:b73597be-50a7-5437-9d05-892bd63572b0</id>\n"
			    "<title>Behoben: Kfz-Zulassung (Erfurt, Stadt)</title>"));
	HAS(s, "href=\"../dienst/erfurt-wohnsitz.html\"/>\n");
	HAS(s, "href=\"../dienst/erfurt-kfz.html\"/>\n");
	HASNT(s, "vg-hund");
	free(s);
	/* Ballhausen and Bad Tennstedt: the VG's Dienst, named after the feed's Gemeinde. */
	s = must("gemeinde/16064005.atom");
	well_formed("gemeinde/16064005.atom", s);
	ck_assert_uint_eq(count(s, "<entry>"), 1);
	HAS(s, "<entry>\n<id>urn:uuid:93a52dff-8f15-5afe-88b2-9b4b74e4ad35</id>\n"
	       "<title>Störung: Hundesteuer &lt;&amp;&gt; &quot;Anmeldung&quot; (Ballhausen)</title>\n");
	HAS(s, "href=\"../dienst/vg-hund.html\"/>\n<summary>Gestört seit 27.11.2026, 09:55 Uhr MEZ, "
	       "andauernd. Ursache: Zeitüberschreitung; betrifft 3.287 Einwohner.</summary>");
	free(s);
	s = must("gemeinde/16064004.atom");
	well_formed("gemeinde/16064004.atom", s);
	HAS(s, "(Bad Tennstedt, Stadt)</title>");
	free(s);
	/* Mühlhausen has no Onlinedienst: no feed. */
	ck_assert_ptr_null(slurp("gemeinde/16064046.atom"));
	/* Without incidents a feed has no entry and is dated by the generation. */
	ck_assert_int_eq(feeds(ev, 0, &res), 0);
	s = must("gemeinde/16064005.atom");
	well_formed("gemeinde/16064005.atom", s);
	ck_assert_uint_eq(count(s, "<entry>"), 0);
	HAS(s, "<updated>2026-11-27T09:05:00Z</updated>\n");
	free(s);
}
END_TEST

/* 60 incidents: the 50 latest make the feed, the latest first. */
START_TEST(bounded)
{
	struct incident_event ev[60];
	struct dash_result res;
	char *s, when[64];
	const char *feeds_rel[] = { DASH_FEED_LAND, "gemeinde/16051000.atom" };

	for (int k = 0; k < 60; k++)	/* newest start first, each closed after a minute */
		ev[k] = (struct incident_event){ .dienst = dienst("erfurt-wohnsitz"), .id = 100 - (uint64_t)k,
						 .start_ms = MS(NOW - (k + 1) * 3600),
						 .end_ms = MS(NOW - (k + 1) * 3600 + 60),
						 .reason = PROBE_CONNECT };
	ck_assert_int_eq(feeds(ev, 60, &res), 0);
	for (size_t f = 0; f < 2; f++) {
		const char *prev = NULL;

		s = must(feeds_rel[f]);
		well_formed(feeds_rel[f], s);
		ck_assert_uint_eq(count(s, "<entry>"), DASH_FEED_ENTRIES);
		for (int k = 0; k < 60; k++) {
			time_t t = NOW - (k + 1) * 3600;
			struct tm tm;
			const char *at;

			gmtime_r(&t, &tm);
			strftime(when, sizeof when, "<published>%Y-%m-%dT%H:%M:%SZ</published>", &tm);
			at = strstr(s, when);
			if (k >= DASH_FEED_ENTRIES) {
				ck_assert_msg(at == NULL, "%s: incident %d of 60 is in the feed", feeds_rel[f], k);
				continue;
			}
			ck_assert_msg(at != NULL, "%s: incident %d of 60 is missing", feeds_rel[f], k);
			ck_assert(prev == NULL || prev < at);
			prev = at;
		}
		HAS(s, "Dauer 1 min. Ursache: keine Verbindung; betrifft 213.692 Einwohner.");
		free(s);
	}
}
END_TEST

/* Names from the registers and the configuration cannot break the XML. */
START_TEST(hostile_names)
{
	static const char evil[] = "A<b> & \"c\" 'd' \x01\x1f\x7f tab\there \xff\xc3( \xc2\x85 ü end";
	static const char escaped[] = "A&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; "
				      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd tab&#9;here "
				      "\xef\xbf\xbd\xef\xbf\xbd( \xef\xbf\xbd ü end";
	struct reg_gemeinde *gm = (struct reg_gemeinde *)(uintptr_t)gemeinde("16064005");
	struct cfg_dienst *cd = &cfg->dienste[dienst("vg-hund")];
	struct incident_event ev[4];
	struct dash_result res;
	char *s, want[512];

	free(gm->name);
	gm->name = strdup(evil);
	free(cd->name);
	cd->name = strdup(evil);
	free(cd->provider);
	cd->provider = strdup("P&<\n>");
	free(cfg->reg.land_name);
	cfg->reg.land_name = strdup("Land <&>");
	ck_assert(gm->name && cd->name && cd->provider && cfg->reg.land_name);
	journal(ev);
	ck_assert_int_eq(feeds(ev, 4, &res), 0);
	s = must("gemeinde/16064005.atom");
	well_formed("gemeinde/16064005.atom", s);
	snprintf(want, sizeof want, "<title>Störungen der Onlinedienste – %s</title>", escaped);
	HAS(s, want);
	snprintf(want, sizeof want, "<title>Störung: %s (%s)</title>", escaped, escaped);
	HAS(s, want);
	HAS(s, "Anbieter: P&amp;&lt;&#10;&gt;.</summary>");
	HAS(s, "<author><name>ozgmon · Land &lt;&amp;&gt;</name></author>");
	HASNT(s, "\x01");
	HASNT(s, "\xff");
	free(s);
	s = must(DASH_FEED_LAND);
	well_formed(DASH_FEED_LAND, s);
	HAS(s, "<title>Störungen der Onlinedienste – Land &lt;&amp;&gt;</title>");
	free(s);
}
END_TEST

/* The generator writes the feeds, and the status page and the Gemeinde pages link them. */
START_TEST(site_links_feeds)
{
	struct incident_event ev[4];
	struct dash_input in = { .cfg = cfg, .L = dash_lang_get("de"), .now = NOW, .recent = ev,
				 .n_recent = 4 };
	struct dash_result res;
	char *s;

	journal(ev);
	ck_assert_int_eq(dash_generate(&in, www, &res), 0);
	s = must(DASH_FEED_LAND);
	ck_assert_uint_eq(count(s, "<entry>"), 3);
	free(s);
	s = must("status.html");
	HAS(s, "<title>Status der Onlinedienste – Thüringen</title>\n<link rel=\"alternate\" "
	       "type=\"application/atom+xml\" title=\"Störungen der Onlinedienste – Thüringen\" "
	       "href=\"feed.atom\">\n<link rel=\"stylesheet\"");
	free(s);
	s = must("gemeinde/16051000.html");
	HAS(s, "<link rel=\"alternate\" type=\"application/atom+xml\" "
	       "title=\"Störungen der Onlinedienste – Erfurt, Stadt\" href=\"16051000.atom\">\n");
	ck_assert_uint_eq(count(s, "application/atom+xml"), 1);
	ck_assert(strstr(s, "application/atom+xml") < strstr(s, "</head>"));
	free(s);
	free(must("gemeinde/16064005.atom"));
	/* Mühlhausen: no feed, no link. */
	s = must("gemeinde/16064046.html");
	HASNT(s, "application/atom+xml");
	free(s);
	ck_assert_ptr_null(slurp("gemeinde/16064046.atom"));
	/* Pages without a feed of their own have no link. */
	s = must("dienst/vg-hund.html");
	HASNT(s, "application/atom+xml");
	free(s);
}
END_TEST

/* Each shard's feeds are feeds of their own: another id, a note in the subtitle. */
START_TEST(sharded)
{
	struct incident_event ev[4];
	struct dash_result res;
	char *s;

	cfg->global.shard_index = 1;
	cfg->global.shard_count = 2;
	journal(ev);
	ck_assert_int_eq(feeds(ev, 4, &res), 0);
	s = must(DASH_FEED_LAND);
	well_formed(DASH_FEED_LAND, s);
	HAS(s, "<id>urn:uuid:4fd90739-909e-5aca-a8d2-87da40074578</id>");
	HAS(s, "zuerst. Shard 1 von 2: ");
	/* An incident's id stays the same: it is the Dienst's, wherever it is shown. */
	HAS(s, "<id>urn:uuid:1fc67242-5915-5128-b586-976615f02c2c</id>");
	free(s);
}
END_TEST

/* A file that cannot be written is counted and named. */
START_TEST(unwritable)
{
	struct incident_event ev[4];
	struct dash_result res;
	struct dash_input in = { .cfg = cfg, .L = dash_lang_get("de"), .now = NOW, .recent = ev,
				 .n_recent = 4 };

	journal(ev);
	memset(&res, 0, sizeof res);
	ck_assert_int_eq(dash_feeds_write(&in, "/proc/ozgmon-no-such", &res), -1);
	ck_assert_uint_ge(res.errors, 1);
	ck_assert_msg(strstr(res.first_error, "/proc/ozgmon-no-such/feed.atom") != NULL, "%s",
		      res.first_error);
}
END_TEST

static Suite *feed_suite(void)
{
	Suite *s = suite_create("feed");
	TCase *tc = tcase_create("feeds");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reach_by_level);
	tcase_add_test(tc, land_feed);
	tcase_add_test(tc, gemeinde_feeds);
	tcase_add_test(tc, bounded);
	tcase_add_test(tc, hostile_names);
	tcase_add_test(tc, site_links_feeds);
	tcase_add_test(tc, sharded);
	tcase_add_test(tc, unwritable);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(feed_suite());
}
