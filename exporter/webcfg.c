/* SPDX-License-Identifier: EUPL-1.2 */
/* webcfg.c - see webcfg.h. */
#include "exporter/webcfg.h"
#include "common/secfile.h"

#include <crypt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define WEBCFG_FILE_MAX (64u * 1024u)
#define WEBCFG_PEM_MAX (1024u * 1024u)
#define WEBCFG_USERS_MAX 1024u

/* A dummy bcrypt hash: unknown users cost the same as known ones. */
static const char dummy_hash[] = "$2b$10$abcdefghijklmnopqrstuu7qXJZb5tKk6Vx7bq3kYh9V3a2l2DRXK";

void webcfg_free(struct webcfg *w)
{
	if (!w)
		return;
	free(w->cert_pem);
	free(w->key_pem);
	for (size_t i = 0; i < w->n_users; i++) {
		free(w->users[i].name);
		free(w->users[i].hash);
	}
	free(w->users);
	free(w);
}

static char *read_file(const char *path, size_t max, char *why, size_t whysz)
{
	FILE *f = fopen(path, "re");
	char *d;
	size_t n;

	if (!f) {
		snprintf(why, whysz, "cannot open %s: %m", path);
		return NULL;
	}
	d = malloc(max + 1);
	if (!d) {
		fclose(f);
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	n = fread(d, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		free(d);
		snprintf(why, whysz, "%s is larger than %zu bytes", path, max);
		return NULL;
	}
	d[n] = '\0';
	return d;
}

struct wp {
	const char *path;
	char *err;
	size_t errsz;
	bool failed;
};

static void wp_err(struct wp *P, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void wp_err(struct wp *P, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (P->failed)
		return;	/* the first problem is reported */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n)
		snprintf(P->err, P->errsz, "%s:%zu:%zu: %s", P->path, n->start_mark.line + 1,
			 n->start_mark.column + 1, msg);
	else
		snprintf(P->err, P->errsz, "%s: %s", P->path, msg);
	P->failed = true;
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A path relative to the web config file's folder. */
static char *rel_path(const char *cfgpath, const char *p)
{
	const char *slash = strrchr(cfgpath, '/');
	char *out;
	size_t dl;

	if (p[0] == '/' || !slash)
		return strdup(p);
	dl = (size_t)(slash - cfgpath);
	out = malloc(dl + strlen(p) + 2);
	if (out)
		sprintf(out, "%.*s/%s", (int)dl, cfgpath, p);
	return out;
}

/* Reads a PEM file; a secret one (the key) only with safe permissions (secfile.h). */
static void load_pem(struct wp *P, yaml_node_t *v, char **dst, bool secret)
{
	const char *s = scalar(v);
	char why[512], *full;
	size_t len;

	if (!s || !*s) {
		wp_err(P, v, "expected a file name");
		return;
	}
	full = rel_path(P->path, s);
	if (!full) {
		wp_err(P, v, "out of memory");
		return;
	}
	if (!secret) {
		*dst = read_file(full, WEBCFG_PEM_MAX, why, sizeof why);
		if (!*dst)
			wp_err(P, v, "%s", why);
	} else if (secfile_read(full, WEBCFG_PEM_MAX, dst, &len, why, sizeof why) != 0) {
		wp_err(P, v, "refusing the key file %s: %s", full, why);
	}
	free(full);
}

static void load_tls(struct wp *P, yaml_document_t *doc, yaml_node_t *m, struct webcfg *w)
{
	if (m->type != YAML_MAPPING_NODE) {
		wp_err(P, m, "tls_server_config: expected a mapping");
		return;
	}
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *key = scalar(k), *val = scalar(v);

		if (!key)
			wp_err(P, k, "expected a key");
		else if (strcmp(key, "cert_file") == 0)
			load_pem(P, v, &w->cert_pem, false);
		else if (strcmp(key, "key_file") == 0)
			load_pem(P, v, &w->key_pem, true);
		else if (strcmp(key, "min_version") == 0) {
			if (val && strcmp(val, "TLS12") == 0)
				w->min_tls = 12;
			else if (val && strcmp(val, "TLS13") == 0)
				w->min_tls = 13;
			else
				wp_err(P, v, "min_version: expected TLS12 or TLS13");
		} else
			wp_err(P, k, "tls_server_config: unknown key '%s' (known: cert_file, "
			       "key_file, min_version)", key);
	}
	if (!P->failed && (!w->cert_pem || !w->key_pem))
		wp_err(P, m, "tls_server_config needs both cert_file and key_file");
}

static bool bcrypt_hash(const char *h)
{
	return strlen(h) == 60 && h[0] == '$' && h[1] == '2' && strchr("aby", h[2]) &&
	       h[3] == '$';
}

static void load_users(struct wp *P, yaml_document_t *doc, yaml_node_t *m, struct webcfg *w)
{
	size_t n;

	if (m->type != YAML_MAPPING_NODE) {
		wp_err(P, m, "basic_auth_users: expected a mapping of user names to bcrypt hashes");
		return;
	}
	n = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
	if (n > WEBCFG_USERS_MAX) {
		wp_err(P, m, "basic_auth_users: more than %u users", WEBCFG_USERS_MAX);
		return;
	}
	w->users = calloc(n ? n : 1, sizeof *w->users);
	if (!w->users) {
		wp_err(P, m, "out of memory");
		return;
	}
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *name = scalar(k), *hash = scalar(v);

		if (!name || !*name || strchr(name, ':')) {
			wp_err(P, k, "basic_auth_users: a user name must be a non-empty text without ':'");
			return;
		}
		if (!hash || !bcrypt_hash(hash)) {
			wp_err(P, v, "basic_auth_users: '%s' needs a bcrypt hash ($2a$, $2b$ or $2y$, "
			       "60 characters)", name);
			return;
		}
		for (size_t i = 0; i < w->n_users; i++)
			if (strcmp(w->users[i].name, name) == 0) {
				wp_err(P, k, "basic_auth_users: '%s' appears twice", name);
				return;
			}
		w->users[w->n_users].name = strdup(name);
		w->users[w->n_users].hash = strdup(hash);
		w->n_users++;
		if (!w->users[w->n_users - 1].name || !w->users[w->n_users - 1].hash) {
			wp_err(P, v, "out of memory");
			return;
		}
	}
}

struct webcfg *webcfg_load(const char *path, char *err, size_t errsz)
{
	struct wp P = { .path = path, .err = err, .errsz = errsz };
	struct webcfg *w = calloc(1, sizeof *w);
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	char why[512], *text;

	if (!w) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	w->min_tls = 12;
	w->health_open = true;
	text = read_file(path, WEBCFG_FILE_MAX, why, sizeof why);
	if (!text) {
		snprintf(err, errsz, "%s", why);
		free(w);
		return NULL;
	}
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errsz, "out of memory");
		free(text);
		free(w);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errsz, "%s:%zu:%zu: %s", path, parser.problem_mark.line + 1,
			 parser.problem_mark.column + 1, parser.problem ? parser.problem : "bad YAML");
		yaml_parser_delete(&parser);
		free(text);
		free(w);
		return NULL;
	}
	root = yaml_document_get_root_node(&doc);
	if (root && root->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
		     p < root->data.mapping.pairs.top && !P.failed; p++) {
			yaml_node_t *k = yaml_document_get_node(&doc, p->key);
			yaml_node_t *v = yaml_document_get_node(&doc, p->value);
			const char *key = scalar(k), *val = scalar(v);

			if (key && strcmp(key, "tls_server_config") == 0)
				load_tls(&P, &doc, v, w);
			else if (key && strcmp(key, "basic_auth_users") == 0)
				load_users(&P, &doc, v, w);
			else if (key && strcmp(key, "health_open") == 0) {
				if (val && strcmp(val, "true") == 0)
					w->health_open = true;
				else if (val && strcmp(val, "false") == 0)
					w->health_open = false;
				else
					wp_err(&P, v, "health_open: expected true or false");
			} else
				wp_err(&P, k, "unknown key '%s' (known: tls_server_config, "
				       "basic_auth_users, health_open)", key ? key : "?");
		}
	} else if (root && !(root->type == YAML_SCALAR_NODE && !*scalar(root))) {
		wp_err(&P, root, "expected a mapping");
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free(text);
	if (P.failed) {
		webcfg_free(w);
		return NULL;
	}
	return w;
}

/* Compares two strings in time that depends only on their lengths. */
static bool same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

bool webcfg_check(const struct webcfg *w, const char *user, const char *password)
{
	const char *hash = dummy_hash;
	struct crypt_data *cd;
	const char *out;
	bool known = false, ok;

	for (size_t i = 0; i < w->n_users; i++)
		if (strcmp(w->users[i].name, user) == 0) {
			hash = w->users[i].hash;
			known = true;
			break;
		}
	cd = calloc(1, sizeof *cd);	/* about 32 KiB: not on a server thread's stack */
	if (!cd)
		return false;
	out = crypt_r(password, hash, cd);
	ok = known && out && out[0] == '$' && same(out, hash);
	free(cd);
	return ok;
}
