/* SPDX-License-Identifier: EUPL-1.2 */
/* feed.c - see feed.h. */
#include "dashboards/feed.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "dashboards/graph.h"
#include "dashboards/i18n.h"
#include "dashboards/status_page.h"

#define FEED_LIMIT (1u * 1024u * 1024u)	/* bytes of one feed in memory (50 entries: ~40 KB) */
#define TEXTS_LIMIT (16u * 1024u * 1024u)	/* bytes of all entries' texts (200: ~150 KB) */
#define NO_SLOT ((size_t)-1)
#define FEED_TITLE "Störungen der Onlinedienste"

/*
 * The namespace of every UUID the feeds name (RFC 9562, version 5): fixed
 * once, so an id derived from the same name is the same on every host.
 */
static const unsigned char feed_ns[16] = {
	0xde, 0xac, 0xdb, 0x6e, 0x11, 0x44, 0x48, 0x4e,
	0x8c, 0x51, 0xac, 0x07, 0x6f, 0xef, 0x3c, 0x25,
};

/* ---- who an Angebot reaches ----------------------------------------------- */

/* Whether Angebot a covers Gemeinde gm (as the area pages count it, site.c). */
static bool covers(const struct cfg_angebot *a, const struct reg_gemeinde *gm)
{
	switch (a->level) {
	case AREA_LAND: return true;
	case AREA_KREIS: return strncmp(a->area, gm->ags, 5) == 0;
	case AREA_VERBAND: return strcmp(a->area, gm->verband) == 0;
	case AREA_GEMEINDE: return strcmp(a->area, gm->ags) == 0 || strcmp(a->area, gm->ars) == 0;
	}
	return false;
}

/*
 * The Gemeinden a may cover, as a range [*lo, *hi) of the registers' (sorted
 * by AGS): all of them for the Land, else those of its Kreis.  Every area key
 * below the Land starts with its Kreis, and so does every AGS (the registers
 * check both), so those are one run.
 */
static void candidates(const struct registers *r, const struct cfg_angebot *a, size_t *lo,
		       size_t *hi)
{
	size_t l = 0, h = r->n_gemeinden;

	if (a->level == AREA_LAND) {
		*lo = 0;
		*hi = h;
		return;
	}
	while (l < h) {
		size_t m = l + (h - l) / 2;
		if (strncmp(r->gemeinden[m].ags, a->area, 5) < 0)
			l = m + 1;
		else
			h = m;
	}
	for (h = l; h < r->n_gemeinden && strncmp(r->gemeinden[h].ags, a->area, 5) == 0; h++)
		;
	*lo = l;
	*hi = h;
}

/* Sets set[g] for every Gemeinde g that a covers. */
static void cover(const struct registers *r, const struct cfg_angebot *a, unsigned char *set)
{
	size_t lo, hi;

	candidates(r, a, &lo, &hi);
	for (size_t g = lo; g < hi; g++)
		if (covers(a, &r->gemeinden[g]))
			set[g] = 1;
}

/* Inhabitants of the Gemeinden set. */
static long population(const struct registers *r, const unsigned char *set)
{
	long n = 0;

	for (size_t g = 0; g < r->n_gemeinden; g++)
		if (set[g] && r->gemeinden[g].population > 0)
			n += r->gemeinden[g].population;
	return n;
}

long dash_reach(const struct cfg *c, size_t d)
{
	unsigned char *set = calloc(c->reg.n_gemeinden ? c->reg.n_gemeinden : 1, 1);
	long n;

	if (!set)
		return -1;
	for (size_t i = 0; i < c->n_angebote; i++)
		if (c->angebote[i].dienst == d)
			cover(&c->reg, &c->angebote[i], set);
	n = population(&c->reg, set);
	free(set);
	return n;
}

bool dash_feed_gemeinde(const struct cfg *c, const struct reg_gemeinde *gm)
{
	for (size_t i = 0; i < c->n_angebote; i++)
		if (covers(&c->angebote[i], gm))
			return true;
	return false;
}

/* ---- XML ------------------------------------------------------------------ */

/*
 * The length of the well-formed UTF-8 sequence at p (2 to 4 bytes) with its
 * code point in *cp; 0 when there is none (a stray or overlong byte, a
 * surrogate, beyond U+10FFFF, a cut sequence).
 */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
	uint32_t c = p[0], min;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;	/* also the terminating NUL */
		c = c << 6 | (p[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/*
 * Appends s as XML text or attribute value: & < > " ' as references, tab,
 * line feed and carriage return as character references (an attribute keeps
 * them), and what XML 1.0 cannot carry or a reader should not get (other
 * control characters, U+007F-U+009F, U+FFFE, U+FFFF, bytes that are not
 * UTF-8) as U+FFFD.
 */
static void xml_escape(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;

	while (*p) {
		const char *esc = NULL;
		uint32_t cp = *p;
		size_t n = 1;

		if (cp >= 0x80) {
			n = utf8_seq(p, &cp);
			if (n == 0 || cp <= 0x9f || cp == 0xfffe || cp == 0xffff)
				esc = "\xef\xbf\xbd";
		} else {
			switch (cp) {
			case '&': esc = "&amp;"; break;
			case '<': esc = "&lt;"; break;
			case '>': esc = "&gt;"; break;
			case '"': esc = "&quot;"; break;
			case '\'': esc = "&apos;"; break;
			case '\t': esc = "&#9;"; break;
			case '\n': esc = "&#10;"; break;
			case '\r': esc = "&#13;"; break;
			default:
				if (cp < 0x20 || cp == 0x7f)
					esc = "\xef\xbf\xbd";
			}
		}
		if (!esc) {
			p += n;
			continue;
		}
		buf_append(b, run, (size_t)(p - run));
		buf_puts(b, esc);
		p += n ? n : 1;
		run = p;
	}
	buf_append(b, run, (size_t)(p - run));
}

/* An element with escaped text: <name>text</name> and a line feed. */
static void element(struct buf *b, const char *name, const char *text)
{
	buf_printf(b, "<%s>", name);
	xml_escape(b, text);
	buf_printf(b, "</%s>\n", name);
}

/* ms since 1970 as an RFC 3339 date-time in UTC: "2026-11-27T09:05:00Z". */
static char *rfc3339(char *out, size_t outsz, int64_t ms)
{
	time_t t = (time_t)(ms > 0 ? ms / 1000 : 0);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, outsz, "1970-01-01T00:00:00Z");
	return out;
}

/*
 * "urn:uuid:" and the version 5 UUID of the name (printf-formatted) in
 * feed_ns, into out (at least 46 bytes).  -1 when SHA-1 is not available.
 */
static int urn_uuid(char *out, size_t outsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int urn_uuid(char *out, size_t outsz, const char *fmt, ...)
{
	unsigned char msg[16 + 512], h[20];
	va_list ap;
	int len;

	memcpy(msg, feed_ns, sizeof feed_ns);
	va_start(ap, fmt);
	len = vsnprintf((char *)msg + 16, sizeof msg - 16, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof msg - 16 ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA1, msg, 16 + (size_t)len, h) != 0)
		return -1;
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x50);	/* version 5 */
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);	/* the RFC's variant */
	snprintf(out, outsz, "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8],
		 h[9], h[10], h[11], h[12], h[13], h[14], h[15]);
	return 0;
}

void dash_feed_link(struct buf *b, const char *href, const char *name)
{
	buf_puts(b, "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"" FEED_TITLE " – ");
	html_escape(b, name);
	buf_puts(b, "\" href=\"");
	html_escape(b, href);
	buf_puts(b, "\">\n");
}

/* ---- the feeds -------------------------------------------------------------- */

/* A Dienst with an incident in the feeds. */
struct slot {
	size_t dienst;
	long reach;			/* dash_reach */
	unsigned char *set;		/* per Gemeinde: covered by one of its Angebote */
	const struct cfg_angebot *first;	/* its first Angebot; NULL: none */
	bool mixed;			/* Angebote of more than one area */
	bool land;			/* an Angebot of the Land */
};

/*
 * What an incident's entry says in every feed, rendered once: in fgen.texts
 * from off[0] the entry up to its title's Dienst, from off[1] from the end of
 * the title up to the link's root, from off[2] the rest, up to off[3].
 * The area in brackets and the root come in between (entry()).
 */
struct etext {
	size_t off[4];
};

struct fgen {
	const struct dash_input *in;
	const struct cfg *c;
	const struct dash_lang *L;	/* German, whatever the pages speak */
	const char *dir;
	struct dash_result *res;
	size_t *order;			/* indexes into in->recent, latest change first */
	size_t n;
	size_t *slot_of;		/* per Dienst: its slot, or NO_SLOT */
	struct slot *slots;
	size_t n_slots;
	unsigned char *sets;		/* the slots' sets, n_gemeinden each */
	unsigned char *has;		/* per Gemeinde: has Onlinedienste (dash_feed_gemeinde) */
	struct etext *tx;		/* per incident of in->recent: its entry's text */
	struct buf texts;
	struct buf b;
};

static void fail(struct fgen *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct fgen *f, const char *fmt, ...)
{
	va_list ap;

	f->res->errors++;
	if (f->res->first_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(f->res->first_error, sizeof f->res->first_error, fmt, ap);
	va_end(ap);
}

static int64_t updated_ms(const struct incident_event *e)
{
	return e->end_ms ? e->end_ms : e->start_ms;
}

/* The latest change first (a close, or an opening), then the later start, then the Dienst. */
static int cmp_event(const void *pa, const void *pb, void *ctx)
{
	const struct incident_event *v = ctx;
	const struct incident_event *a = &v[*(const size_t *)pa], *b = &v[*(const size_t *)pb];
	int64_t ua = updated_ms(a), ub = updated_ms(b);

	if (ua != ub)
		return ua < ub ? 1 : -1;
	if (a->start_ms != b->start_ms)
		return a->start_ms < b->start_ms ? 1 : -1;
	if (a->dienst != b->dienst)
		return a->dienst < b->dienst ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/*
 * Where a Dienst serves, for the Land's titles: the Land, its one area
 * ("Erfurt, Stadt", a Kreis, a Verband), "12 Gemeinden" for several, and
 * without Angebote its provider ("" when none).
 */
static const char *slot_area(const struct fgen *f, const struct slot *s, char *out, size_t outsz)
{
	const struct registers *r = &f->c->reg;
	size_t n = 0, one = 0;
	char num[32];

	if (s->land)
		return r->land_name;
	if (s->first && !s->mixed)
		return cfg_angebot_area_name(f->c, s->first);
	for (size_t g = 0; s->first && g < r->n_gemeinden; g++)
		if (s->set[g]) {
			n++;
			one = g;
		}
	if (n == 1)
		return r->gemeinden[one].name;
	if (n == 0)
		return f->c->dienste[s->dienst].provider;
	snprintf(out, outsz, "%s Gemeinden", dash_fmt_num(num, sizeof num, (double)n, 0, f->L));
	return out;
}

/* Renders incident e's entry into f->texts, but for its area and root (struct etext). */
static int entry_text(struct fgen *f, const struct incident_event *e, struct etext *tx)
{
	const struct dash_lang *L = f->L;
	const struct cfg_dienst *cd = &f->c->dienste[e->dienst];
	const struct slot *sl = &f->slots[f->slot_of[e->dienst]];
	const char *why = (unsigned)e->reason < PROBE_RESULT_COUNT ? L->reason[e->reason]
								   : L->reason_unknown;
	char id[64], t[64], from[64], to[64], span[64], num[32], reach[96] = "", text[2048];
	struct buf *b = &f->texts;

	if (urn_uuid(id, sizeof id, "incident:%s:%lld", cd->id, (long long)e->start_ms) != 0)
		return -1;
	tx->off[0] = b->len;
	buf_printf(b, "<entry>\n<id>%s</id>\n<title>%s: ", id, e->end_ms ? "Behoben" : "Störung");
	xml_escape(b, cd->name);
	tx->off[1] = b->len;
	buf_printf(b, "</title>\n<published>%s</published>\n", rfc3339(t, sizeof t, e->start_ms));
	buf_printf(b, "<updated>%s</updated>\n", rfc3339(t, sizeof t, updated_ms(e)));
	buf_puts(b, "<link rel=\"alternate\" type=\"text/html\" href=\"");
	tx->off[2] = b->len;
	buf_puts(b, "dienst/");
	xml_escape(b, cd->id);
	buf_puts(b, ".html\"/>\n");
	/* The times are in the configured zone and say which (dash_fmt_datetime). */
	dash_fmt_datetime(from, sizeof from, (time_t)(e->start_ms / 1000), L);
	if (sl->reach >= 0)
		snprintf(reach, sizeof reach, "; betrifft %s Einwohner",
			 dash_fmt_num(num, sizeof num, (double)sl->reach, 0, L));
	if (e->end_ms) {
		dash_fmt_datetime(to, sizeof to, (time_t)(e->end_ms / 1000), L);
		dash_fmt_span(span, sizeof span, (double)(e->end_ms - e->start_ms) / 1000.0, L);
		snprintf(text, sizeof text, "Gestört von %s bis %s%s%s%s, Dauer %s. Ursache: %s%s.",
			 from, to, e->reconciled ? " (" : "", e->reconciled ? L->hist_reconciled : "",
			 e->reconciled ? ")" : "", span, why, reach);
	} else {
		snprintf(text, sizeof text, "Gestört seit %s, %s. Ursache: %s%s.", from, L->hist_ongoing,
			 why, reach);
	}
	if (cd->provider && cd->provider[0]) {
		size_t k = strlen(text);
		snprintf(text + k, sizeof text - k, " Anbieter: %s.", cd->provider);
	}
	element(b, "summary", text);
	buf_puts(b, "</entry>\n");
	tx->off[3] = b->len;
	return 0;
}

/* Incident e's entry into f->b; root leads from the feed to the site's root, area names it in the title. */
static void entry(struct fgen *f, const struct etext *tx, const char *root, const char *area)
{
	const char *t = f->texts.data;

	buf_append(&f->b, t + tx->off[0], tx->off[1] - tx->off[0]);
	if (area && area[0]) {
		buf_puts(&f->b, " (");
		xml_escape(&f->b, area);
		buf_puts(&f->b, ")");
	}
	buf_append(&f->b, t + tx->off[1], tx->off[2] - tx->off[1]);
	buf_puts(&f->b, root);
	buf_append(&f->b, t + tx->off[2], tx->off[3] - tx->off[2]);
}

/*
 * The incidents of this configuration in order, their Dienste's sets, reach
 * and areas, their entries' texts, and the Gemeinden with Onlinedienste.
 * 0, -1 out of memory, -2 no SHA-1.
 */
static int prepare(struct fgen *f)
{
	const struct cfg *c = f->c;
	const struct dash_input *in = f->in;
	size_t nG = c->reg.n_gemeinden;

	f->order = calloc(in->n_recent ? in->n_recent : 1, sizeof *f->order);
	f->slot_of = malloc((c->n_dienste ? c->n_dienste : 1) * sizeof *f->slot_of);
	f->slots = calloc(in->n_recent ? in->n_recent : 1, sizeof *f->slots);
	f->has = calloc(nG ? nG : 1, 1);
	if (!f->order || !f->slot_of || !f->slots || !f->has)
		return -1;
	for (size_t d = 0; d < c->n_dienste; d++)
		f->slot_of[d] = NO_SLOT;
	for (size_t i = 0; i < in->n_recent; i++) {
		size_t d = in->recent[i].dienst;

		if (d >= c->n_dienste)
			continue;	/* not of this configuration */
		f->order[f->n++] = i;
		if (f->slot_of[d] == NO_SLOT) {
			f->slot_of[d] = f->n_slots;
			f->slots[f->n_slots++].dienst = d;
		}
	}
	qsort_r(f->order, f->n, sizeof *f->order, cmp_event, (void *)(uintptr_t)in->recent);
	f->sets = calloc(f->n_slots && nG ? f->n_slots * nG : 1, 1);
	if (!f->sets)
		return -1;
	for (size_t s = 0; s < f->n_slots; s++)
		f->slots[s].set = f->sets + s * nG;
	for (size_t i = 0; i < c->n_angebote; i++) {
		const struct cfg_angebot *a = &c->angebote[i];
		size_t s = a->dienst < c->n_dienste ? f->slot_of[a->dienst] : NO_SLOT;
		struct slot *sl = s == NO_SLOT ? NULL : &f->slots[s];

		cover(&c->reg, a, f->has);
		if (!sl)
			continue;
		cover(&c->reg, a, sl->set);
		sl->land |= a->level == AREA_LAND;
		if (!sl->first)
			sl->first = a;
		else if (strcmp(sl->first->area, a->area) != 0)
			sl->mixed = true;
	}
	for (size_t s = 0; s < f->n_slots; s++)
		f->slots[s].reach = population(&c->reg, f->slots[s].set);
	f->tx = calloc(in->n_recent ? in->n_recent : 1, sizeof *f->tx);
	if (!f->tx)
		return -1;
	for (size_t i = 0; i < f->n; i++)
		if (entry_text(f, &in->recent[f->order[i]], &f->tx[f->order[i]]) != 0)
			return -2;
	return f->texts.overflow ? -1 : 0;
}

/* The feed of the Land (gm NULL) or of Gemeinde gm (index gi), into f->b. */
static int render(struct fgen *f, const struct reg_gemeinde *gm, size_t gi)
{
	const struct cfg *c = f->c;
	const struct dash_input *in = f->in;
	const char *name = gm ? gm->name : c->reg.land_name, *root = gm ? "../" : "";
	size_t pick[DASH_FEED_ENTRIES], n = 0;
	char id[64], t[64], area[64], shard[32] = "";
	struct buf *b = &f->b;

	for (size_t i = 0; i < f->n && n < DASH_FEED_ENTRIES; i++) {
		const struct slot *sl = &f->slots[f->slot_of[in->recent[f->order[i]].dienst]];
		if (!gm || sl->set[gi])
			pick[n++] = f->order[i];
	}
	if (c->global.shard_count)	/* each shard's feeds are feeds of their own */
		snprintf(shard, sizeof shard, ":shard:%u/%u", c->global.shard_index,
			 c->global.shard_count);
	if (urn_uuid(id, sizeof id, "feed:%s%s", gm ? gm->ags : c->reg.land_key, shard) != 0)
		return -1;
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		 "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"de\">\n"
		 "<title>" FEED_TITLE " – ");
	xml_escape(b, name);
	buf_puts(b, "</title>\n<subtitle>");
	if (gm) {
		buf_puts(b, "Beginn und Ende jeder Störung der Onlinedienste für ");
		xml_escape(b, name);
		buf_puts(b, " (ihre eigenen und die ihres Verbands, ihres Kreises und des Landes)");
	} else {
		buf_puts(b, "Beginn und Ende jeder Störung der überwachten Onlinedienste in ");
		xml_escape(b, name);
	}
	buf_printf(b, ", mit Ursache und betroffenen Einwohnern; die letzten %d, die neueste Änderung "
		   "zuerst.", DASH_FEED_ENTRIES);
	if (c->global.shard_count) {
		char note[320];
		buf_puts(b, " ");
		xml_escape(b, dash_fmt_shard(note, sizeof note, c, f->L));
	}
	buf_printf(b, "</subtitle>\n<id>%s</id>\n", id);
	buf_printf(b, "<updated>%s</updated>\n<author><name>ozgmon · ",
		   rfc3339(t, sizeof t, n ? updated_ms(&in->recent[pick[0]]) : (int64_t)in->now * 1000));
	xml_escape(b, c->reg.land_name);
	/* The inhabitants come from Destatis' registers, whose licence asks for this wherever shown. */
	buf_puts(b, "</name></author>\n<rights>");
	xml_escape(b, f->L->destatis_attribution);
	buf_puts(b, "</rights>\n<generator version=\"");
	xml_escape(b, OZGMON_VERSION);
	buf_puts(b, "\">ozgmon</generator>\n");
	if (gm)
		buf_printf(b, "<link rel=\"self\" type=\"application/atom+xml\" href=\"%s.atom\"/>\n"
			   "<link rel=\"alternate\" type=\"text/html\" href=\"%s.html\"/>\n",
			   gm->ags, gm->ags);
	else
		buf_puts(b, "<link rel=\"self\" type=\"application/atom+xml\" "
			 "href=\"" DASH_FEED_LAND "\"/>\n"
			 "<link rel=\"alternate\" type=\"text/html\" href=\"status.html\"/>\n");
	for (size_t i = 0; i < n; i++) {
		const struct incident_event *e = &in->recent[pick[i]];
		const struct slot *sl = &f->slots[f->slot_of[e->dienst]];
		entry(f, &f->tx[pick[i]], root, gm ? gm->name : slot_area(f, sl, area, sizeof area));
	}
	buf_puts(b, "</feed>\n");
	return 0;
}

/* Writes f->b to dir/rel and counts it. */
static void put(struct fgen *f, const char *rel)
{
	char path[1024], err[1400];

	if (f->b.overflow)
		fail(f, "%s: feed larger than %u bytes", rel, FEED_LIMIT);
	else if ((size_t)snprintf(path, sizeof path, "%s/%s", f->dir, rel) >= sizeof path)
		fail(f, "%s/%s: path too long", f->dir, rel);
	else if (dash_write_file(path, f->b.data ? f->b.data : "", f->b.len, err, sizeof err) != 0)
		fail(f, "%s", err);
	else
		f->res->files++;
	buf_reset(&f->b);
	f->b.overflow = false;
}

static bool cancelled(const struct fgen *f)
{
	return f->in->cancel && atomic_load(f->in->cancel);
}

int dash_feeds_write(const struct dash_input *in, const char *dir, struct dash_result *res)
{
	const struct cfg *c = in->cfg;
	struct fgen f = { .in = in, .c = c, .L = dash_lang_get("de"), .dir = dir, .res = res };
	unsigned before = res->errors;
	char rel[64], sub[1024];

	int rc;

	buf_init(&f.b, FEED_LIMIT);
	buf_init(&f.texts, TEXTS_LIMIT);
	if ((rc = prepare(&f)) != 0) {
		fail(&f, "feeds: %s", rc == -2 ? "no SHA-1 for the ids" : "out of memory");
		goto out;
	}
	if (render(&f, NULL, 0) != 0) {
		fail(&f, "feeds: no SHA-1 for the ids");
		goto out;
	}
	put(&f, DASH_FEED_LAND);
	if ((size_t)snprintf(sub, sizeof sub, "%s/gemeinde", dir) >= sizeof sub) {
		fail(&f, "%s/gemeinde: path too long", dir);
		goto out;
	}
	if (mkdir(sub, 0755) != 0 && errno != EEXIST) {
		fail(&f, "mkdir %s: %s", sub, strerror(errno));
		goto out;
	}
	for (size_t g = 0; g < c->reg.n_gemeinden && !cancelled(&f); g++) {
		const struct reg_gemeinde *gm = &c->reg.gemeinden[g];

		if (!f.has[g])
			continue;
		snprintf(rel, sizeof rel, "gemeinde/%s.atom", gm->ags);
		if (render(&f, gm, g) != 0) {
			fail(&f, "feeds: no SHA-1 for the ids");
			break;
		}
		put(&f, rel);
	}
out:
	buf_free(&f.b);
	buf_free(&f.texts);
	free(f.tx);
	free(f.order);
	free(f.slot_of);
	free(f.slots);
	free(f.sets);
	free(f.has);
	return res->errors > before ? -1 : 0;
}
