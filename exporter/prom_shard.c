/* SPDX-License-Identifier: EUPL-1.2 */
/* prom_shard.c - see prom_shard.h. */
#include "exporter/prom_shard.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "exporter/prom_format.h"
#include "exporter/prom_rollout.h"

/* Which shard, and how many targets it owns out of the file's. */
static void shard_self(const struct prom_out *o, const struct cfg *cfg)
{
	unsigned i = cfg->global.shard_count ? cfg->global.shard_index : 1;
	unsigned n = cfg->global.shard_count ? cfg->global.shard_count : 1;

	prom_family(o, "ozgmon_shard_info", "info",
		    "The shard this instance probes (global.shard; 1 of 1 when not sharded).");
	buf_printf(o->b, "ozgmon_shard_info{shard=\"%u\",shards=\"%u\"} 1\n", i, n);
	prom_family(o, "ozgmon_shard_targets", "gauge", "Onlinedienste this shard owns and probes.");
	buf_printf(o->b, "ozgmon_shard_targets %zu\n", cfg->n_dienste);
	prom_family(o, "ozgmon_config_targets", "gauge",
		    "Onlinedienste in the configuration file, on every shard together.");
	buf_printf(o->b, "ozgmon_config_targets %zu\n",
		   cfg->n_dienste_file > cfg->n_dienste ? cfg->n_dienste_file : cfg->n_dienste);
}

/*
 * The Land and Kreis keys an Angebot's area lies in or covers: a Land-wide
 * Angebot covers every Kreis (marks all), others lie in the Kreis of their
 * first five digits.
 */
static void mark_kreise(const struct cfg *cfg, const struct cfg_angebot *a, unsigned char *kreis)
{
	const struct reg_kreis *k;
	char key[6];

	if (a->level == AREA_LAND) {
		if (strcmp(a->area, cfg->reg.land_key) == 0)
			memset(kreis, 1, cfg->reg.n_kreise);
		return;
	}
	memcpy(key, a->area, 5);
	key[5] = '\0';
	k = reg_find_kreis(&cfg->reg, key);
	if (k)
		kreis[k - cfg->reg.kreise] = 1;
}

/* ozg_dienst_area_info: one series per Onlinedienst and Land or Kreis it serves. */
static void dienst_area(const struct prom_out *o, const struct cfg *cfg)
{
	unsigned char *kreis = malloc(cfg->reg.n_kreise + 1);
	size_t *first = calloc(cfg->n_dienste + 1, sizeof *first), *next;

	prom_family(o, "ozg_dienst_area_info", "info",
		    "The Onlinedienst serves the area (an Angebot covers part of it); Land and Kreise; always 1.");
	next = malloc((cfg->n_angebote + 1) * sizeof *next);
	if (!kreis || !first || !next)
		goto out;
	/* Angebote chained per Dienst (index + 1; 0 ends a chain), in file order reversed. */
	for (size_t a = 0; a < cfg->n_angebote; a++) {
		next[a] = first[cfg->angebote[a].dienst];
		first[cfg->angebote[a].dienst] = a + 1;
	}
	for (size_t d = 0; d < cfg->n_dienste; d++) {
		bool any = false;

		memset(kreis, 0, cfg->reg.n_kreise + 1);
		for (size_t a = first[d]; a; a = next[a - 1]) {
			const struct cfg_angebot *an = &cfg->angebote[a - 1];
			if (strncmp(an->area, cfg->reg.land_key, 2) != 0)
				continue;	/* another Land's area covers none of ours */
			any = true;
			mark_kreise(cfg, an, kreis);
		}
		if (!any)
			continue;
		buf_printf(o->b, "ozg_dienst_area_info{dienst=\"%s\",area=\"%s\",level=\"land\"} 1\n",
			   cfg->dienste[d].id, cfg->reg.land_key);
		for (size_t k = 0; k < cfg->reg.n_kreise; k++)
			if (kreis[k])
				buf_printf(o->b, "ozg_dienst_area_info{dienst=\"%s\",area=\"%s\",level=\"kreis\"} 1\n",
					   cfg->dienste[d].id, cfg->reg.kreise[k].key);
	}
out:
	free(kreis);
	free(first);
	free(next);
}

/* The per Land/Kreis and Leistung facts of struct rollout (lk_*), where there are any. */
static void area_leistung(const struct prom_out *o, const struct rollout_ref *ref)
{
	static const char *const scope[3] = { "any", "every", "reliable" };
	const struct rollout *r = ref->r;
	const struct cfg *cfg = ref->cfg;

	prom_family(o, "ozg_rollout_threshold_reifegrad", "gauge",
		    "Reifegrad from which a Leistung counts as online or OZG-fulfilled (global.rollout).");
	buf_printf(o->b, "ozg_rollout_threshold_reifegrad{kind=\"online\"} %d\n", r->params.online_min);
	buf_printf(o->b, "ozg_rollout_threshold_reifegrad{kind=\"fulfilled\"} %d\n", r->params.fulfilled_min);
	prom_family(o, "ozg_rollout_catalog_leistungen", "gauge",
		    "Relevant OZG-Leistungen of the catalogue (not carried out by the Bund alone).");
	buf_printf(o->b, "ozg_rollout_catalog_leistungen %u\n", r->relevant);
	prom_family(o, "ozg_rollout_area_leistung_reifegrad", "gauge",
		    "Highest Reifegrad at which this instance's Angebote cover the Leistung in the area: "
		    "in at least one Gemeinde (scope any), in every Gemeinde (every), in at least one "
		    "through reliable Onlinedienste (reliable). Land and Kreise; absent when none.");
	if (!r->lk_any)
		return;
	for (size_t a = 0; a < r->n_lk && a < r->n_areas; a++) {
		const struct rollout_area *ar = &r->areas[a];
		for (size_t l = 0; l < r->n_services; l++) {
			int8_t v[3] = { r->lk_any[a * r->n_services + l], r->lk_every[a * r->n_services + l],
					r->lk_reliable[a * r->n_services + l] };
			for (int k = 0; k < 3; k++)
				if (v[k] >= 0)
					buf_printf(o->b, "ozg_rollout_area_leistung_reifegrad{area=\"%s\",level=\"%s\","
						   "ozg_id=\"%s\",scope=\"%s\"} %d\n", ar->key,
						   area_level_name(ar->level), cfg->reg.leistungen[l].ozg_id,
						   scope[k], v[k]);
		}
	}
}

/*
 * ozg_dienst_host_info: the portal (URL host, with the port when one is
 * written) of each Onlinedienst, so that rules can see a whole portal down
 * even when its Onlinedienste live on different shards, and its scheme, so
 * that rules can name the target by its origin (scheme://host, as
 * blackbox_exporter's series name it by URL).  Credentials never reach here
 * (the configuration refuses them) and no path or query is shown.
 */
static void dienst_host(const struct prom_out *o, const struct cfg *cfg)
{
	prom_family(o, "ozg_dienst_host_info", "info",
		    "The portal host (and port, when written) and scheme of the Onlinedienst's URL; always 1.");
	for (size_t d = 0; d < cfg->n_dienste; d++) {
		const char *url = cfg->dienste[d].url;
		const char *h = strstr(url, "://"), *at;
		size_t n, ns = 0;

		if (h) {
			ns = (size_t)(h - url);
			if (strspn(url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") != ns ||
			    ns > 16)
				ns = 0;		/* not a scheme: leave it out */
		}
		h = h ? h + 3 : url;
		n = strcspn(h, "/?#");
		at = memchr(h, '@', n);		/* never show user:password@ */
		if (at) {
			n -= (size_t)(at + 1 - h);
			h = at + 1;
		}
		buf_printf(o->b, "ozg_dienst_host_info{dienst=\"%s\",host=\"", cfg->dienste[d].id);
		for (size_t i = 0; i < n; i++) {
			char one[2] = { h[i], '\0' };
			prom_escape_label(o->b, one);
		}
		buf_puts(o->b, "\",scheme=\"");
		for (size_t i = 0; i < ns; i++) {
			char one = (char)tolower((unsigned char)url[i]);
			buf_append(o->b, &one, 1);
		}
		buf_puts(o->b, "\"} 1\n");
	}
}

void prom_render_shard(const struct prom_out *o, const struct snapshot *s, const struct rollout_ref *ref,
		       struct prom_cache *cache)
{
	const struct cfg *cfg = s ? s->cfg : ref ? ref->cfg : NULL;

	if (!cfg)
		return;
	shard_self(o, cfg);
	if (s)
		prom_cached(o, cache, s, PROM_CACHED_DIENST_HOST, dienst_host);
	else
		dienst_host(o, cfg);
	if (!ref)
		return;
	if (s && ref->cfg == s->cfg)	/* else a reload is under way: the rollout's own cfg */
		prom_cached(o, cache, s, PROM_CACHED_DIENST_AREA, dienst_area);
	else
		dienst_area(o, ref->cfg);
	area_leistung(o, ref);
}
