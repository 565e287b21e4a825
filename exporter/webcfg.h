/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * webcfg.h - the web configuration of ozgmond's HTTP surface, in the file
 * format of the Prometheus exporter-toolkit (a file written for
 * node_exporter works unchanged), plus ozgmon's own keys under `ozgmon:`:
 *
 *   tls_server_config:
 *     cert_file: /etc/ozgmon/tls.crt    # PEM; relative paths: to this file's folder
 *     key_file:  /etc/ozgmon/tls.key
 *     client_auth_type: RequireAndVerifyClientCert   # default NoClientCert
 *     client_ca_file: /etc/ozgmon/clients-ca.crt
 *     min_version: TLS12                # TLS10 .. TLS13 (default TLS12)
 *     max_version: TLS13                # default TLS13
 *     cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ...]   # Go names
 *     curve_preferences: [X25519, CurveP256]
 *     prefer_server_cipher_suites: true
 *   http_server_config:
 *     http2: true                       # accepted, not supported: ignored
 *     headers: { Strict-Transport-Security: max-age=31536000 }
 *   basic_auth_users:
 *     prometheus: $2y$10$...           # bcrypt hashes ($2a$, $2b$, $2y$)
 *   ozgmon:
 *     health_open: true                 # /-/healthy and /-/ready without auth
 *     scrape_listen: 127.0.0.1:9103     # a listener of its own for scrapes (or unix:/path)
 *
 * The file is named with `ozgmond --web-config FILE`.  It is read at start
 * only: a reload of the main configuration does not change it.
 * docs/api.md describes every key, docs/security.md the deployment.
 */
#ifndef OZG_WEBCFG_H
#define OZG_WEBCFG_H

#include <stdbool.h>
#include <stddef.h>

struct webcfg_user {
	char *name;
	char *hash;		/* bcrypt, checked with crypt_r */
};

/* exporter-toolkit's client_auth_type (Go's tls.ClientAuthType). */
enum webcfg_client_auth {
	WEBCFG_NO_CLIENT_CERT = 0,
	WEBCFG_REQUEST_CLIENT_CERT,		/* asked for, not required, not verified */
	WEBCFG_REQUIRE_ANY_CLIENT_CERT,		/* required, not verified */
	WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN,	/* verified against client_ca_file when given */
	WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT,	/* required and verified */
};

struct webcfg_header {
	char *name, *value;
};

struct webcfg_cache;	/* successful password checks (webcfg.c) */

struct webcfg {
	char *cert_pem;		/* file contents; NULL: plain HTTP */
	char *key_pem;
	char *client_ca_pem;	/* client_ca_file's contents; NULL: none */
	enum webcfg_client_auth client_auth;
	int min_tls, max_tls;	/* 10 .. 13 */
	char *priorities;	/* the GnuTLS priority string the TLS keys make; NULL without TLS */
	struct webcfg_header *headers;	size_t n_headers;	/* http_server_config.headers */
	bool http2;		/* asked for; not supported (logged at start) */
	struct webcfg_user *users;	size_t n_users;	/* none: no auth */
	bool health_open;
	char *scrape_listen;	/* ozgmon.scrape_listen: host:port or unix:/path; NULL: none */
	struct webcfg_cache *cache;	/* owned; internally locked */
};

/*
 * Reads `path` into a new webcfg (free with webcfg_free).  NULL with every
 * problem as "file:line:col: message" (or "file: message") in err.
 */
struct webcfg *webcfg_load(const char *path, char *err, size_t errsz);
void webcfg_free(struct webcfg *w);	/* NULL-safe */
/*
 * Checks a user and password against the users with bcrypt; constant-time
 * in the comparison of the hash.  Unknown users cost one bcrypt run as well.
 * A success is remembered (webcfg_check_cached).  Safe from any thread.
 */
bool webcfg_check(const struct webcfg *w, const char *user, const char *password);
/*
 * Whether this user and password passed webcfg_check within the last
 * WEBCFG_CACHE_TTL_S seconds: no bcrypt, microseconds.  The cache holds at
 * most WEBCFG_CACHE_SIZE entries, keyed by an HMAC-SHA-256 of user and
 * password under a key drawn at load time (no password is kept).
 */
bool webcfg_check_cached(const struct webcfg *w, const char *user, const char *password);
/* The longest user name basic_auth_users accepts (bytes); a login sends no longer one. */
#define WEBCFG_USER_MAX 255u
#define WEBCFG_CACHE_SIZE 64u
#define WEBCFG_CACHE_TTL_S 600

/* The name of a client_auth_type value, as in the file. */
const char *webcfg_client_auth_name(enum webcfg_client_auth a);

#endif
