/* SPDX-License-Identifier: EUPL-1.2 */
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
#include "tests/fuzz/harness.h"

#define MAX_METRICS 4
#define MAX_SEG 16

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
		must(fuzz_utf8_valid((const unsigned char *)r->v[i].label, ll));
		if (m[r->v[i].metric].wildcard == CFG_USAGE_NO_WILDCARD)
			must(ll == 0);
	}
	usage_result_release(r);
	return 0;
}
