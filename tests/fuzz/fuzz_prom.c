/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * fuzz_prom.c - the exposition-format writer (exporter/prom.h), round trip.
 *
 * The input drives a small inventory: up to four Onlinedienste with names
 * and providers (any valid UTF-8, quotes, backslashes and newlines
 * included), probe figures as raw doubles (NaN, infinities, subnormals,
 * negative zero) and usage values whose wildcard labels are arbitrary
 * member names, and usage metrics whose JSON pointers (named in their HELP
 * text) are any valid UTF-8.  prom_render() writes it in text 0.0.4 or
 * OpenMetrics 1.0.0,
 * and a strict parser written for this test reads it back:
 * - every line is a HELP, TYPE, UNIT (OpenMetrics) or EOF comment, or a
 *   sample of the family typed last; names are valid metric and label
 *   names; a label value uses only the escapes \\, \" and \n and is valid
 *   UTF-8; values are Go-style floats or NaN/+Inf/-Inf; no series repeats;
 *   OpenMetrics ends in exactly one "# EOF"; HELP texts are valid UTF-8 and
 *   use only the escapes \\ and \n (and \" in OpenMetrics, where a bare
 *   double quote is an error);
 * - the names, label values, JSON pointers and values that went in come out
 *   unchanged; the result of the last probe is a state set with one 1.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporter/prom.h"
#include "tests/fuzz/harness.h"

#define NT 4		/* targets at most */
#define NV 4		/* usage values per target at most */
#define SLEN 48		/* bytes of a generated string at most */
#define MAX_SERIES 4096
#define MAX_LABELS 8

/* ---- input reader --------------------------------------------------------- */

struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned byte(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static double raw_double(struct in *in)
{
	uint64_t u = 0;
	double d;
	for (int i = 0; i < 8; i++)
		u = u << 8 | byte(in);
	memcpy(&d, &u, sizeof d);
	return d;
}

/*
 * A string of at most max-1 bytes that is valid UTF-8 without NUL (the
 * configuration and JSON readers guarantee that of every label value):
 * length from one byte, then bytes; a byte that does not start a valid
 * sequence becomes '?'.
 */
static void utf8_string(struct in *in, char *out, size_t max)
{
	size_t len = byte(in) % max, n = 0;

	while (n < len && in->n) {
		unsigned c = byte(in), need = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 && c <= 0xef ? 2 :
					      c >= 0xc2 && c <= 0xdf ? 1 : 0;
		uint8_t seq[4] = { (uint8_t)c };
		int good = c >= 0x01 && c < 0x80;

		if (need && n + need < len && in->n >= need) {
			unsigned cp = c & (0x3fu >> need);
			good = 1;
			for (unsigned k = 1; k <= need; k++) {
				seq[k] = (uint8_t)(0x80 | (byte(in) & 0x3f));
				cp = cp << 6 | (seq[k] & 0x3f);
			}
			if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
			    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
				good = 0;
		}
		if (!good || (c >= 0x80 && !need)) {
			out[n++] = '?';
			continue;
		}
		memcpy(out + n, seq, need + 1);
		n += need + 1;
	}
	out[n] = '\0';
}

/* ---- strict exposition parser -------------------------------------------- */

struct label {
	char name[64];
	char value[512];
};

struct series {
	char name[128];
	struct label l[MAX_LABELS];
	int nl;
	double v;
};

struct parsed {
	struct series *s;
	size_t n;
	bool eof;
	char usage_help[1024];	/* the HELP of the usage family, unescaped */
};

/*
 * Checks the text of a HELP line and unescapes it into out: valid UTF-8,
 * only \\ and \n escapes (and \" in OpenMetrics, where a bare " is an
 * error).  Returns -1 when it is not.
 */
static int parse_help(const char *p, bool om, char *out, size_t outsz)
{
	size_t n = 0;

	if (!fuzz_utf8_valid((const unsigned char *)p, strlen(p)))
		return -1;
	for (; *p; p++) {
		char c = *p;
		if (c == '"' && om)
			return -1;
		if (c == '\\') {
			p++;
			if (*p == '\\')
				c = '\\';
			else if (*p == 'n')
				c = '\n';
			else if (*p == '"' && om)
				c = '"';
			else
				return -1;
		}
		if (n + 1 < outsz)
			out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

static size_t name_len(const char *p, int metric)
{
	size_t n = 0;
	while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || p[n] == '_' ||
	       (metric && p[n] == ':') || (n > 0 && p[n] >= '0' && p[n] <= '9'))
		n++;
	return n;
}

/* A value as Prometheus reads it: NaN, +Inf, -Inf or a decimal float. */
static int parse_value(const char *p, double *v)
{
	char *end;
	const char *q = p;

	if (strcmp(p, "NaN") == 0) { *v = NAN; return 0; }
	if (strcmp(p, "+Inf") == 0) { *v = INFINITY; return 0; }
	if (strcmp(p, "-Inf") == 0) { *v = -INFINITY; return 0; }
	if (*q == '-' || *q == '+')
		q++;
	if (!(*q >= '0' && *q <= '9'))
		return -1;
	if (strspn(q, "0123456789.eE+-") != strlen(q))
		return -1;
	*v = strtod(p, &end);
	return *end == '\0' ? 0 : -1;
}

/* Reads "{a="x",b="y"}" at *pp into s; -1 on any deviation from the format. */
static int parse_labels(const char **pp, struct series *s)
{
	const char *p = *pp + 1;

	while (*p != '}') {
		struct label *l;
		size_t n = name_len(p, 0), k = 0;
		if (n == 0 || n >= sizeof s->l[0].name || s->nl >= MAX_LABELS)
			return -1;
		l = &s->l[s->nl++];
		memcpy(l->name, p, n);
		l->name[n] = '\0';
		for (int i = 0; i < s->nl - 1; i++)
			if (strcmp(s->l[i].name, l->name) == 0)
				return -1;	/* a label twice */
		p += n;
		if (p[0] != '=' || p[1] != '"')
			return -1;
		for (p += 2; *p != '"'; p++) {
			char c = *p;
			if (c == '\0' || c == '\n')
				return -1;
			if (c == '\\') {
				p++;
				if (*p == 'n')
					c = '\n';
				else if (*p == '\\' || *p == '"')
					c = *p;
				else
					return -1;
			}
			if (k + 1 >= sizeof l->value)
				return -1;
			l->value[k++] = c;
		}
		l->value[k] = '\0';
		if (!fuzz_utf8_valid((const unsigned char *)l->value, strlen(l->value)))
			return -1;
		p++;
		if (*p == ',')
			p++;
		else if (*p != '}')
			return -1;
	}
	*pp = p + 1;
	return 0;
}

static int same_series(const struct series *a, const struct series *b)
{
	if (strcmp(a->name, b->name) != 0 || a->nl != b->nl)
		return 0;
	for (int i = 0; i < a->nl; i++)
		if (strcmp(a->l[i].name, b->l[i].name) || strcmp(a->l[i].value, b->l[i].value))
			return 0;
	return 1;
}

static int parse_exposition(char *text, bool om, struct parsed *out)
{
	char family[128] = "";
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (out->eof)
			return -1;	/* nothing after # EOF */
		if (line[0] == '#') {
			char kw[8], name[128];
			size_t n;
			if (strcmp(line, "# EOF") == 0) {
				if (!om)
					return -1;
				out->eof = true;
				continue;
			}
			if (sscanf(line, "# %7s ", kw) != 1)
				return -1;
			if (strcmp(kw, "HELP") && strcmp(kw, "TYPE") && (!om || strcmp(kw, "UNIT")))
				return -1;
			n = name_len(line + 2 + strlen(kw) + 1, 1);
			if (n == 0 || n >= sizeof name || line[2 + strlen(kw) + 1 + n] != ' ')
				return -1;
			memcpy(name, line + 2 + strlen(kw) + 1, n);
			name[n] = '\0';
			if (strcmp(kw, "HELP") == 0) {
				char help[1024];
				if (parse_help(line + 2 + 4 + 1 + n + 1, om, help, sizeof help) != 0)
					return -1;
				if (strcmp(name, om ? "ozg_usage_antraege" : "ozg_usage_antraege_total") == 0)
					snprintf(out->usage_help, sizeof out->usage_help, "%s", help);
			}
			if (strcmp(kw, "TYPE") == 0) {
				const char *t = line + 2 + 4 + 1 + n + 1;
				if (strcmp(t, "counter") && strcmp(t, "gauge") && strcmp(t, "histogram") &&
				    strcmp(t, "summary") && strcmp(t, om ? "info" : "untyped") &&
				    strcmp(t, om ? "unknown" : "untyped"))
					return -1;
				snprintf(family, sizeof family, "%s", name);
			}
			continue;
		}
		{
			struct series *s;
			const char *p = line;
			size_t n = name_len(p, 1), fl = strlen(family);
			if (n == 0 || n >= sizeof s->name || out->n >= MAX_SERIES)
				return -1;
			s = &out->s[out->n];
			memset(s, 0, sizeof *s);
			memcpy(s->name, p, n);
			/* A sample belongs to the family typed last. */
			if (fl == 0 || strncmp(s->name, family, fl) != 0)
				return -1;
			p += n;
			if (*p == '{' && parse_labels(&p, s) != 0)
				return -1;
			if (*p != ' ' || parse_value(p + 1, &s->v) != 0)
				return -1;
			for (size_t i = 0; i < out->n; i++)
				if (same_series(&out->s[i], s))
					return -1;	/* a series twice */
			out->n++;
		}
	}
	return om && !out->eof ? -1 : 0;
}

static const struct series *find(const struct parsed *ps, const char *name, const char *l1,
				 const char *v1, const char *l2, const char *v2)
{
	for (size_t i = 0; i < ps->n; i++) {
		const struct series *s = &ps->s[i];
		int hit = strcmp(s->name, name) == 0;
		for (int k = 0; hit && k < s->nl; k++) {
			if (strcmp(s->l[k].name, l1) == 0)
				hit = strcmp(s->l[k].value, v1) == 0;
			else if (l2 && strcmp(s->l[k].name, l2) == 0)
				hit = strcmp(s->l[k].value, v2) == 0;
		}
		if (hit)
			return s;
	}
	return NULL;
}

static int same_value(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* ---- the harness ----------------------------------------------------------- */

static struct series parsed_series[MAX_SERIES];	/* reused: one input at a time */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	static struct cfg_dienst d[NT];
	static struct cfg_usage u[NT];
	static struct cfg_usage_metric m[NT];
	static char ids[NT][32], names[NT][SLEN], providers[NT][SLEN], pointers[NT][SLEN];
	static char *seg_star[2] = { (char *)(uintptr_t)"areas", (char *)(uintptr_t)"*" };
	struct cfg cfg;
	struct snapshot *s;
	struct prom_self self = { .start_time_s = 1700000000, .ready = true, .reload_ok = true };
	struct parsed ps = { 0 };
	struct buf b;
	size_t nt;

	memset(&cfg, 0, sizeof cfg);
	memset(d, 0, sizeof d);
	self.openmetrics = byte(&in) & 1;
	nt = 1 + byte(&in) % NT;
	for (size_t i = 0; i < nt; i++) {
		snprintf(ids[i], sizeof ids[i], "d%zu-%02x", i, byte(&in));
		utf8_string(&in, names[i], sizeof names[i]);
		utf8_string(&in, providers[i], sizeof providers[i]);
		utf8_string(&in, pointers[i], sizeof pointers[i]);
		d[i] = (struct cfg_dienst){ .id = ids[i], .name = names[i], .provider = providers[i],
					    .url = (char *)(uintptr_t)"http://127.0.0.1/", .efa = byte(&in) & 1 };
		m[i] = (struct cfg_usage_metric){ .name = (char *)(uintptr_t)"antraege_total",
						  .pointer = pointers[i],
						  .seg = seg_star, .n_seg = 2, .wildcard = 1,
						  .type = CFG_USAGE_COUNTER,
						  .label = (char *)(uintptr_t)"bereich" };
		u[i] = (struct cfg_usage){ .url = (char *)(uintptr_t)"http://127.0.0.1/s",
					   .metrics = &m[i], .n_metrics = 1 };
		d[i].usage = byte(&in) & 1 ? &u[i] : NULL;
	}
	cfg.dienste = d;
	cfg.n_dienste = nt;
	s = snapshot_new(&cfg);
	if (!s)
		return 0;
	for (size_t i = 0; i < nt; i++) {
		struct target_state *t = &s->t[i];
		t->probed = byte(&in) % 4 != 0;
		t->success = byte(&in) & 1;
		t->result = (enum probe_result)(byte(&in) % PROBE_RESULT_COUNT);
		t->duration_s = raw_double(&in);
		t->http_status = (int)byte(&in) * 3;
		t->last_ms = (int64_t)byte(&in) * 1000003;
		for (int ph = 0; ph < PROBE_PHASE_COUNT; ph++)
			t->phase_s[ph] = raw_double(&in);
		if (d[i].usage) {
			size_t nv = byte(&in) % (NV + 1);
			struct usage_result *r = calloc(1, sizeof *r + NV * sizeof r->v[0]);
			if (!r)
				abort();
			atomic_init(&r->refs, 1);
			r->ok = true;
			r->last_ok_ms = 1700000000123;
			for (size_t k = 0; k < nv; k++) {
				/* Distinct labels, as member names of one JSON object are. */
				char lab[USAGE_LABEL_MAX - 4];
				utf8_string(&in, lab, sizeof lab);
				r->v[r->n].label[0] = (char)('0' + k);	/* k < NV <= 9 */
				memcpy(r->v[r->n].label + 1, lab, strlen(lab) + 1);	/* fits: 1 + 59 + 1 */
				r->v[r->n].metric = 0;
				r->v[r->n].v = raw_double(&in);
				r->n++;
			}
			t->usage = r;
		}
	}
	buf_init(&b, 8u << 20);
	prom_render(&b, s, &self);
	must(!b.overflow && b.data);
	ps.s = parsed_series;
	must(parse_exposition(b.data, self.openmetrics, &ps) == 0);

	for (size_t i = 0; i < nt; i++) {
		const struct target_state *t = &s->t[i];
		const struct series *x = find(&ps, "ozg_dienst_info", "dienst", ids[i], NULL, NULL);
		must(x && x->v == 1);
		for (int k = 0; k < x->nl; k++) {
			if (strcmp(x->l[k].name, "name") == 0)
				must(strcmp(x->l[k].value, names[i]) == 0);
			if (strcmp(x->l[k].name, "provider") == 0)
				must(strcmp(x->l[k].value, providers[i]) == 0);
		}
		x = find(&ps, "ozg_probe_duration_seconds", "dienst", ids[i], NULL, NULL);
		must(t->probed ? x && same_value(x->v, t->duration_s) : !x);
		if (t->probed)
			for (int ph = 0; ph < PROBE_PHASE_COUNT; ph++) {
				x = find(&ps, "ozg_probe_http_duration_seconds", "dienst", ids[i], "phase",
					 probe_phase_name((enum probe_phase)ph));
				must(x && same_value(x->v, t->phase_s[ph]));
			}
		for (int r = 0; r < PROBE_RESULT_COUNT; r++) {
			x = find(&ps, "ozg_probe_result", "dienst", ids[i], "result",
				 probe_result_name((enum probe_result)r));
			must(t->probed ? x && x->v == (r == (int)t->result ? 1 : 0) : !x);
		}
		for (size_t k = 0; t->usage && k < t->usage->n; k++) {
			x = find(&ps, "ozg_usage_antraege_total", "dienst", ids[i], "bereich",
				 t->usage->v[k].label);
			must(x && same_value(x->v, t->usage->v[k].v));
		}
	}
	/*
	 * The usage family's HELP names the pointer of the first Onlinedienst
	 * that reads it (control characters other than newline as spaces).
	 */
	for (size_t i = 0; i < nt; i++) {
		char want[SLEN + 16];
		size_t w;

		if (!d[i].usage)
			continue;
		w = (size_t)snprintf(want, sizeof want, "JSON pointer %s", pointers[i]);
		for (size_t k = 0; k < w; k++)
			if (((unsigned char)want[k] < 0x20 && want[k] != '\n') || want[k] == 0x7f)
				want[k] = ' ';
		must(strstr(ps.usage_help, want) != NULL);
		break;
	}
	buf_free(&b);
	snapshot_release(s);
	return 0;
}
