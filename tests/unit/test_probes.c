/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * test_probes.c - the probe options read from a configuration and what the
 * collector makes of them: PCRE2 regular expressions (blackbox's \d and
 * (?i), bounded matching), TLS options, request bodies from files.
 *
 * Each test works in the loader's tree of testutil.h (tu_cfg_start):
 * DIR/conf/ozgmon.yaml and the register fixtures in DIR/reg/.
 */
#include <check.h>
#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "collector/collector.h"
#include "config/config.h"
#include "tests/unit/testutil.h"

static char tdir[1024];
static char cfgpath[PATH_MAX];
static struct cfg_errors errs;
static struct cfg *cfg;

/* Writes len bytes of data to DIR/rel with the given mode. */
static void put_file(const char *rel, const void *data, size_t len, mode_t mode)
{
	tu_put_mode(tdir, rel, data, len, mode);
}

static void setup(void)
{
	tu_cfg_start(tdir, sizeof tdir, "test-probes", cfgpath, sizeof cfgpath);
}

static void teardown(void)
{
	tu_cfg_end(tdir, &cfg, &errs);
}

/* One dienst with `probe` (a flow mapping) at line 4, column 12; the registers follow. */
static struct cfg *load_probe(const char *probe)
{
	char yaml[8192];

	snprintf(yaml, sizeof yaml,
		 "onlinedienste:\n"
		 "  - id: a\n"
		 "    url: \"https://portal.example.de/\"\n"
		 "    probe: %s\n", probe);
	return tu_cfg_load(cfgpath, yaml, true, &cfg, &errs);
}

/* One dienst with the given url and probe, at line 2; NULL when it does not load. */
static struct cfg *load_url(const char *url, const char *probe)
{
	char yaml[2048];

	snprintf(yaml, sizeof yaml, "onlinedienste:\n  - { id: a, url: \"%s\", probe: %s }\n", url,
		 probe);
	return tu_cfg_load(cfgpath, yaml, true, &cfg, &errs);
}

/* The load failed with an error of the main file at line:col whose message contains msg. */
static void expect_error(unsigned line, unsigned col, const char *msg)
{
	tu_cfg_expect_error(&errs, "conf/ozgmon.yaml", line, col, msg);
}

static int match(const char *re, const char *s)
{
	struct cfg_regex rx;
	char why[256];
	int r;

	ck_assert_msg(cfg_regex_compile(&rx, re, why, sizeof why) == 0, "%s: %s", re, why);
	r = cfg_regex_match(&rx, s, strlen(s));
	cfg_regex_free(&rx);
	return r;
}

/* ---- regular expressions ----------------------------------------------- */

START_TEST(test_regex_blackbox_syntax)
{
	/* \d is a digit, as in RE2 (POSIX ERE read it as the letter d). */
	ck_assert_int_eq(match("AZ \\d{4}/\\d+", "Ihr Vorgang: AZ 2026/04711"), 1);
	ck_assert_int_eq(match("AZ \\d{4}", "AZ dddd"), 0);
	ck_assert_int_eq(match("\\d", "d"), 0);
	/* (?i) for the rest of the pattern. */
	ck_assert_int_eq(match("(?i)status: eingegangen", "STATUS: EINGEGANGEN"), 1);
	ck_assert_int_eq(match("status: eingegangen", "STATUS: EINGEGANGEN"), 0);
	ck_assert_int_eq(match("(?i:antrag) STARTEN", "ANTRAG STARTEN"), 1);
	ck_assert_int_eq(match("(?i:antrag) STARTEN", "ANTRAG starten"), 0);
	/* POSIX classes, \w, \s, \b, alternation and counted repeats still work. */
	ck_assert_int_eq(match("[[:digit:]]{5}", "AZ 04711"), 1);
	ck_assert_int_eq(match("\\bAntrag\\b\\s+\\w+", "<b>Antrag starten</b>"), 1);
	ck_assert_int_eq(match("\\bAntrag\\b", "Antragsteller"), 0);
	ck_assert_int_eq(match("Antrag (stellen|starten)", "Antrag starten"), 1);
	/* RE2's defaults: '.' does not cross a newline, (?s) lets it; $ only at the end. */
	ck_assert_int_eq(match("Vorgang.*STATUS", "Vorgang: 1\nSTATUS: X"), 0);
	ck_assert_int_eq(match("(?s)Vorgang.*STATUS", "Vorgang: 1\nSTATUS: X"), 1);
	ck_assert_int_eq(match("X$", "X\n"), 0);
	ck_assert_int_eq(match("(?m)^STATUS", "a\nSTATUS"), 1);
	/* UTF-8: '.' is one character; an invalid byte in a body is no error. */
	ck_assert_int_eq(match("^Th.ringen$", "Thüringen"), 1);
	ck_assert_int_eq(match("Antrag", "\xff\xfe Antrag \xc3"), 1);
	/* Back-references (which RE2 lacks) work as in ERE. */
	ck_assert_int_eq(match("(ab)\\1", "xabab"), 1);
}
END_TEST

START_TEST(test_regex_nul_and_length)
{
	struct cfg_regex rx;
	char why[256];
	static const char body[] = "vorher\0Antrag 12";

	ck_assert_int_eq(cfg_regex_compile(&rx, "Antrag \\d+$", why, sizeof why), 0);
	/* The whole body is searched, a NUL included; never past len. */
	ck_assert_int_eq(cfg_regex_match(&rx, body, sizeof body - 1), 1);
	ck_assert_int_eq(cfg_regex_match(&rx, body, sizeof body - 2), 1);
	ck_assert_int_eq(cfg_regex_match(&rx, body, 10), 0);
	ck_assert_int_eq(cfg_regex_match(&rx, NULL, 0), 0);
	cfg_regex_free(&rx);
	cfg_regex_free(&rx);	/* twice is harmless */
}
END_TEST

START_TEST(test_regex_match_limit)
{
	struct cfg_regex rx;
	char why[256], body[4098];
	struct timespec a, b;
	double secs;

	memset(body, 'a', 4096);
	body[4096] = '!';
	body[4097] = '\0';
	ck_assert_int_eq(cfg_regex_compile(&rx, "^(a+)+$", why, sizeof why), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	/* Exponential backtracking: stopped by the match limit, undecided. */
	ck_assert_int_eq(cfg_regex_match(&rx, body, 4097), -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	/* A generous bound: without the limit this would run for longer than the universe. */
	ck_assert_msg(secs < 5.0, "match took %.3f s", secs);
	/* The same pattern on a body it matches is decided. */
	body[4096] = '\0';
	ck_assert_int_eq(cfg_regex_match(&rx, body, 4096), 1);
	cfg_regex_free(&rx);
}
END_TEST

START_TEST(test_regex_evaluate)
{
	struct cfg_probe p;
	struct cfg_regex m[1], nm[1];
	struct probe_outcome o = { 0 };
	char why[256], body[4098];

	memset(&p, 0, sizeof p);
	ck_assert_int_eq(cfg_regex_compile(&m[0], "(?i)status: eingegangen", why, sizeof why), 0);
	ck_assert_int_eq(cfg_regex_compile(&nm[0], "^(a+)+$", why, sizeof why), 0);
	p.body_matches = m;
	p.n_body_matches = 1;
	o.http_status = 200;
	o.body = "AZ 1\nSTATUS: EINGEGANGEN\n";
	o.body_len = strlen(o.body);
	ck_assert_int_eq(probe_evaluate(&o, &p, why, sizeof why), PROBE_SUCCESS);
	o.body = "STATUS: ABGELEHNT";
	o.body_len = strlen(o.body);
	ck_assert_int_eq(probe_evaluate(&o, &p, why, sizeof why), PROBE_CONTENT);
	ck_assert_str_eq(why, "body does not match /(?i)status: eingegangen/");
	/* An undecided "must not match" fails: a hostile body proves nothing good. */
	p.n_body_matches = 0;
	p.body_not_matches = nm;
	p.n_body_not_matches = 1;
	memset(body, 'a', 4096);
	body[4096] = '!';
	o.body = body;
	o.body_len = 4097;
	ck_assert_int_eq(probe_evaluate(&o, &p, why, sizeof why), PROBE_CONTENT);
	ck_assert_str_eq(why, "body: /^(a+)+$/ undecided within the match limit");
	o.body = "b";
	o.body_len = 1;
	ck_assert_int_eq(probe_evaluate(&o, &p, why, sizeof why), PROBE_SUCCESS);
	cfg_regex_free(&m[0]);
	cfg_regex_free(&nm[0]);
}
END_TEST

START_TEST(test_regex_config)
{
	const struct cfg_probe *p;

	ck_assert_ptr_nonnull(load_probe("{ body_matches: [ 'AZ \\d{4}/\\d+', '(?i)eingegangen' ], "
					 "header_matches: [ { header: Content-Type, "
					 "regexp: '(?i)^TEXT/' } ] }"));
	p = &cfg->dienste[0].probe;
	ck_assert_uint_eq(p->n_body_matches, 2);
	ck_assert_str_eq(p->body_matches[0].src, "AZ \\d{4}/\\d+");
	ck_assert_int_eq(cfg_regex_match(&p->body_matches[0], "AZ 2026/04711", 13), 1);
	ck_assert_int_eq(cfg_regex_match(&p->body_matches[1], "EINGEGANGEN", 11), 1);
	ck_assert_int_eq(cfg_regex_match(&p->header_checks[0].rx, "text/plain", 10), 1);
}
END_TEST

START_TEST(test_regex_config_errors)
{
	/* The place of the value, and PCRE2's message with its offset in the pattern. */
	ck_assert_ptr_null(load_probe("{ body_matches: \"Antrag (unclosed\" }"));
	expect_error(4, 28, "body_matches: bad regular expression 'Antrag (unclosed': missing closing "
			    "parenthesis at offset 16");
	ck_assert_ptr_null(load_probe("{ body_not_matches: [ ok, 'a{2,1}' ] }"));
	expect_error(4, 38, "body_not_matches: bad regular expression 'a{2,1}': numbers out of order "
			    "in {} quantifier at offset 5");
	ck_assert_ptr_null(load_probe("{ header_matches: [ { header: X, regexp: '(?<' } ] }"));
	expect_error(4, 53, "regexp: bad regular expression '(?<'");
	/* An unknown escape is an error, not silently a letter as in ERE. */
	ck_assert_ptr_null(load_probe("{ body_matches: 'Antrag\\y' }"));
	expect_error(4, 28, "unrecognized character follows \\");
}
END_TEST

/* ---- TLS options and body_file ------------------------------------------ */

static const char CERT_PEM[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
static const char KEY_PEM[] = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n";

START_TEST(test_tls_options)
{
	const struct cfg_probe *p;
	char want[PATH_MAX];

	put_file("conf/client.pem", CERT_PEM, sizeof CERT_PEM - 1, 0644);
	put_file("conf/client.key", KEY_PEM, sizeof KEY_PEM - 1, 0600);
	ck_assert_ptr_nonnull(load_probe("{ cert_file: client.pem, key_file: client.key, "
					 "min_tls_version: TLS1.3, server_name: portal.intern }"));
	p = &cfg->dienste[0].probe;
	snprintf(want, sizeof want, "%s/conf/client.pem", tdir);
	ck_assert_str_eq(p->cert_file, want);
	snprintf(want, sizeof want, "%s/conf/client.key", tdir);
	ck_assert_str_eq(p->key_file, want);
	ck_assert_int_eq(p->min_tls_version, CFG_TLS_1_3);
	ck_assert_str_eq(p->server_name, "portal.intern");
	/* blackbox's spelling of the version. */
	ck_assert_ptr_nonnull(load_probe("{ min_tls_version: TLS12 }"));
	ck_assert_int_eq(cfg->dienste[0].probe.min_tls_version, CFG_TLS_1_2);
	ck_assert_ptr_nonnull(load_probe("{ }"));
	ck_assert_int_eq(cfg->dienste[0].probe.min_tls_version, CFG_TLS_ANY);
	ck_assert_ptr_null(cfg->dienste[0].probe.server_name);
}
END_TEST

START_TEST(test_tls_option_errors)
{
	put_file("conf/client.pem", CERT_PEM, sizeof CERT_PEM - 1, 0644);
	put_file("conf/open.key", KEY_PEM, sizeof KEY_PEM - 1, 0644);
	put_file("conf/cert-as.key", CERT_PEM, sizeof CERT_PEM - 1, 0600);
	put_file("conf/key-as.pem", KEY_PEM, sizeof KEY_PEM - 1, 0600);
	ck_assert_ptr_null(load_probe("{ cert_file: client.pem }"));
	expect_error(4, 25, "cert_file: cert_file and key_file go together");
	ck_assert_ptr_null(load_probe("{ cert_file: client.pem, key_file: open.key }"));
	expect_error(4, 47, "key_file: refusing the key in");
	ck_assert_ptr_null(load_probe("{ cert_file: client.pem, key_file: cert-as.key }"));
	expect_error(4, 47, "holds no PEM private key");
	ck_assert_ptr_null(load_probe("{ cert_file: key-as.pem, key_file: cert-as.key }"));
	expect_error(4, 25, "holds no PEM certificate");
	ck_assert_ptr_null(load_probe("{ cert_file: missing.pem, key_file: cert-as.key }"));
	expect_error(4, 25, "cert_file: cannot read");
	ck_assert_ptr_null(load_probe("{ min_tls_version: TLS1.1 }"));
	expect_error(4, 31, "min_tls_version: 'TLS1.1' is not TLS1.2 or TLS1.3");
	ck_assert_ptr_null(load_probe("{ server_name: \"portal.intern:443\" }"));
	expect_error(4, 27, "server_name: 'portal.intern:443' is not a host name");
	ck_assert_ptr_null(load_probe("{ server_name: \"bad name\" }"));
	expect_error(4, 27, "server_name: 'bad name'");
}
END_TEST

START_TEST(test_tls_http_url)
{
	ck_assert_ptr_null(load_url("http://portal.example.de/", "{ server_name: x.de }"));
	expect_error(2, 70, "server_name: only for an https url");
}
END_TEST

START_TEST(test_body_file)
{
	const struct cfg_probe *p;
	static const char body[] = "{\"antrag\":\"kfz\",\n\"n\":1}\0tail";
	char *big;

	put_file("conf/body.json", body, sizeof body - 1, 0644);
	ck_assert_ptr_nonnull(load_probe("{ method: POST, body_file: body.json }"));
	p = &cfg->dienste[0].probe;
	ck_assert_uint_eq(p->body_len, sizeof body - 1);
	ck_assert_mem_eq(p->body, body, sizeof body - 1);
	put_file("conf/empty", "", 0, 0644);
	ck_assert_ptr_nonnull(load_probe("{ method: PUT, body_file: empty }"));
	ck_assert_uint_eq(cfg->dienste[0].probe.body_len, 0);
	ck_assert_ptr_nonnull(cfg->dienste[0].probe.body);

	ck_assert_ptr_null(load_probe("{ body_file: body.json }"));
	expect_error(4, 25, "body_file: a GET request has no body");
	ck_assert_ptr_null(load_probe("{ method: POST, body: x, body_file: body.json }"));
	expect_error(4, 48, "body_file: body and body_file exclude each other");
	ck_assert_ptr_null(load_probe("{ method: POST, body_file: nothing.json }"));
	expect_error(4, 39, "body_file: cannot read");
	/* Bounded: one byte over 1 MiB is refused. */
	big = malloc(CFG_MAX_BODY_FILE + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', CFG_MAX_BODY_FILE + 1);
	put_file("conf/big", big, CFG_MAX_BODY_FILE + 1, 0644);
	free(big);
	ck_assert_ptr_null(load_probe("{ method: POST, body_file: big }"));
	expect_error(4, 39, "body_file: cannot read");
}
END_TEST

/* ---- tcp:// targets ------------------------------------------------------ */

START_TEST(test_tcp_config)
{
	const struct cfg_probe *p;

	put_file("conf/client.pem", CERT_PEM, sizeof CERT_PEM - 1, 0644);
	put_file("conf/client.key", KEY_PEM, sizeof KEY_PEM - 1, 0600);
	ck_assert_ptr_nonnull(load_url("tcp://ldap.intern:636", "{ tls: true, server_name: ldap.example.de, "
				       "cert_file: client.pem, key_file: client.key, min_tls_version: TLS1.2, "
				       "ip_protocol: ipv4, fail_if_slower_than: 500ms }"));
	p = &cfg->dienste[0].probe;
	ck_assert(p->tcp);
	ck_assert(p->tls);
	ck_assert_str_eq(p->server_name, "ldap.example.de");
	ck_assert_uint_eq(p->slower_than_ms, 500);
	ck_assert_ptr_null(p->send);
	ck_assert_ptr_null(p->expect.src);
	ck_assert_ptr_nonnull(load_url("tcp://mail.intern:25", "{ send: \"EHLO a\\r\\n\", "
				       "expect: '(?i)^220 \\S+ esmtp' }"));
	p = &cfg->dienste[0].probe;
	ck_assert_uint_eq(p->send_len, 8);
	ck_assert_mem_eq(p->send, "EHLO a\r\n", 8);
	ck_assert_int_eq(cfg_regex_match(&p->expect, "220 mx.example.de ESMTP\r\n", 25), 1);
	ck_assert_ptr_nonnull(load_url("tcp://[::1]:25", "{ }"));
	ck_assert(cfg->dienste[0].probe.tcp);
	ck_assert(!cfg->dienste[0].probe.tls);
	ck_assert_ptr_nonnull(load_url("https://portal.example.de/", "{ }"));
	ck_assert(!cfg->dienste[0].probe.tcp);
}
END_TEST

START_TEST(test_tcp_config_errors)
{
	ck_assert_ptr_null(load_url("tcp://host.example.de", "{ }"));
	expect_error(2, 19, "url: 'tcp://host.example.de' has no port");
	ck_assert_ptr_null(load_url("tcp://host.example.de:25/x", "{ }"));
	expect_error(2, 19, "must be tcp://host:port, nothing more");
	ck_assert_ptr_null(load_url("tcp://host.example.de:99999", "{ }"));
	expect_error(2, 19, "has a bad port");
	/* HTTP keys mean nothing to a tcp target. */
	ck_assert_ptr_null(load_url("tcp://h.example.de:25", "{ body_contains: x, method: POST }"));
	expect_error(2, 68, "body_contains: only for an http or https url, not tcp://");
	expect_error(2, 79, "method: only for an http or https url, not tcp://");
	/* TLS keys need tls: true; tls needs a tcp url. */
	ck_assert_ptr_null(load_url("tcp://h.example.de:25", "{ server_name: x.de }"));
	expect_error(2, 66, "server_name: only for an https url or a tcp url with tls: true");
	ck_assert_ptr_null(load_url("https://h.example.de/", "{ tls: true }"));
	expect_error(2, 58, "tls: only for a tcp:// url");
	ck_assert_ptr_null(load_url("tcp://h.example.de:25", "{ tls: ja }"));
	expect_error(2, 58, "tls: expected a boolean");
	ck_assert_ptr_null(load_url("tcp://h.example.de:25", "{ expect: '(x' }"));
	expect_error(2, 61, "expect: bad regular expression '(x': missing closing parenthesis at offset 2");
	ck_assert_ptr_null(load_url("tcp://h.example.de:25", "{ send: '' }"));
	expect_error(2, 59, "send: must hold 1 to 8192 bytes");
	ck_assert_ptr_null(load_url("https://h.example.de/", "{ send: x, expect: y }"));
	expect_error(2, 59, "send: only for a tcp:// url");
	expect_error(2, 70, "expect: only for a tcp:// url");
}
END_TEST

START_TEST(test_tcp_evaluate)
{
	struct cfg_probe p;
	struct probe_outcome o = { 0 };
	char why[256];
	static struct cfg_status_range only_201[] = { { 201, 201 } };

	memset(&p, 0, sizeof p);
	p.tcp = true;
	p.expect_status = only_201;	/* never consulted for tcp */
	p.n_expect_status = 1;
	o.tcp = true;
	o.total_s = 0.2;
	ck_assert_int_eq(probe_evaluate(&o, &p, why, sizeof why), PROBE_SUCCESS);
	ck_assert_str_eq(why, "");
	o.curl_code = CURLE_COULDNT_CONNECT;
	ck_assert_int_eq(probe_evaluate(&o, &p, why, sizeof why), PROBE_CONNECT);
	o.curl_code = CURLE_OPERATION_TIMEDOUT;
	ck_assert_int_eq(probe_evaluate(&o, &p, why, sizeof why), PROBE_TIMEOUT);
	o.curl_code = CURLE_SSL_CONNECT_ERROR;
	ck_assert_int_eq(probe_evaluate(&o, &p, why, sizeof why), PROBE_TLS);
	o.curl_code = CURLE_OK;
	o.cert_expiry_s = 1000;
	o.now_s = 2000;
	ck_assert_int_eq(probe_evaluate(&o, &p, why, sizeof why), PROBE_CERT_EXPIRED);
	o.cert_expiry_s = 3000;
	p.slower_than_ms = 100;
	ck_assert_int_eq(probe_evaluate(&o, &p, why, sizeof why), PROBE_TOO_SLOW);
	ck_assert_str_eq(why, "answered in 0.200 s, slower than 0.100 s");
	p.slower_than_ms = 300;
	ck_assert_int_eq(probe_evaluate(&o, &p, why, sizeof why), PROBE_SUCCESS);
	/* The exchange's own verdict comes after the certificate, before the time. */
	o.tcp_result = PROBE_CONTENT;
	o.tcp_why = "connection closed before /^220/ matched (0 bytes read)";
	ck_assert_int_eq(probe_evaluate(&o, &p, why, sizeof why), PROBE_CONTENT);
	ck_assert_str_eq(why, o.tcp_why);
	o.cert_expiry_s = 1000;
	ck_assert_int_eq(probe_evaluate(&o, &p, why, sizeof why), PROBE_CERT_EXPIRED);
}
END_TEST

static Suite *probes_suite(void)
{
	Suite *s = suite_create("probes");
	TCase *tc = tcase_create("regex");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_regex_blackbox_syntax);
	tcase_add_test(tc, test_regex_nul_and_length);
	tcase_add_test(tc, test_regex_match_limit);
	tcase_add_test(tc, test_regex_evaluate);
	tcase_add_test(tc, test_regex_config);
	tcase_add_test(tc, test_regex_config_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("tls");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tls_options);
	tcase_add_test(tc, test_tls_option_errors);
	tcase_add_test(tc, test_tls_http_url);
	tcase_add_test(tc, test_body_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("tcp");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tcp_config);
	tcase_add_test(tc, test_tcp_config_errors);
	tcase_add_test(tc, test_tcp_evaluate);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(probes_suite());
}
