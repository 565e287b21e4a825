/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * webcfg.h - the web configuration of ozgmond's HTTP surface: TLS and basic
 * auth, in the file format of the Prometheus exporter-toolkit:
 *
 *   tls_server_config:
 *     cert_file: /etc/ozgmon/tls.crt    # PEM; relative paths: to this file's folder
 *     key_file:  /etc/ozgmon/tls.key
 *     min_version: TLS12                # TLS12 (default) or TLS13
 *   basic_auth_users:
 *     prometheus: $2y$10$...           # bcrypt hashes ($2a$, $2b$, $2y$)
 *   health_open: true                   # /-/healthy and /-/ready without auth (default true)
 *
 * The file is named with `ozgmond --web-config FILE`.  It is read at start
 * only: a reload of the main configuration does not change it.
 */
#ifndef OZG_WEBCFG_H
#define OZG_WEBCFG_H

#include <stdbool.h>
#include <stddef.h>

struct webcfg_user {
	char *name;
	char *hash;		/* bcrypt, checked with crypt_r */
};

struct webcfg {
	char *cert_pem;		/* file contents; NULL: plain HTTP */
	char *key_pem;
	int min_tls;		/* 12 or 13 */
	struct webcfg_user *users;	size_t n_users;	/* none: no auth */
	bool health_open;
};

/*
 * Reads `path` into a new webcfg (free with webcfg_free).  NULL with every
 * problem as "file:line:col: message" (or "file: message") in err.
 */
struct webcfg *webcfg_load(const char *path, char *err, size_t errsz);
void webcfg_free(struct webcfg *w);	/* NULL-safe */
/*
 * Checks a user and password against the users; constant-time in the
 * comparison of the hash.  Unknown users cost one bcrypt run as well.
 */
bool webcfg_check(const struct webcfg *w, const char *user, const char *password);

#endif
