/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * test_rollout.c - the counting rules on a fixture small enough to count by hand.
 *
 * Land 16 (10,000 inhabitants)
 *   Kreis 16001 (6,000): Verband 160010001 {G1 16001001: 1,000; G2 16001002: 2,000}
 *                        Verband 160010002 {G3 16001003: 3,000}
 *   Kreis 16002 (4,000): Verband 160020001 {G4 16002001: 4,000}
 * Leistungen L1 10000 (Themenfeld 1), L2 10001 (Themenfeld 1), L3 10002 (Themenfeld 2)
 * Angebote
 *   A  Land 16            L1  D0 (EfA)  Reifegrad 3   -> G1..G4 at 3
 *   B  Kreis 16001        L2  D1        Reifegrad 2   -> G1, G2, G3 at 2
 *   C  Verband 160010001  L2  D2        Reifegrad 4   -> G1, G2 at 4 (highest wins)
 *   D  Gemeinde 16002001  L3  D3        Reifegrad 1   -> G4 at 1 (not online)
 *   E  Gemeinde 16001003  L3  D3        Reifegrad 2   -> G3 at 2
 *   F  Land 15            L1  D0 (EfA)  Reifegrad 3   -> another Land: none of ours
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rrd.h>

#include "rollout/demo_past.h"
#include "rollout/rollout.h"
#include "rollout/trend.h"
#include "tests/unit/testutil.h"

static struct reg_kreis kreise[2];
static struct reg_verband verbaende[3];
static struct reg_gemeinde gemeinden[4];
static struct reg_leistung leistungen[3];
static struct cfg_dienst dienste[4];
static struct cfg_angebot angebote[6];
static struct cfg cfg;

static void kreis(int i, const char *key, const char *name, long pop)
{
	strcpy(kreise[i].key, key);
	kreise[i].name = S(name);
	kreise[i].population = pop;
}

static void verband(int i, const char *key, const char *kreis_key)
{
	strcpy(verbaende[i].key, key);
	strcpy(verbaende[i].kreis, kreis_key);
	verbaende[i].name = S(key);
}

static void gemeinde(int i, const char *ags, const char *verband_key, long pop)
{
	strcpy(gemeinden[i].ags, ags);
	snprintf(gemeinden[i].ars, sizeof gemeinden[i].ars, "%s%s", verband_key, ags + 5);
	memcpy(gemeinden[i].kreis, ags, 5);
	gemeinden[i].kreis[5] = '\0';
	strcpy(gemeinden[i].verband, verband_key);
	gemeinden[i].name = S(ags);
	gemeinden[i].population = pop;
}

static void leistung(int i, const char *id, int tf)
{
	strcpy(leistungen[i].ozg_id, id);
	leistungen[i].name = S(id);
	leistungen[i].themenfeld_id = tf;
	leistungen[i].themenfeld = S(tf == 1 ? "Familie & Kind" : "Bauen & Wohnen");
	leistungen[i].leika_typ = 0;
}

static void angebot(int i, const char *area, enum area_level lvl, const char *ozg, size_t d, int rg)
{
	strcpy(angebote[i].area, area);
	angebote[i].level = lvl;
	strcpy(angebote[i].ozg_id, ozg);
	angebote[i].dienst = d;
	angebote[i].reifegrad = rg;
}

static void setup(void)
{
	memset(&cfg, 0, sizeof cfg);
	memset(dienste, 0, sizeof dienste);
	kreis(0, "16001", "K1", 6000);
	kreis(1, "16002", "K2", 4000);
	verband(0, "160010001", "16001");
	verband(1, "160010002", "16001");
	verband(2, "160020001", "16002");
	gemeinde(0, "16001001", "160010001", 1000);
	gemeinde(1, "16001002", "160010001", 2000);
	gemeinde(2, "16001003", "160010002", 3000);
	gemeinde(3, "16002001", "160020001", 4000);
	leistung(0, "10000", 1);
	leistung(1, "10001", 1);
	leistung(2, "10002", 2);
	for (int i = 0; i < 4; i++)
		dienste[i].id = S(i == 0 ? "d0" : i == 1 ? "d1" : i == 2 ? "d2" : "d3");
	dienste[0].efa = true;
	angebot(0, "16", AREA_LAND, "10000", 0, 3);
	angebot(1, "16001", AREA_KREIS, "10001", 1, 2);
	angebot(2, "160010001", AREA_VERBAND, "10001", 2, 4);
	angebot(3, "16002001", AREA_GEMEINDE, "10002", 3, 1);
	angebot(4, "16001003", AREA_GEMEINDE, "10002", 3, 2);
	/* EfA across Länder: d0 is offered to Land 15 too, whose Gemeinden are not ours. */
	angebot(5, "15", AREA_LAND, "10000", 0, 3);
	strcpy(cfg.reg.land_key, "16");
	cfg.reg.land_name = S("Testland");
	cfg.reg.kreise = kreise;
	cfg.reg.n_kreise = 2;
	cfg.reg.verbaende = verbaende;
	cfg.reg.n_verbaende = 3;
	cfg.reg.gemeinden = gemeinden;
	cfg.reg.n_gemeinden = 4;
	cfg.reg.leistungen = leistungen;
	cfg.reg.n_leistungen = 3;
	cfg.dienste = dienste;
	cfg.n_dienste = 4;
	cfg.angebote = angebote;
	cfg.n_angebote = 6;
}

/* The rollout of cfg under the default rules but for unmeasured targets and the weighting. */
static struct rollout *compute_weighted(const double *avail, bool unknown_ok,
					enum rollout_weighting weighting)
{
	struct rollout_params p;
	struct rollout *r;

	rollout_params_default(&p);
	p.unknown_is_reliable = unknown_ok;
	p.weighting = weighting;
	r = rollout_compute(&cfg, avail, &p);
	ck_assert_ptr_nonnull(r);
	return r;
}

static struct rollout *compute(const double *avail, bool unknown_ok)
{
	return compute_weighted(avail, unknown_ok, ROLLOUT_WEIGHT_THRESHOLD);
}

#define NEAR(a, b) ck_assert_msg(fabs((a) - (b)) < 1e-9, "%s = %.12f, want %.12f", #a, (double)(a), (double)(b))

static void area_is(const struct rollout_area *a, unsigned on, unsigned on_all, unsigned ful,
		    unsigned ful_all, long pop, unsigned gem)
{
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->online, on);
	ck_assert_uint_eq(a->online_all, on_all);
	ck_assert_uint_eq(a->fulfilled, ful);
	ck_assert_uint_eq(a->fulfilled_all, ful_all);
	ck_assert_int_eq(a->population, pop);
	ck_assert_uint_eq(a->gemeinden, gem);
}

START_TEST(counting_rules_per_area)
{
	struct rollout *r = compute(NULL, false);
	const struct rollout_area *land = rollout_find_area(r, "16");

	ck_assert_uint_eq(r->n_areas, 1 + 2 + 3 + 4);
	ck_assert_uint_eq(r->offered, 3);
	area_is(land, 3, 1, 2, 1, 10000, 4);
	ck_assert_int_eq(land->level, AREA_LAND);
	ck_assert_uint_eq(land->by_reifegrad[2], 1);	/* L3 */
	ck_assert_uint_eq(land->by_reifegrad[3], 1);	/* L1 */
	ck_assert_uint_eq(land->by_reifegrad[4], 1);	/* L2 */
	NEAR(land->population_coverage, (1.0 + 0.6 + 0.3) / 3);

	area_is(rollout_find_area(r, "16001"), 3, 2, 2, 1, 6000, 3);
	NEAR(rollout_find_area(r, "16001")->population_coverage, (1.0 + 1.0 + 0.5) / 3);
	area_is(rollout_find_area(r, "16002"), 1, 1, 1, 1, 4000, 1);
	ck_assert_uint_eq(rollout_find_area(r, "16002")->by_reifegrad[1], 1);	/* L3 at 1 */
	NEAR(rollout_find_area(r, "16002")->population_coverage, 1.0 / 3);
	area_is(rollout_find_area(r, "160010001"), 2, 2, 2, 2, 3000, 2);
	NEAR(rollout_find_area(r, "160010001")->population_coverage, 2.0 / 3);
	area_is(rollout_find_area(r, "16001003"), 3, 3, 1, 1, 3000, 1);
	NEAR(rollout_find_area(r, "16001003")->population_coverage, 1.0);
	area_is(rollout_find_area(r, "16002001"), 1, 1, 1, 1, 4000, 1);
	ck_assert_ptr_null(rollout_find_area(r, "99"));
	rollout_free(r);
}
END_TEST

/*
 * Relevance and levels, counted by hand.  L1 is Typ 1 only (the Bund carries
 * it out), L2 Typ 2/3 (the Kreis), L3 Typ 1 and 5 (the Gemeinde; one
 * non-federal entry makes it relevant).
 *   relevant: L2, L3 (2); offered: both.
 *   Land:  online L2 (G1-G3), L3 (G3) = 2; flächendeckend none (G4 lacks both);
 *          fulfilled L2 (G1, G2 at 4) = 1; coverage (0.6 + 0.3) / 2 = 0.45.
 *   Kreis 16001: online 2, flächendeckend L2 = 1; coverage (1 + 0.5) / 2 = 0.75.
 *   Kreis 16002: online 0 (L1, online there, no longer counts); coverage 0.
 *   Per Leistung at its level: L2 flächendeckend in 1 of 2 Kreise; L3 online
 *   in 1 of 4 Gemeinden; L1 covers the Land (1 of 1) but is not relevant.
 * With federal_leistungen: count, the figures of the worked example return.
 */
START_TEST(relevance_and_levels)
{
	struct rollout *r;
	const struct rollout_area *land;

	leistungen[0].leika_typ = REG_LEIKA_T1;
	leistungen[1].leika_typ = REG_LEIKA_T2 | REG_LEIKA_T3;
	leistungen[2].leika_typ = REG_LEIKA_T1 | REG_LEIKA_T5;
	r = compute(NULL, false);
	land = rollout_find_area(r, "16");
	ck_assert_uint_eq(r->relevant, 2);
	ck_assert_uint_eq(r->offered, 2);
	area_is(land, 2, 0, 1, 0, 10000, 4);
	NEAR(land->population_coverage, (0.6 + 0.3) / 2);
	area_is(rollout_find_area(r, "16001"), 2, 1, 1, 0, 6000, 3);
	NEAR(rollout_find_area(r, "16001")->population_coverage, (1.0 + 0.5) / 2);
	area_is(rollout_find_area(r, "16002"), 0, 0, 0, 0, 4000, 1);
	NEAR(rollout_find_area(r, "16002")->population_coverage, 0.0);
	ck_assert(!r->services[0].relevant);
	ck_assert_int_eq(r->services[0].exec, ROLLOUT_EXEC_BUND);
	ck_assert_uint_eq(r->services[0].units, 1);
	ck_assert_uint_eq(r->services[0].units_all, 1);
	ck_assert(r->services[1].relevant);
	ck_assert_int_eq(r->services[1].exec, ROLLOUT_EXEC_KREIS);
	ck_assert_uint_eq(r->services[1].units, 2);
	ck_assert_uint_eq(r->services[1].units_all, 1);
	ck_assert(r->services[2].relevant);
	ck_assert_int_eq(r->services[2].exec, ROLLOUT_EXEC_GEMEINDE);
	ck_assert_uint_eq(r->services[2].units, 4);
	ck_assert_uint_eq(r->services[2].units_all, 1);
	/* The facts shards export leave L1 out; L2 stays. */
	ck_assert_int_eq(r->lk_any[0 * r->n_services + 0], -1);
	ck_assert_int_eq(r->lk_every[0 * r->n_services + 0], -1);
	ck_assert_int_eq(r->lk_any[0 * r->n_services + 1], 4);
	/* Themenfeld 1 holds L1 and L2; only L2 counts. */
	ck_assert_uint_eq(r->themenfelder[0].catalog, 1);
	ck_assert_uint_eq(r->themenfelder[0].online, 1);
	rollout_free(r);

	cfg.global.rollout.count_federal = true;
	r = compute(NULL, false);
	ck_assert_uint_eq(r->relevant, 3);
	ck_assert_uint_eq(r->offered, 3);
	area_is(rollout_find_area(r, "16"), 3, 1, 2, 1, 10000, 4);
	NEAR(rollout_find_area(r, "16")->population_coverage, (1.0 + 0.6 + 0.3) / 3);
	rollout_free(r);
}
END_TEST

/* The level rule over the LeiKa-Typ combinations the catalogue writes. */
START_TEST(exec_level_rule)
{
	ck_assert_int_eq(rollout_exec_level(0), ROLLOUT_EXEC_GEMEINDE);
	ck_assert_int_eq(rollout_exec_level(REG_LEIKA_T1), ROLLOUT_EXEC_BUND);
	ck_assert_int_eq(rollout_exec_level(REG_LEIKA_T1 | REG_LEIKA_T2), ROLLOUT_EXEC_KREIS);
	ck_assert_int_eq(rollout_exec_level(REG_LEIKA_T2 | REG_LEIKA_T3 | REG_LEIKA_T4),
			 ROLLOUT_EXEC_KREIS);
	ck_assert_int_eq(rollout_exec_level(REG_LEIKA_T4), ROLLOUT_EXEC_LAND);
	ck_assert_int_eq(rollout_exec_level(REG_LEIKA_T6), ROLLOUT_EXEC_LAND);
	ck_assert_int_eq(rollout_exec_level(REG_LEIKA_T4 | REG_LEIKA_T5), ROLLOUT_EXEC_GEMEINDE);
	ck_assert_int_eq(rollout_exec_level(REG_LEIKA_T1 | REG_LEIKA_T5), ROLLOUT_EXEC_GEMEINDE);
	ck_assert(!rollout_leistung_relevant(REG_LEIKA_T1, false));
	ck_assert(rollout_leistung_relevant(REG_LEIKA_T1, true));
	ck_assert(rollout_leistung_relevant(0, false));
	ck_assert(rollout_leistung_relevant(REG_LEIKA_T1 | REG_LEIKA_T4, false));
	ck_assert_str_eq(rollout_exec_name(ROLLOUT_EXEC_KREIS), "Kreis");
}
END_TEST

START_TEST(services_themenfelder_adoption)
{
	struct rollout *r = compute(NULL, false);
	const struct rollout_service *l1 = &r->services[0], *l2 = &r->services[1], *l3 = &r->services[2];

	ck_assert_int_eq(l1->max_reifegrad, 3);
	ck_assert_uint_eq(l1->gemeinden_online, 4);
	ck_assert_uint_eq(l1->kreise_all, 2);
	ck_assert_int_eq(l2->max_reifegrad, 4);
	ck_assert_uint_eq(l2->gemeinden_online, 3);
	ck_assert_int_eq(l2->population_online, 6000);
	NEAR(l2->population_coverage, 0.6);
	ck_assert_uint_eq(l2->kreise_all, 1);
	ck_assert_int_eq(l3->max_reifegrad, 2);
	ck_assert_uint_eq(l3->gemeinden_online, 1);
	ck_assert_uint_eq(l3->kreise_all, 0);

	ck_assert_uint_eq(r->n_themenfelder, 2);
	ck_assert_int_eq(r->themenfelder[0].id, 1);
	ck_assert_uint_eq(r->themenfelder[0].catalog, 2);
	ck_assert_uint_eq(r->themenfelder[0].online, 2);
	ck_assert_uint_eq(r->themenfelder[0].online_all, 1);
	ck_assert_uint_eq(r->themenfelder[0].fulfilled, 2);
	NEAR(r->themenfelder[0].population_coverage, 0.8);
	ck_assert_uint_eq(r->themenfelder[1].catalog, 1);
	ck_assert_uint_eq(r->themenfelder[1].online_all, 0);
	ck_assert_uint_eq(r->themenfelder[1].fulfilled, 0);
	NEAR(r->themenfelder[1].population_coverage, 0.3);

	ck_assert_uint_eq(r->dienste[0].angebote, 2);
	ck_assert_uint_eq(r->dienste[0].areas, 2);		/* Land 16 and Land 15 */
	ck_assert_uint_eq(r->dienste[0].gemeinden, 4);		/* only ours are known */
	ck_assert_int_eq(r->dienste[0].population, 10000);
	ck_assert_uint_eq(r->dienste[1].gemeinden, 3);
	ck_assert_uint_eq(r->dienste[2].gemeinden, 2);
	ck_assert_int_eq(r->dienste[2].population, 3000);
	ck_assert_uint_eq(r->dienste[3].angebote, 2);
	ck_assert_uint_eq(r->dienste[3].areas, 2);
	ck_assert_uint_eq(r->dienste[3].gemeinden, 2);
	ck_assert_int_eq(r->dienste[3].population, 7000);
	rollout_free(r);
}
END_TEST

START_TEST(availability_adjusted)
{
	const double avail[4] = { 0.99, 0.5, NAN, 0.96 };
	struct rollout *r = compute(avail, false);
	const struct rollout_area *land = rollout_find_area(r, "16");

	ck_assert(r->dienste[0].reliable);
	ck_assert(!r->dienste[1].reliable);
	ck_assert(!r->dienste[2].reliable);	/* not measured */
	ck_assert(r->dienste[3].reliable);
	ck_assert_uint_eq(land->reliable, 2);	/* L1 via d0, L3 via d3 */
	ck_assert_uint_eq(land->reliable_all, 1);
	ck_assert_uint_eq(land->online, 3);	/* declared figures unchanged */
	NEAR(land->population_coverage_reliable, (1.0 + 0.0 + 0.3) / 3);
	ck_assert_int_eq(r->services[1].population_reliable, 0);
	rollout_free(r);

	r = compute(avail, true);
	land = rollout_find_area(r, "16");
	ck_assert_uint_eq(land->reliable, 3);	/* d2 now counts: L2 at G1, G2 */
	ck_assert_int_eq(r->services[1].population_reliable, 3000);
	rollout_free(r);

	/* Without measurements and without trust, nothing is reliable. */
	r = compute(NULL, false);
	ck_assert_uint_eq(rollout_find_area(r, "16")->reliable, 0);
	rollout_free(r);
}
END_TEST

/* Availability weighting: inhabitants count times the best availability serving them. */
START_TEST(availability_weighting)
{
	const double avail[4] = { 0.99, 0.5, NAN, 0.96 };
	struct rollout *r = compute_weighted(avail, false, ROLLOUT_WEIGHT_AVAILABILITY);

	/* L1: 0.99 everywhere; L2: 0.5 for G1-G3 (d2 unmeasured weighs 0); L3: 0.96 for G3. */
	/* Weights are kept as floats: equal to 1e-6. */
	ck_assert(fabs(rollout_find_area(r, "16")->population_coverage_reliable - (0.99 + 0.3 + 0.288) / 3) < 1e-6);
	ck_assert(fabs(rollout_find_area(r, "16002")->population_coverage_reliable - 0.99 / 3) < 1e-6);
	ck_assert_int_eq(r->services[1].population_reliable, 3000);
	ck_assert_uint_eq(rollout_find_area(r, "16")->reliable, 2);	/* counts keep the threshold */
	rollout_free(r);
}
END_TEST

/* Land totals equal the sums over the Kreise; coverage never exceeds the population. */
START_TEST(invariants)
{
	struct rollout *r = compute(NULL, true);
	long pop = 0;
	unsigned gem = 0;

	for (size_t a = 0; a < r->n_areas; a++) {
		const struct rollout_area *ar = &r->areas[a];
		if (ar->level == AREA_KREIS) {
			pop += ar->population;
			gem += ar->gemeinden;
		}
		ck_assert(ar->online_all <= ar->online);
		ck_assert(ar->fulfilled <= ar->online);
		ck_assert(ar->reliable <= ar->online);
		ck_assert(ar->population_coverage >= 0 && ar->population_coverage <= 1);
	}
	ck_assert_int_eq(pop, r->areas[0].population);
	ck_assert_uint_eq(gem, r->areas[0].gemeinden);
	for (size_t l = 0; l < r->n_services; l++)
		ck_assert_int_le(r->services[l].population_online, r->areas[0].population);
	rollout_free(r);
}
END_TEST

/*
 * The per Land/Kreis and Leistung facts a shard exports: their values on the
 * worked example, and that the maximum over shards (Angebote split by
 * Onlinedienst) gives back the unsharded "any" and "reliable" facts and the
 * unsharded online counts, which is what the recording rules rely on.
 */
START_TEST(shard_facts_aggregate)
{
	static const double avail[4] = { 0.99, 0.5, NAN, 0.96 };
	/* [area: Land, K1, K2][Leistung] */
	static const int8_t any[3][3] = { { 3, 4, 2 }, { 3, 4, 2 }, { 3, -1, 1 } };
	static const int8_t every[3][3] = { { 3, -1, -1 }, { 3, 2, -1 }, { 3, -1, 1 } };
	static const int8_t rel[3][3] = { { 3, -1, 2 }, { 3, -1, 2 }, { 3, -1, 1 } };
	static const bool on_shard_a[4] = { true, false, false, true };	/* d0, d3 | d1, d2 */
	struct cfg_angebot part[2][6];
	size_t np[2] = { 0, 0 };
	struct cfg_angebot *all = cfg.angebote;
	size_t nall = cfg.n_angebote;
	struct rollout *full = compute(avail, false), *sh[2];

	ck_assert_uint_eq(full->n_lk, 3);
	for (size_t a = 0; a < 3; a++)
		for (size_t l = 0; l < 3; l++) {
			ck_assert_int_eq(full->lk_any[a * 3 + l], any[a][l]);
			ck_assert_int_eq(full->lk_every[a * 3 + l], every[a][l]);
			ck_assert_int_eq(full->lk_reliable[a * 3 + l], rel[a][l]);
		}
	for (size_t i = 0; i < nall; i++) {
		int k = on_shard_a[all[i].dienst] ? 0 : 1;
		part[k][np[k]++] = all[i];
	}
	for (int k = 0; k < 2; k++) {
		cfg.angebote = part[k];
		cfg.n_angebote = np[k];
		sh[k] = compute(avail, false);
	}
	cfg.angebote = all;
	cfg.n_angebote = nall;
	for (size_t a = 0; a < 3; a++) {
		unsigned online = 0, fulfilled = 0, reliable = 0;
		for (size_t l = 0; l < 3; l++) {
			size_t x = a * 3 + l;
			int8_t m = sh[0]->lk_any[x] > sh[1]->lk_any[x] ? sh[0]->lk_any[x] : sh[1]->lk_any[x];
			int8_t r = sh[0]->lk_reliable[x] > sh[1]->lk_reliable[x] ? sh[0]->lk_reliable[x]
										    : sh[1]->lk_reliable[x];
			ck_assert_int_eq(m, full->lk_any[x]);
			ck_assert_int_eq(r, full->lk_reliable[x]);
			/* "every" over a shard is a lower bound of the unsharded figure */
			ck_assert_int_le(sh[0]->lk_every[x], full->lk_every[x]);
			ck_assert_int_le(sh[1]->lk_every[x], full->lk_every[x]);
			online += m >= 2;
			fulfilled += m >= 3;
			reliable += r >= 2;
		}
		ck_assert_uint_eq(online, full->areas[a].online);
		ck_assert_uint_eq(fulfilled, full->areas[a].fulfilled);
		ck_assert_uint_eq(reliable, full->areas[a].reliable);
	}
	/* Kreis 16001's L2: flächendeckend through shard B alone (d1 covers the Kreis), not on A. */
	ck_assert_int_eq(sh[1]->lk_every[1 * 3 + 1], 2);
	ck_assert_int_eq(sh[0]->lk_every[1 * 3 + 1], -1);
	rollout_free(sh[0]);
	rollout_free(sh[1]);
	rollout_free(full);
}
END_TEST

/* Area containment from the registers, as Angebote and rollout areas name areas. */
START_TEST(area_contains)
{
	static const struct {
		enum area_level ol; const char *ok; enum area_level il; const char *ik; bool want;
	} cases[] = {
		{ AREA_LAND, "16", AREA_LAND, "16", true },
		{ AREA_LAND, "16", AREA_GEMEINDE, "16002001", true },
		{ AREA_LAND, "15", AREA_KREIS, "16001", false },	/* another Land */
		{ AREA_LAND, "16", AREA_LAND, "15", false },
		{ AREA_KREIS, "16001", AREA_KREIS, "16001", true },
		{ AREA_KREIS, "16001", AREA_VERBAND, "160010002", true },
		{ AREA_KREIS, "16001", AREA_GEMEINDE, "16001003", true },
		{ AREA_KREIS, "16002", AREA_GEMEINDE, "16001003", false },
		{ AREA_KREIS, "16001", AREA_LAND, "16", false },	/* larger in smaller */
		{ AREA_VERBAND, "160010001", AREA_GEMEINDE, "16001002", true },
		{ AREA_VERBAND, "160010002", AREA_GEMEINDE, "16001002", false },
		{ AREA_VERBAND, "160010001", AREA_KREIS, "16001", false },
		{ AREA_VERBAND, "160010001", AREA_VERBAND, "160010001", true },
		{ AREA_GEMEINDE, "16001001", AREA_GEMEINDE, "16001001", true },
		{ AREA_GEMEINDE, "160010001001", AREA_GEMEINDE, "16001001", true },	/* by ARS */
		{ AREA_GEMEINDE, "16001001", AREA_GEMEINDE, "160010001001", true },
		{ AREA_GEMEINDE, "16001001", AREA_GEMEINDE, "16001002", false },
		{ AREA_GEMEINDE, "16009999", AREA_GEMEINDE, "16009999", false },	/* unknown */
		{ AREA_KREIS, "16001", AREA_GEMEINDE, "16009999", false },
		{ AREA_GEMEINDE, "16001001", AREA_VERBAND, "160010001", false },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(rollout_area_contains(&cfg.reg, cases[i].ol, cases[i].ok, cases[i].il,
						    cases[i].ik) == cases[i].want,
			      "case %zu: %s contains %s", i, cases[i].ok, cases[i].ik);
}
END_TEST

/* ---- trend files -------------------------------------------------------- */

#define T0 ((time_t)1790000000 / 3600 * 3600)	/* an hour boundary in 2026 */

static char tdir[512];

static void trend_setup(void)
{
	setup();
	tu_tmpdir(tdir, sizeof tdir, "trend");
}

static void trend_teardown(void)
{
	tu_rm_rf(tdir);
}

/* The numeric value of rrd_info key `key` of path, or NaN. */
static double info_num(const char *path, const char *key)
{
	rrd_info_t *info = rrd_info_r(path), *i;
	double v = NAN;

	for (i = info; i; i = i->next)
		if (strcmp(i->key, key) == 0)
			v = i->type == RD_I_CNT ? (double)i->value.u_cnt : i->value.u_val;
	rrd_info_free(info);
	return v;
}

/* The row of s that ends at t (rows end at s->start + i * s->step). */
static const double *row_at(const struct trend_series *ser, time_t t)
{
	size_t i = (size_t)((t - ser->start) / ser->step);

	ck_assert_int_eq(ser->start + (time_t)i * ser->step, t);
	ck_assert_uint_lt(i, ser->n);
	return &ser->v[i * TREND_NFIELDS];
}

/* Writes hours 0 .. n-1 after T0: online 200 + day, offered 300 + day / 7. */
static void write_hours(struct rollout *r, int n)
{
	for (int h = 0; h < n; h++) {
		r->areas[0].online = 200u + (unsigned)(h / 24);
		r->offered = 300u + (unsigned)(h / (24 * 7));
		ck_assert_uint_eq(trend_write(tdir, r, T0 + (time_t)h * 3600), 0);
	}
}

START_TEST(trend_layout_and_views)
{
	struct rollout *r = compute(NULL, false);
	char path[1024];
	struct trend_series s;
	char err[256];
	static const int want_res[TREND_NVIEWS] = { 3600, 86400, 86400 };

	ck_assert_uint_eq(trend_write(tdir, r, T0), 0);
	ck_assert_int_eq(trend_path(tdir, "16", path, sizeof path), 0);
	/* the rows the views read exist: 93 days hourly, 10 years daily */
	NEAR(info_num(path, "step"), 3600);
	NEAR(info_num(path, "rra[0].rows"), TREND_HOURLY_ROWS);
	NEAR(info_num(path, "rra[0].pdp_per_row"), 1);
	NEAR(info_num(path, "rra[1].rows"), TREND_DAILY_ROWS);
	NEAR(info_num(path, "rra[1].pdp_per_row"), 24);
	ck_assert(!isnan(info_num(path, "ds[offered].minimal_heartbeat")));
	ck_assert(!isnan(info_num(path, "ds[relevant].minimal_heartbeat")));
	for (int v = 0; v < TREND_NVIEWS; v++) {
		long span, res;
		trend_view_span((enum trend_view)v, &span, &res);
		ck_assert_int_eq(res, want_res[v]);
		/* the archive of that resolution reaches back over the whole span */
		ck_assert_int_le(span, (res == 3600 ? TREND_HOURLY_ROWS : TREND_DAILY_ROWS * 24L) * 3600L);
		ck_assert_msg(trend_fetch(tdir, "16", (enum trend_view)v, T0 + 86400, &s, err,
					  sizeof err) == 0, "%s", err);
		ck_assert_int_eq(s.step, res);
		ck_assert_uint_ge(s.n * (size_t)s.step, (size_t)span);
		trend_series_free(&s);
	}
	/* the first row holds what was written */
	ck_assert_int_eq(trend_fetch(tdir, "16", TREND_VIEW_90D, T0, &s, err, sizeof err), 0);
	NEAR(row_at(&s, T0)[TREND_ONLINE], r->areas[0].online);
	NEAR(row_at(&s, T0)[TREND_OFFERED], 3);
	NEAR(row_at(&s, T0)[TREND_RELEVANT], 3);
	ck_assert(isnan(row_at(&s, T0 - 3600)[TREND_ONLINE]));	/* before the file */
	trend_series_free(&s);
	ck_assert_int_ne(trend_fetch(tdir, "99", TREND_VIEW_90D, T0, &s, err, sizeof err), 0);
	rollout_free(r);
}
END_TEST

/* 35 days of hourly figures: the change against 30 days before. */
START_TEST(trend_change_last_month)
{
	struct rollout *r = compute(NULL, false);
	struct trend_change c;
	char err[256];
	int n = 35 * 24;

	write_hours(r, n);
	ck_assert_msg(trend_change(tdir, "16", T0 + (time_t)n * 3600, &c, err, sizeof err) == 0,
		      "%s", err);
	ck_assert_int_eq(c.at, T0 + (time_t)(n - 1) * 3600);
	ck_assert(c.has_then);
	ck_assert_int_eq(c.then_at, c.at - 30 * 86400);
	NEAR(c.now_v[TREND_ONLINE], 200 + (n - 1) / 24);	/* day 34 */
	NEAR(c.then_v[TREND_ONLINE], 200 + (n - 1 - 720) / 24);	/* day 4 */
	NEAR(c.delta[TREND_ONLINE], 30);
	NEAR(c.now_v[TREND_OFFERED], 304);
	NEAR(c.delta[TREND_OFFERED], 304 - 300);
	rollout_free(r);

	/* a file younger than a month has no figure to compare with */
	tu_rm_rf(tdir);
	tu_tmpdir(tdir, sizeof tdir, "trend");
	r = compute(NULL, false);
	write_hours(r, 48);
	ck_assert_int_eq(trend_change(tdir, "16", T0 + 48 * 3600, &c, err, sizeof err), 0);
	ck_assert(!c.has_then);
	NEAR(c.now_v[TREND_ONLINE], 201);
	ck_assert(isnan(c.delta[TREND_ONLINE]));
	rollout_free(r);
}
END_TEST

/* A file of the earlier seven-source layout keeps its rows and gains offered and relevant. */
START_TEST(trend_old_layout_converted)
{
	static const char *old[] = {
		"DS:online:GAUGE:7200:0:U", "DS:flaechendeckend:GAUGE:7200:0:U",
		"DS:fulfilled:GAUGE:7200:0:U", "DS:fulfilled_fd:GAUGE:7200:0:U",
		"DS:reliable:GAUGE:7200:0:U", "DS:coverage:GAUGE:7200:0:1",
		"DS:coverage_rel:GAUGE:7200:0:1", "RRA:AVERAGE:0.5:1:2232", "RRA:AVERAGE:0.5:24:3660",
	};
	struct rollout *r = compute(NULL, false);
	char path[1024], dir[1024], val[128], err[256];
	const char *argv[1] = { val };
	struct trend_series s;

	snprintf(dir, sizeof dir, "%s/rollout", tdir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	trend_path(tdir, "16", path, sizeof path);
	ck_assert_int_eq(rrd_create_r(path, 3600, T0 - 3601, 9, old), 0);
	for (int h = 0; h < 3; h++) {
		snprintf(val, sizeof val, "%lld:%d:1:1:1:1:0.5:0.25", (long long)(T0 + h * 3600), 150 + h);
		ck_assert_int_eq(rrd_update_r(path, NULL, 1, argv), 0);
	}
	ck_assert(isnan(info_num(path, "ds[offered].minimal_heartbeat")));
	ck_assert_uint_eq(trend_write(tdir, r, T0 + 3 * 3600), 0);
	ck_assert(!isnan(info_num(path, "ds[offered].minimal_heartbeat")));
	ck_assert_int_eq(trend_fetch(tdir, "16", TREND_VIEW_90D, T0 + 3 * 3600, &s, err, sizeof err), 0);
	for (int h = 0; h < 3; h++) {
		const double *row = row_at(&s, T0 + h * 3600);
		NEAR(row[TREND_ONLINE], 150 + h);
		NEAR(row[TREND_COVERAGE], 0.5);
		ck_assert(isnan(row[TREND_OFFERED]));
	}
	NEAR(row_at(&s, T0 + 3 * 3600)[TREND_ONLINE], r->areas[0].online);
	NEAR(row_at(&s, T0 + 3 * 3600)[TREND_OFFERED], 3);
	trend_series_free(&s);
	rollout_free(r);
}
END_TEST

/* The demo's simulated past: refused unless a demo, written once, labelled, ending at today's figures. */
START_TEST(demo_past_refuses_and_writes)
{
	char *ct[1] = { S("::127.0.0.1:18080") };
	struct demo_past_opts o = { .data_dir = tdir, .probe_days = 3, .trend_days = 40,
				    .now = T0 + 1800 };
	struct trend_change c;
	struct rollout *r;
	char err[512], path[1024];
	struct stat sb;

	for (int i = 0; i < 4; i++)
		dienste[i].interval_ms = 30000;
	ck_assert_int_eq(demo_past_write(&cfg, &o, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a demo configuration"));
	snprintf(path, sizeof path, "%s/%s", tdir, DEMO_PAST_MARKER);
	ck_assert_int_ne(stat(path, &sb), 0);

	cfg.global.connect_to = ct;
	cfg.global.n_connect_to = 1;
	ck_assert_msg(demo_past_write(&cfg, &o, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(stat(path, &sb), 0);
	snprintf(path, sizeof path, "%s/rrd/d2.rrd", tdir);
	ck_assert_int_eq(stat(path, &sb), 0);
	NEAR(info_num(path, "step"), 30);
	NEAR(info_num(path, "last_update"), T0);
	snprintf(path, sizeof path, "%s/rrd/d2.perf.rrd", tdir);
	ck_assert_int_eq(stat(path, &sb), 0);
	/* the trend ends at the figures the configuration gives now, 40 days of them */
	r = compute(NULL, false);
	ck_assert_int_eq(trend_change(tdir, "16", T0, &c, err, sizeof err), 0);
	ck_assert_int_eq(c.at, T0);
	NEAR(c.now_v[TREND_ONLINE], r->areas[0].online);
	NEAR(c.now_v[TREND_RELEVANT], r->relevant);
	ck_assert(c.has_then);
	ck_assert(c.then_v[TREND_ONLINE] <= c.now_v[TREND_ONLINE]);
	rollout_free(r);
	/* a second run leaves it alone */
	ck_assert_int_eq(demo_past_write(&cfg, &o, err, sizeof err), 1);
	ck_assert_ptr_nonnull(strstr(err, "already has a simulated past"));
	cfg.global.connect_to = NULL;
	cfg.global.n_connect_to = 0;
}
END_TEST

/* A data directory with measurements is refused and left as it is. */
START_TEST(demo_past_refuses_measured)
{
	char *ct[1] = { S("::127.0.0.1:18080") };
	struct demo_past_opts o = { .data_dir = tdir, .now = T0 };
	char err[512], path[1024];
	struct stat sb;
	FILE *f;

	cfg.global.connect_to = ct;
	cfg.global.n_connect_to = 1;
	snprintf(path, sizeof path, "%s/incidents.jsonl", tdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(demo_past_write(&cfg, &o, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "holds measurements"));
	snprintf(path, sizeof path, "%s/%s", tdir, DEMO_PAST_MARKER);
	ck_assert_int_ne(stat(path, &sb), 0);
	cfg.global.connect_to = NULL;
	cfg.global.n_connect_to = 0;
}
END_TEST

static Suite *rollout_suite(void)
{
	Suite *s = suite_create("rollout");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, counting_rules_per_area);
	tcase_add_test(tc, services_themenfelder_adoption);
	tcase_add_test(tc, availability_adjusted);
	tcase_add_test(tc, availability_weighting);
	tcase_add_test(tc, invariants);
	tcase_add_test(tc, shard_facts_aggregate);
	tcase_add_test(tc, area_contains);
	tcase_add_test(tc, relevance_and_levels);
	tcase_add_test(tc, exec_level_rule);
	suite_add_tcase(s, tc);
	tc = tcase_create("trend");
	tcase_add_checked_fixture(tc, trend_setup, trend_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, trend_layout_and_views);
	tcase_add_test(tc, trend_change_last_month);
	tcase_add_test(tc, trend_old_layout_converted);
	tcase_add_test(tc, demo_past_refuses_and_writes);
	tcase_add_test(tc, demo_past_refuses_measured);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(rollout_suite());
}
