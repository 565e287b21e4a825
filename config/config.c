/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * config.c - the configuration loader: the document, the registers it names,
 * the Angebote and their cross-checks against the registers, the resulting
 * struct cfg and its lookups.  See config.h; the sections are read by the
 * files listed in load.h.
 *
 * The file is hostile input.  It is read whole with a size cap, parsed with
 * libyaml's event API into a small tree of our own (so that every node keeps
 * its position, anchors/aliases/tags are refused before anything could be
 * expanded, and nesting depth and node count are bounded), then walked once
 * against the schema.  Every problem becomes one entry in struct cfg_errors;
 * the walk goes on after an error, so a single run reports all of them.
 */
#include "common/clock.h"
#include "config/config.h"
#include "config/csv.h"
#include "config/load.h"
#include "config/registers.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

size_t cfg_max_file = CFG_MAX_SIZE_DEFAULT;
unsigned cfg_max_nodes = CFG_MAX_NODES;

void cfg_set_limits(size_t max_file, unsigned max_nodes)
{
	cfg_max_file = max_file ? max_file : CFG_MAX_SIZE_DEFAULT;
	cfg_max_nodes = max_nodes ? max_nodes : CFG_MAX_NODES;
}

/* Paths of the register files, resolved against the config file's folder. */
struct reg_paths {
	char *path[REG_NFILES];		/* owned; NULL when absent or bad */
	const struct ynode *node[REG_NFILES];
};

char *resolve_path(const char *cfgpath, const char *p)
{
	const char *slash = strrchr(cfgpath, '/');
	size_t dl, pl;
	char *out;

	if (p[0] == '/' || !slash)
		return cfg_strdup(p);
	dl = (size_t)(slash - cfgpath) + 1;
	pl = strlen(p);
	out = malloc(dl + pl + 1);
	if (!out)
		return NULL;
	memcpy(out, cfgpath, dl);
	memcpy(out + dl, p, pl + 1);
	return out;
}

static void load_registers(struct ld *L, const struct ynode *m, struct reg_paths *rp)
{
	enum { K_LAND, K_KREISE, K_VERBAENDE, K_GEMEINDEN, K_LEISTUNGEN, K_LEIKA, K_GEO, K_N };
	static const struct keydef kd[K_N] = {
		{ "land", true }, { "kreise", true }, { "verbaende", true },
		{ "gemeinden", true }, { "leistungen", true }, { "leika", false },
		{ "geo", false },
	};
	static const struct keydef land_kd[2] = { { "key", true }, { "name", true } };
	static const int file_of[K_N] = { -1, REG_KREISE, REG_VERBAENDE, REG_GEMEINDEN,
					  REG_LEISTUNGEN, REG_LEIKA, -1 };
	struct registers *r = &L->c->reg;
	const struct ynode *v[K_N], *lv[2];
	const char *s;
	char q[64];

	map_fields(L, m, "registers", kd, K_N, v);
	if (v[K_LAND] && want_map(L, v[K_LAND], "land")) {
		map_fields(L, v[K_LAND], "registers.land", land_kd, 2, lv);
		if (lv[0] && (s = want_str(L, lv[0], "key"))) {
			if (!reg_is_digits(s, 2))
				err_at(L, lv[0], "key: '%s' must be a 2-digit Land key (e.g. \"16\")",
				       cfg_quote(s, q, sizeof q));
			else
				memcpy(r->land_key, s, 3);
		}
		if (lv[1] && (s = want_name(L, lv[1], "name")))
			set_str(L, &r->land_name, s);
	}
	/* The map geometry is read by the dashboards (dashboards/map.h), not here. */
	if (v[K_GEO] && (s = want_text(L, v[K_GEO], "geo")) && !(r->geo = resolve_path(L->file, s)))
		L->oom = true;
	for (int k = K_KREISE; k < K_GEO; k++) {
		int f = file_of[k];
		if (!v[k] || !(s = want_text(L, v[k], kd[k].name)))
			continue;
		rp->node[f] = v[k];
		rp->path[f] = resolve_path(L->file, s);
		if (!rp->path[f])
			L->oom = true;
	}
}

struct angebot_src {
	const struct ynode *item, *area, *ozg_id, *dienst;	/* NULL when bad */
	size_t idx;
};

static void load_angebot(struct ld *L, const struct ynode *m, struct cfg_angebot *a,
			 struct angebot_src *src)
{
	enum { K_AREA, K_OZG, K_DIENST, K_REIFEGRAD, K_N };
	static const struct keydef kd[K_N] = {
		{ "area", true }, { "ozg_id", true }, { "dienst", true }, { "reifegrad", true },
	};
	const struct ynode *v[K_N];
	const char *s;
	char q[64];
	long n;

	a->mark.file = m->file;
	a->mark.line = m->line;
	a->mark.col = m->col;
	src->item = m;
	if (!want_map(L, m, "angebote entry"))
		return;
	map_fields(L, m, "angebot", kd, K_N, v);
	if (v[K_AREA] && (s = want_str(L, v[K_AREA], "area"))) {
		size_t len = strlen(s);
		bool digits = len <= 12 && reg_is_digits(s, len);
		if (!digits || (len != 2 && len != 5 && len != 8 && len != 9 && len != 12)) {
			err_at(L, v[K_AREA], "area: '%s' must be an area key of 2 (Land), 5 (Kreis), "
			       "9 (Gemeindeverband), 8 (Gemeinde AGS) or 12 (Gemeinde ARS) digits",
			       cfg_quote(s, q, sizeof q));
		} else {
			memcpy(a->area, s, len + 1);
			a->level = len == 2 ? AREA_LAND : len == 5 ? AREA_KREIS
					: len == 9 ? AREA_VERBAND : AREA_GEMEINDE;
			src->area = v[K_AREA];
		}
	}
	if (v[K_OZG] && (s = want_str(L, v[K_OZG], "ozg_id"))) {
		if (!reg_is_digits(s, 5)) {
			err_at(L, v[K_OZG], "ozg_id: '%s' must be 5 digits",
			       cfg_quote(s, q, sizeof q));
		} else {
			memcpy(a->ozg_id, s, 6);
			src->ozg_id = v[K_OZG];
		}
	}
	if (v[K_DIENST] && want_str(L, v[K_DIENST], "dienst"))
		src->dienst = v[K_DIENST];
	if (v[K_REIFEGRAD] &&
	    want_int(L, v[K_REIFEGRAD], "reifegrad", 0, L->c->global.reifegrad_max, &n))
		a->reifegrad = (int)n;
}

static int asrc_cmp(const void *a, const void *b)
{
	const struct angebot_src *x = a, *y = b;
	int r = strcmp(x->area->s, y->area->s);
	if (r == 0)
		r = strcmp(x->ozg_id->s, y->ozg_id->s);
	if (r == 0)
		r = strcmp(x->dienst->s, y->dienst->s);
	if (r == 0)
		r = (x->idx > y->idx) - (x->idx < y->idx);
	return r;
}

static void check_area(struct ld *L, const struct angebot_src *s, const struct cfg_angebot *a,
		       const bool ok[REG_NFILES])
{
	const struct registers *r = &L->c->reg;
	size_t len = strlen(a->area);

	switch (a->level) {
	case AREA_LAND:
		if (r->land_key[0] && strcmp(a->area, r->land_key) != 0)
			err_at(L, s->area, "area: '%s' is not the Land of registers.land ('%s')",
			       a->area, r->land_key);
		return;
	case AREA_KREIS:
		if (ok[REG_KREISE] && !reg_find_kreis(r, a->area))
			err_at(L, s->area, "area: '%s' is not a Kreis in the registers", a->area);
		return;
	case AREA_VERBAND:
		if (ok[REG_VERBAENDE] && !reg_find_verband(r, a->area))
			err_at(L, s->area, "area: '%s' is not a Gemeindeverband in the registers",
			       a->area);
		return;
	case AREA_GEMEINDE:
		if (ok[REG_GEMEINDEN] && !reg_find_gemeinde(r, a->area))
			err_at(L, s->area, "area: '%s' is not a Gemeinde (%s) in the registers",
			       a->area, len == 8 ? "AGS" : "ARS");
		return;
	}
}

/* Syntax pass over the angebote of every file; fills c->angebote and *srcp (owned by the caller). */
static void load_angebote(struct ld *L, const struct ynode *const *item, size_t n,
			  struct angebot_src **srcp)
{
	struct cfg *c = L->c;

	*srcp = NULL;
	if (n == 0)
		return;
	c->angebote = calloc(n, sizeof *c->angebote);
	*srcp = calloc(n, sizeof **srcp);
	if (!c->angebote || !*srcp) {
		L->oom = true;
		return;
	}
	c->n_angebote = n;
	for (size_t i = 0; i < n && !L->oom; i++) {
		(*srcp)[i].idx = i;
		load_angebot(L, item[i], &c->angebote[i], &(*srcp)[i]);
	}
}

/* Cross-checks of every Angebot against registers and onlinedienste; duplicates. */
static void check_angebote(struct ld *L, struct angebot_src *src, const bool ok[REG_NFILES])
{
	struct cfg *c = L->c;
	size_t nfull = 0;
	char q[64];

	for (size_t i = 0; i < c->n_angebote; i++) {
		struct angebot_src *s = &src[i];
		struct cfg_angebot *a = &c->angebote[i];
		if (s->area)
			check_area(L, s, a, ok);
		if (s->ozg_id && ok[REG_LEISTUNGEN] && !reg_find_leistung(&c->reg, a->ozg_id))
			err_at(L, s->ozg_id, "ozg_id: '%s' is not in the OZG-Leistungen catalog",
			       a->ozg_id);
		if (s->dienst) {
			const struct cfg_dienst *d = cfg_find_dienst(c, s->dienst->s);
			if (!d)
				err_at(L, s->dienst, "dienst: '%s' is not defined in onlinedienste",
				       cfg_quote(s->dienst->s, q, sizeof q));
			else
				a->dienst = (size_t)(d - c->dienste);
		}
	}
	/* Duplicates among the entries whose three keys are all well-formed. */
	for (size_t i = 0; i < c->n_angebote; i++)
		if (src[i].area && src[i].ozg_id && src[i].dienst)
			src[nfull++] = src[i];
	qsort(src, nfull, sizeof *src, asrc_cmp);
	for (size_t i = 1, first = 0; i < nfull; i++) {
		const struct angebot_src *x = &src[i], *f = &src[first];
		if (strcmp(x->area->s, f->area->s) != 0 || strcmp(x->ozg_id->s, f->ozg_id->s) != 0 ||
		    strcmp(x->dienst->s, f->dienst->s) != 0) {
			first = i;
			continue;
		}
		if (x->item->file == f->item->file)
			err_at(L, x->item, "duplicate angebot: area %s, ozg_id %s, dienst '%s' "
			       "(first at line %u)", x->area->s, x->ozg_id->s,
			       cfg_quote(x->dienst->s, q, sizeof q), f->item->line);
		else
			err_at(L, x->item, "duplicate angebot: area %s, ozg_id %s, dienst '%s' "
			       "(first at %s:%u:%u)", x->area->s, x->ozg_id->s,
			       cfg_quote(x->dienst->s, q, sizeof q), f->item->file, f->item->line,
			       f->item->col);
	}
}

/* ---- load --------------------------------------------------------------------- */

static struct cfg *cfg_new(const char *path)
{
	struct cfg *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->path = cfg_strdup(path);
	c->global.listen = cfg_strdup("127.0.0.1:9717");
	c->global.data_dir = cfg_strdup("/var/lib/ozgmon");
	c->global.language = cfg_strdup("de");
	c->global.log_level = cfg_strdup("info");
	c->global.timezone = cfg_strdup(CLOCK_ZONE_DEFAULT);
	c->global.interval_ms = 60000;
	c->global.timeout_ms = 10000;
	c->global.max_concurrency = 512;
	c->global.max_per_host = 4;
	c->global.reifegrad_max = 4;
	c->global.body_limit = CFG_BODY_LIMIT_DEFAULT;
	c->global.config_max_size = cfg_max_file;
	c->global.rollout.online_min = 2;
	c->global.rollout.fulfilled_min = 3;
	c->global.rollout.reliable_pct = 95;
	c->global.dashboards_every_ms = 60000;
	if (!c->path || !c->global.listen || !c->global.data_dir || !c->global.language ||
	    !c->global.log_level) {
		cfg_free(c);
		return NULL;
	}
	return c;
}

/* Loads the Onlinedienste of every file as one list. */
static void load_all_dienste(struct ld *L, const struct ynode *at)
{
	struct ld_src *S = L->src;
	struct ynode seq;

	src_dedupe_dienste(L);
	if (L->oom || S->n_dienste == 0)
		return;
	/* A list borrowing the entries of every file, in file order. */
	memset(&seq, 0, sizeof seq);
	seq.kind = Y_SEQ;
	seq.file = L->file;
	seq.line = at ? at->line : 1;
	seq.col = at ? at->col : 1;
	/* Borrowed, never written through: kid has no const only for the owned case. */
	memcpy(&seq.kid, &S->dienste, sizeof seq.kid);
	seq.n = seq.cap = S->n_dienste;
	load_dienste(L, &seq);
	src_fix_marks(L);
}

/* Walks the document and the files it includes; loads the registers it names. */
static void load_document(struct ld *L, const struct ynode *root)
{
	enum { K_GLOBAL, K_REGISTERS, K_DIENSTE, K_ANGEBOTE, K_INCLUDE, K_DCSV, K_ACSV,
	       K_PROFILES, K_N };
	static const struct keydef kd[K_N] = {
		{ "global", false }, { "registers", true }, { "onlinedienste", false },
		{ "angebote", false }, { "include", false }, { "onlinedienste_csv", false },
		{ "angebote_csv", false }, { "probe_profiles", false },
	};
	const struct ynode *v[K_N];
	struct reg_paths rp;
	struct reg_source rs[REG_NFILES];
	struct angebot_src *asrc = NULL;
	struct ld_src S;
	bool ok[REG_NFILES] = { false, false, false, false };
	char d[96];

	memset(&rp, 0, sizeof rp);
	if (root->kind != Y_MAP) {
		err_at(L, root, "expected a mapping at the top level, found %s",
		       describe(root, d, sizeof d));
		return;
	}
	map_fields(L, root, "the configuration", kd, K_N, v);
	/* Order matters: dienste and angebote use global values. */
	if (v[K_GLOBAL] && !is_null(v[K_GLOBAL]) && want_map(L, v[K_GLOBAL], "global"))
		load_global(L, v[K_GLOBAL]);
	if (v[K_REGISTERS] && want_map(L, v[K_REGISTERS], "registers"))
		load_registers(L, v[K_REGISTERS], &rp);
	if (v[K_PROFILES] && !is_null(v[K_PROFILES]) && want_map(L, v[K_PROFILES], "probe_profiles"))
		src_begin(L, &S, v[K_PROFILES]);
	else
		src_begin(L, &S, NULL);
	if (!L->oom)
		src_collect(L, v[K_DIENSTE], v[K_ANGEBOTE], v[K_INCLUDE], v[K_DCSV], v[K_ACSV]);
	if (!L->oom)
		load_all_dienste(L, v[K_DIENSTE]);
	if (!L->oom)
		load_host_maint(L, L->global_maint);
	if (!L->oom)
		load_angebote(L, S.angebote, S.n_angebote, &asrc);
	if (!L->oom) {
		for (int i = 0; i < REG_NFILES; i++) {
			rs[i].path = rp.path[i];
			rs[i].line = rp.node[i] ? rp.node[i]->line : 0;
			rs[i].col = rp.node[i] ? rp.node[i]->col : 0;
			rs[i].cfg_file = L->file;
		}
		if (reg_load(&L->c->reg, rs, ok, L->e) != 0)
			L->oom = true;
	}
	if (asrc && !L->oom)
		check_angebote(L, asrc, ok);
	free(asrc);
	src_free(&S);
	L->src = NULL;
	for (int i = 0; i < REG_NFILES; i++)
		free(rp.path[i]);
}

struct cfg *cfg_load(const char *path, struct cfg_errors *errs)
{
	struct ld L;
	struct ynode *root;
	size_t n0, len, skip = 0;
	char *buf, why[128];
	bool bad = false;

	if (!errs)
		return NULL;	/* the contract requires a list to report into */
	memset(&L, 0, sizeof L);
	L.e = errs;
	L.file = path;
	n0 = errs->n;
	L.c = cfg_new(path);
	if (!L.c) {
		cfg_errf(errs, path, 0, 0, "out of memory");
		return NULL;
	}
	L.file = L.c->path;
	if (csv_read_file(path, cfg_max_file, &buf, &len, why, sizeof why) != 0) {
		err_pos(&L, 0, 0, "cannot read the configuration: %s", why);
		cfg_free(L.c);
		return NULL;
	}
	/* A UTF-8 byte order mark is tolerated and not part of the document. */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		skip = 3;
	root = yaml_tree(&L, buf + skip, len - skip, &bad);
	if (!bad && !root)
		err_pos(&L, 0, 0, "the configuration is empty");
	if (root)
		load_document(&L, root);
	ynode_free(root);
	free(buf);
	if (!L.oom && errs->n == n0)
		apply_shard(&L);
	if (L.oom)
		cfg_errf(errs, L.c->path, 0, 0, "out of memory");
	cfg_sort_errors(errs, n0, L.c->path);
	if (L.oom || errs->n != n0) {
		cfg_free(L.c);
		return NULL;
	}
	return L.c;
}

void cfg_free(struct cfg *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->global.listen);
	free(c->global.data_dir);
	free(c->global.language);
	free(c->global.log_level);
	free(c->global.rrdcached);
	free(c->global.dashboards_dir);
	free(c->global.user);
	free(c->global.group);
	free(c->global.timezone);
	for (size_t i = 0; i < c->global.n_connect_to; i++)
		free(c->global.connect_to[i]);
	free(c->global.connect_to);
	for (size_t i = 0; i < c->global.n_resolve; i++)
		free(c->global.resolve[i]);
	free(c->global.resolve);
	reg_free(&c->reg);
	for (size_t i = 0; i < c->n_dienste; i++) {
		struct cfg_dienst *d = &c->dienste[i];
		free(d->id);
		free(d->name);
		free(d->url);
		free(d->provider);
		free(d->probe.expect_status);
		free(d->probe.body_contains);
		free_probe_depth(&d->probe);
		free_usage(d->usage);
		free(d->maint);
	}
	free(c->dienste);
	free(c->angebote);
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
}

/* ---- lookups and summary ------------------------------------------------------ */

static int key_vs_dienst(const void *key, const void *el)
{
	const struct cfg_dienst *d = el;
	return strcmp(key, d->id ? d->id : "");
}

const struct cfg_dienst *cfg_find_dienst(const struct cfg *c, const char *id)
{
	if (!c || !id || c->n_dienste == 0)
		return NULL;
	return bsearch(id, c->dienste, c->n_dienste, sizeof *c->dienste, key_vs_dienst);
}

const char *cfg_angebot_area_name(const struct cfg *c, const struct cfg_angebot *a)
{
	const struct reg_kreis *k;
	const struct reg_verband *v;
	const struct reg_gemeinde *gm;

	switch (a->level) {
	case AREA_LAND: return c->reg.land_name;
	case AREA_KREIS: return (k = reg_find_kreis(&c->reg, a->area)) ? k->name : a->area;
	case AREA_VERBAND: return (v = reg_find_verband(&c->reg, a->area)) ? v->name : a->area;
	case AREA_GEMEINDE: return (gm = reg_find_gemeinde(&c->reg, a->area)) ? gm->name : a->area;
	}
	return a->area;
}

void cfg_summary(const struct cfg *c, char *out, size_t outsz)
{
	long long pop = 0;
	const struct registers *r;
	size_t nl;

	if (!out || outsz == 0)
		return;
	if (!c) {
		snprintf(out, outsz, "no configuration");
		return;
	}
	r = &c->reg;
	nl = r->land_key[0] ? 1 : 0;
	for (size_t i = 0; i < r->n_gemeinden; i++)
		pop += r->gemeinden[i].population;
	snprintf(out, outsz,
		 "%zu %s, %zu %s, %zu %s, %zu %s (%lld inhabitants); %zu %s; "
		 "%zu %s (probe targets); %zu %s",
		 nl, nl == 1 ? "Land" : "Länder",
		 r->n_kreise, r->n_kreise == 1 ? "Kreis" : "Kreise",
		 r->n_verbaende, r->n_verbaende == 1 ? "Gemeindeverband" : "Gemeindeverbände",
		 r->n_gemeinden, r->n_gemeinden == 1 ? "Gemeinde" : "Gemeinden", pop,
		 r->n_leistungen, r->n_leistungen == 1 ? "OZG-Leistung" : "OZG-Leistungen",
		 c->n_dienste, c->n_dienste == 1 ? "Onlinedienst" : "Onlinedienste",
		 c->n_angebote, c->n_angebote == 1 ? "Angebot" : "Angebote");
	if (c->global.shard_count) {
		size_t len = strlen(out);
		snprintf(out + len, outsz - len, "; shard %u/%u (of %zu Onlinedienste, %zu Angebote)",
			 c->global.shard_index, c->global.shard_count, c->n_dienste_file,
			 c->n_angebote_file);
	}
}

