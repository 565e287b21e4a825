/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * dienst.c - one Onlinedienst and its probe: expected status, body and
 * header checks, redirects, address family, request headers, proxy,
 * credentials, TLS.
 */
#include "config/load.h"
#include "common/secfile.h"
#include "config/csv.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- probe depth: checks, redirects, address family, TLS, credentials ------ */

#define CFG_MAX_AUTH_FILE 4096u		/* bytes of a credentials file */
#define CFG_MAX_CA_FILE (4u << 20)		/* bytes of a CA bundle */
#define CFG_MAX_HEADERS 32u		/* request headers of one probe */
#define CFG_MAX_CHECKS 32u		/* body or header checks of one kind */
#define CFG_MAX_KEY_FILE (64u << 10)	/* bytes of a client key */

/* Compiles s into *rx (PCRE2); reports a bad expression at node y with PCRE2's offset. */
static bool compile_regex(struct ld *L, const struct ynode *y, const char *key, const char *s,
			  struct cfg_regex *rx)
{
	char why[256], q[64];

	if (*s == '\0') {
		err_at(L, y, "%s: must not be empty", key);
		return false;
	}
	if (strlen(s) > CFG_MAX_BODY_MATCH) {
		err_at(L, y, "%s: longer than %u bytes", key, CFG_MAX_BODY_MATCH);
		return false;
	}
	if (cfg_regex_compile(rx, s, why, sizeof why) != 0) {
		if (strcmp(why, "out of memory") == 0)
			L->oom = true;
		else
			err_at(L, y, "%s: bad regular expression '%s': %s", key,
			       cfg_quote(s, q, sizeof q), why);
		return false;
	}
	return true;
}

static void free_regex(struct cfg_regex *rx)
{
	cfg_regex_free(rx);
}

/* A list of regular expressions (a single string counts as a list of one). */
static void load_regex_list(struct ld *L, const struct ynode *y, const char *key,
			    struct cfg_regex **out, size_t *n)
{
	const struct ynode *one[1] = { y };
	const struct ynode *const *items = one;
	size_t count = 1;
	bool empty;
	const char *s;

	if (y->kind == Y_SEQ) {
		items = (const struct ynode *const *)y->kid;
		count = y->n;
	} else if (y->kind != Y_SCALAR) {
		(void)want_seq(L, y, key, &empty);
		return;
	} else if (is_null(y)) {
		return;
	}
	if (count == 0)
		return;
	if (count > CFG_MAX_CHECKS) {
		err_at(L, y, "%s: more than %u expressions", key, CFG_MAX_CHECKS);
		return;
	}
	*out = calloc(count, sizeof **out);
	if (!*out) {
		L->oom = true;
		return;
	}
	for (size_t i = 0; i < count; i++)
		if ((s = want_str(L, items[i], key)) && compile_regex(L, items[i], key, s, &(*out)[*n]))
			(*n)++;
}

static bool header_name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 128)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr("!#$%&'*+-.^_`|~", *s)))
			return false;
	return true;
}

/* header_matches / header_not_matches: [ { header, regexp, allow_missing } ]. */
static void load_header_checks(struct ld *L, const struct ynode *lst, const char *key, bool negate,
			       struct cfg_probe *p)
{
	enum { K_HEADER, K_REGEXP, K_MISSING, K_N };
	static const struct keydef kd[K_N] = {
		{ "header", true }, { "regexp", true }, { "allow_missing", false },
	};
	struct cfg_header_check *v;
	bool empty;

	if (!want_seq(L, lst, key, &empty) || empty || lst->n == 0)
		return;
	if (lst->n > CFG_MAX_CHECKS) {
		err_at(L, lst, "%s: more than %u checks", key, CFG_MAX_CHECKS);
		return;
	}
	v = realloc(p->header_checks, (p->n_header_checks + lst->n) * sizeof *v);
	if (!v) {
		L->oom = true;
		return;
	}
	p->header_checks = v;
	for (size_t i = 0; i < lst->n; i++) {
		const struct ynode *it = lst->kid[i], *f[K_N];
		struct cfg_header_check *hc = &p->header_checks[p->n_header_checks];
		const char *name, *re;
		char q[64];

		memset(hc, 0, sizeof *hc);
		if (!want_map(L, it, key))
			continue;
		map_fields(L, it, key, kd, K_N, f);
		if (!f[K_HEADER] || !f[K_REGEXP] || !(name = want_str(L, f[K_HEADER], "header")) ||
		    !(re = want_str(L, f[K_REGEXP], "regexp")))
			continue;
		if (!header_name_ok(name)) {
			err_at(L, f[K_HEADER], "header: '%s' is not an HTTP header name",
			       cfg_quote(name, q, sizeof q));
			continue;
		}
		if (f[K_MISSING] && !want_bool(L, f[K_MISSING], "allow_missing", &hc->allow_missing))
			continue;
		if (!compile_regex(L, f[K_REGEXP], "regexp", re, &hc->rx))
			continue;
		hc->name = cfg_strdup(name);
		if (!hc->name) {
			free_regex(&hc->rx);
			L->oom = true;
			return;
		}
		hc->negate = negate;
		p->n_header_checks++;
	}
}

/* headers: { Name: value, ... } sent with every probe of the target. */
static void load_req_headers(struct ld *L, const struct ynode *m, struct cfg_probe *p)
{
	char q[64];

	if (!want_map(L, m, "headers") || m->n == 0)
		return;
	if (m->n / 2 > CFG_MAX_HEADERS) {
		err_at(L, m, "headers: more than %u headers", CFG_MAX_HEADERS);
		return;
	}
	p->headers = calloc(m->n / 2, sizeof *p->headers);
	if (!p->headers) {
		L->oom = true;
		return;
	}
	for (size_t i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *k = m->kid[i], *val = m->kid[i + 1];
		const char *name = k->kind == Y_SCALAR ? k->s : NULL, *s;
		size_t len;

		if (!name || !header_name_ok(name)) {
			err_at(L, k, "headers: '%s' is not an HTTP header name",
			       cfg_quote(name ? name : "", q, sizeof q));
			continue;
		}
		if (!(s = want_str(L, val, "headers"))) 
			continue;
		for (const char *c = s; *c; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t') {
				err_at(L, val, "headers: the value of %s contains control characters", name);
				s = NULL;
				break;
			}
		if (!s)
			continue;
		len = strlen(name) + strlen(s) + 3;
		p->headers[p->n_headers] = malloc(len);
		if (!p->headers[p->n_headers]) {
			L->oom = true;
			return;
		}
		snprintf(p->headers[p->n_headers], len, "%s: %s", name, s);
		p->n_headers++;
	}
}

/* auth: { type: basic|bearer, file: PATH }: the secret is read from the file now. */
static void load_auth(struct ld *L, const struct ynode *m, struct cfg_probe *p)
{
	enum { K_TYPE, K_FILE, K_N };
	static const struct keydef kd[K_N] = { { "type", true }, { "file", true } };
	const struct ynode *v[K_N];
	const char *type, *file;
	char *path, *data = NULL, why[160], q[64];
	size_t len;

	if (!want_map(L, m, "auth"))
		return;
	map_fields(L, m, "auth", kd, K_N, v);
	if (!v[K_TYPE] || !v[K_FILE] || !(type = want_text(L, v[K_TYPE], "type")) ||
	    !(file = want_text(L, v[K_FILE], "file")))
		return;
	if (strcmp(type, "basic") != 0 && strcmp(type, "bearer") != 0) {
		err_at(L, v[K_TYPE], "type: '%s' is not basic or bearer", cfg_quote(type, q, sizeof q));
		return;
	}
	path = resolve_path(L->file, file);
	if (!path) {
		L->oom = true;
		return;
	}
	if (secfile_read(path, CFG_MAX_AUTH_FILE, &data, &len, why, sizeof why) != 0) {
		err_at(L, v[K_FILE], "file: refusing credentials from %s: %s", path, why);
		goto out;
	}
	/* One line; a final newline (LF or CRLF) is not part of the secret. */
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)data[i] < 0x20 || data[i] == 0x7f) {
			err_at(L, v[K_FILE], "file: %s must hold one line without control characters",
			       path);
			goto out;
		}
	if (len == 0) {
		err_at(L, v[K_FILE], "file: %s is empty", path);
		goto out;
	}
	if (strcmp(type, "basic") == 0) {
		char *colon = strchr(data, ':');
		if (!colon || colon == data) {
			err_at(L, v[K_FILE], "file: %s must hold user:password for basic auth", path);
			goto out;
		}
		*colon = '\0';
		p->auth_user = cfg_strdup(data);
		p->auth_secret = cfg_strdup(colon + 1);
		p->auth = CFG_AUTH_BASIC;
	} else {
		p->auth_secret = cfg_strdup(data);
		p->auth = CFG_AUTH_BEARER;
	}
	if (!p->auth_secret || (p->auth == CFG_AUTH_BASIC && !p->auth_user))
		L->oom = true;
out:
	if (data) {
		memset(data, 0, len);
		free(data);
	}
	free(path);
}

/* "1048576", "512KiB", "4MiB" -> bytes in 1 KiB .. CFG_BODY_LIMIT_MAX. */
static bool want_size(struct ld *L, const struct ynode *y, const char *key, size_t *out)
{
	char *end, q[64];
	unsigned long long v;
	const char *s = y->kind == Y_SCALAR ? y->s : "";

	errno = 0;
	v = (*s >= '0' && *s <= '9') ? strtoull(s, &end, 10) : 0;
	if (v == 0 || errno != 0) {
		err_at(L, y, "%s: '%s' is not a size (bytes, or a number with KiB or MiB)", key,
		       cfg_quote(s, q, sizeof q));
		return false;
	}
	if (strcmp(end, "KiB") == 0)
		v = v > CFG_BODY_LIMIT_MAX ? v : v * 1024;
	else if (strcmp(end, "MiB") == 0)
		v = v > CFG_BODY_LIMIT_MAX ? v : v * 1024 * 1024;
	else if (*end != '\0') {
		err_at(L, y, "%s: '%s' has an unknown unit (expected KiB or MiB)", key,
		       cfg_quote(s, q, sizeof q));
		return false;
	}
	if (v < 1024 || v > CFG_BODY_LIMIT_MAX) {
		err_at(L, y, "%s: %s is out of range 1KiB..64MiB", key, cfg_quote(s, q, sizeof q));
		return false;
	}
	*out = (size_t)v;
	return true;
}

/* global.body_limit. */
void load_global_probe(struct ld *L, const struct ynode *body_limit)
{
	if (body_limit)
		(void)want_size(L, body_limit, "body_limit", &L->c->global.body_limit);
}

/* Defaults of a target's probe, before its `probe:` mapping is read. */
static void probe_defaults(struct ld *L, struct cfg_probe *p)
{
	p->follow_redirects = true;
	p->max_redirects = CFG_MAX_REDIRECTS_DEFAULT;
	p->ip_fallback = true;
	p->body_limit = L->c->global.body_limit;
}

/* Indexes of the probe keys this function reads, in load_probe's key table. */
enum { PD_BODY_NOT, PD_MATCH, PD_NOT_MATCH, PD_HDR, PD_HDR_NOT, PD_FOLLOW, PD_MAXREDIR,
       PD_IPPROTO, PD_IPFALL, PD_HEADERS, PD_PROXY, PD_AUTH, PD_LIMIT, PD_INSECURE, PD_CAFILE,
       PD_N };

static void load_probe_depth(struct ld *L, const struct ynode *const *v, struct cfg_probe *p)
{
	static const struct word ip_protocols[] = {
		{ "any", CFG_IP_ANY }, { "ipv4", CFG_IP_V4 }, { "ipv6", CFG_IP_V6 }, { NULL, 0 },
	};
	const char *s;
	char q[64];
	long n;
	int word;

	if (v[PD_BODY_NOT] && (s = want_str(L, v[PD_BODY_NOT], "body_not_contains"))) {
		if (*s == '\0')
			err_at(L, v[PD_BODY_NOT], "body_not_contains: must not be empty");
		else if (strlen(s) > CFG_MAX_BODY_MATCH)
			err_at(L, v[PD_BODY_NOT], "body_not_contains: longer than %u bytes",
			       CFG_MAX_BODY_MATCH);
		else
			set_str(L, &p->body_not_contains, s);
	}
	if (v[PD_MATCH])
		load_regex_list(L, v[PD_MATCH], "body_matches", &p->body_matches, &p->n_body_matches);
	if (v[PD_NOT_MATCH])
		load_regex_list(L, v[PD_NOT_MATCH], "body_not_matches", &p->body_not_matches,
				&p->n_body_not_matches);
	if (v[PD_HDR])
		load_header_checks(L, v[PD_HDR], "header_matches", false, p);
	if (v[PD_HDR_NOT])
		load_header_checks(L, v[PD_HDR_NOT], "header_not_matches", true, p);
	if (v[PD_FOLLOW])
		(void)want_bool(L, v[PD_FOLLOW], "follow_redirects", &p->follow_redirects);
	if (v[PD_MAXREDIR] && want_int(L, v[PD_MAXREDIR], "max_redirects", 0, 50, &n))
		p->max_redirects = (unsigned)n;
	if (v[PD_IPPROTO] && want_word(L, v[PD_IPPROTO], "ip_protocol", ip_protocols, &word))
		p->ip_protocol = (enum cfg_ip_protocol)word;
	if (v[PD_IPFALL])
		(void)want_bool(L, v[PD_IPFALL], "ip_fallback", &p->ip_fallback);
	if (v[PD_HEADERS] && !is_null(v[PD_HEADERS]))
		load_req_headers(L, v[PD_HEADERS], p);
	if (v[PD_PROXY] && (s = want_text(L, v[PD_PROXY], "proxy"))) {
		static const char *const schemes[] = { "http://", "https://", "socks5://", "socks5h://" };
		const char *why = NULL;
		size_t skip = 0;
		for (size_t i = 0; i < 4 && !skip; i++)
			if (strncmp(s, schemes[i], strlen(schemes[i])) == 0)
				skip = strlen(schemes[i]);
		if (!skip)
			why = "must start with http://, https://, socks5:// or socks5h:// (lower case)";
		else if (strpbrk(s, " \t"))
			why = "contains whitespace";
		else
			why = check_hostport(s + skip, strcspn(s + skip, "/"), false);
		if (why)
			err_at(L, v[PD_PROXY], "proxy: '%s' %s", cfg_quote(s, q, sizeof q), why);
		else
			set_str(L, &p->proxy, s);
	}
	if (v[PD_AUTH])
		load_auth(L, v[PD_AUTH], p);
	if (v[PD_LIMIT])
		(void)want_size(L, v[PD_LIMIT], "body_limit", &p->body_limit);
	if (v[PD_INSECURE])
		(void)want_bool(L, v[PD_INSECURE], "insecure_skip_verify", &p->insecure_skip_verify);
	if (v[PD_CAFILE] && (s = want_text(L, v[PD_CAFILE], "ca_file"))) {
		char *path = resolve_path(L->file, s), *data = NULL, why[160];
		size_t len;
		if (!path) {
			L->oom = true;
		} else if (csv_read_file(path, CFG_MAX_CA_FILE, &data, &len, why, sizeof why) != 0) {
			err_at(L, v[PD_CAFILE], "ca_file: cannot read %s: %s", path, why);
			free(path);
		} else if (!memmem(data, len, "-----BEGIN CERTIFICATE-----", 27)) {
			err_at(L, v[PD_CAFILE], "ca_file: %s holds no PEM certificate", path);
			free(path);
		} else {
			free(p->ca_file);
			p->ca_file = path;
		}
		free(data);
	}
}

/* retries: N on an onlinedienst. */
static void load_retries(struct ld *L, const struct ynode *y, struct cfg_dienst *d)
{
	long n;

	if (y && want_int(L, y, "retries", 0, 100, &n))
		d->retries = (unsigned)n;
}

/* Frees what load_probe_depth() allocated. */
void free_probe_depth(struct cfg_probe *p)
{
	free(p->body);
	free(p->body_not_contains);
	for (size_t i = 0; i < p->n_body_matches; i++)
		free_regex(&p->body_matches[i]);
	free(p->body_matches);
	for (size_t i = 0; i < p->n_body_not_matches; i++)
		free_regex(&p->body_not_matches[i]);
	free(p->body_not_matches);
	for (size_t i = 0; i < p->n_header_checks; i++) {
		free(p->header_checks[i].name);
		free_regex(&p->header_checks[i].rx);
	}
	free(p->header_checks);
	for (size_t i = 0; i < p->n_headers; i++)
		free(p->headers[i]);
	free(p->headers);
	free(p->proxy);
	free(p->ca_file);
	free(p->cert_file);
	free(p->key_file);
	free(p->server_name);
	free(p->send);
	free_regex(&p->expect);
	free(p->auth_user);
	if (p->auth_secret) {
		memset(p->auth_secret, 0, strlen(p->auth_secret));
		free(p->auth_secret);
	}
}

const char *cfg_method_name(enum cfg_method m)
{
	static const char *const names[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
					     "OPTIONS" };

	return (unsigned)m < sizeof names / sizeof names[0] ? names[m] : "GET";
}

/* A PEM file named by `key` (resolved against the config): its path, or NULL (reported). */
static char *load_pem(struct ld *L, const struct ynode *y, const char *key, bool secret,
		      const char *marker)
{
	const char *s = want_text(L, y, key);
	char *path, *data = NULL, why[160];
	size_t len = 0;
	int rc;

	if (!s)
		return NULL;
	path = resolve_path(L->file, s);
	if (!path) {
		L->oom = true;
		return NULL;
	}
	rc = secret ? secfile_read(path, CFG_MAX_KEY_FILE, &data, &len, why, sizeof why)
		    : csv_read_file(path, CFG_MAX_CA_FILE, &data, &len, why, sizeof why);
	if (rc != 0) {
		err_at(L, y, "%s: %s %s: %s", key, secret ? "refusing the key in" : "cannot read",
		       path, why);
	} else if (!memmem(data, len, marker, strlen(marker))) {
		err_at(L, y, "%s: %s holds no PEM %s", key, path,
		       secret ? "private key" : "certificate");
	} else {
		if (secret)
			memset(data, 0, len);
		free(data);
		return path;
	}
	if (data && secret)
		memset(data, 0, len);
	free(data);
	free(path);
	return NULL;
}

/* cert_file, key_file, min_tls_version, server_name: https only. */
static void load_tls(struct ld *L, const struct ynode *const *v, struct cfg_probe *p,
		     const char *url)
{
	bool tls_ok = !url || strncmp(url, "https://", 8) == 0 || (p->tcp && p->tls);
	enum { T_CERT, T_KEY, T_MIN, T_NAME };
	static const char *const names[] = { "cert_file", "key_file", "min_tls_version",
					     "server_name" };
	const char *s;
	char q[64];

	for (int i = T_CERT; i <= T_NAME; i++)
		if (v[i] && !tls_ok) {
			err_at(L, v[i], "%s: only for an https url or a tcp url with tls: true",
			       names[i]);
			return;
		}
	if (!v[T_CERT] != !v[T_KEY]) {
		const struct ynode *y = v[T_CERT] ? v[T_CERT] : v[T_KEY];
		err_at(L, y, "%s: cert_file and key_file go together", names[v[T_CERT] ? T_CERT : T_KEY]);
	} else if (v[T_CERT]) {
		p->cert_file = load_pem(L, v[T_CERT], "cert_file", false, "-----BEGIN CERTIFICATE-----");
		p->key_file = load_pem(L, v[T_KEY], "key_file", true, "PRIVATE KEY-----");
	}
	if (v[T_MIN] && (s = want_text(L, v[T_MIN], "min_tls_version"))) {
		/* As written in Gatus and curl (TLS1.2) and in blackbox's tls_config (TLS12). */
		if (strcmp(s, "TLS1.2") == 0 || strcmp(s, "TLS12") == 0)
			p->min_tls_version = CFG_TLS_1_2;
		else if (strcmp(s, "TLS1.3") == 0 || strcmp(s, "TLS13") == 0)
			p->min_tls_version = CFG_TLS_1_3;
		else
			err_at(L, v[T_MIN], "min_tls_version: '%s' is not TLS1.2 or TLS1.3",
			       cfg_quote(s, q, sizeof q));
	}
	if (v[T_NAME] && (s = want_text(L, v[T_NAME], "server_name"))) {
		const char *why = strchr(s, ':') || s[0] == '[' ? "is not a host name"
								  : check_hostport(s, strlen(s), false);
		if (why)
			err_at(L, v[T_NAME], "server_name: '%s' %s", cfg_quote(s, q, sizeof q), why);
		else
			set_str(L, &p->server_name, s);
	}
}

/* probe.body_file: the request body read now, at most CFG_MAX_BODY_FILE bytes. */
static void load_body_file(struct ld *L, const struct ynode *y, struct cfg_probe *p)
{
	const char *s = want_text(L, y, "body_file");
	char *path, *data = NULL, why[160];
	size_t len = 0;

	if (!s)
		return;
	if (p->body) {
		err_at(L, y, "body_file: body and body_file exclude each other");
		return;
	}
	if (p->method == CFG_GET || p->method == CFG_HEAD) {
		err_at(L, y, "body_file: a %s request has no body (method: POST, PUT, PATCH, "
		       "DELETE or OPTIONS)", cfg_method_name(p->method));
		return;
	}
	path = resolve_path(L->file, s);
	if (!path) {
		L->oom = true;
		return;
	}
	if (csv_read_file(path, CFG_MAX_BODY_FILE, &data, &len, why, sizeof why) != 0) {
		err_at(L, y, "body_file: cannot read %s: %s", path, why);
		free(path);
		return;
	}
	free(path);
	p->body = data ? data : cfg_strdup("");
	p->body_len = data ? len : 0;
	if (!p->body)
		L->oom = true;
}

/* probe.method, probe.body and probe.fail_if_slower_than. */
static void load_request(struct ld *L, const struct ynode *method, const struct ynode *body,
			 const struct ynode *slower, struct cfg_probe *p, unsigned timeout_ms)
{
	const char *s;
	char q[64], a[64], b[64];

	if (method && (s = want_text(L, method, "method"))) {
		unsigned k;
		for (k = CFG_GET; k <= CFG_OPTIONS; k++)
			if (strcmp(s, cfg_method_name((enum cfg_method)k)) == 0)
				break;
		if (k > CFG_OPTIONS)
			err_at(L, method, "method: '%s' is not one of GET, HEAD, POST, PUT, PATCH, "
			       "DELETE, OPTIONS (in capitals)", cfg_quote(s, q, sizeof q));
		else
			p->method = (enum cfg_method)k;
	}
	if (body && (s = want_str(L, body, "body"))) {
		if (p->method == CFG_GET || p->method == CFG_HEAD)
			err_at(L, body, "body: a %s request has no body (method: POST, PUT, PATCH, "
			       "DELETE or OPTIONS)", cfg_method_name(p->method));
		else {
			set_str(L, &p->body, s);
			p->body_len = body->len;
		}
	}
	if (slower) {
		unsigned t;
		if (want_dur(L, slower, "fail_if_slower_than", 1, MAX_INTERVAL_MS, &t)) {
			if (t >= timeout_ms)
				err_at(L, slower, "fail_if_slower_than: %s is not shorter than the "
				       "timeout %s", fmt_dur(t, a, sizeof a),
				       fmt_dur(timeout_ms, b, sizeof b));
			else
				p->slower_than_ms = t;
		}
	}
}

static void load_probe(struct ld *L, const struct ynode *m, struct cfg_probe *p,
		       unsigned timeout_ms, const char *url)
{
	enum { K_STATUS, K_BODY, K_DEPTH, K_METHOD = K_DEPTH + PD_N, K_REQ_BODY, K_SLOWER,
	       K_TLS, K_BODY_FILE = K_TLS + 4, K_TCP_TLS, K_SEND, K_EXPECT, K_N };
	static const struct keydef kd[K_N] = { { "expect_status", false },
					       { "body_contains", false },
		/* load_probe_depth(), in the order of its PD_ indexes */
		{ "body_not_contains", false }, { "body_matches", false },
		{ "body_not_matches", false }, { "header_matches", false },
		{ "header_not_matches", false }, { "follow_redirects", false },
		{ "max_redirects", false }, { "ip_protocol", false }, { "ip_fallback", false },
		{ "headers", false }, { "proxy", false }, { "auth", false },
		{ "body_limit", false }, { "insecure_skip_verify", false }, { "ca_file", false },
		/* load_request() */
		{ "method", false }, { "body", false }, { "fail_if_slower_than", false },
		/* load_tls() */
		{ "cert_file", false }, { "key_file", false }, { "min_tls_version", false },
		{ "server_name", false },
		{ "body_file", false },
		{ "tls", false }, { "send", false }, { "expect", false } };
	const struct ynode *v[K_N];
	const char *s;
	bool empty;

	if (!want_map(L, m, "probe"))
		return;
	map_fields(L, m, "probe", kd, K_N, v);
	if (v[K_TCP_TLS]) {
		if (!p->tcp)
			err_at(L, v[K_TCP_TLS], "tls: only for a tcp:// url (an https url speaks TLS)");
		else
			(void)want_bool(L, v[K_TCP_TLS], "tls", &p->tls);
	}
	for (int k = K_SEND; k <= K_EXPECT; k++)
		if (v[k] && !p->tcp)
			err_at(L, v[k], "%s: only for a tcp:// url", kd[k].name);
	if (p->tcp && v[K_SEND] && (s = want_str(L, v[K_SEND], "send"))) {
		if (v[K_SEND]->len == 0 || v[K_SEND]->len > CFG_MAX_REQUEST_BODY)
			err_at(L, v[K_SEND], "send: must hold 1 to %u bytes", CFG_MAX_REQUEST_BODY);
		else if ((p->send = malloc(v[K_SEND]->len + 1))) {
			memcpy(p->send, s, v[K_SEND]->len + 1);
			p->send_len = v[K_SEND]->len;
		} else {
			L->oom = true;
		}
	}
	if (p->tcp && v[K_EXPECT] && (s = want_str(L, v[K_EXPECT], "expect")))
		(void)compile_regex(L, v[K_EXPECT], "expect", s, &p->expect);
	if (p->tcp) {
		/* A tcp target connects (with TLS) and no more: the HTTP keys mean nothing. */
		static const int http_only[] = { K_STATUS, K_BODY, K_DEPTH + PD_BODY_NOT,
			K_DEPTH + PD_MATCH, K_DEPTH + PD_NOT_MATCH, K_DEPTH + PD_HDR,
			K_DEPTH + PD_HDR_NOT, K_DEPTH + PD_FOLLOW, K_DEPTH + PD_MAXREDIR,
			K_DEPTH + PD_HEADERS, K_DEPTH + PD_PROXY, K_DEPTH + PD_AUTH,
			K_DEPTH + PD_LIMIT, K_METHOD, K_REQ_BODY, K_BODY_FILE };
		bool bad = false;
		for (size_t i = 0; i < sizeof http_only / sizeof http_only[0]; i++)
			if (v[http_only[i]]) {
				err_at(L, v[http_only[i]], "%s: only for an http or https url, not tcp://",
				       kd[http_only[i]].name);
				bad = true;
			}
		if (bad)
			return;
	}
	load_probe_depth(L, v + K_DEPTH, p);
	load_request(L, v[K_METHOD], v[K_REQ_BODY], v[K_SLOWER], p, timeout_ms);
	load_tls(L, v + K_TLS, p, url);
	if (v[K_BODY_FILE])
		load_body_file(L, v[K_BODY_FILE], p);
	if (v[K_BODY] && (s = want_str(L, v[K_BODY], "body_contains"))) {
		if (*s == '\0')
			err_at(L, v[K_BODY], "body_contains: must not be empty");
		else if (strlen(s) > CFG_MAX_BODY_MATCH)
			err_at(L, v[K_BODY], "body_contains: longer than %u bytes",
			       CFG_MAX_BODY_MATCH);
		else
			set_str(L, &p->body_contains, s);
	}
	/* A HEAD answer has no body: a body check could never pass. */
	if (p->method == CFG_HEAD && (p->body_contains || p->body_not_contains ||
				      p->n_body_matches || p->n_body_not_matches))
		err_at(L, v[K_METHOD], "method: a HEAD answer has no body, so the probe's body checks "
		       "could never pass");
	if (!v[K_STATUS] || !want_seq(L, v[K_STATUS], "expect_status", &empty) || empty ||
	    v[K_STATUS]->n == 0)
		return;
	p->expect_status = calloc(v[K_STATUS]->n, sizeof *p->expect_status);
	if (!p->expect_status) {
		L->oom = true;
		return;
	}
	for (size_t i = 0; i < v[K_STATUS]->n; i++) {
		const struct ynode *it = v[K_STATUS]->kid[i];
		unsigned lo = 0, hi = 0;
		char q[64], d[96];

		if (it->kind != Y_SCALAR || is_null(it)) {
			err_at(L, it, "expect_status: expected a status code or a range lo-hi, "
			       "found %s", describe(it, d, sizeof d));
			continue;
		}
		if (is_int(it)) {
			long code;
			if (!want_int(L, it, "expect_status", 100, 599, &code))
				continue;
			lo = hi = (unsigned)code;
		} else {
			const char *t = it->s;
			int nlo = 0, nhi = 0;
			/* "200" or "200-299": three digits each. */
			while (t[nlo] >= '0' && t[nlo] <= '9' && nlo < 4)
				lo = lo * 10 + (unsigned)(t[nlo++] - '0');
			if (t[nlo] == '-') {
				const char *u = t + nlo + 1;
				while (u[nhi] >= '0' && u[nhi] <= '9' && nhi < 4)
					hi = hi * 10 + (unsigned)(u[nhi++] - '0');
				if (u[nhi] != '\0')
					nhi = 0;
			} else if (t[nlo] == '\0') {
				hi = lo;
				nhi = nlo;
			} else {
				nhi = 0;
			}
			if (nlo != 3 || nhi != 3 || lo < 100 || hi > 599 || lo > hi) {
				err_at(L, it, "expect_status: '%s' is not a status code or a range "
				       "lo-hi within 100..599", cfg_quote(t, q, sizeof q));
				continue;
			}
		}
		p->expect_status[p->n_expect_status].lo = (uint16_t)lo;
		p->expect_status[p->n_expect_status].hi = (uint16_t)hi;
		p->n_expect_status++;
	}
}

static void load_dienst(struct ld *L, const struct ynode *m, struct cfg_dienst *d,
			struct dienst_src *src)
{
	enum { K_ID, K_NAME, K_URL, K_PROVIDER, K_EFA, K_INTERVAL, K_TIMEOUT, K_PROBE, K_RETRIES,
	       K_USAGE, K_MAINT, K_N };
	static const struct keydef kd[K_N] = {
		{ "id", true }, { "name", false }, { "url", true }, { "provider", false },
		{ "efa", false }, { "interval", false }, { "timeout", false }, { "probe", false },
		{ "retries", false }, { "usage", false }, { "maintenance", false },
	};
	const struct cfg_global *g = &L->c->global;
	const struct ynode *v[K_N];
	const char *s;
	char q[64], a[64], b[64];

	d->mark.file = L->file;
	d->mark.line = m->line;
	d->mark.col = m->col;
	d->interval_ms = g->interval_ms;
	d->timeout_ms = g->timeout_ms;
	if (!want_map(L, m, "onlinedienste entry"))
		return;
	map_fields(L, m, "onlinedienst", kd, K_N, v);
	if (v[K_ID] && (s = want_str(L, v[K_ID], "id"))) {
		if (!valid_id(s)) {
			err_at(L, v[K_ID], "id: '%s' is not a valid id (1 to 64 of a-z 0-9 _ -, "
			       "starting with a letter or digit)", cfg_quote(s, q, sizeof q));
		} else {
			set_str(L, &d->id, s);
			src->id = v[K_ID];
			src->line = v[K_ID]->line;
		}
	}
	if (v[K_NAME] && (s = want_name(L, v[K_NAME], "name")))
		set_str(L, &d->name, s);
	if (v[K_URL] && (s = want_str(L, v[K_URL], "url"))) {
		const char *why;
		if (strncmp(s, "tcp://", 6) == 0) {
			/* tcp://host:port: a plain TCP (optionally TLS) check, no path. */
			why = strlen(s) > CFG_MAX_URL ? "is longer than 2048 bytes"
				: strpbrk(s + 6, "/?#@ \t") ? "must be tcp://host:port, nothing more"
				: check_hostport(s + 6, strlen(s + 6), true);
			d->probe.tcp = true;
		} else {
			why = check_url(s);
		}
		if (why)
			err_at(L, v[K_URL], "url: '%s' %s", cfg_quote(s, q, sizeof q), why);
		else
			set_str(L, &d->url, s);
	}
	if (v[K_PROVIDER] && (s = want_name(L, v[K_PROVIDER], "provider")))
		set_str(L, &d->provider, s);
	if (v[K_EFA])
		want_bool(L, v[K_EFA], "efa", &d->efa);
	if (v[K_INTERVAL])
		want_dur(L, v[K_INTERVAL], "interval", MIN_INTERVAL_MS, MAX_INTERVAL_MS,
			 &d->interval_ms);
	if (v[K_TIMEOUT]) {
		unsigned t;
		if (want_dur(L, v[K_TIMEOUT], "timeout", MIN_TIMEOUT_MS, MAX_INTERVAL_MS, &t)) {
			if (t > d->interval_ms)
				err_at(L, v[K_TIMEOUT], "timeout: %s is longer than the interval %s",
				       fmt_dur(t, a, sizeof a), fmt_dur(d->interval_ms, b, sizeof b));
			else
				d->timeout_ms = t;
		}
	}
	/* An inherited timeout is shortened to a shorter interval of this dienst. */
	if (d->timeout_ms > d->interval_ms)
		d->timeout_ms = d->interval_ms;
	probe_defaults(L, &d->probe);
	if (v[K_PROBE] && !is_null(v[K_PROBE]))
		load_probe(L, v[K_PROBE], &d->probe, d->timeout_ms, d->url);
	load_retries(L, v[K_RETRIES], d);
	load_usage(L, v[K_USAGE], d);
	load_maint(L, v[K_MAINT], d);
	/* Defaults that spare every consumer a NULL check. */
	if (!d->name && d->id)
		set_str(L, &d->name, d->id);
	if (!d->provider)
		set_str(L, &d->provider, "");
}

static int dienst_cmp(const void *a, const void *b)
{
	const struct cfg_dienst *x = a, *y = b;
	int r = strcmp(x->id ? x->id : "", y->id ? y->id : "");
	if (r != 0)
		return r;
	return (x->mark.line > y->mark.line) - (x->mark.line < y->mark.line);
}

static int dsrc_cmp(const void *a, const void *b)
{
	const struct dienst_src *x = a, *y = b;
	int r = strcmp(x->id->s, y->id->s);
	if (r != 0)
		return r;
	return (x->line > y->line) - (x->line < y->line);
}

void load_dienste(struct ld *L, const struct ynode *lst)
{
	struct cfg *c = L->c;
	struct dienst_src *src;
	size_t nsrc = 0;
	bool empty;

	if (!want_seq(L, lst, "onlinedienste", &empty) || empty || lst->n == 0)
		return;
	c->dienste = calloc(lst->n, sizeof *c->dienste);
	src = calloc(lst->n, sizeof *src);
	if (!c->dienste || !src) {
		free(src);
		L->oom = true;
		return;
	}
	c->n_dienste = lst->n;
	for (size_t i = 0; i < lst->n && !L->oom; i++)
		load_dienst(L, lst->kid[i], &c->dienste[i], &src[i]);
	/* Duplicate ids: sort the valid ones by (id, line), report all but the first. */
	for (size_t i = 0; i < lst->n; i++)
		if (src[i].id)
			src[nsrc++] = src[i];
	qsort(src, nsrc, sizeof *src, dsrc_cmp);
	for (size_t i = 1, first = 0; i < nsrc; i++) {
		char q[64];
		if (strcmp(src[i].id->s, src[first].id->s) != 0) {
			first = i;
			continue;
		}
		err_at(L, src[i].id, "duplicate onlinedienst id '%s' (first at line %u)",
		       cfg_quote(src[i].id->s, q, sizeof q), src[first].line);
	}
	free(src);
	qsort(c->dienste, c->n_dienste, sizeof *c->dienste, dienst_cmp);
	check_usage_names(L);
}

/* Per-entry state of an Angebot kept until the cross-checks. */
