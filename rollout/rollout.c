/* SPDX-License-Identifier: EUPL-1.2 */
/* rollout.c - see rollout.h. */
#include "rollout/rollout.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rollout_params_default(struct rollout_params *p)
{
	p->online_min = 2;
	p->fulfilled_min = 3;
	p->reliable_min = 0.95;
	p->unknown_is_reliable = false;
	p->weighting = ROLLOUT_WEIGHT_THRESHOLD;
}

enum rollout_exec rollout_exec_level(unsigned t)
{
	if (t == 0)
		return ROLLOUT_EXEC_GEMEINDE;
	if (t == REG_LEIKA_T1)
		return ROLLOUT_EXEC_BUND;
	if (t & REG_LEIKA_T5)
		return ROLLOUT_EXEC_GEMEINDE;
	if (t & (REG_LEIKA_T2 | REG_LEIKA_T3))
		return ROLLOUT_EXEC_KREIS;
	if (t & (REG_LEIKA_T4 | REG_LEIKA_T6))
		return ROLLOUT_EXEC_LAND;
	return ROLLOUT_EXEC_BUND;	/* Typ 1 with types we do not know */
}

const char *rollout_exec_name(enum rollout_exec e)
{
	static const char *const names[] = { "Bund", "Land", "Kreis", "Gemeinde" };
	return (unsigned)e < 4 ? names[e] : "";
}

bool rollout_leistung_relevant(unsigned leika_typ, bool count_federal)
{
	return count_federal || rollout_exec_level(leika_typ) != ROLLOUT_EXEC_BUND;
}

void rollout_free(struct rollout *r)
{
	if (!r)
		return;
	free(r->areas);
	free(r->services);
	free(r->themenfelder);
	free(r->dienste);
	free(r->lk_any);
	free(r->lk_every);
	free(r->lk_reliable);
	free(r);
}

/* Gemeinden grouped by a parent (Kreis or Verband): CSR offsets into `members`. */
struct groups {
	size_t *start;		/* n + 1 offsets */
	uint32_t *members;	/* Gemeinde indices */
};

static void groups_free(struct groups *g)
{
	free(g->start);
	free(g->members);
}

static int groups_build(struct groups *g, size_t n_parents, const uint32_t *parent_of, size_t nG)
{
	size_t *fill;

	g->start = calloc(n_parents + 1, sizeof *g->start);
	g->members = malloc((nG ? nG : 1) * sizeof *g->members);
	fill = calloc(n_parents + 1, sizeof *fill);
	if (!g->start || !g->members || !fill) {
		free(fill);
		return -1;
	}
	for (size_t i = 0; i < nG; i++)
		g->start[parent_of[i] + 1]++;
	for (size_t p = 0; p < n_parents; p++)
		g->start[p + 1] += g->start[p];
	for (size_t i = 0; i < nG; i++) {
		uint32_t p = parent_of[i];
		g->members[g->start[p] + fill[p]++] = (uint32_t)i;
	}
	free(fill);
	return 0;
}

static int8_t max8(int8_t a, int b)
{
	return b > a ? (int8_t)b : a;
}

/* Working state of one computation. */
struct work {
	const struct cfg *cfg;
	size_t nG, nL, nK, nV;
	uint32_t *g_kreis, *g_verband;	/* per Gemeinde: parent indices */
	struct groups by_kreis, by_verband;
	int8_t *lvl;			/* nG x nL: highest Reifegrad, -1 none */
	int8_t *rel;			/* the same over reliable Dienste only */
	float *wgt;			/* nG x nL: best availability weight of an online Angebot, 0 none */
	float *dienst_weight;		/* availability, 1 or 0 when not measured */
	int online_min;
	bool *dienst_reliable;
};

static void work_free(struct work *w)
{
	free(w->g_kreis);
	free(w->g_verband);
	groups_free(&w->by_kreis);
	groups_free(&w->by_verband);
	free(w->lvl);
	free(w->rel);
	free(w->wgt);
	free(w->dienst_weight);
	free(w->dienst_reliable);
}

/*
 * The Gemeinden an Angebot's area contains: returns their number and sets
 * *list to their indices (NULL: the first n Gemeinden, i.e. the whole Land).
 * An area of another Land contains none of ours.
 */
static size_t angebot_gemeinden(struct work *w, const struct cfg_angebot *a, const uint32_t **list,
				uint32_t *one)
{
	const struct registers *reg = &w->cfg->reg;

	*list = NULL;
	switch (a->level) {
	case AREA_LAND:
		return strcmp(a->area, reg->land_key) == 0 ? w->nG : 0;
	case AREA_KREIS: {
		const struct reg_kreis *k = reg_find_kreis(reg, a->area);
		if (!k)
			return 0;
		*list = w->by_kreis.members + w->by_kreis.start[k - reg->kreise];
		return w->by_kreis.start[k - reg->kreise + 1] - w->by_kreis.start[k - reg->kreise];
	}
	case AREA_VERBAND: {
		const struct reg_verband *v = reg_find_verband(reg, a->area);
		if (!v)
			return 0;
		*list = w->by_verband.members + w->by_verband.start[v - reg->verbaende];
		return w->by_verband.start[v - reg->verbaende + 1] -
		       w->by_verband.start[v - reg->verbaende];
	}
	case AREA_GEMEINDE: {
		const struct reg_gemeinde *g = reg_find_gemeinde(reg, a->area);
		if (!g)
			return 0;
		*one = (uint32_t)(g - reg->gemeinden);
		*list = one;
		return 1;
	}
	}
	return 0;
}

/* Raises the level of every Gemeinde the Angebot's area contains, for Leistung l. */
static void cover(struct work *w, const struct cfg_angebot *a, size_t l, bool reliable)
{
	const uint32_t *list;
	uint32_t one;
	size_t n = angebot_gemeinden(w, a, &list, &one);
	float weight = a->reifegrad >= w->online_min ? w->dienst_weight[a->dienst] : 0;

	for (size_t k = 0; k < n; k++) {
		size_t g = list ? list[k] : k;
		w->lvl[g * w->nL + l] = max8(w->lvl[g * w->nL + l], a->reifegrad);
		if (reliable)
			w->rel[g * w->nL + l] = max8(w->rel[g * w->nL + l], a->reifegrad);
		if (weight > w->wgt[g * w->nL + l])
			w->wgt[g * w->nL + l] = weight;
	}
}

static int cmp_angebot_by_dienst(const void *pa, const void *pb, void *ctx)
{
	const struct cfg_angebot *v = ctx;
	const struct cfg_angebot *a = &v[*(const uint32_t *)pa], *b = &v[*(const uint32_t *)pb];
	if (a->dienst != b->dienst)
		return a->dienst < b->dienst ? -1 : 1;
	return strcmp(a->area, b->area);
}

static int adoption(struct work *w, struct rollout *r)
{
	const struct cfg *cfg = w->cfg;
	uint32_t *order = malloc((cfg->n_angebote ? cfg->n_angebote : 1) * sizeof *order);
	uint32_t *stamp = calloc(w->nG ? w->nG : 1, sizeof *stamp);

	if (!order || !stamp) {
		free(order);
		free(stamp);
		return -1;
	}
	for (size_t i = 0; i < cfg->n_angebote; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, cfg->n_angebote, sizeof *order, cmp_angebot_by_dienst,
		(void *)(uintptr_t)cfg->angebote);
	for (size_t i = 0; i < cfg->n_angebote; i++) {
		const struct cfg_angebot *a = &cfg->angebote[order[i]];
		struct rollout_dienst *d = &r->dienste[a->dienst];
		const uint32_t *list;
		uint32_t one;
		size_t n = angebot_gemeinden(w, a, &list, &one);

		d->angebote++;
		if (i == 0 || cfg->angebote[order[i - 1]].dienst != a->dienst ||
		    strcmp(cfg->angebote[order[i - 1]].area, a->area) != 0)
			d->areas++;
		for (size_t k = 0; k < n; k++) {
			size_t g = list ? list[k] : k;
			/* stamp = dienst + 1 marks a Gemeinde counted for this Dienst */
			if (stamp[g] == (uint32_t)a->dienst + 1)
				continue;
			stamp[g] = (uint32_t)a->dienst + 1;
			d->gemeinden++;
			d->population += cfg->reg.gemeinden[g].population;
		}
	}
	free(order);
	free(stamp);
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int themenfelder(struct rollout *r, const struct registers *reg, const double *cov_land)
{
	int *ids = malloc((reg->n_leistungen ? reg->n_leistungen : 1) * sizeof *ids);
	size_t n = 0;

	if (!ids)
		return -1;
	for (size_t l = 0; l < reg->n_leistungen; l++)
		ids[n++] = reg->leistungen[l].themenfeld_id;
	qsort(ids, n, sizeof *ids, cmp_int);
	r->themenfelder = calloc(n ? n : 1, sizeof *r->themenfelder);
	if (!r->themenfelder) {
		free(ids);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && ids[i] == ids[i - 1])
			continue;
		r->themenfelder[r->n_themenfelder++].id = ids[i];
	}
	free(ids);
	for (size_t t = 0; t < r->n_themenfelder; t++) {
		struct rollout_themenfeld *tf = &r->themenfelder[t];
		double sum = 0;
		unsigned offered = 0;

		for (size_t l = 0; l < reg->n_leistungen; l++) {
			const struct rollout_service *s = &r->services[l];
			if (reg->leistungen[l].themenfeld_id != tf->id || !s->relevant)
				continue;
			tf->name = reg->leistungen[l].themenfeld;
			tf->catalog++;
			if (s->gemeinden_online > 0) {
				tf->online++;
				offered++;
				sum += cov_land[l];
			}
			if (s->gemeinden_online == r->areas[0].gemeinden && s->gemeinden_online > 0)
				tf->online_all++;
			if (s->max_reifegrad >= r->params.fulfilled_min)
				tf->fulfilled++;
		}
		tf->population_coverage = offered ? sum / offered : NAN;
	}
	return 0;
}

static void area_fill(struct rollout_area *a, enum area_level lvl, const char *key,
		      const char *name, long pop)
{
	a->level = lvl;
	a->key = key;
	a->name = name;
	a->population = pop;
}

/*
 * The per Land/Kreis figures of Leistung l (struct rollout, lk_*): one more
 * pass over the Gemeinden' levels, so the main loop stays as it is.
 */
static void lk_fill(const struct work *w, struct rollout *r, size_t l)
{
	for (size_t a = 0; a < r->n_lk; a++) {
		r->lk_any[a * w->nL + l] = -1;
		r->lk_every[a * w->nL + l] = INT8_MAX;
		r->lk_reliable[a * w->nL + l] = -1;
	}
	for (size_t g = 0; g < w->nG; g++) {
		int8_t lv = w->lvl[g * w->nL + l], rl = w->rel[g * w->nL + l];
		size_t ai[2] = { 0, 1 + w->g_kreis[g] };

		for (int i = 0; i < 2; i++) {
			size_t x = ai[i] * w->nL + l;
			r->lk_any[x] = max8(r->lk_any[x], lv);
			r->lk_reliable[x] = max8(r->lk_reliable[x], rl);
			if (lv < r->lk_every[x])
				r->lk_every[x] = lv;
		}
	}
	for (size_t a = 0; a < r->n_lk; a++)
		if (r->lk_every[a * w->nL + l] == INT8_MAX)	/* an area without Gemeinden */
			r->lk_every[a * w->nL + l] = -1;
}

struct rollout *rollout_compute(const struct cfg *cfg, const double *availability,
				const struct rollout_params *p)
{
	const struct registers *reg = &cfg->reg;
	struct work w = { .cfg = cfg };
	struct rollout *r = calloc(1, sizeof *r);
	size_t nA;
	unsigned *cnt_on = NULL, *cnt_ful = NULL, *cnt_rel = NULL;
	long *pop_on = NULL;
	double *pop_rel = NULL;
	int8_t *maxl = NULL;
	double *cov = NULL, *cov_rel = NULL, *cov_land = NULL;

	if (!r)
		return NULL;
	r->params = *p;
	w.nG = reg->n_gemeinden;
	w.nL = reg->n_leistungen;
	w.nK = reg->n_kreise;
	w.nV = reg->n_verbaende;
	nA = 1 + w.nK + w.nV + w.nG;
	r->n_areas = nA;
	r->n_services = w.nL;
	r->n_dienste = cfg->n_dienste;
	r->areas = calloc(nA, sizeof *r->areas);
	r->services = calloc(w.nL ? w.nL : 1, sizeof *r->services);
	r->dienste = calloc(cfg->n_dienste ? cfg->n_dienste : 1, sizeof *r->dienste);
	w.g_kreis = calloc(w.nG ? w.nG : 1, sizeof *w.g_kreis);
	w.g_verband = calloc(w.nG ? w.nG : 1, sizeof *w.g_verband);
	w.lvl = malloc(w.nG * w.nL + 1);
	w.rel = malloc(w.nG * w.nL + 1);
	w.wgt = calloc(w.nG * w.nL + 1, sizeof *w.wgt);
	w.dienst_weight = calloc(cfg->n_dienste + 1, sizeof *w.dienst_weight);
	w.online_min = p->online_min;
	w.dienst_reliable = calloc(cfg->n_dienste ? cfg->n_dienste : 1, sizeof *w.dienst_reliable);
	cnt_on = calloc(nA, sizeof *cnt_on);
	cnt_ful = calloc(nA, sizeof *cnt_ful);
	cnt_rel = calloc(nA, sizeof *cnt_rel);
	pop_on = calloc(nA, sizeof *pop_on);
	pop_rel = calloc(nA, sizeof *pop_rel);
	maxl = malloc(nA * sizeof *maxl);
	cov = calloc(nA, sizeof *cov);
	cov_rel = calloc(nA, sizeof *cov_rel);
	cov_land = calloc(w.nL ? w.nL : 1, sizeof *cov_land);
	r->n_lk = 1 + w.nK;
	r->lk_any = malloc(r->n_lk * w.nL + 1);
	r->lk_every = malloc(r->n_lk * w.nL + 1);
	r->lk_reliable = malloc(r->n_lk * w.nL + 1);
	if (!r->lk_any || !r->lk_every || !r->lk_reliable)
		goto fail;
	if (!r->areas || !r->services || !r->dienste || !w.g_kreis || !w.g_verband || !w.lvl ||
	    !w.rel || !w.wgt || !w.dienst_weight || !w.dienst_reliable || !cnt_on || !cnt_ful || !cnt_rel || !pop_on ||
	    !pop_rel || !maxl || !cov || !cov_rel || !cov_land)
		goto fail;

	/* Areas and the Gemeinde -> Kreis / Verband maps. */
	area_fill(&r->areas[0], AREA_LAND, reg->land_key, reg->land_name, 0);
	for (size_t k = 0; k < w.nK; k++)
		area_fill(&r->areas[1 + k], AREA_KREIS, reg->kreise[k].key, reg->kreise[k].name, 0);
	for (size_t v = 0; v < w.nV; v++)
		area_fill(&r->areas[1 + w.nK + v], AREA_VERBAND, reg->verbaende[v].key,
			  reg->verbaende[v].name, 0);
	for (size_t g = 0; g < w.nG; g++) {
		const struct reg_gemeinde *gm = &reg->gemeinden[g];
		const struct reg_kreis *k = reg_find_kreis(reg, gm->kreis);
		const struct reg_verband *v = reg_find_verband(reg, gm->verband);
		size_t ai[4];

		if (!k || !v)
			goto fail;	/* the loader guarantees both; never taken */
		w.g_kreis[g] = (uint32_t)(k - reg->kreise);
		w.g_verband[g] = (uint32_t)(v - reg->verbaende);
		area_fill(&r->areas[1 + w.nK + w.nV + g], AREA_GEMEINDE, gm->ags, gm->name, 0);
		ai[0] = 0;
		ai[1] = 1 + w.g_kreis[g];
		ai[2] = 1 + w.nK + w.g_verband[g];
		ai[3] = 1 + w.nK + w.nV + g;
		for (int i = 0; i < 4; i++) {
			r->areas[ai[i]].population += gm->population;
			r->areas[ai[i]].gemeinden++;
		}
	}
	if (groups_build(&w.by_kreis, w.nK, w.g_kreis, w.nG) != 0 ||
	    groups_build(&w.by_verband, w.nV, w.g_verband, w.nG) != 0)
		goto fail;

	/* Which Dienste count as reliable. */
	for (size_t d = 0; d < cfg->n_dienste; d++) {
		double a = availability ? availability[d] : NAN;
		w.dienst_reliable[d] = isnan(a) ? p->unknown_is_reliable : a >= p->reliable_min;
		w.dienst_weight[d] = isnan(a) ? (p->unknown_is_reliable ? 1.0f : 0.0f) : (float)a;
		r->dienste[d].reliable = w.dienst_reliable[d];
	}

	/* Every Gemeinde's highest Reifegrad per Leistung. */
	memset(w.lvl, -1, w.nG * w.nL);
	memset(w.rel, -1, w.nG * w.nL);
	for (size_t i = 0; i < cfg->n_angebote; i++) {
		const struct cfg_angebot *a = &cfg->angebote[i];
		const struct reg_leistung *le = reg_find_leistung(reg, a->ozg_id);
		if (!le)
			continue;
		cover(&w, a, (size_t)(le - reg->leistungen), w.dienst_reliable[a->dienst]);
	}

	/* Per Leistung: count per area in one pass over the Gemeinden. */
	for (size_t l = 0; l < w.nL; l++) {
		struct rollout_service *s = &r->services[l];

		memset(cnt_on, 0, nA * sizeof *cnt_on);
		memset(cnt_ful, 0, nA * sizeof *cnt_ful);
		memset(cnt_rel, 0, nA * sizeof *cnt_rel);
		memset(pop_on, 0, nA * sizeof *pop_on);
		memset(pop_rel, 0, nA * sizeof *pop_rel);
		memset(maxl, -1, nA * sizeof *maxl);
		for (size_t g = 0; g < w.nG; g++) {
			int lv = w.lvl[g * w.nL + l], rl = w.rel[g * w.nL + l];
			long pop = reg->gemeinden[g].population;
			size_t ai[4] = { 0, 1 + w.g_kreis[g], 1 + w.nK + w.g_verband[g],
					 1 + w.nK + w.nV + g };

			if (lv < 0)
				continue;
			for (int i = 0; i < 4; i++) {
				size_t a = ai[i];
				maxl[a] = max8(maxl[a], lv);
				if (lv >= p->online_min) {
					cnt_on[a]++;
					pop_on[a] += pop;
				}
				if (lv >= p->fulfilled_min)
					cnt_ful[a]++;
				if (rl >= p->online_min)
					cnt_rel[a]++;
				if (p->weighting == ROLLOUT_WEIGHT_AVAILABILITY)
					pop_rel[a] += (double)pop * w.wgt[g * w.nL + l];
				else if (rl >= p->online_min)
					pop_rel[a] += (double)pop;
			}
		}
		lk_fill(&w, r, l);
		s->leistung = &reg->leistungen[l];
		s->exec = rollout_exec_level(reg->leistungen[l].leika_typ);
		s->relevant = rollout_leistung_relevant(reg->leistungen[l].leika_typ,
							cfg->global.rollout.count_federal);
		s->max_reifegrad = maxl[0];
		s->gemeinden_online = cnt_on[0];
		s->population_online = pop_on[0];
		s->population_reliable = lround(pop_rel[0]);
		s->population_coverage = r->areas[0].population > 0
			? (double)pop_on[0] / (double)r->areas[0].population : 0;
		cov_land[l] = s->population_coverage;
		for (size_t k = 0; k < w.nK; k++)
			if (cnt_on[1 + k] > 0 && cnt_on[1 + k] == r->areas[1 + k].gemeinden)
				s->kreise_all++;
		switch (s->exec) {
		case ROLLOUT_EXEC_KREIS:
			s->units = (unsigned)w.nK;
			s->units_all = s->kreise_all;
			break;
		case ROLLOUT_EXEC_GEMEINDE:
			s->units = (unsigned)w.nG;
			s->units_all = cnt_on[0];
			break;
		default:
			s->units = 1;
			s->units_all = w.nG > 0 && cnt_on[0] == w.nG;
			break;
		}
		if (!s->relevant) {
			/* not the Land's to put online: in no area's count, nor in the shard facts */
			for (size_t a = 0; a < r->n_lk; a++)
				r->lk_any[a * w.nL + l] = r->lk_every[a * w.nL + l] =
					r->lk_reliable[a * w.nL + l] = -1;
			continue;
		}
		r->relevant++;
		if (cnt_on[0] > 0)
			r->offered++;
		for (size_t a = 0; a < nA; a++) {
			struct rollout_area *ar = &r->areas[a];
			if (maxl[a] >= 0)
				ar->by_reifegrad[maxl[a] < ROLLOUT_LEVELS ? maxl[a] : ROLLOUT_LEVELS - 1]++;
			if (cnt_on[a] > 0)
				ar->online++;
			if (cnt_on[a] > 0 && cnt_on[a] == ar->gemeinden)
				ar->online_all++;
			if (cnt_ful[a] > 0)
				ar->fulfilled++;
			if (cnt_ful[a] > 0 && cnt_ful[a] == ar->gemeinden)
				ar->fulfilled_all++;
			if (cnt_rel[a] > 0)
				ar->reliable++;
			if (cnt_rel[a] > 0 && cnt_rel[a] == ar->gemeinden)
				ar->reliable_all++;
			if (cnt_on[0] > 0 && ar->population > 0) {
				cov[a] += (double)pop_on[a] / (double)ar->population;
				cov_rel[a] += pop_rel[a] / (double)ar->population;
			}
		}
	}
	for (size_t a = 0; a < nA; a++) {
		r->areas[a].population_coverage = r->offered ? cov[a] / r->offered : NAN;
		r->areas[a].population_coverage_reliable = r->offered ? cov_rel[a] / r->offered : NAN;
	}
	if (themenfelder(r, reg, cov_land) != 0 || adoption(&w, r) != 0)
		goto fail;

	free(cnt_on); free(cnt_ful); free(cnt_rel); free(pop_on); free(pop_rel);
	free(maxl); free(cov); free(cov_rel); free(cov_land);
	work_free(&w);
	return r;
fail:
	free(cnt_on); free(cnt_ful); free(cnt_rel); free(pop_on); free(pop_rel);
	free(maxl); free(cov); free(cov_rel); free(cov_land);
	work_free(&w);
	rollout_free(r);
	return NULL;
}

const struct rollout_area *rollout_find_area(const struct rollout *r, const char *key)
{
	/* Linear: the API asks for one area at a time; areas are few thousand. */
	for (size_t a = 0; a < r->n_areas; a++)
		if (r->areas[a].key && strcmp(r->areas[a].key, key) == 0)
			return &r->areas[a];
	return NULL;
}

bool rollout_area_contains(const struct registers *reg, enum area_level outer,
			   const char *outer_key, enum area_level inner, const char *inner_key)
{
	const struct reg_gemeinde *g = NULL;
	const char *verband = "";
	char kreis[6] = "";

	if (outer == AREA_LAND)
		return strcmp(outer_key, reg->land_key) == 0 &&
		       (inner != AREA_LAND || strcmp(inner_key, outer_key) == 0);
	if (inner < outer)
		return false;	/* a larger area never lies in a smaller one */
	switch (inner) {
	case AREA_LAND:
		return false;
	case AREA_KREIS:
		snprintf(kreis, sizeof kreis, "%s", inner_key);
		break;
	case AREA_VERBAND:
		snprintf(kreis, sizeof kreis, "%.5s", inner_key);
		verband = inner_key;
		break;
	case AREA_GEMEINDE:
		g = reg_find_gemeinde(reg, inner_key);
		if (!g)
			return false;
		snprintf(kreis, sizeof kreis, "%s", g->kreis);
		verband = g->verband;
		break;
	}
	switch (outer) {
	case AREA_KREIS:
		return strcmp(outer_key, kreis) == 0;
	case AREA_VERBAND:
		return strcmp(outer_key, verband) == 0;
	case AREA_GEMEINDE:
		return reg_find_gemeinde(reg, outer_key) == g;
	default:
		return false;
	}
}
