/* SPDX-License-Identifier: EUPL-1.2 */
/* leistung.c - see leistung.h. */
#include "dashboards/leistung.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboards/graph.h"
#include "dashboards/status_page.h"

#define MAP_WIDTH 640
#define COVERAGE_CLASSES 6	/* < 50 %, 50-60, 60-70, 70-80, 80-90, 90-100 % */
#define EFA_AREAS_SHOWN 12	/* areas named per EfA Dienst; the rest counted */
#define MAP_FILE_LIMIT (4u * 1024u * 1024u)
#define BKG_URL "https://www.bkg.bund.de"

/* One register Leistung. */
struct lst {
	size_t *ang;	size_t n_ang;	/* its Angebote (cfg indexes), by level and area */
	int max_rg;			/* highest Reifegrad offered, -1 none */
	unsigned n_gem;			/* Gemeinden covered by an Angebot */
	long pop;			/* their inhabitants */
	int tf;				/* index into views.tf */
	int ll;				/* index into views.ll, -1 none */
};

struct tf { int id; const char *name; };

struct views {
	struct views_in in;
	struct lst *l;			/* per register Leistung */
	size_t *offered;	size_t n_offered;
	struct tf *tf;		size_t n_tf;
	const char **ll;	size_t n_ll;
	signed char *grg;		/* per Gemeinde: scratch, best Reifegrad, -1 none */
	int *arg;			/* per Leistung: scratch, best Reifegrad for an area */
	unsigned char *alv;		/* per Leistung: scratch, levels offering it (bit per level) */
	/* geometry, NULL without */
	const struct geo_area **garea;	/* per Gemeinde */
	char **gpath;			/* per Gemeinde: its path data */
	const struct geo_area *land;
};

#define E(s) html_escape(b, (s))
#define P(s) buf_puts(b, (s))

/* ---- data step ------------------------------------------------------------- */

static bool covers(const struct cfg_angebot *a, const struct reg_gemeinde *gm)
{
	switch (a->level) {
	case AREA_LAND: return true;
	case AREA_KREIS: return strncmp(a->area, gm->kreis, 5) == 0;
	case AREA_VERBAND: return strcmp(a->area, gm->verband) == 0;
	case AREA_GEMEINDE: return strcmp(a->area, gm->ags) == 0 || strcmp(a->area, gm->ars) == 0;
	}
	return false;
}

/* Whether Angebot a lies in Kreis `key` or covers it from the Land. */
static bool in_kreis(const struct cfg_angebot *a, const char *key)
{
	return a->level == AREA_LAND || strncmp(a->area, key, 5) == 0;
}

static int cmp_angebot(const void *pa, const void *pb, void *ctx)
{
	const struct cfg *c = ctx;
	const struct cfg_angebot *a = &c->angebote[*(const size_t *)pa];
	const struct cfg_angebot *b = &c->angebote[*(const size_t *)pb];
	int r;

	if (a->level != b->level)
		return a->level < b->level ? -1 : 1;
	r = strcmp(a->area, b->area);
	return r ? r : strcmp(c->dienste[a->dienst].id, c->dienste[b->dienst].id);
}

static int cmp_str(const void *pa, const void *pb)
{
	return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static int cmp_tf(const void *pa, const void *pb)
{
	const struct tf *a = pa, *b = pb;
	return (a->id > b->id) - (a->id < b->id);
}

/* Fills v->grg with the best Reifegrad of Leistung li per Gemeinde. */
static void fill_grg(const struct views *v, size_t li)
{
	const struct cfg *c = v->in.cfg;
	const struct lst *l = &v->l[li];

	memset(v->grg, -1, c->reg.n_gemeinden ? c->reg.n_gemeinden : 1);
	for (size_t k = 0; k < l->n_ang; k++) {
		const struct cfg_angebot *a = &c->angebote[l->ang[k]];
		for (size_t i = 0; i < c->reg.n_gemeinden; i++)
			if (a->reifegrad > v->grg[i] && covers(a, &c->reg.gemeinden[i]))
				v->grg[i] = (signed char)a->reifegrad;
	}
}

static size_t leistung_index(const struct cfg *c, const char *ozg_id)
{
	const struct reg_leistung *rl = reg_find_leistung(&c->reg, ozg_id);
	return rl ? (size_t)(rl - c->reg.leistungen) : (size_t)-1;
}

static int build_geo(struct views *v)
{
	const struct cfg *c = v->in.cfg;
	struct buf pb;

	v->land = geo_find(v->in.geo, AREA_LAND, c->reg.land_key);
	v->garea = calloc(c->reg.n_gemeinden + 1, sizeof *v->garea);
	v->gpath = calloc(c->reg.n_gemeinden + 1, sizeof *v->gpath);
	if (!v->garea || !v->gpath)
		return -1;
	buf_init(&pb, MAP_FILE_LIMIT);
	for (size_t i = 0; i < c->reg.n_gemeinden; i++) {
		v->garea[i] = geo_find(v->in.geo, AREA_GEMEINDE, c->reg.gemeinden[i].ags);
		if (!v->garea[i])
			continue;
		buf_reset(&pb);
		map_path_d(&pb, v->in.geo, v->garea[i]);
		if (pb.overflow || !(v->gpath[i] = malloc(pb.len + 1))) {
			buf_free(&pb);
			return -1;
		}
		memcpy(v->gpath[i], pb.data, pb.len);
		v->gpath[i][pb.len] = '\0';
	}
	buf_free(&pb);
	return 0;
}

struct views *views_build(const struct views_in *in)
{
	const struct cfg *c = in->cfg;
	size_t nl = c->reg.n_leistungen, ng = c->reg.n_gemeinden;
	struct views *v = calloc(1, sizeof *v);
	size_t *count = NULL;

	if (!v)
		return NULL;
	v->in = *in;
	v->l = calloc(nl + 1, sizeof *v->l);
	v->offered = calloc(nl + 1, sizeof *v->offered);
	v->tf = calloc(nl + 1, sizeof *v->tf);
	v->ll = calloc(nl + 1, sizeof *v->ll);
	v->grg = malloc(ng + 1);
	v->arg = calloc(nl + 1, sizeof *v->arg);
	v->alv = calloc(nl + 1, 1);
	count = calloc(nl + 1, sizeof *count);
	if (!v->l || !v->offered || !v->tf || !v->ll || !v->grg || !v->arg || !v->alv || !count)
		goto oom;
	/* Angebote per Leistung. */
	for (size_t i = 0; i < c->n_angebote; i++) {
		size_t li = leistung_index(c, c->angebote[i].ozg_id);
		if (li < nl)
			count[li]++;
	}
	for (size_t li = 0; li < nl; li++) {
		v->l[li].max_rg = -1;
		v->l[li].ll = -1;
		if (count[li] && !(v->l[li].ang = calloc(count[li], sizeof *v->l[li].ang)))
			goto oom;
	}
	for (size_t i = 0; i < c->n_angebote; i++) {
		size_t li = leistung_index(c, c->angebote[i].ozg_id);
		struct lst *l;
		if (li >= nl)
			continue;
		l = &v->l[li];
		l->ang[l->n_ang++] = i;
		if (c->angebote[i].reifegrad > l->max_rg)
			l->max_rg = c->angebote[i].reifegrad;
	}
	for (size_t li = 0; li < nl; li++) {
		struct lst *l = &v->l[li];
		if (!l->n_ang)
			continue;
		qsort_r(l->ang, l->n_ang, sizeof *l->ang, cmp_angebot, (void *)(uintptr_t)c);
		v->offered[v->n_offered++] = li;
		fill_grg(v, li);
		for (size_t i = 0; i < ng; i++)
			if (v->grg[i] >= 0) {
				l->n_gem++;
				l->pop += c->reg.gemeinden[i].population;
			}
	}
	/* Themenfelder and Lebenslagen for the filters. */
	for (size_t li = 0; li < nl; li++) {
		const struct reg_leistung *rl = &c->reg.leistungen[li];
		bool seen = false;
		for (size_t t = 0; t < v->n_tf && !seen; t++)
			seen = v->tf[t].id == rl->themenfeld_id;
		if (!seen)
			v->tf[v->n_tf++] = (struct tf){ rl->themenfeld_id, rl->themenfeld };
		if (rl->lebenslage) {
			seen = false;
			for (size_t t = 0; t < v->n_ll && !seen; t++)
				seen = strcmp(v->ll[t], rl->lebenslage) == 0;
			if (!seen)
				v->ll[v->n_ll++] = rl->lebenslage;
		}
	}
	qsort(v->tf, v->n_tf, sizeof *v->tf, cmp_tf);
	qsort(v->ll, v->n_ll, sizeof *v->ll, cmp_str);
	for (size_t li = 0; li < nl; li++) {
		const struct reg_leistung *rl = &c->reg.leistungen[li];
		for (size_t t = 0; t < v->n_tf; t++)
			if (v->tf[t].id == rl->themenfeld_id)
				v->l[li].tf = (int)t;
		for (size_t t = 0; rl->lebenslage && t < v->n_ll; t++)
			if (strcmp(v->ll[t], rl->lebenslage) == 0)
				v->l[li].ll = (int)t;
	}
	if (in->geo && build_geo(v) != 0)
		goto oom;
	free(count);
	return v;
oom:
	free(count);
	views_free(v);
	return NULL;
}

void views_free(struct views *v)
{
	if (!v)
		return;
	for (size_t li = 0; v->l && li < v->in.cfg->reg.n_leistungen; li++)
		free(v->l[li].ang);
	for (size_t i = 0; v->gpath && i < v->in.cfg->reg.n_gemeinden; i++)
		free(v->gpath[i]);
	free(v->gpath);
	free(v->garea);
	free(v->l);
	free(v->offered);
	free(v->tf);
	free(v->ll);
	free(v->grg);
	free(v->arg);
	free(v->alv);
	free(v);
}

size_t views_n_offered(const struct views *v)
{
	return v->n_offered;
}

const struct reg_leistung *views_offered(const struct views *v, size_t i)
{
	return i < v->n_offered ? &v->in.cfg->reg.leistungen[v->offered[i]] : NULL;
}

/* ---- pieces ---------------------------------------------------------------- */

static void th(struct buf *b, const char *text, bool num)
{
	P(num ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">");
	E(text);
	P("</th>");
}

static void td_count(struct buf *b, const struct dash_lang *L, double x)
{
	char t[64];

	if (isfinite(x))
		buf_printf(b, "<td class=\"num\" data-v=\"%.0f\">", x);
	else
		P("<td class=\"num\" data-v=\"-1\">");
	P(dash_fmt_num(t, sizeof t, x, 0, L));
	P("</td>");
}

static void td_pct(struct buf *b, const struct dash_lang *L, double x, int dec)
{
	char t[64];

	if (isfinite(x))
		buf_printf(b, "<td class=\"num\" data-v=\"%.6g\">", x);
	else
		P("<td class=\"num\" data-v=\"-1\">");
	P(dash_fmt_pct(t, sizeof t, x, dec, L));
	P("</td>");
}

static void td_rg(struct buf *b, int rg)
{
	if (rg < 0)
		P("<td class=\"num\" data-v=\"-1\">–</td>");
	else
		buf_printf(b, "<td class=\"num\" data-v=\"%d\">%d</td>", rg, rg);
}

static void state_html(struct buf *b, const struct views *v, size_t d)
{
	static const char *const cls[] = { "pending", "up", "down" };
	static const char *const sym[] = { "○", "✓", "✗" };
	const struct dash_lang *L = v->in.L;
	unsigned st = v->in.dstate ? v->in.dstate[d] : 0;
	const char *word;

	if (st > 2)
		st = 0;
	word = st == 1 ? L->st_up : st == 2 ? L->st_down : L->st_pending;
	buf_printf(b, "<span class=\"st %s\"><span aria-hidden=\"true\">%s</span> ", cls[st], sym[st]);
	E(word);
	P("</span>");
}

/* The area of Angebot a, linked to its page where it has one. */
static void area_link(struct buf *b, const struct views *v, const struct cfg_angebot *a,
		      const char *root)
{
	const struct registers *r = &v->in.cfg->reg;
	const struct reg_kreis *k;
	const struct reg_verband *vb;
	const struct reg_gemeinde *gm;

	switch (a->level) {
	case AREA_LAND:
		buf_printf(b, "<a href=\"%sindex.html\">", root);
		E(r->land_name);
		P("</a>");
		return;
	case AREA_KREIS:
		if ((k = reg_find_kreis(r, a->area))) {
			buf_printf(b, "<a href=\"%skreis/%s.html\">", root, k->key);
			E(k->name);
			P("</a>");
			return;
		}
		break;
	case AREA_VERBAND:
		if ((vb = reg_find_verband(r, a->area))) {
			E(vb->name);
			return;
		}
		break;
	case AREA_GEMEINDE:
		if ((gm = reg_find_gemeinde(r, a->area))) {
			buf_printf(b, "<a href=\"%sgemeinde/%s.html\">", root, gm->ags);
			E(gm->name);
			P("</a>");
			return;
		}
		break;
	}
	E(a->area);
}

static void leistung_link(struct buf *b, const struct views *v, size_t li, const char *root)
{
	const struct reg_leistung *rl = &v->in.cfg->reg.leistungen[li];

	if (v->l[li].n_ang) {
		buf_printf(b, "<a href=\"%sleistung/%s.html\">", root, rl->ozg_id);
		E(rl->name);
		P("</a>");
	} else {
		E(rl->name);
	}
}

void views_map_embed(struct buf *b, const struct views *v, const char *root, const char *map_rel,
		     const char *title, const char *table_href)
{
	const struct dash_lang *L = v->in.L;
	const struct geo_area *box = v->land;
	int ncls = COVERAGE_CLASSES, w, h;

	if (!v->in.geo)
		return;
	if (strncmp(map_rel, "map/kreis-", 10) == 0) {
		char key[6];
		snprintf(key, sizeof key, "%.5s", map_rel + 10);
		box = geo_find(v->in.geo, AREA_KREIS, key);
	} else if (strncmp(map_rel, "map/leistung-", 13) == 0) {
		ncls = v->in.cfg->global.reifegrad_max + 1;
	}
	if (!box)
		return;
	map_dims(box, ncls, MAP_WIDTH, &w, &h, NULL);
	buf_printf(b, "<figure class=\"map\">\n<object type=\"image/svg+xml\" data=\"%s%s\" "
		   "width=\"%d\" height=\"%d\" aria-label=\"", root, map_rel, w, h);
	E(title);
	P("\">\n<p>");
	E(L->map_fallback);
	buf_printf(b, " <a href=\"%s\">", table_href);
	E(L->map_table);
	P("</a>.</p>\n</object>\n<figcaption>");
	E(title);
	buf_printf(b, ". <a href=\"%s\">", table_href);
	E(L->map_table);
	P("</a>.<br><span class=\"attribution\"><a href=\"" BKG_URL "\">");
	E(L->map_attribution);
	P("</a></span></figcaption>\n</figure>\n");
}

/* ---- the page of a Leistung ------------------------------------------------ */

void views_leistung_title(const struct views *v, size_t i, char *out, size_t outsz)
{
	const struct reg_leistung *rl = views_offered(v, i);

	snprintf(out, outsz, "%s: %s", v->in.L->leistung_title, rl ? rl->name : "");
}

/* The Kreise with the number of their Gemeinden covered and the best Reifegrad (v->grg filled). */
static void by_kreis_table(struct buf *b, const struct views *v)
{
	const struct cfg *c = v->in.cfg;
	const struct dash_lang *L = v->in.L;

	P("<div class=\"scroll\"><table class=\"sortable\" id=\"kreise\">\n<thead><tr>");
	th(b, L->kreis, false);
	th(b, L->gemeinden_offered, true);
	th(b, L->gemeinden, true);
	th(b, L->max_reifegrad, true);
	P("</tr></thead>\n<tbody>\n");
	for (size_t k = 0; k < c->reg.n_kreise; k++) {
		const struct reg_kreis *kr = &c->reg.kreise[k];
		unsigned n = 0, all = 0;
		int best = -1;
		for (size_t i = 0; i < c->reg.n_gemeinden; i++) {
			if (strcmp(c->reg.gemeinden[i].kreis, kr->key) != 0)
				continue;
			all++;
			n += v->grg[i] >= 0;
			best = v->grg[i] > best ? v->grg[i] : best;
		}
		buf_printf(b, "<tr><th scope=\"row\"><a href=\"../kreis/%s.html\">", kr->key);
		E(kr->name);
		P("</a></th>");
		td_count(b, L, n);
		td_count(b, L, all);
		td_rg(b, best);
		P("</tr>\n");
	}
	P("</tbody>\n</table></div>\n");
}

/* The EfA Dienste among the Angebote of Leistung li and the areas using each. */
static void efa_section(struct buf *b, const struct views *v, size_t li)
{
	const struct cfg *c = v->in.cfg;
	const struct dash_lang *L = v->in.L;
	const struct lst *l = &v->l[li];
	size_t shown_d = 0;

	for (size_t k = 0; k < l->n_ang; k++) {
		size_t d = c->angebote[l->ang[k]].dienst, n = 0;
		bool first = true;

		if (!c->dienste[d].efa)
			continue;
		for (size_t j = 0; j < k && first; j++)	/* each Dienst once */
			first = c->angebote[l->ang[j]].dienst != d;
		if (!first)
			continue;
		if (shown_d++ == 0) {
			P("<p>");
			E(L->efa_adopters_summary);
			P("</p>\n<ul>\n");
		}
		buf_printf(b, "<li><a href=\"../dienst/%s.html\">", c->dienste[d].id);
		E(c->dienste[d].name);
		P("</a> (");
		E(c->dienste[d].provider);
		P("): ");
		for (size_t j = 0; j < l->n_ang; j++) {
			const struct cfg_angebot *a = &c->angebote[l->ang[j]];
			if (a->dienst != d)
				continue;
			if (n < EFA_AREAS_SHOWN) {
				if (n)
					P(", ");
				area_link(b, v, a, "../");
			}
			n++;
		}
		if (n > EFA_AREAS_SHOWN)
			buf_printf(b, " … (%zu %s)", n, L->angebote);
		P("</li>\n");
	}
	if (shown_d)
		P("</ul>\n");
	else {
		P("<p>");
		E(L->efa_adopters_none);
		P("</p>\n");
	}
}

void views_leistung_body(struct buf *b, const struct views *v, size_t i)
{
	const struct cfg *c = v->in.cfg;
	const struct dash_lang *L = v->in.L;
	size_t li;
	const struct lst *l;
	const struct reg_leistung *rl;
	char t[64], n2[64], rel[64];

	if (i >= v->n_offered)
		return;
	li = v->offered[i];
	l = &v->l[li];
	rl = &c->reg.leistungen[li];
	P("<dl class=\"facts\">\n<div><dt>");
	E(L->ozg_id);
	P("</dt><dd>");
	E(rl->ozg_id);
	P("</dd></div>\n<div><dt>");
	E(L->themenfeld);
	buf_printf(b, "</dt><dd><a href=\"../katalog/themenfeld-%d.html\">", rl->themenfeld_id);
	E(rl->themenfeld);
	P("</a></dd></div>\n");
	if (l->ll >= 0) {
		P("<div><dt>");
		E(L->lebenslage);
		buf_printf(b, "</dt><dd><a href=\"../katalog/lebenslage-%d.html\">", l->ll + 1);
		E(rl->lebenslage);
		P("</a></dd></div>\n");
	}
	P("</dl>\n<dl class=\"figs\">\n<div><dt>");
	E(L->max_reifegrad);
	buf_printf(b, "</dt><dd>%d</dd></div>\n<div><dt>", l->max_rg);
	E(L->gemeinden_offered);
	buf_printf(b, "</dt><dd>%s <span class=\"sub\">%s %s</span></dd></div>\n<div><dt>",
		   dash_fmt_num(t, sizeof t, l->n_gem, 0, L), L->of,
		   dash_fmt_num(n2, sizeof n2, (double)c->reg.n_gemeinden, 0, L));
	E(L->population_offered);
	buf_printf(b, "</dt><dd>%s</dd></div>\n</dl>\n", dash_fmt_num(t, sizeof t, (double)l->pop, 0, L));

	if (v->in.geo) {
		P("<h2 id=\"karte\">");
		E(L->map);
		P("</h2>\n");
		snprintf(rel, sizeof rel, "map/leistung-%s.svg", rl->ozg_id);
		views_map_embed(b, v, "../", rel, L->map_leistung_title, "#kreise");
	}

	P("<h2 id=\"angebote\">");
	E(L->angebote);
	P("</h2>\n<div class=\"scroll\"><table class=\"sortable\">\n<thead><tr>");
	th(b, L->area, false);
	th(b, L->level, false);
	th(b, L->reifegrad, true);
	th(b, L->dienst, false);
	th(b, L->provider, false);
	th(b, L->state, false);
	th(b, L->uptime_7d, true);
	th(b, L->efa, false);
	P("</tr></thead>\n<tbody>\n");
	for (size_t k = 0; k < l->n_ang; k++) {
		const struct cfg_angebot *a = &c->angebote[l->ang[k]];
		const struct cfg_dienst *cd = &c->dienste[a->dienst];
		P("<tr><th scope=\"row\">");
		area_link(b, v, a, "../");
		P("</th><td>");
		E(L->area_level_names[a->level]);
		P("</td>");
		td_rg(b, a->reifegrad);
		buf_printf(b, "<td><a href=\"../dienst/%s.html\">", cd->id);
		E(cd->name);
		P("</a></td><td>");
		E(cd->provider);
		P("</td><td>");
		state_html(b, v, a->dienst);
		P("</td>");
		td_pct(b, L, v->in.up7 ? v->in.up7[a->dienst] : NAN, 2);
		P("<td>");
		E(cd->efa ? L->yes : L->no);
		P("</td></tr>\n");
	}
	P("</tbody>\n</table></div>\n");

	P("<h2 id=\"nach-kreisen\">");
	E(L->by_kreis);
	P("</h2>\n");
	fill_grg(v, li);
	by_kreis_table(b, v);

	P("<h2 id=\"efa\">");
	E(L->efa_adopters);
	P("</h2>\n");
	efa_section(b, v, li);
}

/* ---- the catalogue --------------------------------------------------------- */

enum cat_kind { CAT_ALL, CAT_TF, CAT_LL, CAT_RG };

/* Page k as kind and value (index of the Themenfeld or Lebenslage; Reifegrad, -1 none). */
static enum cat_kind cat_decode(const struct views *v, size_t k, int *val)
{
	int rgmax = v->in.cfg->global.reifegrad_max;

	*val = 0;
	if (k == 0)
		return CAT_ALL;
	k--;
	if (k < v->n_tf) {
		*val = (int)k;
		return CAT_TF;
	}
	k -= v->n_tf;
	if (k < v->n_ll) {
		*val = (int)k;
		return CAT_LL;
	}
	k -= v->n_ll;
	*val = (int)k <= rgmax ? (int)k : -1;
	return CAT_RG;
}

size_t views_n_catalogue(const struct views *v)
{
	return 1 + v->n_tf + v->n_ll + (size_t)v->in.cfg->global.reifegrad_max + 2;
}

static void cat_rel(const struct views *v, size_t k, char *rel, size_t relsz)
{
	int val;

	switch (cat_decode(v, k, &val)) {
	case CAT_ALL: snprintf(rel, relsz, "leistungen.html"); break;
	case CAT_TF: snprintf(rel, relsz, "katalog/themenfeld-%d.html", v->tf[val].id); break;
	case CAT_LL: snprintf(rel, relsz, "katalog/lebenslage-%d.html", val + 1); break;
	case CAT_RG:
		if (val < 0)
			snprintf(rel, relsz, "katalog/reifegrad-keiner.html");
		else
			snprintf(rel, relsz, "katalog/reifegrad-%d.html", val);
		break;
	}
}

/* The filter's label: the Themenfeld's or Lebenslage's name, "Reifegrad 3", "kein Angebot". */
static void cat_label(const struct views *v, size_t k, char *out, size_t outsz)
{
	const struct dash_lang *L = v->in.L;
	int val;

	switch (cat_decode(v, k, &val)) {
	case CAT_ALL: snprintf(out, outsz, "%s", L->filter_all); break;
	case CAT_TF: snprintf(out, outsz, "%s", v->tf[val].name); break;
	case CAT_LL: snprintf(out, outsz, "%s", v->ll[val]); break;
	case CAT_RG:
		if (val < 0)
			snprintf(out, outsz, "%s", L->filter_none);
		else
			snprintf(out, outsz, "%s %d", L->reifegrad, val);
		break;
	}
}

void views_catalogue_page(const struct views *v, size_t k, char *rel, size_t relsz, char *title,
			  size_t titlesz, const char **root)
{
	char label[200];

	cat_rel(v, k, rel, relsz);
	cat_label(v, k, label, sizeof label);
	if (k == 0)
		snprintf(title, titlesz, "%s", v->in.L->catalogue_title);
	else
		snprintf(title, titlesz, "%s: %s", v->in.L->catalogue_title, label);
	*root = k == 0 ? "" : "../";
}

static bool cat_match(const struct views *v, size_t k, size_t li)
{
	int val;

	switch (cat_decode(v, k, &val)) {
	case CAT_ALL: return true;
	case CAT_TF: return v->l[li].tf == val;
	case CAT_LL: return v->l[li].ll == val;
	case CAT_RG: return v->l[li].max_rg == val;
	}
	return false;
}

/* One list of filter links from page k0 to k1-1; page `cur` marked. */
static void cat_filter_list(struct buf *b, const struct views *v, const char *heading, size_t k0,
			    size_t k1, size_t cur, const char *root)
{
	char rel[96], label[200];

	P("<h3>");
	E(heading);
	P("</h3>\n<ul class=\"filters\">");
	for (size_t k = k0; k < k1; k++) {
		cat_rel(v, k, rel, sizeof rel);
		cat_label(v, k, label, sizeof label);
		if (k == cur) {
			P("<li><strong aria-current=\"page\">");
			E(label);
			P("</strong></li>");
		} else {
			buf_printf(b, "<li><a href=\"%s%s\">", root, rel);
			E(label);
			P("</a></li>");
		}
	}
	P("</ul>\n");
}

void views_catalogue_body(struct buf *b, const struct views *v, size_t k)
{
	const struct cfg *c = v->in.cfg;
	const struct dash_lang *L = v->in.L;
	const char *root = k == 0 ? "" : "../";
	size_t shown = 0, tf0 = 1, ll0 = tf0 + v->n_tf, rg0 = ll0 + v->n_ll, end = views_n_catalogue(v);
	char t[64];

	for (size_t li = 0; li < c->reg.n_leistungen; li++)
		shown += cat_match(v, k, li);
	P("<p>");
	E(L->catalogue_summary);
	P("</p>\n<nav class=\"catalogue-filters\" aria-label=\"");
	E(L->filter);
	P("\">\n");
	cat_filter_list(b, v, L->filter, 0, 1, k, root);
	cat_filter_list(b, v, L->themenfelder, tf0, ll0, k, root);
	if (v->n_ll)
		cat_filter_list(b, v, L->lebenslagen, ll0, rg0, k, root);
	cat_filter_list(b, v, L->max_reifegrad, rg0, end, k, root);
	P("</nav>\n<p id=\"katalog-anzahl\">");
	buf_printf(b, "%s ", dash_fmt_num(t, sizeof t, (double)shown, 0, L));
	E(L->leistungen);
	P(" ");
	E(L->shown);
	P(".</p>\n<div class=\"scroll\"><table class=\"sortable\" id=\"katalog\" data-search=\"");
	E(L->search);
	P("\" data-hint=\"");
	E(L->search_hint);
	P("\">\n<thead><tr>");
	th(b, L->ozg_id, true);
	th(b, L->leistung, false);
	th(b, L->themenfeld, false);
	if (v->n_ll)
		th(b, L->lebenslage, false);
	th(b, L->max_reifegrad, true);
	th(b, L->gemeinden_offered, true);
	P("</tr></thead>\n<tbody>\n");
	for (size_t li = 0; li < c->reg.n_leistungen; li++) {
		const struct reg_leistung *rl = &c->reg.leistungen[li];
		if (!cat_match(v, k, li))
			continue;
		buf_printf(b, "<tr><td class=\"num\">%s</td><th scope=\"row\">", rl->ozg_id);
		leistung_link(b, v, li, root);
		P("</th><td>");
		E(rl->themenfeld);
		P("</td>");
		if (v->n_ll) {
			P("<td>");
			E(rl->lebenslage ? rl->lebenslage : "–");
			P("</td>");
		}
		td_rg(b, v->l[li].max_rg);
		buf_printf(b, "<td class=\"num\">%u</td></tr>\n", v->l[li].n_gem);
	}
	P("</tbody>\n</table></div>\n");
	buf_printf(b, "<script src=\"%skatalog.js\" defer></script>\n", root);
}

const char views_catalogue_js[] =
	"/* katalog.js - a search field for the catalogue; the filter pages work without it. */\n"
	"'use strict';\n"
	"(function () {\n"
	"  var table = document.getElementById('katalog');\n"
	"  if (!table) return;\n"
	"  var label = document.createElement('label');\n"
	"  var input = document.createElement('input');\n"
	"  input.type = 'search';\n"
	"  input.id = 'katalog-suche';\n"
	"  input.placeholder = table.getAttribute('data-hint');\n"
	"  label.htmlFor = input.id;\n"
	"  label.textContent = table.getAttribute('data-search') + ' ';\n"
	"  var p = document.createElement('p');\n"
	"  p.appendChild(label);\n"
	"  p.appendChild(input);\n"
	"  table.parentNode.parentNode.insertBefore(p, table.parentNode);\n"
	"  var count = document.getElementById('katalog-anzahl');\n"
	"  var total = count ? count.textContent : '';\n"
	"  input.addEventListener('input', function () {\n"
	"    var q = input.value.trim().toLowerCase(), n = 0;\n"
	"    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {\n"
	"      var hit = q === '' || row.textContent.toLowerCase().indexOf(q) >= 0;\n"
	"      row.hidden = !hit;\n"
	"      if (hit) n++;\n"
	"    });\n"
	"    if (count) count.textContent = q === '' ? total : total.replace(/^[0-9.,]+/, String(n));\n"
	"  });\n"
	"})();\n";

/* ---- areas ----------------------------------------------------------------- */

void views_gemeinden_body(struct buf *b, const struct views *v)
{
	const struct cfg *c = v->in.cfg;
	const struct dash_lang *L = v->in.L;

	P("<p>");
	E(L->gemeinden_summary);
	P("</p>\n<div class=\"scroll\"><table class=\"sortable\" id=\"gemeinden\">\n<thead><tr>");
	th(b, L->gemeinde, false);
	th(b, L->kreis, false);
	th(b, L->population, true);
	th(b, L->coverage, true);
	th(b, L->coverage_reliable, true);
	P("</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < c->reg.n_gemeinden; i++) {
		const struct reg_gemeinde *gm = &c->reg.gemeinden[i];
		const struct reg_kreis *kr = reg_find_kreis(&c->reg, gm->kreis);
		const struct rollout_area *a = v->in.r ? rollout_find_area(v->in.r, gm->ags) : NULL;
		buf_printf(b, "<tr><th scope=\"row\"><a href=\"gemeinde/%s.html\">", gm->ags);
		E(gm->name);
		P("</a></th><td>");
		E(kr ? kr->name : gm->kreis);
		P("</td>");
		td_count(b, L, (double)gm->population);
		td_pct(b, L, a ? a->population_coverage : NAN, 1);
		td_pct(b, L, a ? a->population_coverage_reliable : NAN, 1);
		P("</tr>\n");
	}
	P("</tbody>\n</table></div>\n");
}

void views_area_leistungen(struct buf *b, const struct views *v, enum area_level level,
			   const char *key, const char *root)
{
	const struct cfg *c = v->in.cfg;
	const struct dash_lang *L = v->in.L;
	const struct reg_gemeinde *gm = level == AREA_GEMEINDE ? reg_find_gemeinde(&c->reg, key) : NULL;
	size_t nl = c->reg.n_leistungen, n = 0;
	int *rg = v->arg;
	unsigned char *lv = v->alv;

	if (level != AREA_KREIS && !gm)
		return;
	for (size_t li = 0; li < nl; li++) {
		rg[li] = -1;
		lv[li] = 0;
	}
	for (size_t i = 0; i < c->n_angebote; i++) {
		const struct cfg_angebot *a = &c->angebote[i];
		size_t li;
		if (gm ? !covers(a, gm) : !in_kreis(a, key))
			continue;
		li = leistung_index(c, a->ozg_id);
		if (li >= nl)
			continue;
		if (a->reifegrad > rg[li])
			rg[li] = a->reifegrad;
		lv[li] |= (unsigned char)(1u << a->level);
	}
	P("<h2 id=\"leistungen\">");
	E(L->area_leistungen);
	P("</h2>\n<p>");
	E(L->area_leistungen_summary);
	buf_printf(b, " <a href=\"%sleistungen.html\">", root);
	E(L->catalogue_title);
	P("</a>.</p>\n<div class=\"scroll\"><table class=\"sortable\">\n<thead><tr>");
	th(b, L->leistung, false);
	th(b, L->reifegrad, true);
	th(b, L->level, false);
	P("</tr></thead>\n<tbody>\n");
	for (size_t li = 0; li < nl; li++) {
		bool first = true;
		if (rg[li] < 0 && !lv[li])
			continue;
		n++;
		P("<tr><th scope=\"row\">");
		leistung_link(b, v, li, root);
		P("</th>");
		td_rg(b, rg[li]);
		P("<td>");
		for (int l = AREA_LAND; l <= AREA_GEMEINDE; l++)
			if (lv[li] & (1u << l)) {
				if (!first)
					P(", ");
				E(L->area_level_names[l]);
				first = false;
			}
		P("</td></tr>\n");
	}
	if (n == 0) {
		P("<tr><td colspan=\"3\">");
		E(L->no_data);
		P("</td></tr>\n");
	}
	P("</tbody>\n</table></div>\n");
}

/* ---- map files ------------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return fnv(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

struct mapjob {
	const struct views *v;
	const char *dir;
	struct buf b;
	struct map_item *items;
	char (*titles)[192];
	char (*hrefs)[40];
	unsigned written, kept, failed;
	char *err;
	size_t errsz;
};

/* True when dir/rel starts with the line `head`. */
static bool same_head(const char *dir, const char *rel, const char *head)
{
	char path[1024], got[80];
	size_t n = strlen(head), r;
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	f = fopen(path, "rb");
	if (!f)
		return false;
	r = fread(got, 1, n < sizeof got ? n : sizeof got, f);
	fclose(f);
	return r == n && memcmp(got, head, n) == 0;
}

/* Writes the map when its content's hash differs from the file's first line. */
static void put_map(struct mapjob *j, const char *rel, const struct map_spec *s, size_t n)
{
	const struct geo *g = j->v->in.geo;
	uint64_t h = 1469598103934665603ull;
	char head[64], path[1024], err[1400];

	h = fnv_str(h, "ozgmon-map 1");
	h = fnv(h, &g->n_pts, sizeof g->n_pts);
	h = fnv_str(h, s->title);
	h = fnv_str(h, s->desc);
	h = fnv_str(h, s->legend_title);
	for (int i = 0; i < s->n_classes; i++)
		h = fnv_str(h, s->legend[i]);
	h = fnv_str(h, s->nodata);
	h = fnv_str(h, s->attribution);
	for (size_t i = 0; i < s->n_frames; i++)
		h = fnv_str(h, s->frames[i] ? s->frames[i]->key : "");
	for (size_t i = 0; i < n; i++) {
		h = fnv(h, &j->items[i].cls, sizeof j->items[i].cls);
		h = fnv_str(h, j->items[i].area ? j->items[i].area->key : "");
		h = fnv_str(h, j->items[i].href);
		h = fnv_str(h, j->items[i].title);
	}
	snprintf(head, sizeof head, "<!-- ozgmon-map %016llx -->\n", (unsigned long long)h);
	if (same_head(j->dir, rel, head)) {
		j->kept++;
		return;
	}
	buf_reset(&j->b);
	j->b.overflow = false;
	buf_puts(&j->b, head);
	map_svg(&j->b, g, s, j->items, n);
	snprintf(path, sizeof path, "%s/%s", j->dir, rel);
	if (j->b.overflow) {
		snprintf(err, sizeof err, "%s: map larger than %u bytes", path, MAP_FILE_LIMIT);
	} else if (dash_write_file(path, j->b.data, j->b.len, err, sizeof err) == 0) {
		j->written++;
		return;
	}
	if (j->failed++ == 0)
		snprintf(j->err, j->errsz, "%s", err);
}

/* Gemeinde i as a map item coloured by its coverage. */
static void coverage_item(struct mapjob *j, size_t slot, size_t i)
{
	const struct views *v = j->v;
	const struct reg_gemeinde *gm = &v->in.cfg->reg.gemeinden[i];
	const struct rollout_area *a = v->in.r ? rollout_find_area(v->in.r, gm->ags) : NULL;
	double x = a ? a->population_coverage : NAN;
	char p[64];

	j->items[slot].area = v->garea[i];
	j->items[slot].d = v->gpath[i];
	j->items[slot].cls = isnan(x) ? -1 : x < 0.5 ? 0 : x >= 0.9 ? COVERAGE_CLASSES - 1
								   : 1 + (int)((x - 0.5) * 10.0);
	if (j->items[slot].cls > COVERAGE_CLASSES - 1)
		j->items[slot].cls = COVERAGE_CLASSES - 1;
	snprintf(j->hrefs[slot], sizeof j->hrefs[slot], "../gemeinde/%s.html", gm->ags);
	j->items[slot].href = j->hrefs[slot];
	snprintf(j->titles[slot], sizeof j->titles[slot], "%s: %s", gm->name,
		 isnan(x) ? v->in.L->no_data : dash_fmt_pct(p, sizeof p, x, 1, v->in.L));
	j->items[slot].title = j->titles[slot];
}

unsigned views_write_maps(const struct views *v, const char *dir, unsigned *written,
			  unsigned *kept, char *err, size_t errsz)
{
	const struct cfg *c = v->in.cfg;
	const struct dash_lang *L = v->in.L;
	size_t ng = c->reg.n_gemeinden;
	struct mapjob j = { .v = v, .dir = dir, .err = err, .errsz = errsz };
	char cov[COVERAGE_CLASSES][80], rgl[MAP_MAX_CLASSES][80], a[32], b2[32], rel[96], title[320];
	const char *cov_p[COVERAGE_CLASSES], *rg_p[MAP_MAX_CLASSES];
	const struct geo_area **frames = NULL;
	int nrg = c->global.reifegrad_max + 1;
	struct map_spec s = { .desc = L->map_desc, .nodata = L->no_data,
			      .attribution = L->map_attribution, .width_px = MAP_WIDTH };
	size_t n;

	*written = *kept = 0;
	if (!v->in.geo)
		return 0;
	if (nrg > MAP_MAX_CLASSES)
		nrg = MAP_MAX_CLASSES;
	j.items = calloc(ng + 1, sizeof *j.items);
	j.titles = calloc(ng + 1, sizeof *j.titles);
	j.hrefs = calloc(ng + 1, sizeof *j.hrefs);
	frames = calloc(c->reg.n_kreise + 2, sizeof *frames);
	if (!j.items || !j.titles || !j.hrefs || !frames) {
		snprintf(err, errsz, "%s/map: out of memory", dir);
		free(j.items);
		free(j.titles);
		free(j.hrefs);
		free(frames);
		return 1;
	}
	buf_init(&j.b, MAP_FILE_LIMIT);
	/* The coverage classes: "< 50 %", "50 % – 60 %", ..., "90 % – 100 %". */
	for (int i = 0; i < COVERAGE_CLASSES; i++) {
		double lo = i == 0 ? 0.0 : 0.4 + 0.1 * i, hi = i == COVERAGE_CLASSES - 1 ? 1.0 : 0.5 + 0.1 * i;
		dash_fmt_pct(a, sizeof a, lo, 0, L);
		dash_fmt_pct(b2, sizeof b2, hi, 0, L);
		if (i == 0)
			snprintf(cov[i], sizeof cov[i], "< %s", b2);
		else
			snprintf(cov[i], sizeof cov[i], "%s – %s", a, b2);
		cov_p[i] = cov[i];
	}
	for (int i = 0; i < nrg; i++) {
		snprintf(rgl[i], sizeof rgl[i], "%s %d", L->reifegrad, i);
		rg_p[i] = rgl[i];
	}

	/* The Land: every Gemeinde, the Kreise's borders and the Land's. */
	frames[0] = v->land;
	for (size_t k = 0; k < c->reg.n_kreise; k++)
		frames[k + 1] = geo_find(v->in.geo, AREA_KREIS, c->reg.kreise[k].key);
	n = 0;
	for (size_t i = 0; i < ng; i++)
		if (v->garea[i])
			coverage_item(&j, n++, i);
	s.title = L->map_land_title;
	s.legend_title = L->map_coverage_legend;
	s.legend = cov_p;
	s.n_classes = COVERAGE_CLASSES;
	s.frames = frames;
	s.n_frames = c->reg.n_kreise + 1;
	put_map(&j, "map/land.svg", &s, n);

	/* Each Kreis: its Gemeinden. */
	for (size_t k = 0; k < c->reg.n_kreise; k++) {
		const struct geo_area *kf = frames[k + 1];
		n = 0;
		for (size_t i = 0; i < ng; i++)
			if (v->garea[i] && strcmp(c->reg.gemeinden[i].kreis, c->reg.kreise[k].key) == 0)
				coverage_item(&j, n++, i);
		snprintf(title, sizeof title, "%s – %s", L->map_kreis_title, c->reg.kreise[k].name);
		s.title = title;
		s.frames = &kf;
		s.n_frames = 1;
		snprintf(rel, sizeof rel, "map/kreis-%s.svg", c->reg.kreise[k].key);
		put_map(&j, rel, &s, n);
	}

	/* Each Leistung offered: its best Reifegrad per Gemeinde. */
	s.legend_title = L->map_reifegrad_legend;
	s.legend = rg_p;
	s.n_classes = nrg;
	s.nodata = L->not_offered;
	s.frames = frames;
	s.n_frames = c->reg.n_kreise + 1;
	for (size_t o = 0; o < v->n_offered; o++) {
		size_t li = v->offered[o];
		const struct reg_leistung *rl = &c->reg.leistungen[li];
		fill_grg(v, li);
		n = 0;
		for (size_t i = 0; i < ng; i++) {
			const struct reg_gemeinde *gm = &c->reg.gemeinden[i];
			int rg = v->grg[i];
			if (!v->garea[i])
				continue;
			j.items[n].area = v->garea[i];
			j.items[n].d = v->gpath[i];
			j.items[n].cls = rg < 0 ? -1 : rg >= nrg ? nrg - 1 : rg;
			snprintf(j.hrefs[n], sizeof j.hrefs[n], "../gemeinde/%s.html", gm->ags);
			j.items[n].href = j.hrefs[n];
			if (rg < 0)
				snprintf(j.titles[n], sizeof j.titles[n], "%s: %s", gm->name, L->not_offered);
			else
				snprintf(j.titles[n], sizeof j.titles[n], "%s: %s %d", gm->name, L->reifegrad, rg);
			j.items[n].title = j.titles[n];
			n++;
		}
		snprintf(title, sizeof title, "%s – %s", L->map_leistung_title, rl->name);
		s.title = title;
		snprintf(rel, sizeof rel, "map/leistung-%s.svg", rl->ozg_id);
		put_map(&j, rel, &s, n);
	}
	buf_free(&j.b);
	free(j.items);
	free(j.titles);
	free(j.hrefs);
	free(frames);
	*written = j.written;
	*kept = j.kept;
	return j.failed;
}
