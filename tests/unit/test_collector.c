/* SPDX-License-Identifier: EUPL-1.2 */
/* test_collector.c - result classification (probe_evaluate) and certificate dates. */
#include <check.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "collector/collector.h"
#include "tests/unit/testutil.h"

/* A probe config with the given checks; regexes compiled here, freed by probe_free. */
static struct cfg_regex rx(const char *src)
{
	struct cfg_regex r;
	char why[200];

	ck_assert_int_eq(cfg_regex_compile(&r, src, why, sizeof why), 0);
	return r;
}

static struct cfg_status_range ok_codes[] = { { 200, 204 }, { 301, 301 } };
static struct cfg_regex body_m[1], body_nm[1];
static struct cfg_header_check hdr[2];
static struct cfg_probe P;
static char s_antrag[] = "Antrag", s_wartung[] = "Wartung", s_ct[] = "Content-Type", s_server[] = "Server";

static void setup(void)
{
	memset(&P, 0, sizeof P);
	P.expect_status = ok_codes;
	P.n_expect_status = 2;
	P.body_contains = s_antrag;
	P.body_not_contains = s_wartung;
	body_m[0] = rx("Antrag (stellen|starten)");
	body_nm[0] = rx("[Ff]ehler [0-9]+");
	P.body_matches = body_m;
	P.n_body_matches = 1;
	P.body_not_matches = body_nm;
	P.n_body_not_matches = 1;
	hdr[0] = (struct cfg_header_check){ .name = s_ct, .rx = rx("^text/html") };
	hdr[1] = (struct cfg_header_check){ .name = s_server, .rx = rx("Apache/1"),
					    .negate = true };
	P.header_checks = hdr;
	P.n_header_checks = 2;
	P.body_limit = 1024;
}

static void teardown(void)
{
	struct cfg_regex *all[] = { &body_m[0], &body_nm[0], &hdr[0].rx, &hdr[1].rx };
	for (size_t i = 0; i < 4; i++)
		cfg_regex_free(all[i]);
}

/* Fake response headers: "Name: value" strings, NULL-terminated array in ctx. */
static const char *hdr_lookup(void *ctx, const char *name)
{
	const char *const *h = *(const char *const *const *)ctx;
	size_t n = strlen(name);

	for (; *h; h++)
		if (strncasecmp(*h, name, n) == 0 && (*h)[n] == ':')
			return *h + n + 2;
	return NULL;
}

static const char *const good_hdrs[] = { "Content-Type: text/html; charset=utf-8", "Server: nginx", NULL };
static const char *const apache_hdrs[] = { "Content-Type: text/html", "Server: Apache/1.3", NULL };
static const char *const json_hdrs[] = { "Content-Type: application/json", NULL };
static const char *const no_hdrs[] = { NULL };

#define GOOD_BODY "<html>Antrag stellen</html>"

static const struct {
	const char *name;
	int code;
	long status;
	const char *body;
	bool too_large;
	const char *errbuf;
	int64_t expiry;		/* relative to now=2,000,000,000; 0 = unknown */
	const char *const *hdrs;
	enum probe_result want;
	const char *why;	/* substring of the reason; "" for success */
} cases[] = {
	{ "success", CURLE_OK, 200, GOOD_BODY, false, NULL, 0, good_hdrs, PROBE_SUCCESS, "" },
	{ "success in a range", CURLE_OK, 204, GOOD_BODY, false, NULL, 0, good_hdrs, PROBE_SUCCESS, "" },
	{ "success, cert valid", CURLE_OK, 301, GOOD_BODY, false, NULL, 86400, good_hdrs,
	  PROBE_SUCCESS, "" },
	{ "timeout", CURLE_OPERATION_TIMEDOUT, 0, NULL, false, "Operation timed out after 1000 ms", 0,
	  NULL, PROBE_TIMEOUT, "timed out after 1000" },
	{ "dns", CURLE_COULDNT_RESOLVE_HOST, 0, NULL, false, NULL, 0, NULL, PROBE_DNS, "resolve host" },
	{ "proxy dns", CURLE_COULDNT_RESOLVE_PROXY, 0, NULL, false, NULL, 0, NULL, PROBE_DNS, "proxy" },
	{ "connect refused", CURLE_COULDNT_CONNECT, 0, NULL, false, NULL, 0, NULL, PROBE_CONNECT, "connect" },
	{ "reset mid-body", CURLE_RECV_ERROR, 200, NULL, false, NULL, 0, NULL, PROBE_CONNECT, "receiv" },
	{ "empty reply", CURLE_GOT_NOTHING, 0, NULL, false, NULL, 0, NULL, PROBE_CONNECT, "nothing" },
	{ "tls handshake", CURLE_SSL_CONNECT_ERROR, 0, NULL, false, NULL, 0, NULL, PROBE_TLS, "SSL" },
	{ "self-signed", CURLE_PEER_FAILED_VERIFICATION, 0, NULL, false,
	  "SSL certificate problem: self-signed certificate", 0, NULL, PROBE_TLS, "self-signed" },
	{ "wrong host", CURLE_PEER_FAILED_VERIFICATION, 0, NULL, false,
	  "SSL: no alternative certificate subject name matches target host name", 0, NULL, PROBE_TLS,
	  "subject name" },
	{ "expired, verified", CURLE_PEER_FAILED_VERIFICATION, 0, NULL, false,
	  "SSL certificate problem: certificate has expired", 0, NULL, PROBE_CERT_EXPIRED, "expired" },
	{ "expired, not verified", CURLE_OK, 200, GOOD_BODY, false, NULL, -1, good_hdrs,
	  PROBE_CERT_EXPIRED, "certificate expired at" },
	{ "status", CURLE_OK, 503, GOOD_BODY, false, NULL, 0, good_hdrs, PROBE_HTTP_STATUS,
	  "status 503 is not expected" },
	{ "status 302 not followed", CURLE_OK, 302, "", false, NULL, 0, good_hdrs, PROBE_HTTP_STATUS,
	  "status 302" },
	{ "header missing", CURLE_OK, 200, GOOD_BODY, false, NULL, 0, no_hdrs, PROBE_CONTENT,
	  "header Content-Type is missing" },
	{ "header does not match", CURLE_OK, 200, GOOD_BODY, false, NULL, 0, json_hdrs, PROBE_CONTENT,
	  "header Content-Type does not match /^text/html/" },
	{ "header must not match", CURLE_OK, 200, GOOD_BODY, false, NULL, 0, apache_hdrs,
	  PROBE_CONTENT, "header Server matches /Apache/1/" },
	{ "body lacks text", CURLE_OK, 200, "<html>Willkommen</html>", false, NULL, 0, good_hdrs,
	  PROBE_CONTENT, "does not contain \"Antrag\"" },
	{ "body has forbidden text", CURLE_OK, 200, GOOD_BODY " Wartung", false, NULL, 0, good_hdrs,
	  PROBE_CONTENT, "body contains \"Wartung\"" },
	{ "body does not match", CURLE_OK, 200, "Antrag abgelehnt", false, NULL, 0, good_hdrs,
	  PROBE_CONTENT, "does not match /Antrag (stellen|starten)/" },
	{ "body matches forbidden", CURLE_OK, 200, GOOD_BODY " Fehler 42", false, NULL, 0, good_hdrs,
	  PROBE_CONTENT, "body matches /[Ff]ehler [0-9]+/" },
	{ "body not kept", CURLE_OK, 200, NULL, false, NULL, 0, good_hdrs, PROBE_CONTENT, "Antrag" },
	{ "body too large", CURLE_WRITE_ERROR, 200, NULL, true, NULL, 0, NULL, PROBE_BODY_TOO_LARGE,
	  "larger than 1024 bytes" },
	{ "write error without limit", CURLE_WRITE_ERROR, 200, NULL, false, NULL, 0, NULL, PROBE_CONNECT,
	  "" },
	{ "filesize", CURLE_FILESIZE_EXCEEDED, 200, NULL, false, NULL, 0, NULL, PROBE_BODY_TOO_LARGE, "" },
	{ "redirect loop", CURLE_TOO_MANY_REDIRECTS, 302, NULL, false, "Maximum (10) redirects followed",
	  0, NULL, PROBE_REDIRECT_LIMIT, "Maximum (10)" },
};

START_TEST(test_evaluate)
{
	struct probe_outcome o = {
		.curl_code = cases[_i].code,
		.http_status = cases[_i].status,
		.body = cases[_i].body,
		.body_len = cases[_i].body ? strlen(cases[_i].body) : 0,
		.body_too_large = cases[_i].too_large,
		.errbuf = cases[_i].errbuf,
		.cert_expiry_s = cases[_i].expiry ? 2000000000 + cases[_i].expiry : 0,
		.now_s = 2000000000,
		.header = cases[_i].hdrs ? hdr_lookup : NULL,
	};
	char why[TARGET_REASON_MAX];
	const char *const *hdrs = cases[_i].hdrs;
	enum probe_result r;

	o.header_ctx = &hdrs;
	r = probe_evaluate(&o, &P, why, sizeof why);

	ck_assert_msg(r == cases[_i].want, "%s: got %s, want %s (%s)", cases[_i].name,
		      probe_result_name(r), probe_result_name(cases[_i].want), why);
	if (cases[_i].want == PROBE_SUCCESS)
		ck_assert_str_eq(why, "");
	else
		ck_assert_msg(strstr(why, cases[_i].why) != NULL, "%s: reason '%s' lacks '%s'",
			      cases[_i].name, why, cases[_i].why);
}
END_TEST

/* Body checks see bytes after an embedded NUL, and never read past body_len. */
START_TEST(test_body_bounds)
{
	static const char body[] = "xx\0Antrag starten";
	struct cfg_probe q = { .body_matches = body_m, .n_body_matches = 1 };
	struct probe_outcome o = { .curl_code = CURLE_OK, .http_status = 200, .body = body,
				   .body_len = sizeof body - 1 };

	ck_assert_int_eq(probe_evaluate(&o, &q, NULL, 0), PROBE_SUCCESS);
	o.body_len = 10;	/* "xx\0Antrag " : "starten" lies beyond */
	ck_assert_int_eq(probe_evaluate(&o, &q, NULL, 0), PROBE_CONTENT);
}
END_TEST

/* A reason longer than the buffer is cut, still terminated. */
START_TEST(test_reason_truncated)
{
	struct probe_outcome o = { .curl_code = CURLE_COULDNT_CONNECT, .errbuf = "Failed to connect" };
	char why[8];

	ck_assert_int_eq(probe_evaluate(&o, &P, why, sizeof why), PROBE_CONNECT);
	ck_assert_uint_eq(strlen(why), 7);
}
END_TEST

/* A response header beyond libcurl's bounds: its own result, not "connect: Out of memory". */
START_TEST(test_header_too_large)
{
	struct probe_outcome o = { .curl_code = CURLE_OUT_OF_MEMORY, .http_status = 200 };
	char why[TARGET_REASON_MAX];

	ck_assert_int_eq(probe_evaluate(&o, &P, why, sizeof why), PROBE_HEADER_TOO_LARGE);
	ck_assert_str_eq(why, "response header larger than libcurl accepts (100 KiB a line, 300 KiB in all)");
	ck_assert_str_eq(probe_result_name(PROBE_HEADER_TOO_LARGE), "header_too_large");
	/* all header lines together */
	o.curl_code = CURLE_RECV_ERROR;
	o.errbuf = "Too large response headers: 307957 > 307200";
	ck_assert_int_eq(probe_evaluate(&o, &P, why, sizeof why), PROBE_HEADER_TOO_LARGE);
	/* out of memory before any response stays a connection failure */
	o.curl_code = CURLE_OUT_OF_MEMORY;
	o.http_status = 0;
	o.errbuf = NULL;
	ck_assert_int_eq(probe_evaluate(&o, &P, why, sizeof why), PROBE_CONNECT);
	/* a receive error mid-body is no header problem */
	o.curl_code = CURLE_RECV_ERROR;
	o.http_status = 200;
	o.errbuf = "Recv failure: Connection reset by peer";
	ck_assert_int_eq(probe_evaluate(&o, &P, why, sizeof why), PROBE_CONNECT);
}
END_TEST

/* A redirect to file:// is refused: its own result, named, and not counted as followed. */
START_TEST(test_redirect_refused)
{
	struct probe_outcome o = { .curl_code = CURLE_UNSUPPORTED_PROTOCOL, .http_status = 302,
				   .redirects = 2, .last_url = "file:///etc/passwd",
				   .errbuf = "Protocol \"file\" not supported or disabled in libcurl" };
	char why[TARGET_REASON_MAX];

	ck_assert_int_eq(probe_evaluate(&o, &P, why, sizeof why), PROBE_REDIRECT_REFUSED);
	ck_assert_str_eq(why, "redirect to file:///etc/passwd refused: only http and https are followed");
	ck_assert_str_eq(probe_result_name(PROBE_REDIRECT_REFUSED), "redirect_refused");
	ck_assert_uint_eq(probe_redirects_followed(&o), 1);
	/* a long or hostile target is cut and cleaned */
	o.last_url = "gopher://x.example/\001" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	ck_assert_int_eq(probe_evaluate(&o, &P, why, sizeof why), PROBE_REDIRECT_REFUSED);
	ck_assert_str_eq(why, "redirect to gopher://x.example/?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa... "
			 "refused: only http and https are followed");
	/* followed redirects count in full when the transfer succeeded */
	o.curl_code = CURLE_OK;
	ck_assert_uint_eq(probe_redirects_followed(&o), 2);
	/* without a redirect, an unsupported protocol is no redirect problem */
	o.curl_code = CURLE_UNSUPPORTED_PROTOCOL;
	o.redirects = 0;
	ck_assert_int_eq(probe_evaluate(&o, &P, why, sizeof why), PROBE_CONNECT);
	ck_assert_uint_eq(probe_redirects_followed(&o), 0);
}
END_TEST

/* fail_if_slower_than: a probe that passed every check but took too long. */
START_TEST(test_too_slow)
{
	struct cfg_probe q = { .slower_than_ms = 500 };
	struct probe_outcome o = { .curl_code = CURLE_OK, .http_status = 200, .total_s = 0.75 };
	char why[TARGET_REASON_MAX];

	ck_assert_int_eq(probe_evaluate(&o, &q, why, sizeof why), PROBE_TOO_SLOW);
	ck_assert_str_eq(why, "answered in 0.750 s, slower than 0.500 s");
	ck_assert_str_eq(probe_result_name(PROBE_TOO_SLOW), "too_slow");
	o.total_s = 0.5;	/* as fast as allowed */
	ck_assert_int_eq(probe_evaluate(&o, &q, why, sizeof why), PROBE_SUCCESS);
	/* another failure is the reason, however long it took */
	o.total_s = 2;
	o.http_status = 503;
	ck_assert_int_eq(probe_evaluate(&o, &q, why, sizeof why), PROBE_HTTP_STATUS);
	/* without the option, time is no condition */
	q.slower_than_ms = 0;
	o.http_status = 200;
	ck_assert_int_eq(probe_evaluate(&o, &q, why, sizeof why), PROBE_SUCCESS);
}
END_TEST

START_TEST(test_cert_dates)
{
	ck_assert_int_eq(probe_parse_cert_date("Jan  2 03:04:05 2030 GMT"), 1893553445);
	ck_assert_int_eq(probe_parse_cert_date("Jan 2 03:04:05 2030 GMT"), 1893553445);
	ck_assert_int_eq(probe_parse_cert_date("2030-01-02 03:04:05 UTC"), 1893553445);
	ck_assert_int_eq(probe_parse_cert_date("Dec 31 23:59:59 1999 GMT"), 946684799);
	ck_assert_int_eq(probe_parse_cert_date(""), 0);
	ck_assert_int_eq(probe_parse_cert_date("tomorrow"), 0);
	ck_assert_int_eq(probe_parse_cert_date("Jan  2 03:04:05 2030 GMT trailing"), 0);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(probe_phase_name(PHASE_RESOLVE), "resolve");
	ck_assert_str_eq(probe_phase_name(PHASE_TRANSFER), "transfer");
	ck_assert_str_eq(probe_phase_name(PROBE_PHASE_COUNT), "unknown");
	ck_assert_str_eq(probe_result_name(PROBE_CERT_EXPIRED), "cert_expired");
	/* Lag buckets ascend. */
	for (int i = 1; i < STATE_LAG_BUCKETS; i++)
		ck_assert(state_lag_bounds[i] > state_lag_bounds[i - 1]);
}
END_TEST

static Suite *collector_suite(void)
{
	Suite *s = suite_create("collector");
	TCase *tc = tcase_create("classify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_evaluate, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, test_body_bounds);
	tcase_add_test(tc, test_reason_truncated);
	tcase_add_test(tc, test_header_too_large);
	tcase_add_test(tc, test_redirect_refused);
	tcase_add_test(tc, test_too_slow);
	tcase_add_test(tc, test_cert_dates);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(collector_suite());
}
