/* SPDX-License-Identifier: EUPL-1.2 */
/* api.c - see api.h. */
#include "exporter/api.h"

#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollout/rollout.h"
#include "store/history.h"
#include "store/store.h"

#define CT_JSON "application/json"
#define CT_CSV "text/csv; charset=utf-8; header=present"

#define HIST_DEFAULT_S (6 * 3600)
#define HIST_MAX_RANGE_S (800L * 86400L)	/* the coarsest archive's span */
#define HIST_MAX_RES_S 86400L
#define DAY_S 86400

/* ---- small helpers -------------------------------------------------------- */

static void iso_time(time_t t, char out[32])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

static json_t *json_time(time_t t)
{
	char s[32];

	iso_time(t, s);
	return json_string(s);
}

/* A number, or null for NaN and infinities (JSON has no spelling for them). */
static json_t *json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static int dump_cb(const char *p, size_t n, void *data)
{
	buf_append(data, p, n);
	return 0;
}

static unsigned send_json(struct buf *out, const char **ctype, unsigned status, json_t *j)
{
	*ctype = CT_JSON;
	if (!j) {
		buf_puts(out, "{\"error\":{\"status\":500,\"message\":\"out of memory\"}}\n");
		return 500;
	}
	json_dump_callback(j, dump_cb, out, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
	buf_puts(out, "\n");
	json_decref(j);
	return status;
}

/* Whether s is UTF-8 as jansson accepts it (no overlong forms, surrogates or > U+10FFFF). */
static bool utf8_valid(const char *s)
{
	json_t *j = json_string(s);	/* jansson's own check: the one json_pack applies */
	bool ok = j != NULL;

	json_decref(j);
	return ok;
}

static unsigned error(struct buf *out, const char **ctype, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static unsigned error(struct buf *out, const char **ctype, unsigned status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* A message that echoes a request's bytes may not be UTF-8, which JSON needs. */
	if (!utf8_valid(msg))
		for (char *p = msg; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '?';
	return send_json(out, ctype, status,
			 json_pack("{s:{s:i,s:s}}", "error", "status", (int)status, "message", msg));
}

/*
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF,
 * quotes doubled.  Text that a spreadsheet would read as a formula (starting
 * with =, +, -, @, tab or CR) gets a leading apostrophe.
 */
static void csv_text(struct buf *b, const char *s)
{
	bool formula = s[0] && strchr("=+-@\t\r", s[0]);

	if (!formula && !strpbrk(s, ",\"\r\n")) {
		buf_puts(b, s);
		return;
	}
	buf_puts(b, formula ? "\"'" : "\"");
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_puts(b, "\"\"");
		else
			buf_append(b, p, 1);
	}
	buf_puts(b, "\"");
}

static void csv_num(struct buf *b, double v)
{
	if (isfinite(v))
		buf_printf(b, "%.10g", v);
}

/* A time argument: ISO 8601 UTC ("2026-11-27T10:00:00Z") or seconds since the epoch. */
static int parse_time(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	char z = 0, *end;
	int n = 0;
	long long v;

	if (s[0] && strspn(s, "0123456789") == strlen(s) && strlen(s) <= 12) {
		v = strtoll(s, &end, 10);
		*out = (time_t)v;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z, &n) != 7 || z != 'Z' || s[n] != '\0' ||
	    strlen(s) != 20)
		return -1;
	if (tm.tm_year < 1970 || tm.tm_year > 9999 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return 0;
}

/* A duration argument: seconds, or with suffix s, m, h, d. */
static int parse_secs(const char *s, long *out)
{
	char *end;
	long v = strtol(s, &end, 10), mul = 1;

	if (end == s || v < 0 || v > 100000000L)
		return -1;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		mul = 60, end++;
	else if (*end == 'h')
		mul = 3600, end++;
	else if (*end == 'd')
		mul = DAY_S, end++;
	if (*end)
		return -1;
	*out = v * mul;
	return 0;
}

/* The availability windows of the snapshot's configuration (model/avail.h); NULL: none. */
static const struct model *model_of(const struct snapshot *s)
{
	return s && s->cfgref ? s->cfgref->model : NULL;
}

/* Uptimes of every dienst over 1 and 7 days, computed once per request. */
struct avail {
	double *d1, *d7;
};

static int avail_load(const struct api_req *rq, struct avail *a)
{
	size_t n = rq->s->n;

	a->d1 = calloc(n ? n : 1, sizeof *a->d1);
	a->d7 = calloc(n ? n : 1, sizeof *a->d7);
	if (!a->d1 || !a->d7) {
		free(a->d1);
		free(a->d7);
		return -1;
	}
	/* From memory: no RRD file is read for a request but the history. */
	for (size_t i = 0; i < n; i++) {
		double u[MODEL_WINDOWS];
		model_uptimes(model_of(rq->s), i, rq->now, u, NULL);
		a->d1[i] = u[0];
		a->d7[i] = u[1];
	}
	return 0;
}

static void avail_free(struct avail *a)
{
	free(a->d1);
	free(a->d7);
}

/* ---- pages -------------------------------------------------------------- */

/*
 * A user's argument as a message may show it: printable ASCII, at most 40
 * bytes ('?' for anything else), so that the JSON of an error is always valid.
 */
static const char *shown(const char *s, char out[48])
{
	size_t n = 0;

	for (; *s && n < 40; s++)
		out[n++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
	if (*s)
		out[n++] = '.', out[n++] = '.', out[n++] = '.';
	out[n] = '\0';
	return out;
}

/*
 * One page of a list: the rows after the cursor, at most limit of them.
 * Every list walks its rows in the order of their keys; page_take says for
 * each row that passes the filters whether it is on the page, and when the
 * first row beyond it turns up, makes the last key on the page the next
 * cursor.
 */
struct page {
	size_t limit;			/* SIZE_MAX: every row */
	const char *after;		/* ?cursor=: rows after this key; NULL: from the first */
	size_t rows;			/* rows on the page so far */
	bool more;			/* a row beyond the page exists */
	char last[API_CURSOR_MAX + 1];	/* the key of the last row on the page */
	char *next;			/* api_answer.next */
};

/*
 * Reads ?limit= and ?cursor= into p; a cursor must pass valid().  0, or the
 * status of the error written to out.
 */
static unsigned page_args(const struct api_req *rq, struct page *p, bool (*valid)(const char *),
			  char *next, struct buf *out, const char **ctype)
{
	const char *lim = rq->arg(rq->actx, "limit"), *cur = rq->arg(rq->actx, "cursor");

	*p = (struct page){ .limit = SIZE_MAX, .next = next };
	next[0] = '\0';
	if (lim) {
		size_t len = strlen(lim);
		if (len == 0 || len > 4 || strspn(lim, "0123456789") != len || atoi(lim) < 1 ||
		    atoi(lim) > (int)API_LIMIT_MAX)
			return error(out, ctype, 400, "limit: expected a whole number from 1 to %u",
				     API_LIMIT_MAX);
		p->limit = (size_t)atoi(lim);
	}
	if (cur) {
		if (strlen(cur) > API_CURSOR_MAX || !valid(cur))
			return error(out, ctype, 400, "cursor: not a cursor of this list; pass the "
				     "X-Next-Cursor of the previous page back unchanged");
		p->after = cur;
	}
	return 0;
}

/* Whether the row with this key is on the page (see struct page). */
static bool page_take(struct page *p, const char *key)
{
	if (p->more)
		return false;
	if (p->rows == p->limit) {
		p->more = true;
		snprintf(p->next, API_CURSOR_MAX + 1, "%s", p->last);
		return false;
	}
	p->rows++;
	snprintf(p->last, sizeof p->last, "%s", key);
	return true;
}

/* A dienst id (config: 1 to 64 of a-z 0-9 _ -): the cursor of targets and incidents. */
static bool id_cursor(const char *c)
{
	size_t n = strlen(c);
	return n >= 1 && n <= 64 && strspn(c, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* An area's rank in the list: Land, Kreise, Verbände, Gemeinden (by key length). */
static int area_rank(const char *key)
{
	switch (strlen(key)) {
	case 2: return AREA_LAND;
	case 5: return AREA_KREIS;
	case 9: return AREA_VERBAND;
	case 8: return AREA_GEMEINDE;
	}
	return -1;
}

/* An area key (2, 5, 9 or 8 digits): the cursor of areas. */
static bool area_cursor(const char *c)
{
	return area_rank(c) >= 0 && strspn(c, "0123456789") == strlen(c);
}

/* Whether area key lies after the cursor in the areas' order (rank, then key). */
static bool area_after(const char *key, const char *cursor)
{
	int r = area_rank(key), rc = area_rank(cursor);
	return r > rc || (r == rc && strcmp(key, cursor) > 0);
}

/* An OZG-ID (5 digits): the cursor of services. */
static bool ozg_cursor(const char *c)
{
	return strlen(c) == 5 && strspn(c, "0123456789") == 5;
}

/* "OZG-ID.area.dienst": the cursor of services.csv (a row per Angebot). */
static bool angebot_cursor(const char *c)
{
	const char *a = strchr(c, '.'), *d = a ? strchr(a + 1, '.') : NULL;
	size_t al = d ? (size_t)(d - a - 1) : 0;

	return d && a - c == 5 && strspn(c, "0123456789") == 5 && al >= 2 && al <= 12 &&
	       strspn(a + 1, "0123456789") == al && id_cursor(d + 1);
}

/* ---- filters of /targets --------------------------------------------------- */

static const char *const state_words[] = { "pending", "up", "down" };
#define N_STATES (sizeof state_words / sizeof state_words[0])

struct tfilter {
	unsigned states;		/* bit per state_words[]; 0: any */
	uint32_t results;		/* bit per enum probe_result; 0: any */
	unsigned char *dienst;		/* per dienst: passes area, kreis, gemeinde, leistung;
					   NULL: every one does */
};

/*
 * A comma-separated list of names[0 .. n) into bits; 0 and an error in msg
 * for an unknown or empty one.
 */
static uint32_t word_bits(const char *v, const char *const *names, size_t n, char *msg,
			  size_t msgsz)
{
	uint32_t bits = 0;

	for (;;) {
		size_t len = strcspn(v, ","), k;
		char w[48];

		for (k = 0; k < n; k++)
			if (strlen(names[k]) == len && strncmp(v, names[k], len) == 0)
				break;
		if (k == n) {
			char shw[48];
			snprintf(w, sizeof w, "%.*s", (int)(len < 40 ? len : 40), v);
			snprintf(msg, msgsz, "unknown value '%s'", shown(w, shw));
			return 0;
		}
		bits |= 1u << k;
		if (!v[len])
			return bits;
		v += len + 1;
	}
}

/*
 * The area an argument names: the Land, a Kreis (5 digits), a Verband (9)
 * or a Gemeinde (8-digit AGS or 12-digit ARS); false when none is known.
 */
static bool area_arg(const struct registers *r, const char *v, enum area_level *lvl)
{
	size_t n = strlen(v);

	if (n == 0 || strspn(v, "0123456789") != n)
		return false;
	if (strcmp(v, r->land_key) == 0)
		*lvl = AREA_LAND;
	else if (n == 5 && reg_find_kreis(r, v))
		*lvl = AREA_KREIS;
	else if (n == 9 && reg_find_verband(r, v))
		*lvl = AREA_VERBAND;
	else if ((n == 8 || n == 12) && reg_find_gemeinde(r, v))
		*lvl = AREA_GEMEINDE;
	else
		return false;
	return true;
}

/*
 * Leaves in f->dienst only the dienste with an Angebot of Leistung ozg, or
 * (ozg NULL) made for area key or an area inside it.
 */
static int tfilter_angebote(const struct cfg *c, struct tfilter *f, enum area_level lvl,
			    const char *key, const char *ozg)
{
	unsigned char *hit = calloc(c->n_dienste + 1, 1);

	if (!hit)
		return -1;
	if (!f->dienst) {
		f->dienst = malloc(c->n_dienste + 1);
		if (!f->dienst) {
			free(hit);
			return -1;
		}
		memset(f->dienst, 1, c->n_dienste + 1);
	}
	for (size_t k = 0; k < c->n_angebote; k++) {
		const struct cfg_angebot *a = &c->angebote[k];
		if (ozg ? strcmp(a->ozg_id, ozg) == 0
			: rollout_area_contains(&c->reg, lvl, key, a->level, a->area))
			hit[a->dienst] = 1;
	}
	for (size_t i = 0; i < c->n_dienste; i++)
		f->dienst[i] &= hit[i];
	free(hit);
	return 0;
}

static void tfilter_free(struct tfilter *f)
{
	free(f->dienst);
	f->dienst = NULL;
}

/* Reads the filters of /targets into f (tfilter_free it); 0 or an error's status. */
static unsigned tfilter_args(const struct api_req *rq, struct tfilter *f, struct buf *out,
			     const char **ctype)
{
	static const char *const area_params[] = { "area", "kreis", "gemeinde" };
	static const char *const area_what[] = { "area", "Kreis", "Gemeinde" };
	static const char *const area_hint[] = {
		"the key of the Land, a Kreis, a Verband or a Gemeinde",
		"the 5-digit key of a Kreis", "the AGS or ARS of a Gemeinde",
	};
	const char *result_names[PROBE_RESULT_COUNT];
	const struct cfg *c = rq->s->cfg;
	const char *v;
	char msg[128], w[48];

	memset(f, 0, sizeof *f);
	if ((v = rq->arg(rq->actx, "state")) &&
	    !(f->states = word_bits(v, state_words, N_STATES, msg, sizeof msg)))
		return error(out, ctype, 400, "state: %s (expected up, down or pending, "
			     "or a comma-separated list of them)", msg);
	for (int k = 0; k < PROBE_RESULT_COUNT; k++)
		result_names[k] = probe_result_name((enum probe_result)k);
	if ((v = rq->arg(rq->actx, "result")) &&
	    !(f->results = word_bits(v, result_names, PROBE_RESULT_COUNT, msg, sizeof msg)))
		return error(out, ctype, 400, "result: %s (expected a probe result such as "
			     "success, timeout or http_status; docs/metrics.md)", msg);
	for (size_t k = 0; k < sizeof area_params / sizeof area_params[0]; k++) {
		enum area_level lvl;
		if (!(v = rq->arg(rq->actx, area_params[k])))
			continue;
		if (!area_arg(&c->reg, v, &lvl) || (k == 1 && lvl != AREA_KREIS) ||
		    (k == 2 && lvl != AREA_GEMEINDE)) {
			tfilter_free(f);
			return error(out, ctype, 400, "%s: unknown %s '%s' (expected %s)",
				     area_params[k], area_what[k], shown(v, w), area_hint[k]);
		}
		if (tfilter_angebote(c, f, lvl, v, NULL) != 0) {
			tfilter_free(f);
			return error(out, ctype, 500, "out of memory");
		}
	}
	if ((v = rq->arg(rq->actx, "leistung"))) {
		if (!ozg_cursor(v) || !reg_find_leistung(&c->reg, v)) {
			tfilter_free(f);
			return error(out, ctype, 400, "leistung: unknown OZG-Leistung '%s' "
				     "(expected an OZG-ID of the catalogue)", shown(v, w));
		}
		if (tfilter_angebote(c, f, AREA_LAND, NULL, v) != 0) {
			tfilter_free(f);
			return error(out, ctype, 500, "out of memory");
		}
	}
	return 0;
}

/* The index of a target's state in state_words[]. */
static unsigned state_of(const struct target_state *t)
{
	return !t->probed ? 0 : t->success ? 1 : 2;
}

static bool tfilter_match(const struct tfilter *f, const struct target_state *t, size_t i)
{
	if (f->states && !(f->states & (1u << state_of(t))))
		return false;
	if (f->results && (!t->probed || !(f->results & (1u << t->result))))
		return false;
	return !f->dienst || f->dienst[i];
}

/* ---- targets ------------------------------------------------------------- */

static const char *state_word(const struct target_state *t)
{
	return state_words[state_of(t)];
}

/*
 * The per-target fields of the API, one line each: name, kind and offset in
 * struct target_state.  A new field of target_state is exposed by adding a
 * line here (JSON and CSV follow).
 */
enum fkind { FK_BOOL, FK_DOUBLE, FK_INT, FK_U64, FK_MS_TIME, FK_RESULT };
static const struct tfield {
	const char *name;
	enum fkind kind;
	size_t off;
} tfields[] = {
	{ "probed", FK_BOOL, offsetof(struct target_state, probed) },
	{ "success", FK_BOOL, offsetof(struct target_state, success) },
	{ "result", FK_RESULT, offsetof(struct target_state, result) },
	{ "duration_seconds", FK_DOUBLE, offsetof(struct target_state, duration_s) },
	{ "http_status", FK_INT, offsetof(struct target_state, http_status) },
	{ "last_probe_at", FK_MS_TIME, offsetof(struct target_state, last_ms) },
	{ "probes", FK_U64, offsetof(struct target_state, probes) },
	{ "failures", FK_U64, offsetof(struct target_state, failures) },
};
#define N_TFIELDS (sizeof tfields / sizeof tfields[0])

static json_t *tfield_json(const struct tfield *f, const struct target_state *t)
{
	const char *p = (const char *)t + f->off;

	switch (f->kind) {
	case FK_BOOL: return json_boolean(*(const bool *)p);
	case FK_DOUBLE: return t->probed ? json_num(*(const double *)p) : json_null();
	case FK_INT: return t->probed ? json_integer(*(const int *)p) : json_null();
	case FK_U64: return json_integer((json_int_t)*(const uint64_t *)p);
	case FK_MS_TIME: {
		int64_t ms = *(const int64_t *)p;
		return ms > 0 ? json_time((time_t)(ms / 1000)) : json_null();
	}
	case FK_RESULT:
		return t->probed ? json_string(probe_result_name(*(const enum probe_result *)p))
				 : json_null();
	}
	return json_null();
}

static void tfield_csv(struct buf *b, const struct tfield *f, const struct target_state *t)
{
	json_t *j = tfield_json(f, t);

	if (json_is_string(j))
		csv_text(b, json_string_value(j));
	else if (json_is_boolean(j))
		buf_puts(b, json_is_true(j) ? "true" : "false");
	else if (json_is_integer(j))
		buf_printf(b, "%lld", (long long)json_integer_value(j));
	else if (json_is_real(j))
		csv_num(b, json_real_value(j));
	json_decref(j);
}

/* The host of a URL (no scheme, credentials, path or query): safe to show. */
static void url_host(const char *url, char *out, size_t outsz)
{
	const char *h = strstr(url, "://"), *end, *at;
	size_t n;

	h = h ? h + 3 : url;
	end = h + strcspn(h, "/?#");
	at = memchr(h, '@', (size_t)(end - h));
	if (at)
		h = at + 1;
	n = (size_t)(end - h);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, h, n);
	out[n] = '\0';
}

static json_t *target_json(const struct snapshot *s, size_t i, time_t now)
{
	const struct cfg_dienst *d = &s->cfg->dienste[i];
	const struct target_state *t = &s->t[i];
	char host[256];
	double u[MODEL_WINDOWS];
	json_t *o, *up;

	url_host(d->url, host, sizeof host);
	o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:f,s:s}", "id", d->id, "name", d->name, "provider",
		      d->provider, "host", host, "efa", d->efa, "interval_seconds",
		      d->interval_ms / 1000.0, "state", state_word(t));
	if (!o)
		return NULL;
	for (size_t k = 0; k < N_TFIELDS; k++)
		json_object_set_new(o, tfields[k].name, tfield_json(&tfields[k], t));
	json_object_set_new(o, "failure_reason", t->probed && !t->success
				 ? json_string(probe_result_name(t->result)) : json_null());
	model_uptimes(model_of(s), i, now, u, NULL);
	up = json_object();
	for (int w = 0; up && w < MODEL_WINDOWS; w++)
		json_object_set_new(up, model_window_name[w], json_num(u[w]));
	json_object_set_new(o, "uptime", up ? up : json_null());
	{
		int64_t first = model_first_success(model_of(s), i);
		json_object_set_new(o, "first_success_at", first > 0 ? json_time((time_t)first)
									: json_null());
	}
	return o;
}

static void target_csv(struct buf *out, const struct snapshot *s, size_t i)
{
	const struct cfg_dienst *d = &s->cfg->dienste[i];
	const struct target_state *t = &s->t[i];
	char host[256];

	url_host(d->url, host, sizeof host);
	csv_text(out, d->id);
	buf_puts(out, ",");
	csv_text(out, d->name);
	buf_puts(out, ",");
	csv_text(out, d->provider);
	buf_puts(out, ",");
	csv_text(out, host);
	buf_printf(out, ",%s,%s,%s", d->efa ? "true" : "false", state_word(t),
		   t->probed && !t->success ? probe_result_name(t->result) : "");
	for (size_t k = 0; k < N_TFIELDS; k++) {
		buf_puts(out, ",");
		tfield_csv(out, &tfields[k], t);
	}
	buf_puts(out, "\r\n");
}

/* /targets(.csv): in the order of their ids, filtered, one page. */
static unsigned targets(const struct api_req *rq, struct buf *out, const char **ctype, bool csv,
			char *next)
{
	const struct snapshot *s = rq->s;
	struct tfilter f;
	struct page pg;
	json_t *arr = NULL;
	unsigned st;

	if ((st = page_args(rq, &pg, id_cursor, next, out, ctype)) ||
	    (st = tfilter_args(rq, &f, out, ctype)))
		return st;
	if (csv) {
		*ctype = CT_CSV;
		buf_puts(out, "id,name,provider,host,efa,state,failure_reason");
		for (size_t k = 0; k < N_TFIELDS; k++)
			buf_printf(out, ",%s", tfields[k].name);
		buf_puts(out, "\r\n");
	} else {
		arr = json_array();
	}
	/* cfg->dienste is sorted by id (cfg_find_dienst). */
	for (size_t i = 0; i < s->n; i++) {
		const char *id = s->cfg->dienste[i].id;
		if ((pg.after && strcmp(id, pg.after) <= 0) || !tfilter_match(&f, &s->t[i], i))
			continue;
		if (!page_take(&pg, id))
			break;
		if (csv)
			target_csv(out, s, i);
		else if (arr)
			json_array_append_new(arr, target_json(s, i, rq->now));
	}
	tfilter_free(&f);
	if (csv)
		return 200;
	return send_json(out, ctype, 200, json_pack("{s:o,s:o}", "generated_at",
						    json_time(s->made_ms / 1000), "targets", arr));
}

/* ---- history ------------------------------------------------------------- */

static unsigned history(const struct api_req *rq, size_t i, struct buf *out, const char **ctype,
			bool csv)
{
	const char *a_from = rq->arg(rq->actx, "from"), *a_to = rq->arg(rq->actx, "to");
	const char *a_res = rq->arg(rq->actx, "resolution"), *a_cf = rq->arg(rq->actx, "cf");
	const char *a_series = rq->arg(rq->actx, "series");
	const char *id = rq->s->cfg->dienste[i].id;
	time_t from, to = rq->now;
	long res = 0;
	const char *cf = "AVERAGE";
	struct history h;
	char path[4096], err[512];
	json_t *rows;

	if (a_to && parse_time(a_to, &to) != 0)
		return error(out, ctype, 400, "to: expected an ISO 8601 UTC time "
			     "(2026-01-31T12:00:00Z) or seconds since the epoch");
	from = to - HIST_DEFAULT_S;
	if (a_from && parse_time(a_from, &from) != 0)
		return error(out, ctype, 400, "from: expected an ISO 8601 UTC time "
			     "(2026-01-31T12:00:00Z) or seconds since the epoch");
	if (from >= to)
		return error(out, ctype, 400, "from must be before to");
	if (to - from > HIST_MAX_RANGE_S)
		return error(out, ctype, 400, "range longer than %ld days", HIST_MAX_RANGE_S / DAY_S);
	if (a_res && (parse_secs(a_res, &res) != 0 || res > HIST_MAX_RES_S))
		return error(out, ctype, 400, "resolution: expected seconds (or 5m, 1h, 1d), "
			     "at most 1d");
	if (a_cf) {
		if (strcmp(a_cf, "AVERAGE") == 0 || strcmp(a_cf, "MIN") == 0 ||
		    strcmp(a_cf, "MAX") == 0)
			cf = a_cf;
		else
			return error(out, ctype, 400, "cf: expected AVERAGE, MIN or MAX");
	}
	if (a_series && strcmp(a_series, "availability") != 0 && strcmp(a_series, "performance") != 0)
		return error(out, ctype, 400, "series: expected availability or performance");
	if (store_file_path(rq->data_dir ? rq->data_dir : ".", id,
			    a_series && strcmp(a_series, "performance") == 0 ? STORE_PERF : STORE_MAIN,
			    path, sizeof path) < 0)
		return error(out, ctype, 404, "no history for '%s' yet", id);
	if (history_fetch(path, cf, from, to, (unsigned long)res, &h, err, sizeof err) != 0) {
		if (strstr(err, "too many rows") || strstr(err, "range too long"))
			return error(out, ctype, 400, "%s", err);
		return error(out, ctype, 404, "no history for '%s' yet", id);
	}
	if (csv) {
		*ctype = CT_CSV;
		buf_puts(out, "time");
		for (size_t k = 0; k < h.n_ds; k++) {
			buf_puts(out, ",");
			csv_text(out, h.ds_names[k]);
		}
		buf_puts(out, "\r\n");
		for (size_t r = 0; r < h.rows; r++) {
			char t[32];
			iso_time(h.start + (time_t)((r + 1) * h.step), t);
			buf_puts(out, t);
			for (size_t k = 0; k < h.n_ds; k++) {
				buf_puts(out, ",");
				csv_num(out, h.v[r * h.n_ds + k]);
			}
			buf_puts(out, "\r\n");
		}
		history_free(&h);
		return 200;
	}
	rows = json_array();
	for (size_t r = 0; rows && r < h.rows; r++) {
		json_t *o = json_pack("{s:o}", "time", json_time(h.start + (time_t)((r + 1) * h.step)));
		for (size_t k = 0; o && k < h.n_ds; k++)
			json_object_set_new(o, h.ds_names[k], json_num(h.v[r * h.n_ds + k]));
		json_array_append_new(rows, o);
	}
	{
		json_t *j = json_pack("{s:s,s:s,s:s,s:o,s:o,s:I,s:o}", "id", id, "series",
				      a_series ? a_series : "availability", "cf", cf, "start",
				      json_time(h.start), "end", json_time(h.end), "step_seconds",
				      (json_int_t)h.step, "rows", rows);
		history_free(&h);
		return send_json(out, ctype, 200, j);
	}
}

/* ---- areas and services --------------------------------------------------- */

static const char *level_name(enum area_level l)
{
	switch (l) {
	case AREA_LAND: return "land";
	case AREA_KREIS: return "kreis";
	case AREA_VERBAND: return "verband";
	case AREA_GEMEINDE: return "gemeinde";
	}
	return "unknown";
}

/* The canonical key of an Angebot's area (a Gemeinde by its 8-digit AGS). */
static const char *angebot_area(const struct cfg *c, const struct cfg_angebot *a)
{
	if (a->level == AREA_GEMEINDE) {
		const struct reg_gemeinde *g = reg_find_gemeinde(&c->reg, a->area);
		return g ? g->ags : a->area;
	}
	return a->area;
}

/* Mean of the known values among the dienste of the Angebote matching (area or ozg_id). */
static double mean_avail(const struct cfg *c, const double *v, const char *area, const char *ozg)
{
	double sum = 0, n = 0;

	for (size_t k = 0; k < c->n_angebote; k++) {
		const struct cfg_angebot *a = &c->angebote[k];
		if ((area && strcmp(angebot_area(c, a), area) != 0) || (ozg && strcmp(a->ozg_id, ozg) != 0))
			continue;
		if (isfinite(v[a->dienst])) {
			sum += v[a->dienst];
			n++;
		}
	}
	return n > 0 ? sum / n : NAN;
}

static size_t count_angebote(const struct cfg *c, const char *area, const char *ozg)
{
	size_t n = 0;
	for (size_t k = 0; k < c->n_angebote; k++) {
		const struct cfg_angebot *a = &c->angebote[k];
		if ((!area || strcmp(angebot_area(c, a), area) == 0) && (!ozg || strcmp(a->ozg_id, ozg) == 0))
			n++;
	}
	return n;
}

struct area_row {
	const char *key, *name, *parent;
	enum area_level level;
	long population;
};

/*
 * Calls fn for every area of the registers, Land first.  A Kreis's and a
 * Gemeinde's population is the register's; the Land's and a Verband's are
 * the sums over their Gemeinden (the registers have no column for them), as
 * the rollout counts them.  -1 when out of memory.
 */
static int each_area(const struct registers *r, void (*fn)(const struct area_row *, void *),
		     void *ctx)
{
	long land = 0, *verband = calloc(r->n_verbaende + 1, sizeof *verband);
	struct area_row a;

	if (!verband)
		return -1;
	for (size_t i = 0; i < r->n_gemeinden; i++) {
		const struct reg_gemeinde *g = &r->gemeinden[i];
		const struct reg_verband *v = g->verband[0] ? reg_find_verband(r, g->verband) : NULL;

		land += g->population;
		if (v)
			verband[v - r->verbaende] += g->population;
	}
	a = (struct area_row){ r->land_key, r->land_name ? r->land_name : "", NULL, AREA_LAND, land };
	fn(&a, ctx);
	for (size_t i = 0; i < r->n_kreise; i++) {
		a = (struct area_row){ r->kreise[i].key, r->kreise[i].name, r->land_key, AREA_KREIS,
				       r->kreise[i].population };
		fn(&a, ctx);
	}
	for (size_t i = 0; i < r->n_verbaende; i++) {
		a = (struct area_row){ r->verbaende[i].key, r->verbaende[i].name, r->verbaende[i].kreis,
				       AREA_VERBAND, verband[i] };
		fn(&a, ctx);
	}
	free(verband);
	for (size_t i = 0; i < r->n_gemeinden; i++) {
		const struct reg_gemeinde *g = &r->gemeinden[i];
		a = (struct area_row){ g->ags, g->name, g->verband[0] ? g->verband : g->kreis,
				       AREA_GEMEINDE, g->population };
		fn(&a, ctx);
	}
	return 0;
}

struct area_ctx {
	const struct api_req *rq;
	const struct avail *av;
	const char *only_level;	/* NULL: all */
	const char *only_key;	/* NULL: all */
	json_t *arr;
	struct buf *csv;
	size_t found;
	struct page *pg;	/* the list's page; NULL for one area */
};

static void area_cb(const struct area_row *a, void *p)
{
	struct area_ctx *x = p;
	const struct cfg *c = x->rq->s->cfg;
	double d1, d7;
	size_t n;

	if ((x->only_level && strcmp(x->only_level, level_name(a->level)) != 0) ||
	    (x->only_key && strcmp(x->only_key, a->key) != 0))
		return;
	if (x->pg && ((x->pg->after && !area_after(a->key, x->pg->after)) ||
		      !page_take(x->pg, a->key)))
		return;
	x->found++;
	n = count_angebote(c, a->key, NULL);
	d1 = mean_avail(c, x->av->d1, a->key, NULL);
	d7 = mean_avail(c, x->av->d7, a->key, NULL);
	if (x->csv) {
		struct buf *b = x->csv;
		csv_text(b, a->key);
		buf_printf(b, ",%s,", level_name(a->level));
		csv_text(b, a->name ? a->name : "");
		buf_puts(b, ",");
		csv_text(b, a->parent ? a->parent : "");
		buf_puts(b, ",");
		buf_printf(b, "%ld,%zu,", a->population, n);
		csv_num(b, d1);
		buf_puts(b, ",");
		csv_num(b, d7);
		buf_puts(b, "\r\n");
		return;
	}
	json_array_append_new(x->arr, json_pack("{s:s,s:s,s:s,s:o,s:o,s:I,s:{s:o,s:o}}",
		"key", a->key, "level", level_name(a->level), "name", a->name ? a->name : "",
		"parent", a->parent ? json_string(a->parent) : json_null(),
		"population", json_integer(a->population), "angebote", (json_int_t)n, "availability", "1d", json_num(d1), "7d", json_num(d7)));
}

/* /areas(.csv): Land, Kreise, Verbände, Gemeinden, each by key, one page; /areas/KEY: one. */
static unsigned areas(const struct api_req *rq, const char *key, struct buf *out,
		      const char **ctype, bool csv, char *next)
{
	const char *lvl = rq->arg(rq->actx, "level");
	struct area_ctx x = { .rq = rq, .only_level = lvl, .only_key = key };
	struct page pg;
	struct avail av;
	unsigned st;
	int rc;

	if (lvl && strcmp(lvl, "land") && strcmp(lvl, "kreis") && strcmp(lvl, "verband") &&
	    strcmp(lvl, "gemeinde"))
		return error(out, ctype, 400, "level: expected land, kreis, verband or gemeinde");
	if (!key) {
		if ((st = page_args(rq, &pg, area_cursor, next, out, ctype)))
			return st;
		x.pg = &pg;
	}
	if (key && strlen(key) == 12) {
		const struct reg_gemeinde *g = reg_find_gemeinde(&rq->s->cfg->reg, key);
		if (g)
			x.only_key = key = g->ags;
	}
	if (avail_load(rq, &av) != 0)
		return error(out, ctype, 500, "out of memory");
	x.av = &av;
	if (csv) {
		*ctype = CT_CSV;
		x.csv = out;
		buf_puts(out, "key,level,name,parent,population,angebote,availability_1d,"
			      "availability_7d\r\n");
		rc = each_area(&rq->s->cfg->reg, area_cb, &x);
		avail_free(&av);
		if (rc != 0) {
			buf_free(out);
			return error(out, ctype, 500, "out of memory");
		}
		return 200;
	}
	x.arr = json_array();
	rc = each_area(&rq->s->cfg->reg, area_cb, &x);
	avail_free(&av);
	if (rc != 0) {
		json_decref(x.arr);
		return error(out, ctype, 500, "out of memory");
	}
	if (key && x.found == 0) {
		json_decref(x.arr);
		return error(out, ctype, 404, "unknown area '%s'", key);
	}
	if (key) {
		json_t *one = json_incref(json_array_get(x.arr, 0));
		json_decref(x.arr);
		return send_json(out, ctype, 200, one);
	}
	return send_json(out, ctype, 200, json_pack("{s:o}", "areas", x.arr));
}

static json_t *service_json(const struct api_req *rq, const struct reg_leistung *l,
			    const struct avail *av)
{
	const struct cfg *c = rq->s->cfg;
	json_t *angebote = json_array();

	for (size_t k = 0; angebote && k < c->n_angebote; k++) {
		const struct cfg_angebot *a = &c->angebote[k];
		if (strcmp(a->ozg_id, l->ozg_id) != 0)
			continue;
		json_array_append_new(angebote, json_pack("{s:s,s:s,s:s,s:i,s:s,s:{s:o,s:o}}",
			"area", angebot_area(c, a), "level", level_name(a->level),
			"dienst", c->dienste[a->dienst].id, "reifegrad", a->reifegrad,
			"state", state_word(&rq->s->t[a->dienst]),
			"availability", "1d", json_num(av->d1[a->dienst]),
			"7d", json_num(av->d7[a->dienst])));
	}
	return json_pack("{s:s,s:s,s:i,s:s,s:{s:o,s:o},s:o}", "ozg_id", l->ozg_id, "name",
			 l->name ? l->name : "", "themenfeld_id", l->themenfeld_id, "themenfeld",
			 l->themenfeld ? l->themenfeld : "", "availability", "1d",
			 json_num(mean_avail(c, av->d1, NULL, l->ozg_id)), "7d",
			 json_num(mean_avail(c, av->d7, NULL, l->ozg_id)), "angebote", angebote);
}

/* The three parts of a services.csv cursor (angebot_cursor checked its form). */
struct angebot_key {
	char ozg[6], area[13], dienst[65];
};

static void angebot_key_parse(const char *c, struct angebot_key *k)
{
	const char *a = strchr(c, '.') + 1, *d = strchr(a, '.') + 1;

	snprintf(k->ozg, sizeof k->ozg, "%.5s", c);
	snprintf(k->area, sizeof k->area, "%.*s", (int)(d - a - 1), a);
	snprintf(k->dienst, sizeof k->dienst, "%s", d);
}

/* services.csv's order: by Leistung, then area key, then dienst id. */
static int angebot_cmp(const void *x, const void *y, void *cp)
{
	const struct cfg *c = cp;
	const struct cfg_angebot *a = &c->angebote[*(const size_t *)x];
	const struct cfg_angebot *b = &c->angebote[*(const size_t *)y];
	int r = strcmp(a->ozg_id, b->ozg_id);

	if (!r)
		r = strcmp(angebot_area(c, a), angebot_area(c, b));
	if (!r)
		r = strcmp(c->dienste[a->dienst].id, c->dienste[b->dienst].id);
	return r;
}

/* services.csv: a row per Angebot, one page. */
static unsigned services_csv(const struct api_req *rq, const struct avail *av, struct buf *out,
			     const char **ctype, struct page *pg)
{
	const struct cfg *c = rq->s->cfg;
	size_t *order = malloc((c->n_angebote + 1) * sizeof *order);
	struct angebot_key after = { "", "", "" };

	if (!order)
		return error(out, ctype, 500, "out of memory");
	if (pg->after)
		angebot_key_parse(pg->after, &after);
	for (size_t k = 0; k < c->n_angebote; k++)
		order[k] = k;
	qsort_r(order, c->n_angebote, sizeof *order, angebot_cmp, (void *)(uintptr_t)c);
	*ctype = CT_CSV;
	buf_puts(out, "ozg_id,name,area,level,dienst,reifegrad,state,availability_1d,"
		      "availability_7d\r\n");
	for (size_t k = 0; k < c->n_angebote; k++) {
		const struct cfg_angebot *a = &c->angebote[order[k]];
		const struct reg_leistung *l = reg_find_leistung(&c->reg, a->ozg_id);
		const char *area = angebot_area(c, a), *dienst = c->dienste[a->dienst].id;
		char key[API_CURSOR_MAX + 1];

		snprintf(key, sizeof key, "%s.%s.%s", a->ozg_id, area, dienst);
		if (pg->after) {
			int r = strcmp(a->ozg_id, after.ozg);
			if (!r)
				r = strcmp(area, after.area);
			if (!r)
				r = strcmp(dienst, after.dienst);
			if (r <= 0)
				continue;
		}
		if (!page_take(pg, key))
			break;
		csv_text(out, a->ozg_id);
		buf_puts(out, ",");
		csv_text(out, l && l->name ? l->name : "");
		buf_puts(out, ",");
		csv_text(out, area);
		buf_printf(out, ",%s,", level_name(a->level));
		csv_text(out, dienst);
		buf_printf(out, ",%d,%s,", a->reifegrad, state_word(&rq->s->t[a->dienst]));
		csv_num(out, av->d1[a->dienst]);
		buf_puts(out, ",");
		csv_num(out, av->d7[a->dienst]);
		buf_puts(out, "\r\n");
	}
	free(order);
	return 200;
}

/* /services(.csv): Leistungen by OZG-ID, one page; /services/ID: one. */
static unsigned services(const struct api_req *rq, const char *id, struct buf *out,
			 const char **ctype, bool csv, char *next)
{
	const struct registers *r = &rq->s->cfg->reg;
	const char *all = rq->arg(rq->actx, "all");
	bool every = all && strcmp(all, "true") == 0;
	struct page pg;
	struct avail av;
	json_t *arr;
	unsigned st;

	if (all && strcmp(all, "true") != 0 && strcmp(all, "false") != 0)
		return error(out, ctype, 400, "all: expected true or false");
	if (id && !reg_find_leistung(r, id))
		return error(out, ctype, 404, "unknown OZG-Leistung '%s'", id);
	if (!id && (st = page_args(rq, &pg, csv ? angebot_cursor : ozg_cursor, next, out, ctype)))
		return st;
	if (avail_load(rq, &av) != 0)
		return error(out, ctype, 500, "out of memory");
	if (id) {
		json_t *j = service_json(rq, reg_find_leistung(r, id), &av);
		avail_free(&av);
		return send_json(out, ctype, 200, j);
	}
	if (csv) {
		st = services_csv(rq, &av, out, ctype, &pg);
		avail_free(&av);
		return st;
	}
	arr = json_array();
	/* The catalogue is sorted by OZG-ID (reg_find_leistung). */
	for (size_t i = 0; arr && i < r->n_leistungen; i++) {
		const char *ozg = r->leistungen[i].ozg_id;
		if ((!every && count_angebote(rq->s->cfg, NULL, ozg) == 0) ||
		    (pg.after && strcmp(ozg, pg.after) <= 0))
			continue;
		if (!page_take(&pg, ozg))
			break;
		json_array_append_new(arr, service_json(rq, &r->leistungen[i], &av));
	}
	avail_free(&av);
	return send_json(out, ctype, 200, json_pack("{s:o}", "services", arr));
}

/* ---- routing --------------------------------------------------------------- */

/* Splits "a/b/c" into at most 3 segments; returns how many, or -1 for more. */
static int split(const char *path, char seg[3][128])
{
	int n = 0;

	while (*path) {
		size_t len = strcspn(path, "/");
		if (n == 3 || len == 0 || len >= 128)
			return -1;
		memcpy(seg[n], path, len);
		seg[n][len] = '\0';
		n++;
		path += len;
		if (*path == '/')
			path++;
	}
	return n;
}

/* ---- rollout and incidents ------------------------------------------------ */

static json_t *rollout_area_json(const struct rollout *r, const struct rollout_area *a)
{
	json_t *o = json_object(), *rg = json_object();

	json_object_set_new(o, "key", json_string(a->key));
	json_object_set_new(o, "level", json_string(level_name(a->level)));
	json_object_set_new(o, "name", json_string(a->name ? a->name : ""));
	json_object_set_new(o, "population", json_integer(a->population));
	json_object_set_new(o, "gemeinden", json_integer(a->gemeinden));
	json_object_set_new(o, "online", json_integer(a->online));
	json_object_set_new(o, "flaechendeckend", json_integer(a->online_all));
	json_object_set_new(o, "fulfilled", json_integer(a->fulfilled));
	json_object_set_new(o, "fulfilled_flaechendeckend", json_integer(a->fulfilled_all));
	json_object_set_new(o, "reliable", json_integer(a->reliable));
	json_object_set_new(o, "reliable_flaechendeckend", json_integer(a->reliable_all));
	json_object_set_new(o, "catalog_ratio",
			    json_num(r->relevant ? (double)a->online / (double)r->relevant : NAN));
	json_object_set_new(o, "population_coverage", json_num(a->population_coverage));
	json_object_set_new(o, "population_coverage_reliable",
			    json_num(a->population_coverage_reliable));
	for (int lv = 0; lv < ROLLOUT_LEVELS; lv++) {
		char k[16];
		if (!a->by_reifegrad[lv])
			continue;
		snprintf(k, sizeof k, "%d", lv);
		json_object_set_new(rg, k, json_integer(a->by_reifegrad[lv]));
	}
	json_object_set_new(o, "by_reifegrad", rg);
	return o;
}

static const char *const rollout_csv_head =
	"key,level,name,population,gemeinden,online,flaechendeckend,fulfilled,"
	"fulfilled_flaechendeckend,reliable,reliable_flaechendeckend,population_coverage,"
	"population_coverage_reliable\r\n";

static void rollout_area_csv(struct buf *b, const struct rollout_area *a)
{
	buf_printf(b, "%s,%s,", a->key, level_name(a->level));
	csv_text(b, a->name ? a->name : "");
	buf_printf(b, ",%ld,%u,%u,%u,%u,%u,%u,%u,", a->population, a->gemeinden, a->online,
		   a->online_all, a->fulfilled, a->fulfilled_all, a->reliable, a->reliable_all);
	csv_num(b, a->population_coverage);
	buf_puts(b, ",");
	csv_num(b, a->population_coverage_reliable);
	buf_puts(b, "\r\n");
}

/*
 * Whether Angebot x serves some Gemeinde of area a: one area contains the
 * other (Land > Kreis > Verband > Gemeinde), or they are the same.
 */
static bool angebot_serves(const struct registers *reg, const struct cfg_angebot *x,
			   const struct rollout_area *a)
{
	return rollout_area_contains(reg, x->level, x->area, a->level, a->key) ||
	       rollout_area_contains(reg, a->level, a->key, x->level, x->area);
}

/*
 * Incident totals over the Onlinedienste that serve area a: open now,
 * opened, closed, downtime and MTTR (closed ones).  NULL without a journal.
 */
static json_t *area_incidents(const struct api_req *rq, const struct rollout_area *a)
{
	const struct incidents_view *v = rq->incidents;
	const struct cfg *c;
	unsigned open = 0, dienste = 0;
	uint64_t opened = 0, closed = 0;
	double down = 0;
	bool *serves;

	if (!v || !rq->rollout || v->cfg != rq->rollout->cfg)
		return json_null();
	c = v->cfg;
	serves = calloc(c->n_dienste + 1, sizeof *serves);
	if (!serves)
		return json_null();
	for (size_t i = 0; i < c->n_angebote; i++)
		if (!serves[c->angebote[i].dienst] && angebot_serves(&c->reg, &c->angebote[i], a))
			serves[c->angebote[i].dienst] = true;
	for (size_t d = 0; d < v->n; d++) {
		if (!serves[d])
			continue;
		dienste++;
		open += v->d[d].open;
		opened += v->d[d].opened;
		closed += v->d[d].closed;
		down += v->d[d].downtime_s;
	}
	free(serves);
	return json_pack("{s:i,s:i,s:I,s:I,s:o,s:o}", "onlinedienste", (int)dienste, "open",
			 (int)open, "incidents", (json_int_t)opened, "closed", (json_int_t)closed,
			 "downtime_seconds", json_num(down),
			 "mttr_seconds", json_num(closed ? down / (double)closed : NAN));
}

/*
 * /rollout: the Land, its Kreise, Themenfelder;  /rollout/areas(.csv): every
 * area;  /rollout/areas/KEY: one area and the areas directly beneath it;
 * /rollout/leistungen(.csv): every offered Leistung across the Land.
 */
static unsigned rollout_api(const struct api_req *rq, char seg[3][128], int n, bool csv,
			    struct buf *out, const char **ctype)
{
	const struct rollout_ref *ref = rq->rollout;
	const struct rollout *r;
	json_t *o, *arr = NULL;

	if (!ref)
		return error(out, ctype, 503, "the rollout figures are not computed yet");
	r = ref->r;
	if (n == 1 && !csv) {
		o = json_object();
		arr = json_array();
		json_object_set_new(o, "computed_at", json_time((time_t)ref->made_s));
		json_object_set_new(o, "compute_seconds", json_num(ref->took_s));
		json_object_set_new(o, "rules", json_pack("{s:i,s:i,s:f}", "online_min",
			r->params.online_min, "fulfilled_min", r->params.fulfilled_min,
			"reliable_availability_min", r->params.reliable_min));
		json_object_set_new(o, "catalog", json_integer((json_int_t)r->n_services));
		json_object_set_new(o, "relevant", json_integer(r->relevant));
		json_object_set_new(o, "offered", json_integer(r->offered));
		json_object_set_new(o, "land", rollout_area_json(r, &r->areas[0]));
		for (size_t a = 0; a < r->n_areas; a++)
			if (r->areas[a].level == AREA_KREIS)
				json_array_append_new(arr, rollout_area_json(r, &r->areas[a]));
		json_object_set_new(o, "kreise", arr);
		arr = json_array();
		for (size_t t = 0; t < r->n_themenfelder; t++) {
			const struct rollout_themenfeld *tf = &r->themenfelder[t];
			json_array_append_new(arr, json_pack("{s:i,s:s,s:i,s:i,s:i,s:i,s:o}", "id", tf->id,
				"name", tf->name ? tf->name : "", "catalog", (int)tf->catalog,
				"online", (int)tf->online, "flaechendeckend", (int)tf->online_all,
				"fulfilled", (int)tf->fulfilled, "population_coverage",
				json_num(tf->population_coverage)));
		}
		json_object_set_new(o, "themenfelder", arr);
		return send_json(out, ctype, 200, o);
	}
	if (strcmp(seg[1], "areas") == 0 && n == 2) {
		if (csv) {
			*ctype = CT_CSV;
			buf_puts(out, rollout_csv_head);
			for (size_t a = 0; a < r->n_areas; a++)
				rollout_area_csv(out, &r->areas[a]);
			return 200;
		}
		arr = json_array();
		for (size_t a = 0; a < r->n_areas; a++)
			json_array_append_new(arr, rollout_area_json(r, &r->areas[a]));
		return send_json(out, ctype, 200, arr);
	}
	if (strcmp(seg[1], "areas") == 0 && n == 3 && !csv) {
		const struct rollout_area *a = NULL;
		const struct reg_gemeinde *g = NULL;

		for (size_t i = 0; i < r->n_areas && !a; i++)
			if (strcmp(r->areas[i].key, seg[2]) == 0)
				a = &r->areas[i];
		if (!a && (g = reg_find_gemeinde(&ref->cfg->reg, seg[2])))
			for (size_t i = 0; i < r->n_areas && !a; i++)
				if (strcmp(r->areas[i].key, g->ags) == 0)
					a = &r->areas[i];
		if (!a)
			return error(out, ctype, 404, "unknown area '%s'", seg[2]);
		o = rollout_area_json(r, a);
		json_object_set_new(o, "incidents", area_incidents(rq, a));
		arr = json_array();
		for (size_t i = 0; i < r->n_areas; i++) {
			const struct rollout_area *c = &r->areas[i];
			/* directly beneath a: one level down, and inside it */
			if (c->level == a->level + 1 &&
			    rollout_area_contains(&ref->cfg->reg, a->level, a->key, c->level, c->key))
				json_array_append_new(arr, rollout_area_json(r, c));
		}
		json_object_set_new(o, "beneath", arr);
		return send_json(out, ctype, 200, o);
	}
	if (strcmp(seg[1], "leistungen") == 0 && n == 2) {
		if (csv) {
			*ctype = CT_CSV;
			buf_puts(out, "ozg_id,name,themenfeld,max_reifegrad,gemeinden_online,"
				      "kreise_flaechendeckend,population_online,population_coverage\r\n");
		} else {
			arr = json_array();
		}
		for (size_t l = 0; l < r->n_services; l++) {
			const struct rollout_service *sv = &r->services[l];
			if (sv->max_reifegrad < 0)
				continue;
			if (csv) {
				buf_printf(out, "%s,", sv->leistung->ozg_id);
				csv_text(out, sv->leistung->name ? sv->leistung->name : "");
				buf_puts(out, ",");
				csv_text(out, sv->leistung->themenfeld ? sv->leistung->themenfeld : "");
				buf_printf(out, ",%d,%u,%u,%ld,", sv->max_reifegrad, sv->gemeinden_online,
					   sv->kreise_all, sv->population_online);
				csv_num(out, sv->population_coverage);
				buf_puts(out, "\r\n");
				continue;
			}
			json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:I,s:o}",
				"ozg_id", sv->leistung->ozg_id, "name",
				sv->leistung->name ? sv->leistung->name : "", "themenfeld",
				sv->leistung->themenfeld ? sv->leistung->themenfeld : "", "max_reifegrad",
				sv->max_reifegrad, "gemeinden_online", (int)sv->gemeinden_online,
				"kreise_flaechendeckend", (int)sv->kreise_all, "population_online",
				(json_int_t)sv->population_online, "population_coverage",
				json_num(sv->population_coverage)));
		}
		return csv ? 200 : send_json(out, ctype, 200, arr);
	}
	return error(out, ctype, 404, "unknown API path; see docs/api.md");
}

/* /incidents: per Onlinedienst, the journal's totals and the open incident. */
static unsigned incidents_api(const struct api_req *rq, bool csv, struct buf *out,
			      const char **ctype, char *next)
{
	const struct incidents_view *v = rq->incidents;
	json_t *arr = NULL;
	struct page pg;
	unsigned bad;

	if (!v)
		return error(out, ctype, 503, "the incident journal is not available");
	if ((bad = page_args(rq, &pg, id_cursor, next, out, ctype)))
		return bad;
	if (csv) {
		*ctype = CT_CSV;
		buf_puts(out, "dienst,open,open_since,open_reason,incidents,closed,downtime_seconds,"
			      "mttr_seconds,first_success\r\n");
	} else {
		arr = json_array();
	}
	for (size_t d = 0; d < v->n; d++) {
		const struct incident_stats *st = &v->d[d];
		double mttr = st->closed ? st->downtime_s / (double)st->closed : NAN;
		char since[32] = "", first[32] = "";

		/* In the order of the dienst ids (cfg->dienste is sorted by id). */
		if (pg.after && strcmp(v->cfg->dienste[d].id, pg.after) <= 0)
			continue;
		if (!page_take(&pg, v->cfg->dienste[d].id))
			break;
		if (st->open)
			iso_time((time_t)(st->open_since_ms / 1000), since);
		if (st->first_success_ms)
			iso_time((time_t)(st->first_success_ms / 1000), first);
		if (csv) {
			csv_text(out, v->cfg->dienste[d].id);
			buf_printf(out, ",%d,%s,%s,%llu,%llu,", st->open ? 1 : 0, since,
				   st->open ? probe_result_name(st->open_reason) : "",
				   (unsigned long long)st->opened, (unsigned long long)st->closed);
			csv_num(out, st->downtime_s);
			buf_puts(out, ",");
			csv_num(out, mttr);
			buf_printf(out, ",%s\r\n", first);
			continue;
		}
		json_array_append_new(arr, json_pack("{s:s,s:b,s:o,s:o,s:I,s:I,s:o,s:o,s:o}", "dienst",
			v->cfg->dienste[d].id, "open", st->open,
			"open_since", st->open ? json_string(since) : json_null(),
			"open_reason", st->open ? json_string(probe_result_name(st->open_reason)) : json_null(),
			"incidents", (json_int_t)st->opened, "closed", (json_int_t)st->closed,
			"downtime_seconds", json_num(st->downtime_s), "mttr_seconds", json_num(mttr),
			"first_success", st->first_success_ms ? json_string(first) : json_null()));
	}
	return csv ? 200 : send_json(out, ctype, 200, arr);
}

/* Strips a ".csv" suffix from s; true when there was one. */
static bool csv_suffix(char *s)
{
	size_t n = strlen(s);
	if (n > 4 && strcmp(s + n - 4, ".csv") == 0) {
		s[n - 4] = '\0';
		return true;
	}
	return false;
}

/* ---- Prometheus HTTP service discovery ------------------------------------ */

/* Where an Onlinedienst serves, from its Angebote (sd_areas). */
struct sd_where {
	char area[13];		/* the one area all its Angebote name, else "" */
	char kreis[6];		/* the one Kreis they all lie in, else "" (also Land-wide) */
	bool seen;
};

/* Fills w[0 .. c->n_dienste) in one pass over the Angebote. */
static void sd_areas(const struct cfg *c, struct sd_where *w)
{
	for (size_t i = 0; i < c->n_angebote; i++) {
		const struct cfg_angebot *a = &c->angebote[i];
		struct sd_where *x = &w[a->dienst];
		char k[6] = "";

		if (a->level != AREA_LAND)
			snprintf(k, sizeof k, "%.5s", a->area);
		if (!x->seen) {
			snprintf(x->area, sizeof x->area, "%s", a->area);
			snprintf(x->kreis, sizeof x->kreis, "%s", k);
			x->seen = true;
			continue;
		}
		if (strcmp(x->area, a->area) != 0)
			x->area[0] = '\0';
		if (strcmp(x->kreis, k) != 0)
			x->kreis[0] = '\0';
	}
}

/*
 * GET /api/v1/sd: this shard's Onlinedienste as Prometheus http_sd target
 * groups (one per Onlinedienst: its URL, the label `dienst`, and
 * __meta_ozgmon_* labels for relabeling), for a blackbox_exporter job.
 */
static unsigned sd_api(const struct api_req *rq, struct buf *out, const char **ctype)
{
	const struct cfg *c = rq->s->cfg;
	json_t *arr = json_array();
	struct sd_where *w = calloc(c->n_dienste + 1, sizeof *w);
	char shard[16];

	if (!arr || !w) {
		json_decref(arr);
		free(w);
		return error(out, ctype, 500, "out of memory");
	}
	sd_areas(c, w);
	snprintf(shard, sizeof shard, "%u/%u", c->global.shard_count ? c->global.shard_index : 1,
		 c->global.shard_count ? c->global.shard_count : 1);
	for (size_t i = 0; i < c->n_dienste; i++) {
		const struct cfg_dienst *d = &c->dienste[i];
		json_t *g;

		g = json_pack("{s:[s],s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}}", "targets", d->url,
			      "labels", "dienst", d->id, "__meta_ozgmon_name", d->name,
			      "__meta_ozgmon_provider", d->provider, "__meta_ozgmon_efa",
			      d->efa ? "true" : "false", "__meta_ozgmon_area", w[i].area,
			      "__meta_ozgmon_kreis", w[i].kreis, "__meta_ozgmon_land", c->reg.land_key,
			      "__meta_ozgmon_shard", shard, "__meta_ozgmon_module",
			      "http_2xx");
		if (!g || json_array_append_new(arr, g) != 0) {
			json_decref(arr);
			free(w);
			return error(out, ctype, 500, "out of memory");
		}
	}
	free(w);
	return send_json(out, ctype, 200, arr);
}

static unsigned route(const struct api_req *rq, struct buf *out, const char **ctype, char *next)
{
	char seg[3][128];
	int n = split(rq->path, seg);
	bool csv;
	const struct cfg_dienst *d;

	*ctype = CT_JSON;
	if (n <= 0)
		return error(out, ctype, 404, "unknown API path; see docs/api.md");
	if (!rq->s)
		return error(out, ctype, 503, "no state published yet");
	csv = csv_suffix(seg[n - 1]);
	if (strcmp(seg[0], "targets") == 0) {
		if (n == 1)
			return targets(rq, out, ctype, csv, next);
		d = cfg_find_dienst(rq->s->cfg, seg[1]);
		if (!d)
			return error(out, ctype, 404, "unknown target '%s'", seg[1]);
		if (n == 2 && !csv)
			return send_json(out, ctype, 200,
					 target_json(rq->s, (size_t)(d - rq->s->cfg->dienste), rq->now));
		if (n == 3 && strcmp(seg[2], "history") == 0)
			return history(rq, (size_t)(d - rq->s->cfg->dienste), out, ctype, csv);
	} else if (strcmp(seg[0], "areas") == 0) {
		if (n == 1)
			return areas(rq, NULL, out, ctype, csv, next);
		if (n == 2 && !csv)
			return areas(rq, seg[1], out, ctype, false, next);
	} else if (strcmp(seg[0], "rollout") == 0) {
		return rollout_api(rq, seg, n, csv, out, ctype);
	} else if (strcmp(seg[0], "incidents") == 0 && n == 1) {
		return incidents_api(rq, csv, out, ctype, next);
	} else if (strcmp(seg[0], "sd") == 0 && n == 1 && !csv) {
		return sd_api(rq, out, ctype);
	} else if (strcmp(seg[0], "services") == 0) {
		if (n == 1)
			return services(rq, NULL, out, ctype, csv, next);
		if (n == 2 && !csv)
			return services(rq, seg[1], out, ctype, false, next);
	}
	return error(out, ctype, 404, "unknown API path; see docs/api.md");
}

unsigned api_handle(const struct api_req *rq, struct buf *out, struct api_answer *ans)
{
	unsigned status;

	ans->next[0] = '\0';
	status = route(rq, out, &ans->ctype, ans->next);
	if (status != 200)
		ans->next[0] = '\0';
	return status;
}

bool api_reads_files(const char *path)
{
	char seg[3][128];
	int n = split(path, seg);

	if (n == 3) {
		(void)csv_suffix(seg[2]);
		return strcmp(seg[0], "targets") == 0 && strcmp(seg[2], "history") == 0;
	}
	return false;
}

unsigned api_error(struct buf *out, struct api_answer *ans, unsigned status, const char *message)
{
	ans->next[0] = '\0';
	return error(out, &ans->ctype, status, "%s", message);
}
