/*
 * fuzz_usage.c - the JSON usage mapping (collector/usage.h).
 *
 * Input: a first line of up to four JSON Pointers separated by spaces (the
 * metrics; one segment may be "*"), then the statistics document.  Checked
 * for every input:
 * - usage_extract returns a result with ok set, or NULL with a reason;
 * - a result holds at most USAGE_MAX_VALUES values, each naming one of the
 *   metrics, with a finite value and a label that is a NUL-terminated,
 *   valid UTF-8 string (a JSON member name or an array index) or "" for a
 *   metric without wildcard.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/usage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_METRICS 4
#define MAX_SEG 16

/* A failed invariant: names it and aborts, so the input is kept as a crasher. */
#define must(cond)                                                                  \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
				#cond);                                             \
			abort();                                                    \
		}                                                                   \
	} while (0)

/* Whether s[0..n) is valid UTF-8 (no overlong forms, no surrogates). */
static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i], need, cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) { need = 1; cp = c & 0x1f; }
		else if (c >= 0xe0 && c <= 0xef) { need = 2; cp = c & 0x0f; }
		else if (c >= 0xf0 && c <= 0xf4) { need = 3; cp = c & 0x07; }
		else return 0;
		for (unsigned k = 1; k <= need; k++) {
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg_usage_map map[] = { { (char *)(uintptr_t)"up", 1 },
					       { (char *)(uintptr_t)"down", 0 } };
	static char names[MAX_METRICS][8] = { "a_total", "b", "c_total", "d" };
	static char labels[MAX_METRICS][8] = { "k", "key", "bereich", "x" };
	struct cfg_usage_metric m[MAX_METRICS];
	char *segs[MAX_METRICS][MAX_SEG];
	char head[512], *save = NULL, *tok;
	const char *nl = memchr(data, '\n', size);
	size_t hl = nl ? (size_t)(nl - (const char *)data) : 0, nm = 0;
	struct cfg_usage u = { 0 };
	struct usage_result *r;
	char err[256] = "";

	if (!nl || hl >= sizeof head)
		return 0;
	memcpy(head, data, hl);
	head[hl] = '\0';
	memset(m, 0, sizeof m);
	for (tok = strtok_r(head, " ", &save); tok && nm < MAX_METRICS;
	     tok = strtok_r(NULL, " ", &save)) {
		struct cfg_usage_metric *x = &m[nm];
		char *s, *p;
		if (tok[0] != '/')
			continue;
		x->name = names[nm];
		x->pointer = tok;
		x->seg = segs[nm];
		x->wildcard = CFG_USAGE_NO_WILDCARD;
		x->type = nm % 2 ? CFG_USAGE_GAUGE : CFG_USAGE_COUNTER;
		x->map = map;
		x->n_map = nm % 2 ? 2 : 0;
		/* Split on '/', unescape ~1 and ~0 (RFC 6901) in place. */
		for (s = tok + 1; x->n_seg < MAX_SEG; s = p + 1) {
			char *w, *q;
			p = strchr(s, '/');
			if (p)
				*p = '\0';
			for (w = q = s; *q; q++) {
				if (q[0] == '~' && (q[1] == '0' || q[1] == '1')) {
					*w++ = q[1] == '0' ? '~' : '/';
					q++;
				} else {
					*w++ = *q;
				}
			}
			*w = '\0';
			if (strcmp(s, "*") == 0 && x->wildcard == CFG_USAGE_NO_WILDCARD) {
				x->wildcard = x->n_seg;
				x->label = labels[nm];
			}
			x->seg[x->n_seg++] = s;
			if (!p)
				break;
		}
		nm++;
	}
	if (nm == 0)
		return 0;
	u.metrics = m;
	u.n_metrics = nm;
	r = usage_extract(&u, (const char *)data + hl + 1, size - hl - 1, 1700000000000, err,
			  sizeof err);
	if (!r) {
		must(err[0] != '\0');
		return 0;
	}
	must(r->ok && r->n <= USAGE_MAX_VALUES && r->fetched_ms == 1700000000000);
	for (size_t i = 0; i < r->n; i++) {
		size_t ll = strnlen(r->v[i].label, USAGE_LABEL_MAX);
		must(r->v[i].metric < nm);
		must(isfinite(r->v[i].v));
		must(ll < USAGE_LABEL_MAX);
		must(utf8_ok((const unsigned char *)r->v[i].label, ll));
		if (m[r->v[i].metric].wildcard == CFG_USAGE_NO_WILDCARD)
			must(ll == 0);
	}
	usage_result_release(r);
	return 0;
}
