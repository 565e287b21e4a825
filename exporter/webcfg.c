/* SPDX-License-Identifier: EUPL-1.2 */
/* webcfg.c - see webcfg.h. */
#include "exporter/webcfg.h"
#include "common/secfile.h"

#include <crypt.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#define WEBCFG_FILE_MAX (64u * 1024u)
#define WEBCFG_PEM_MAX (1024u * 1024u)
#define WEBCFG_USERS_MAX 1024u
#define WEBCFG_HEADERS_MAX 32u
#define WEBCFG_PRIO_MAX 2048u

/* Successful password checks: HMAC-SHA-256(key, user NUL password) and when. */
struct webcfg_cache {
	pthread_mutex_t lock;
	unsigned char key[32];
	struct {
		unsigned char mac[32];
		long long until;	/* monotonic seconds; 0: empty */
	} e[WEBCFG_CACHE_SIZE];
};

/* A dummy bcrypt hash: unknown users cost the same as known ones. */
static const char dummy_hash[] = "$2b$10$abcdefghijklmnopqrstuu7qXJZb5tKk6Vx7bq3kYh9V3a2l2DRXK";

void webcfg_free(struct webcfg *w)
{
	if (!w)
		return;
	free(w->cert_pem);
	free(w->key_pem);
	free(w->client_ca_pem);
	free(w->priorities);
	free(w->scrape_listen);
	for (size_t i = 0; i < w->n_headers; i++) {
		free(w->headers[i].name);
		free(w->headers[i].value);
	}
	free(w->headers);
	if (w->cache) {
		pthread_mutex_destroy(&w->cache->lock);
		explicit_bzero(w->cache, sizeof *w->cache);
		free(w->cache);
	}
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

/*
 * Whether m is a mapping whose keys are all different (YAML requires it,
 * libyaml does not check; a key given twice would also replace what the
 * first one set).  Reports the place of the second key, or of m.
 */
static bool mapping(struct wp *P, yaml_document_t *doc, yaml_node_t *m, const char *what)
{
	if (m->type != YAML_MAPPING_NODE) {
		wp_err(P, m, "%s: expected a mapping", what);
		return false;
	}
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		const char *key = scalar(k);

		if (!key)
			continue;	/* the loaders name a key that is not a text */
		for (yaml_node_pair_t *q = m->data.mapping.pairs.start; q < p; q++) {
			const char *earlier = scalar(yaml_document_get_node(doc, q->key));

			if (earlier && strcmp(earlier, key) == 0) {
				wp_err(P, k, "%s: '%s' appears twice", what, key);
				return false;
			}
		}
	}
	return true;
}

/*
 * Checks m with mapping() and that it has at most max entries (more: "WHAT:
 * more than MAX THINGS"), then allocates a zeroed array of one element of size
 * sz per entry (at least one).  The array, or NULL with the fault reported.
 */
static void *mapping_array(struct wp *P, yaml_document_t *doc, yaml_node_t *m, const char *what,
			   size_t max, const char *things, size_t sz)
{
	size_t n;
	void *a;

	/* The count first: mapping()'s search for repeated keys is quadratic. */
	if (m->type == YAML_MAPPING_NODE &&
	    (n = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start)) > max) {
		wp_err(P, m, "%s: more than %zu %s", what, max, things);
		return NULL;
	}
	if (!mapping(P, doc, m, what))
		return NULL;
	n = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
	a = calloc(n ? n : 1, sz);
	if (!a)
		wp_err(P, m, "out of memory");
	return a;
}

/*
 * Copies a and b into *da and *db, the two texts of an entry of an array that
 * counts it already (webcfg_free frees what was copied); false, reported at
 * n, when memory ran out.
 */
static bool copy_entry(struct wp *P, yaml_node_t *n, char **da, const char *a, char **db,
		       const char *b)
{
	*da = strdup(a);
	*db = strdup(b);
	if (!*da || !*db) {
		wp_err(P, n, "out of memory");
		return false;
	}
	return true;
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

/* Go's TLS version names. */
static int tls_version(const char *v)
{
	static const struct { const char *name; int v; } vs[] = {
		{ "TLS10", 10 }, { "TLS11", 11 }, { "TLS12", 12 }, { "TLS13", 13 },
	};
	for (size_t i = 0; v && i < sizeof vs / sizeof vs[0]; i++)
		if (strcmp(v, vs[i].name) == 0)
			return vs[i].v;
	return 0;
}

/*
 * Go's cipher suite names (crypto/tls) as the GnuTLS key exchange, cipher
 * and MAC they consist of.  The TLS 1.3 suites are not configurable in Go
 * either: accepted and without effect (kx NULL).
 */
static const struct suite {
	const char *go, *kx, *cipher, *mac;
} suites[] = {
	{ "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "RSA", "3DES-CBC", "SHA1" },
	{ "TLS_RSA_WITH_AES_128_CBC_SHA", "RSA", "AES-128-CBC", "SHA1" },
	{ "TLS_RSA_WITH_AES_256_CBC_SHA", "RSA", "AES-256-CBC", "SHA1" },
	{ "TLS_RSA_WITH_AES_128_CBC_SHA256", "RSA", "AES-128-CBC", "SHA256" },
	{ "TLS_RSA_WITH_AES_128_GCM_SHA256", "RSA", "AES-128-GCM", "AEAD" },
	{ "TLS_RSA_WITH_AES_256_GCM_SHA384", "RSA", "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA", "AES-128-CBC", "SHA1" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA", "AES-256-CBC", "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA", "3DES-CBC", "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA", "AES-128-CBC", "SHA1" },
	{ "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA", "AES-256-CBC", "SHA1" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA", "AES-128-CBC", "SHA256" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA", "AES-128-CBC", "SHA256" },
	{ "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA", "AES-128-GCM", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA", "AES-128-GCM", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA", "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA", "AES-256-GCM", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA", "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA", "CHACHA20-POLY1305", "AEAD" },
	{ "TLS_AES_128_GCM_SHA256", NULL, NULL, NULL },
	{ "TLS_AES_256_GCM_SHA384", NULL, NULL, NULL },
	{ "TLS_CHACHA20_POLY1305_SHA256", NULL, NULL, NULL },
};

/* Go's curve names (tls.CurveID) as GnuTLS groups. */
static const struct { const char *go, *group; } curves[] = {
	{ "CurveP256", "SECP256R1" }, { "CurveP384", "SECP384R1" },
	{ "CurveP521", "SECP521R1" }, { "X25519", "X25519" },
};

/* Appends ":+item" to the priority string unless it is there already. */
static void prio_add(char *prio, size_t sz, const char *pfx, const char *item)
{
	char tok[64];
	size_t l = strlen(prio);

	snprintf(tok, sizeof tok, ":+%s%s", pfx, item);
	if (!strstr(prio, tok))
		snprintf(prio + l, sz - l, "%s", tok);
}

/* The TLS keys gathered while reading, for the priority string. */
struct tlsin {
	yaml_node_t *suites, *curves, *prefer, *at;
	bool prefer_server;
	const char *auth_name;
	yaml_node_t *auth_node, *ca_node;
};

static void build_priorities(struct wp *P, yaml_document_t *doc, struct tlsin *t, struct webcfg *w)
{
	char prio[WEBCFG_PRIO_MAX];
	const char *errpos = NULL;
	gnutls_priority_t pc;
	int rc;

	snprintf(prio, sizeof prio, "NORMAL%s:-VERS-ALL", t->prefer_server ? ":%SERVER_PRECEDENCE" : "");
	for (int v = w->min_tls; v <= w->max_tls; v++) {
		char ver[16];
		snprintf(ver, sizeof ver, "1.%d", v - 10);
		prio_add(prio, sizeof prio, "VERS-TLS", ver);
	}
	if (t->suites) {
		bool any = false;
		if (t->suites->type != YAML_SEQUENCE_NODE) {
			wp_err(P, t->suites, "cipher_suites: expected a list of cipher suite names");
			return;
		}
		strncat(prio, ":-KX-ALL:-CIPHER-ALL:-MAC-ALL", sizeof prio - strlen(prio) - 1);
		for (yaml_node_item_t *it = t->suites->data.sequence.items.start;
		     it < t->suites->data.sequence.items.top; it++) {
			yaml_node_t *n = yaml_document_get_node(doc, *it);
			const char *name = scalar(n);
			const struct suite *s = NULL;

			for (size_t i = 0; name && i < sizeof suites / sizeof suites[0]; i++)
				if (strcmp(name, suites[i].go) == 0)
					s = &suites[i];
			if (!s) {
				wp_err(P, n, "cipher_suites: unknown or unsupported cipher suite '%s' "
				       "(Go's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; RC4 is "
				       "not offered)", name ? name : "?");
				return;
			}
			if (!s->kx)
				continue;	/* TLS 1.3: not configurable */
			prio_add(prio, sizeof prio, "", s->kx);
			prio_add(prio, sizeof prio, "", s->cipher);
			prio_add(prio, sizeof prio, "", s->mac);
			any = true;
		}
		if (w->max_tls >= 13) {
			/* TLS 1.3's suites stay as Go keeps them. */
			prio_add(prio, sizeof prio, "", "AES-128-GCM");
			prio_add(prio, sizeof prio, "", "AES-256-GCM");
			prio_add(prio, sizeof prio, "", "CHACHA20-POLY1305");
			prio_add(prio, sizeof prio, "", "AEAD");
		} else if (!any) {
			wp_err(P, t->suites, "cipher_suites: no suite for TLS 1.2 or older is listed");
			return;
		}
	}
	if (t->curves) {
		if (t->curves->type != YAML_SEQUENCE_NODE) {
			wp_err(P, t->curves, "curve_preferences: expected a list of curve names");
			return;
		}
		strncat(prio, ":-GROUP-ALL", sizeof prio - strlen(prio) - 1);
		for (yaml_node_item_t *it = t->curves->data.sequence.items.start;
		     it < t->curves->data.sequence.items.top; it++) {
			yaml_node_t *n = yaml_document_get_node(doc, *it);
			const char *name = scalar(n), *g = NULL;

			for (size_t i = 0; name && i < sizeof curves / sizeof curves[0]; i++)
				if (strcmp(name, curves[i].go) == 0)
					g = curves[i].group;
			if (!g) {
				wp_err(P, n, "curve_preferences: unknown curve '%s' (known: CurveP256, "
				       "CurveP384, CurveP521, X25519)", name ? name : "?");
				return;
			}
			prio_add(prio, sizeof prio, "GROUP-", g);
		}
	}
	if (strlen(prio) + 1 >= sizeof prio) {
		wp_err(P, t->at, "the TLS settings make too long a priority string");
		return;
	}
	rc = gnutls_priority_init(&pc, prio, &errpos);
	if (rc != GNUTLS_E_SUCCESS) {
		wp_err(P, t->at, "GnuTLS refuses the TLS settings (priority \"%s\" at \"%s\"): %s",
		       prio, errpos ? errpos : "?", gnutls_strerror(rc));
		return;
	}
	gnutls_priority_deinit(pc);
	w->priorities = strdup(prio);
	if (!w->priorities)
		wp_err(P, t->at, "out of memory");
}

static const char *const auth_names[] = {
	"NoClientCert", "RequestClientCert", "RequireAnyClientCert",
	"VerifyClientCertIfGiven", "RequireAndVerifyClientCert",
};

const char *webcfg_client_auth_name(enum webcfg_client_auth a)
{
	return (unsigned)a < sizeof auth_names / sizeof auth_names[0] ? auth_names[a] : "?";
}

static bool parse_bool(const char *v, bool *out)
{
	if (v && (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)) {
		*out = v[0] == 't';
		return true;
	}
	return false;
}

static void load_tls(struct wp *P, yaml_document_t *doc, yaml_node_t *m, struct webcfg *w)
{
	struct tlsin t = { .at = m, .prefer_server = true };

	if (!mapping(P, doc, m, "tls_server_config"))
		return;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	     p < m->data.mapping.pairs.top && !P->failed; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *key = scalar(k), *val = scalar(v);

		if (!key)
			wp_err(P, k, "expected a key");
		else if (strcmp(key, "cert_file") == 0)
			load_pem(P, v, &w->cert_pem, false);
		else if (strcmp(key, "key_file") == 0)
			load_pem(P, v, &w->key_pem, true);
		else if (strcmp(key, "client_ca_file") == 0) {
			load_pem(P, v, &w->client_ca_pem, false);
			t.ca_node = v;
		} else if (strcmp(key, "client_auth_type") == 0) {
			size_t i;
			for (i = 0; val && i < sizeof auth_names / sizeof auth_names[0]; i++)
				if (strcmp(val, auth_names[i]) == 0)
					break;
			if (!val || i == sizeof auth_names / sizeof auth_names[0])
				wp_err(P, v, "client_auth_type: expected NoClientCert, RequestClientCert, "
				       "RequireAnyClientCert, VerifyClientCertIfGiven or "
				       "RequireAndVerifyClientCert");
			else
				w->client_auth = (enum webcfg_client_auth)i;
			t.auth_node = v;
		} else if (strcmp(key, "min_version") == 0 || strcmp(key, "max_version") == 0) {
			int ver = tls_version(val);
			if (!ver)
				wp_err(P, v, "%s: expected TLS10, TLS11, TLS12 or TLS13", key);
			else if (key[1] == 'i')
				w->min_tls = ver;
			else
				w->max_tls = ver;
		} else if (strcmp(key, "cipher_suites") == 0)
			t.suites = v;
		else if (strcmp(key, "curve_preferences") == 0)
			t.curves = v;
		else if (strcmp(key, "prefer_server_cipher_suites") == 0) {
			if (!parse_bool(val, &t.prefer_server))
				wp_err(P, v, "prefer_server_cipher_suites: expected true or false");
		} else
			wp_err(P, k, "tls_server_config: unknown key '%s' (known: cert_file, key_file, "
			       "client_auth_type, client_ca_file, min_version, max_version, "
			       "cipher_suites, curve_preferences, prefer_server_cipher_suites)", key);
	}
	if (P->failed)
		return;
	if (!w->cert_pem || !w->key_pem) {
		wp_err(P, m, "tls_server_config needs both cert_file and key_file");
		return;
	}
	if (w->min_tls > w->max_tls) {
		wp_err(P, m, "tls_server_config: min_version is above max_version");
		return;
	}
	if (w->client_ca_pem && w->client_auth == WEBCFG_NO_CLIENT_CERT) {
		wp_err(P, t.ca_node, "client_ca_file is set but client_auth_type is NoClientCert "
		       "(set client_auth_type, e.g. RequireAndVerifyClientCert)");
		return;
	}
	if (!w->client_ca_pem && (w->client_auth == WEBCFG_VERIFY_CLIENT_CERT_IF_GIVEN ||
				  w->client_auth == WEBCFG_REQUIRE_AND_VERIFY_CLIENT_CERT)) {
		wp_err(P, t.auth_node, "client_auth_type %s needs client_ca_file",
		       webcfg_client_auth_name(w->client_auth));
		return;
	}
	build_priorities(P, doc, &t, w);
}

/* The response headers exporter-toolkit allows in http_server_config.headers. */
static const char *const header_names[] = {
	"Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
	"X-XSS-Protection", "Content-Security-Policy",
};

static void load_http(struct wp *P, yaml_document_t *doc, yaml_node_t *m, struct webcfg *w)
{
	if (!mapping(P, doc, m, "http_server_config"))
		return;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	     p < m->data.mapping.pairs.top && !P->failed; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *key = scalar(k);

		if (key && strcmp(key, "http2") == 0) {
			if (!parse_bool(scalar(v), &w->http2))
				wp_err(P, v, "http2: expected true or false");
		} else if (key && strcmp(key, "headers") == 0) {
			w->headers = mapping_array(P, doc, v, "headers", WEBCFG_HEADERS_MAX, "headers",
						   sizeof *w->headers);
			if (!w->headers)
				return;
			for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
			     q < v->data.mapping.pairs.top; q++) {
				yaml_node_t *hk = yaml_document_get_node(doc, q->key);
				yaml_node_t *hv = yaml_document_get_node(doc, q->value);
				const char *name = scalar(hk), *val = scalar(hv);
				const char *canon = NULL;
				struct webcfg_header *h;

				for (size_t i = 0; name && i < sizeof header_names / sizeof header_names[0]; i++)
					if (strcasecmp(name, header_names[i]) == 0)
						canon = header_names[i];
				if (!canon) {
					wp_err(P, hk, "headers: '%s' cannot be set (allowed: "
					       "Strict-Transport-Security, X-Content-Type-Options, "
					       "X-Frame-Options, X-XSS-Protection, Content-Security-Policy)",
					       name ? name : "?");
					return;
				}
				if (!val || strlen(val) > 1024 || strpbrk(val, "\r\n")) {
					wp_err(P, hv, "headers: the value of %s must be one line of at "
					       "most 1024 bytes", canon);
					return;
				}
				/* Names are case-blind: two spellings would send the header twice. */
				for (size_t i = 0; i < w->n_headers; i++)
					if (w->headers[i].name == canon ||
					    strcmp(w->headers[i].name, canon) == 0) {
						wp_err(P, hk, "headers: %s appears twice", canon);
						return;
					}
				h = &w->headers[w->n_headers++];
				if (!copy_entry(P, hv, &h->name, canon, &h->value, val))
					return;
			}
		} else
			wp_err(P, k, "http_server_config: unknown key '%s' (known: headers, http2)",
			       key ? key : "?");
	}
}

static void load_ozgmon(struct wp *P, yaml_document_t *doc, yaml_node_t *m, struct webcfg *w)
{
	if (!mapping(P, doc, m, "ozgmon"))
		return;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	     p < m->data.mapping.pairs.top && !P->failed; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *key = scalar(k), *val = scalar(v);

		if (key && strcmp(key, "health_open") == 0) {
			if (!parse_bool(val, &w->health_open))
				wp_err(P, v, "health_open: expected true or false");
		} else if (key && strcmp(key, "scrape_listen") == 0) {
			if (val && strncmp(val, "unix:", 5) == 0 &&
			    (val[5] != '/' || strlen(val + 5) >= 108))
				wp_err(P, v, "scrape_listen: a unix socket needs an absolute path of "
				       "at most 107 bytes (unix:/run/ozgmon/scrape.sock)");
			else if (!val || !*val || strlen(val) > 300 || !strchr(val, ':'))
				wp_err(P, v, "scrape_listen: expected host:port, [v6addr]:port or "
				       "unix:/path");
			else if (!(w->scrape_listen = strdup(val)))
				wp_err(P, v, "out of memory");
		} else
			wp_err(P, k, "ozgmon: unknown key '%s' (known: health_open, scrape_listen)",
			       key ? key : "?");
	}
}

static bool bcrypt_hash(const char *h)
{
	return strlen(h) == 60 && h[0] == '$' && h[1] == '2' && strchr("aby", h[2]) &&
	       h[3] == '$';
}

static void load_users(struct wp *P, yaml_document_t *doc, yaml_node_t *m, struct webcfg *w)
{
	w->users = mapping_array(P, doc, m, "basic_auth_users", WEBCFG_USERS_MAX, "users",
				 sizeof *w->users);
	if (!w->users)
		return;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *name = scalar(k), *hash = scalar(v);
		struct webcfg_user *u;

		if (!name || !*name || strchr(name, ':') || strlen(name) > WEBCFG_USER_MAX) {
			wp_err(P, k, "basic_auth_users: a user name must be a non-empty text without ':' "
			       "of at most %u bytes", WEBCFG_USER_MAX);
			return;
		}
		if (!hash || !bcrypt_hash(hash)) {
			wp_err(P, v, "basic_auth_users: '%s' needs a bcrypt hash ($2a$, $2b$ or $2y$, "
			       "60 characters)", name);
			return;
		}
		u = &w->users[w->n_users++];
		if (!copy_entry(P, v, &u->name, name, &u->hash, hash))
			return;
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
	w->max_tls = 13;
	w->health_open = true;
	w->cache = calloc(1, sizeof *w->cache);
	if (!w->cache || gnutls_rnd(GNUTLS_RND_KEY, w->cache->key, sizeof w->cache->key) != 0) {
		snprintf(err, errsz, "out of memory or no random numbers for the password cache");
		free(w->cache);
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->cache->lock, NULL);
	text = read_file(path, WEBCFG_FILE_MAX, why, sizeof why);
	if (!text) {
		snprintf(err, errsz, "%s", why);
		webcfg_free(w);
		return NULL;
	}
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errsz, "out of memory");
		free(text);
		webcfg_free(w);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errsz, "%s:%zu:%zu: %s", path, parser.problem_mark.line + 1,
			 parser.problem_mark.column + 1, parser.problem ? parser.problem : "bad YAML");
		yaml_parser_delete(&parser);
		free(text);
		webcfg_free(w);
		return NULL;
	}
	root = yaml_document_get_root_node(&doc);
	if (root && root->type == YAML_MAPPING_NODE && mapping(&P, &doc, root, "web config")) {
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
		     p < root->data.mapping.pairs.top && !P.failed; p++) {
			yaml_node_t *k = yaml_document_get_node(&doc, p->key);
			yaml_node_t *v = yaml_document_get_node(&doc, p->value);
			const char *key = scalar(k), *val = scalar(v);

			if (key && strcmp(key, "tls_server_config") == 0)
				load_tls(&P, &doc, v, w);
			else if (key && strcmp(key, "http_server_config") == 0)
				load_http(&P, &doc, v, w);
			else if (key && strcmp(key, "ozgmon") == 0)
				load_ozgmon(&P, &doc, v, w);
			else if (key && strcmp(key, "basic_auth_users") == 0)
				load_users(&P, &doc, v, w);
			else if (key && strcmp(key, "health_open") == 0) {
				/* Older files: the same as ozgmon.health_open. */
				if (!parse_bool(val, &w->health_open))
					wp_err(&P, v, "health_open: expected true or false");
			} else
				wp_err(&P, k, "unknown key '%s' (known: tls_server_config, "
				       "http_server_config, basic_auth_users, ozgmon)", key ? key : "?");
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

static long long mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec + 1;	/* never 0: 0 marks an empty entry */
}

/* HMAC-SHA-256 under the cache key of "user NUL password"; false when it cannot be made. */
static bool cache_mac(const struct webcfg_cache *c, const char *user, const char *password,
		      unsigned char mac[32])
{
	size_t ul = strlen(user), pl = strlen(password);
	char msg[1024];
	int rc;

	if (ul + pl + 1 > sizeof msg)
		return false;
	memcpy(msg, user, ul + 1);
	memcpy(msg + ul + 1, password, pl);
	rc = gnutls_hmac_fast(GNUTLS_MAC_SHA256, c->key, sizeof c->key, msg, ul + 1 + pl, mac);
	explicit_bzero(msg, sizeof msg);
	return rc == 0;
}

bool webcfg_check_cached(const struct webcfg *w, const char *user, const char *password)
{
	struct webcfg_cache *c = w->cache;
	unsigned char mac[32];
	long long now = mono_s();
	bool hit = false;

	if (!c || !cache_mac(c, user, password, mac))
		return false;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < WEBCFG_CACHE_SIZE; i++) {
		unsigned char d = 0;
		for (size_t j = 0; j < sizeof mac; j++)
			d |= (unsigned char)(c->e[i].mac[j] ^ mac[j]);
		if (d == 0 && c->e[i].until > now)
			hit = true;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

/* Remembers a successful check; a full cache gives up the entry that expires first. */
static void cache_put(struct webcfg_cache *c, const char *user, const char *password)
{
	unsigned char mac[32];
	size_t victim = 0;

	if (!c || !cache_mac(c, user, password, mac))
		return;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < WEBCFG_CACHE_SIZE; i++) {
		if (memcmp(c->e[i].mac, mac, sizeof mac) == 0) {
			victim = i;
			break;
		}
		if (c->e[i].until < c->e[victim].until)
			victim = i;
	}
	memcpy(c->e[victim].mac, mac, sizeof mac);
	c->e[victim].until = mono_s() + WEBCFG_CACHE_TTL_S;
	pthread_mutex_unlock(&c->lock);
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
	if (ok)
		cache_put(w->cache, user, password);
	return ok;
}
