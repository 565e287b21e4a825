/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * rollout.h - the OZG rollout model: what is declared (Angebote at a
 * Reifegrad), counted the way the federal dashboard counts, weighted by
 * population, and checked against what is measured (availability).
 *
 * Counting rules (docs/rollout.md has a worked example):
 * - A Gemeinde is covered for an OZG-Leistung at the highest Reifegrad of the
 *   Angebote whose area contains it: its own, its Gemeindeverband's, its
 *   Kreis', the Land's.
 * - Per area and Leistung: *online* when at least one Gemeinde of the area is
 *   covered at Reifegrad >= online_min (2), *OZG-fulfilled* at >= fulfilled_min
 *   (3); *flächendeckend* when every Gemeinde of the area is covered at that
 *   level.  For a Gemeinde the three coincide.
 * - Population coverage of a Leistung in an area: the inhabitants of the
 *   area's Gemeinden covered online, over the area's inhabitants.
 * - *Reliable*: the same, counting only Angebote whose Onlinedienst's
 *   measured availability (e.g. over 7 days) is at least reliable_min; a
 *   Dienst without a measurement counts as reliable only when
 *   unknown_is_reliable is set.
 *
 * - Relevance and level: a Leistung whose LeiKa entries are all Typ 1 (the
 *   Bund carries it out) is not counted for the Land unless
 *   global.rollout.federal_leistungen is "count"; every figure above counts
 *   relevant Leistungen only.  The level that carries a Leistung out comes
 *   from its LeiKa-Typen (rollout_exec_level); "flächendeckend" per Leistung
 *   is judged over the areas of that level (rollout_service.units_all).
 *
 * rollout_compute() is a pure function of its inputs: it reads the cfg and
 * the availability array and returns a new, immutable result.
 */
#ifndef OZG_ROLLOUT_H
#define OZG_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define ROLLOUT_LEVELS 8	/* Reifegrad 0..7 */

/*
 * How the reliable population coverage weighs a covered Gemeinde's
 * inhabitants: THRESHOLD counts them fully when an Onlinedienst covering it
 * online reaches reliable_min, else not at all; AVAILABILITY counts them
 * times the best availability among those Onlinedienste (a service up 90 %
 * of the time serves 90 % of its inhabitants).  The `reliable` counts of
 * Leistungen use the threshold in both.
 */
enum rollout_weighting { ROLLOUT_WEIGHT_THRESHOLD = 0, ROLLOUT_WEIGHT_AVAILABILITY };

struct rollout_params {
	int online_min;		/* default 2 */
	int fulfilled_min;	/* default 3 */
	double reliable_min;	/* availability that counts as reliable; default 0.95 */
	bool unknown_is_reliable;	/* a Dienst not measured yet counts as reliable */
	enum rollout_weighting weighting;	/* default THRESHOLD */
};

/*
 * Which level carries a Leistung out, from its LeiKa-Typen (registers.leika):
 * Typ 1 only: the Bund (not relevant for the Land by default); any Typ 5
 * (Kommune regelt und vollzieht): the Gemeinde; else any Typ 2 or 3 (Bund
 * regelt, Land/Kommune vollzieht): the Kreis; else Typ 4 or 6 (Land regelt):
 * the Land.  Unknown (no LeiKa entry): the Gemeinde, judged everywhere.
 */
enum rollout_exec { ROLLOUT_EXEC_BUND = 0, ROLLOUT_EXEC_LAND, ROLLOUT_EXEC_KREIS,
		    ROLLOUT_EXEC_GEMEINDE };

enum rollout_exec rollout_exec_level(unsigned leika_typ);
/* "Bund", "Land", "Kreis", "Gemeinde". */
const char *rollout_exec_name(enum rollout_exec e);
/* Whether a Leistung of these LeiKa-Typen counts for the Land. */
bool rollout_leistung_relevant(unsigned leika_typ, bool count_federal);

/* Figures for one area over the relevant Leistungen of the catalogue. */
struct rollout_area {
	enum area_level level;
	const char *key;		/* borrowed from the cfg */
	const char *name;		/* borrowed from the cfg */
	long population;
	unsigned gemeinden;
	/* Leistungen ... */
	unsigned online;		/* online in at least one Gemeinde */
	unsigned online_all;		/* online in every Gemeinde (flächendeckend) */
	unsigned fulfilled;		/* OZG-fulfilled in at least one Gemeinde */
	unsigned fulfilled_all;		/* OZG-fulfilled in every Gemeinde */
	unsigned reliable;		/* online in at least one Gemeinde through reliable Dienste */
	unsigned reliable_all;		/* ... in every Gemeinde */
	/* Leistungen by the highest Reifegrad offered anywhere in the area. */
	unsigned by_reifegrad[ROLLOUT_LEVELS];
	/*
	 * Mean population coverage over the Leistungen offered online somewhere
	 * in the Land (the "offered" set, so areas compare on the same basis);
	 * NaN when nothing is offered.
	 */
	double population_coverage;
	double population_coverage_reliable;
};

/* One Leistung across the Land. */
struct rollout_service {
	const struct reg_leistung *leistung;	/* borrowed */
	bool relevant;			/* counts for the Land (rollout_leistung_relevant) */
	enum rollout_exec exec;		/* the level that carries it out */
	/*
	 * The areas of that level in the Land (1 for Land and Bund, the Kreise,
	 * the Gemeinden) and how many of them are covered online in every
	 * Gemeinde: the Leistung is flächendeckend when units_all == units.
	 */
	unsigned units, units_all;
	int max_reifegrad;		/* highest anywhere, -1 when no Angebot */
	unsigned gemeinden_online;	/* Gemeinden covered online */
	unsigned kreise_all;		/* Kreise where it is flächendeckend */
	long population_online;		/* inhabitants covered online */
	long population_reliable;
	double population_coverage;	/* population_online / Land population */
};

/* One Themenfeld across the Land. */
struct rollout_themenfeld {
	int id;
	const char *name;		/* borrowed */
	unsigned catalog;		/* Leistungen in the catalogue */
	unsigned online, online_all, fulfilled;
	double population_coverage;	/* mean over its Leistungen offered online; NaN if none */
};

/* One Onlinedienst: who is connected to it (EfA adoption). */
struct rollout_dienst {
	unsigned angebote;		/* Angebote naming it */
	unsigned areas;			/* distinct areas */
	unsigned gemeinden;		/* distinct Gemeinden covered at any Reifegrad */
	long population;		/* their inhabitants */
	bool reliable;			/* availability >= reliable_min (or unknown and allowed) */
};

struct rollout {
	struct rollout_params params;
	size_t n_areas;
	struct rollout_area *areas;	/* Land, then Kreise, Verbände, Gemeinden (register order) */
	size_t n_services;
	struct rollout_service *services;	/* indexed like cfg->reg.leistungen */
	size_t n_themenfelder;
	struct rollout_themenfeld *themenfelder;	/* by id */
	size_t n_dienste;
	struct rollout_dienst *dienste;	/* indexed like cfg->dienste */
	unsigned offered;		/* relevant Leistungen offered online somewhere in the Land */
	unsigned relevant;		/* relevant Leistungen of the catalogue: the denominator */
	/*
	 * Per Land or Kreis (areas[0 .. n_lk)) and Leistung (index l), at
	 * [a * n_services + l]: the highest Reifegrad covering at least one
	 * Gemeinde of the area (lk_any), covering every Gemeinde (lk_every: the
	 * lowest over the Gemeinden), and covering at least one through
	 * reliable Dienste (lk_reliable); -1 when none or when the Leistung is
	 * not relevant.  What sharded instances
	 * export so that recording rules count distinct Leistungen across
	 * shards (docs/scaling.md).
	 */
	size_t n_lk;			/* 1 + number of Kreise */
	int8_t *lk_any, *lk_every, *lk_reliable;	/* n_lk x n_services; owned */
};

void rollout_params_default(struct rollout_params *p);

/*
 * Computes the model for cfg.  availability: NULL, or cfg->n_dienste values in
 * [0, 1] (NaN: not measured).  Returns a new result (free with rollout_free),
 * or NULL when out of memory.
 */
struct rollout *rollout_compute(const struct cfg *cfg, const double *availability,
				const struct rollout_params *p);
void rollout_free(struct rollout *r);	/* NULL-safe */

/* The area with this key (2, 5, 9 or 8 digits), or NULL. */
const struct rollout_area *rollout_find_area(const struct rollout *r, const char *key);

/*
 * Whether area `outer` contains area `inner` or is the same area (Land >
 * Kreis > Gemeindeverband > Gemeinde), each given by its level and its key as
 * Angebote and rollout areas write it (a Gemeinde by AGS or ARS).  Answered
 * from the registers, by the rule rollout_compute applies through its
 * per-Kreis and per-Verband groups: a Kreis contains the Verbände of its five
 * digits and the Gemeinden filed under it, a Verband its Gemeinden, and only
 * our Land (reg->land_key) contains anything.  A Gemeinde missing from the
 * register is contained in nothing and contains nothing.
 */
bool rollout_area_contains(const struct registers *reg, enum area_level outer,
			   const char *outer_key, enum area_level inner, const char *inner_key);


#endif
