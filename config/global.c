/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * global.c - the global: section.
 */
#include "common/clock.h"
#include "config/load.h"

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

/* ---- sections ---------------------------------------------------------------- */

/*
 * global.rrdcached: "unix:/absolute/path", "/absolute/path" or "host:port".
 * NULL node: not set.
 */
static void load_global_store(struct ld *L, const struct ynode *y)
{
	const char *s, *why = NULL;
	char q[64];

	if (!y || !(s = want_text(L, y, "rrdcached")))
		return;
	if (strncmp(s, "unix:", 5) == 0 || s[0] == '/') {
		const char *p = s[0] == '/' ? s : s + 5;
		if (p[0] != '/')
			why = "needs an absolute socket path after unix:";
		else if (strlen(p) >= 108)
			why = "has a socket path longer than 107 bytes";
		else if (strpbrk(p, " \t\n"))
			why = "contains whitespace";
	} else {
		why = check_hostport(s, strlen(s), true);
	}
	if (why)
		err_at(L, y, "rrdcached: '%s' %s (expected unix:/path/to/socket or host:port)",
		       cfg_quote(s, q, sizeof q), why);
	else
		set_str(L, &L->c->global.rrdcached, s);
}

/* global.rollout: { online_min, fulfilled_min, reliable_availability, unmeasured, weighting } */
static void load_global_rollout(struct ld *L, const struct ynode *m)
{
	enum { R_ONLINE, R_FULFILLED, R_RELIABLE, R_UNMEASURED, R_WEIGHTING, R_FEDERAL, R_N };
	static const struct keydef kd[R_N] = {
		{ "online_min", false }, { "fulfilled_min", false },
		{ "reliable_availability", false }, { "unmeasured", false }, { "weighting", false },
		{ "federal_leistungen", false },
	};
	static const struct word unmeasured[] = {
		{ "reliable", true }, { "unreliable", false }, { NULL, 0 },
	};
	static const struct word weighting[] = {
		{ "threshold", false }, { "availability", true }, { NULL, 0 },
	};
	static const struct word federal[] = { { "count", true }, { "exclude", false }, { NULL, 0 } };
	struct cfg_rollout *r = &L->c->global.rollout;
	const struct ynode *v[R_N];
	const char *s;
	char q[64];
	long n;
	int word;

	if (!m)
		return;
	if (m->kind != Y_MAP) {
		err_at(L, m, "rollout: expected a mapping");
		return;
	}
	map_fields(L, m, "rollout", kd, R_N, v);
	if (v[R_ONLINE] && want_int(L, v[R_ONLINE], "online_min", 1, 7, &n))
		r->online_min = (int)n;
	if (v[R_FULFILLED] && want_int(L, v[R_FULFILLED], "fulfilled_min", 1, 7, &n))
		r->fulfilled_min = (int)n;
	if (r->fulfilled_min < r->online_min)
		err_at(L, v[R_FULFILLED] ? v[R_FULFILLED] : m,
		       "fulfilled_min: %d is below online_min %d", r->fulfilled_min, r->online_min);
	if (v[R_RELIABLE] && (s = want_text(L, v[R_RELIABLE], "reliable_availability"))) {
		char *end;
		long pct = strtol(s, &end, 10);
		if (end == s || strcmp(end, "%") != 0 || pct < 1 || pct > 100)
			err_at(L, v[R_RELIABLE], "reliable_availability: '%s' is not a percentage "
			       "from 1%% to 100%% (e.g. \"95%%\")", cfg_quote(s, q, sizeof q));
		else
			r->reliable_pct = (unsigned)pct;
	}
	if (v[R_UNMEASURED] && want_word(L, v[R_UNMEASURED], "unmeasured", unmeasured, &word))
		r->unknown_is_reliable = word;
	if (v[R_WEIGHTING] && want_word(L, v[R_WEIGHTING], "weighting", weighting, &word))
		r->weight_availability = word;
	if (v[R_FEDERAL] && want_word(L, v[R_FEDERAL], "federal_leistungen", federal, &word))
		r->count_federal = word;
}

/* global.dashboards_dir and global.dashboards_every (either may be NULL: absent). */
static void load_global_dashboards(struct ld *L, const struct ynode *dir, const struct ynode *every)
{
	struct cfg_global *g = &L->c->global;
	const char *s;

	if (dir && (s = want_text(L, dir, "dashboards_dir"))) {
		if (!*s)
			err_at(L, dir, "dashboards_dir: must not be empty");
		else
			set_str(L, &g->dashboards_dir, s);
	}
	if (every)
		want_dur(L, every, "dashboards_every", 1000, MAX_INTERVAL_MS, &g->dashboards_every_ms);
}

/* ---- sharding ------------------------------------------------------------- */

uint64_t cfg_shard_hash(const char *id)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const unsigned char *p = (const unsigned char *)id; p && *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	return h;
}

unsigned cfg_shard_of(const char *id, unsigned n)
{
	return n ? (unsigned)(cfg_shard_hash(id) % n) + 1 : 1;
}

/* Parses a decimal 1 .. CFG_SHARDS_MAX from s[0..len); 0 when it is not one. */
static unsigned shard_number(const char *s, size_t len)
{
	unsigned v = 0;

	if (len == 0 || len > 4)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= CFG_SHARDS_MAX ? v : 0;
}

/* global.shard: "i/n" with 1 <= i <= n <= CFG_SHARDS_MAX.  NULL node: not sharded. */
static void load_global_shard(struct ld *L, const struct ynode *y)
{
	const char *s, *slash;
	unsigned i, n;
	char q[64];

	if (!y || !(s = want_text(L, y, "shard")))
		return;
	slash = strchr(s, '/');
	i = slash ? shard_number(s, (size_t)(slash - s)) : 0;
	n = slash ? shard_number(slash + 1, strlen(slash + 1)) : 0;
	if (!i || !n) {
		err_at(L, y, "shard: '%s' is not i/n with 1 <= i <= n <= %u (e.g. \"1/4\")",
		       cfg_quote(s, q, sizeof q), CFG_SHARDS_MAX);
		return;
	}
	if (i > n) {
		err_at(L, y, "shard: %u/%u names a shard beyond the %u shards (shards count from 1)",
		       i, n, n);
		return;
	}
	L->c->global.shard_index = i;
	L->c->global.shard_count = n;
}

/*
 * Keeps only this shard's Onlinedienste and the Angebote naming them, after
 * the whole file validated (so --check-config checks every entry on every
 * shard).  The dropped Onlinedienste are freed through a scratch cfg that
 * holds nothing else.  Order is kept: cfg.dienste stays sorted by id.
 */
void apply_shard(struct ld *L)
{
	struct cfg *c = L->c, *drop;
	unsigned n = c->global.shard_count, me = c->global.shard_index;
	size_t *map, kept = 0, nd = 0, na = 0;

	c->n_dienste_file = c->n_dienste;
	c->n_angebote_file = c->n_angebote;
	if (n == 0 || c->n_dienste == 0)
		return;
	drop = calloc(1, sizeof *drop);
	map = malloc(c->n_dienste * sizeof *map);
	if (drop)
		drop->dienste = calloc(c->n_dienste, sizeof *drop->dienste);
	if (!drop || !map || !drop->dienste) {
		if (drop)
			free(drop->dienste);
		free(drop);
		free(map);
		L->oom = true;
		return;
	}
	for (size_t d = 0; d < c->n_dienste; d++) {
		if (cfg_shard_of(c->dienste[d].id, n) == me) {
			map[d] = kept;
			c->dienste[kept++] = c->dienste[d];
		} else {
			map[d] = SIZE_MAX;
			drop->dienste[nd++] = c->dienste[d];
		}
	}
	drop->n_dienste = nd;
	c->n_dienste = kept;
	for (size_t a = 0; a < c->n_angebote; a++) {
		if (map[c->angebote[a].dienst] == SIZE_MAX)
			continue;
		c->angebote[na] = c->angebote[a];
		c->angebote[na++].dienst = map[c->angebote[a].dienst];
	}
	c->n_angebote = na;
	free(map);
	cfg_free(drop);
}

/*
 * global.user and global.group (either may be NULL: absent): a POSIX
 * portable account name ([A-Za-z_][A-Za-z0-9._-]*, at most 32 bytes, a
 * trailing '$' allowed) or a numeric id.  Whether it exists is the daemon's
 * question at start, so --check-config works on another machine.
 */
static void load_global_privileges(struct ld *L, const struct ynode *user,
				   const struct ynode *group)
{
	static const char first[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";
	struct cfg_global *g = &L->c->global;

	for (int k = 0; k < 2; k++) {
		const struct ynode *y = k == 0 ? user : group;
		const char *key = k == 0 ? "user" : "group", *s;
		size_t n, body;
		char q[64];

		if (!y || !(s = want_text(L, y, key)))
			continue;
		n = strlen(s);
		body = strspn(s, "0123456789");
		if (body != n || n == 0 || n > 10) {
			body = strspn(s, first) ? 1 + strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
							   "abcdefghijklmnopqrstuvwxyz0123456789._-") : 0;
			if (n == 0 || n > 32 || (body != n && !(body == n - 1 && s[n - 1] == '$'))) {
				err_at(L, y, "%s: '%s' is not an account name or a numeric id", key,
				       cfg_quote(s, q, sizeof q));
				continue;
			}
		}
		set_str(L, k == 0 ? &g->user : &g->group, s);
	}
	if (group && !user && g->group)
		err_at(L, group, "group: needs global.user as well");
}

/* global.config_max_size: "268435456", "512MiB", "1GiB" -> bytes, 1 MiB .. 4 GiB. */
static void load_global_max_size(struct ld *L, const struct ynode *y)
{
	char *end, q[64];
	unsigned long long v, mul = 1;
	const char *s;

	if (!y)
		return;
	s = y->kind == Y_SCALAR ? y->s : "";
	errno = 0;
	v = (*s >= '0' && *s <= '9') ? strtoull(s, &end, 10) : 0;
	if (v == 0 || errno != 0) {
		err_at(L, y, "config_max_size: '%s' is not a size (bytes, or a number with KiB, "
		       "MiB or GiB)", cfg_quote(s, q, sizeof q));
		return;
	}
	if (strcmp(end, "KiB") == 0)
		mul = 1024;
	else if (strcmp(end, "MiB") == 0)
		mul = 1024 * 1024;
	else if (strcmp(end, "GiB") == 0)
		mul = 1024 * 1024 * 1024;
	else if (*end != '\0') {
		err_at(L, y, "config_max_size: '%s' has an unknown unit (expected KiB, MiB or GiB)",
		       cfg_quote(s, q, sizeof q));
		return;
	}
	if (v > CFG_MAX_SIZE_MAX / mul || v * mul < ((size_t)1 << 20)) {
		err_at(L, y, "config_max_size: %s is out of range 1MiB..4GiB",
		       cfg_quote(s, q, sizeof q));
		return;
	}
	L->c->global.config_max_size = (size_t)(v * mul);
}

void load_global(struct ld *L, const struct ynode *m)
{
	enum { K_LISTEN, K_DATA_DIR, K_INTERVAL, K_TIMEOUT, K_MAXC, K_MAXH, K_LANG, K_LOG,
	       K_CONNECT_TO, K_RESOLVE, K_REIFEGRAD, K_RRDCACHED, K_BODY_LIMIT, K_MAINT, K_ROLLOUT,
	       K_DASH_DIR, K_DASH_EVERY, K_SHARD, K_USER, K_GROUP, K_TZ, K_MAX_SIZE, K_N };
	static const struct keydef kd[K_N] = {
		{ "listen", false }, { "data_dir", false }, { "interval", false },
		{ "timeout", false }, { "max_concurrency", false }, { "max_per_host", false },
		{ "language", false }, { "log_level", false }, { "connect_to", false },
		{ "resolve", false }, { "reifegrad_max", false }, { "rrdcached", false },
		{ "body_limit", false }, { "maintenance", false }, { "rollout", false },
		{ "dashboards_dir", false }, { "dashboards_every", false },
		{ "shard", false }, { "user", false }, { "group", false }, { "timezone", false },
		{ "config_max_size", false },
	};
	struct cfg_global *g = &L->c->global;
	const struct ynode *v[K_N];
	const char *s;
	long n;
	char a[64], b[64];

	map_fields(L, m, "global", kd, K_N, v);
	load_global_store(L, v[K_RRDCACHED]);
	load_global_probe(L, v[K_BODY_LIMIT]);
	L->global_maint = v[K_MAINT];
	load_global_rollout(L, v[K_ROLLOUT]);
	load_global_dashboards(L, v[K_DASH_DIR], v[K_DASH_EVERY]);
	load_global_shard(L, v[K_SHARD]);
	load_global_privileges(L, v[K_USER], v[K_GROUP]);
	load_global_max_size(L, v[K_MAX_SIZE]);
	if (v[K_LISTEN] && (s = want_text(L, v[K_LISTEN], "listen"))) {
		const char *why = check_hostport(s, strlen(s), true);
		if (why)
			err_at(L, v[K_LISTEN], "listen: '%s' %s (expected host:port, "
			       "e.g. 127.0.0.1:9717 or [::1]:9717)", cfg_quote(s, a, sizeof a), why);
		else
			set_str(L, &g->listen, s);
	}
	if (v[K_DATA_DIR] && (s = want_text(L, v[K_DATA_DIR], "data_dir")))
		set_str(L, &g->data_dir, s);
	if (v[K_INTERVAL])
		want_dur(L, v[K_INTERVAL], "interval", MIN_INTERVAL_MS, MAX_INTERVAL_MS,
			 &g->interval_ms);
	if (v[K_TIMEOUT]) {
		unsigned t;
		if (want_dur(L, v[K_TIMEOUT], "timeout", MIN_TIMEOUT_MS, MAX_INTERVAL_MS, &t)) {
			if (t > g->interval_ms)
				err_at(L, v[K_TIMEOUT], "timeout: %s is longer than the interval %s",
				       fmt_dur(t, a, sizeof a), fmt_dur(g->interval_ms, b, sizeof b));
			else
				g->timeout_ms = t;
		}
	} else if (g->timeout_ms > g->interval_ms) {
		g->timeout_ms = g->interval_ms;	/* the default never exceeds the interval */
	}
	if (v[K_MAXC] && want_int(L, v[K_MAXC], "max_concurrency", 1, 65536, &n))
		g->max_concurrency = (unsigned)n;
	if (v[K_MAXH] && want_int(L, v[K_MAXH], "max_per_host", 1, 1024, &n))
		g->max_per_host = (unsigned)n;
	if (v[K_TZ] && (s = want_text(L, v[K_TZ], "timezone"))) {
		char why[256];
		if (!clock_zone_valid(s, why, sizeof why))
			err_at(L, v[K_TZ], "timezone: '%s': %s", cfg_quote(s, a, sizeof a), why);
		else
			set_str(L, &g->timezone, s);
	}
	if (v[K_LANG] && (s = want_text(L, v[K_LANG], "language"))) {
		if (strcmp(s, "de") != 0 && strcmp(s, "en") != 0)
			err_at(L, v[K_LANG], "language: '%s' is not supported (expected de or en)",
			       cfg_quote(s, a, sizeof a));
		else
			set_str(L, &g->language, s);
	}
	if (v[K_LOG] && (s = want_text(L, v[K_LOG], "log_level"))) {
		if (strcmp(s, "debug") != 0 && strcmp(s, "info") != 0 && strcmp(s, "warn") != 0 &&
		    strcmp(s, "error") != 0)
			err_at(L, v[K_LOG], "log_level: '%s' is not one of debug, info, warn, error",
			       cfg_quote(s, a, sizeof a));
		else
			set_str(L, &g->log_level, s);
	}
	if (v[K_REIFEGRAD] && want_int(L, v[K_REIFEGRAD], "reifegrad_max", 0, 7, &n)) {
		if (n != 4 && n != 7)
			err_at(L, v[K_REIFEGRAD], "reifegrad_max: %ld must be 4 (maturity model 1.1) "
			       "or 7 (model 2.0)", n);
		else
			g->reifegrad_max = (int)n;
	}
	for (int k = 0; k < 2; k++) {
		const struct ynode *lst = v[k == 0 ? K_CONNECT_TO : K_RESOLVE];
		const char *key = k == 0 ? "connect_to" : "resolve";
		size_t min_colons = k == 0 ? 3 : 2;
		char ***dst = k == 0 ? &g->connect_to : &g->resolve;
		size_t *ndst = k == 0 ? &g->n_connect_to : &g->n_resolve;
		bool empty;

		if (!lst || !want_seq(L, lst, key, &empty) || empty || lst->n == 0)
			continue;
		*dst = calloc(lst->n, sizeof **dst);
		if (!*dst) {
			L->oom = true;
			return;
		}
		for (size_t i = 0; i < lst->n; i++) {
			const struct ynode *it = lst->kid[i];
			size_t colons = 0;
			if (!(s = want_text(L, it, key)))
				continue;
			for (const char *p = s; *p; p++)
				colons += *p == ':';
			if (strpbrk(s, " \t") || colons < min_colons) {
				err_at(L, it, "%s: '%s' is not a curl %s entry (%s)", key,
				       cfg_quote(s, a, sizeof a), k == 0 ? "CONNECT_TO" : "RESOLVE",
				       k == 0 ? "HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT"
					      : "HOST:PORT:ADDRESS[,ADDRESS]");
				continue;
			}
			(*dst)[*ndst] = cfg_strdup(s);
			if (!(*dst)[*ndst]) {
				L->oom = true;
				return;
			}
			(*ndst)++;
		}
	}
}
