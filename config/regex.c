/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * regex.c - the probes' regular expressions: PCRE2, compiled once at load,
 * matched with bounded work (see config.h, struct cfg_regex).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

/*
 * Bounds of one match against a hostile body: backtracking steps, the depth
 * of nested backtracking, and the heap PCRE2 may use for it (KiB).
 */
#define RX_MATCH_LIMIT 1000000u
#define RX_DEPTH_LIMIT 10000u
#define RX_HEAP_LIMIT_KIB (8u * 1024u)

/*
 * UTF-8 as RE2 reads it (`.` is one character), an invalid sequence in a
 * body is simply not matched by any character; `$` only at the very end.
 */
#define RX_OPTIONS (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY)

static pcre2_match_context *mctx;
static pthread_once_t mctx_once = PTHREAD_ONCE_INIT;

static void mctx_init(void)
{
	mctx = pcre2_match_context_create(NULL);
	if (!mctx)
		return;
	pcre2_set_match_limit(mctx, RX_MATCH_LIMIT);
	pcre2_set_depth_limit(mctx, RX_DEPTH_LIMIT);
	pcre2_set_heap_limit(mctx, RX_HEAP_LIMIT_KIB);
}

int cfg_regex_compile(struct cfg_regex *rx, const char *src, char *why, size_t whysz)
{
	int code = 0;
	PCRE2_SIZE off = 0;
	pcre2_code *re;

	memset(rx, 0, sizeof *rx);
	re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, RX_OPTIONS, &code, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[160];
		if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
			snprintf((char *)msg, sizeof msg, "error %d", code);
		snprintf(why, whysz, "%s at offset %zu", (const char *)msg, (size_t)off);
		return -1;
	}
	rx->src = strdup(src);
	if (!rx->src) {
		pcre2_code_free(re);
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	rx->code = re;
	return 0;
}

void cfg_regex_free(struct cfg_regex *rx)
{
	pcre2_code_free(rx->code);
	free(rx->src);
	rx->code = NULL;
	rx->src = NULL;
}

int cfg_regex_match(const struct cfg_regex *rx, const char *s, size_t len)
{
	pcre2_match_data *md;
	int rc;

	pthread_once(&mctx_once, mctx_init);
	if (!rx->code || !mctx)
		return -1;
	md = pcre2_match_data_create(1, NULL);
	if (!md)
		return -1;
	rc = pcre2_match(rx->code, (PCRE2_SPTR)(s ? s : ""), s ? len : 0, 0, 0, md, mctx);
	pcre2_match_data_free(md);
	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}
