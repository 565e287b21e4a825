/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * hosts.c - modes, host names, the host table and the profile file.
 *
 * The table is a chained hash map keyed by host name, guarded by one mutex.
 * It holds a host once the profile or the control endpoint gave it an
 * override, or once a request named it; it never holds more than
 * SIM_HOSTS_MAX hosts, so a client inventing Host headers cannot exhaust
 * memory.
 */
#include "sim/sim.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ========================================================================
 * Modes
 * ===================================================================== */

/*
 * Every mode, indexed by its kind: its name and, for a mode that takes an
 * argument, the argument's default, range and what it is (for messages).
 */
static const struct sim_mode_info {
	const char *name;
	const char *what;	/* the argument, e.g. "milliseconds"; NULL: the mode takes none */
	unsigned dflt, lo, hi;
} sim_modes[] = {
	[SIM_MODE_OK] = { "ok", NULL, 0, 0, 0 },
	[SIM_MODE_DOWN] = { "down", NULL, 0, 0, 0 },
	[SIM_MODE_ERROR] = { "error", "an HTTP status", SIM_ERROR_DEFAULT, 200, 599 },
	[SIM_MODE_SLOW] = { "slow", "milliseconds", SIM_SLOW_DEFAULT, 0, SIM_DELAY_MAX_MS },
	[SIM_MODE_HANG] = { "hang", "milliseconds", SIM_HANG_DEFAULT, 0, SIM_DELAY_MAX_MS },
	[SIM_MODE_FLAKY] = { "flaky", "a percentage", SIM_FLAKY_DEFAULT, 0, 100 },
	[SIM_MODE_RESET] = { "reset", NULL, 0, 0, 0 },
	[SIM_MODE_RESET_BODY] = { "reset_body", "bytes", SIM_RESET_BODY_DEFAULT, 0, 1u << 30 },
	[SIM_MODE_REDIRECT] = { "redirect", "a redirect count", SIM_REDIRECT_DEFAULT, 1,
				SIM_REDIRECT_MAX },
	[SIM_MODE_REDIRECT_LOOP] = { "redirect_loop", NULL, 0, 0, 0 },
	[SIM_MODE_HUGE] = { "huge", "MiB", SIM_HUGE_DEFAULT, 1, SIM_HUGE_MAX },
	[SIM_MODE_GZIP_BOMB] = { "gzip_bomb", "MiB", SIM_BOMB_DEFAULT, 1, SIM_BOMB_MAX },
	[SIM_MODE_STATS_GARBAGE] = { "stats_garbage", NULL, 0, 0, 0 },
	[SIM_MODE_STATS_TRUNCATED] = { "stats_truncated", NULL, 0, 0, 0 },
	[SIM_MODE_STATS_NESTED] = { "stats_nested", "a depth", SIM_NESTED_DEFAULT, 1,
				    SIM_NESTED_MAX },
	[SIM_MODE_AUTH] = { "auth", NULL, 0, 0, 0 },
	[SIM_MODE_DRIP] = { "drip", "a byte count", SIM_DRIP_DEFAULT, 1, SIM_DRIP_MAX },
	[SIM_MODE_HUGE_HEADER] = { "huge_header", "KiB", SIM_HUGE_HEADER_DEFAULT, 1,
				   SIM_HUGE_HEADER_MAX },
	[SIM_MODE_REDIRECT_FILE] = { "redirect_file", NULL, 0, 0, 0 },
	[SIM_MODE_STATS_NEGATIVE] = { "stats_negative", NULL, 0, 0, 0 },
	[SIM_MODE_STATS_RESET] = { "stats_reset", NULL, 0, 0, 0 },
};
#define SIM_N_MODES (sizeof sim_modes / sizeof sim_modes[0])

const char *sim_mode_name(enum sim_mode_kind kind)
{
	if ((size_t)kind < SIM_N_MODES)
		return sim_modes[kind].name;
	return "?";
}

bool sim_mode_has_arg(enum sim_mode_kind kind)
{
	return (size_t)kind < SIM_N_MODES && sim_modes[kind].what != NULL;
}

/* Parses a decimal number without sign or spaces; -1 on bad syntax or > max. */
static int sim_parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 10)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int sim_mode_parse(const char *name, const char *arg, struct sim_mode *out,
		   char *err, size_t errsz)
{
	struct sim_mode m = { SIM_MODE_OK, 0 };
	const struct sim_mode_info *info;
	size_t i;

	for (i = 0; i < SIM_N_MODES; i++)
		if (strcmp(name, sim_modes[i].name) == 0)
			break;
	if (i == SIM_N_MODES) {
		char names[256];
		size_t len = 0;

		names[0] = '\0';
		for (size_t k = 0; k < SIM_N_MODES && len < sizeof names; k++)
			len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
						k ? ", " : "", sim_modes[k].name);
		snprintf(err, errsz, "unknown mode \"%.32s\" (%s)", name, names);
		return -1;
	}
	m.kind = (enum sim_mode_kind)i;
	info = &sim_modes[i];
	if (arg && !*arg)
		arg = NULL;
	if (!info->what) {
		if (arg) {
			snprintf(err, errsz, "mode %s takes no argument", name);
			return -1;
		}
		*out = m;
		return 0;
	}
	m.arg = info->dflt;
	if (arg && (sim_parse_uint(arg, info->hi, &m.arg) < 0 || m.arg < info->lo)) {
		snprintf(err, errsz, "mode %s: argument \"%.32s\" is not %s in %u..%u",
			 name, arg, info->what, info->lo, info->hi);
		return -1;
	}
	*out = m;
	return 0;
}

/* ========================================================================
 * Host names and hashing
 * ===================================================================== */

static bool sim_is_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int sim_host_normalize(const char *in, char *out)
{
	size_t n, i;
	const char *end;

	if (in[0] == '[') {		/* [IPv6 literal], optionally :port */
		end = strchr(in, ']');
		if (!end || end == in + 1 || (size_t)(end - in) > 64)
			return -1;
		if (end[1] && (end[1] != ':' || !sim_is_digits(end + 2) || strlen(end + 2) > 5))
			return -1;
		n = (size_t)(end - in) + 1;
		for (i = 0; i < n; i++) {
			char ch = in[i];
			if (ch >= 'A' && ch <= 'F')
				ch = (char)(ch - 'A' + 'a');
			if (i > 0 && i < n - 1 && !((ch >= '0' && ch <= '9') ||
			    (ch >= 'a' && ch <= 'f') || ch == ':' || ch == '.'))
				return -1;
			out[i] = ch;
		}
		out[n] = '\0';
		return 0;
	}
	end = strchr(in, ':');
	if (end) {
		if (!sim_is_digits(end + 1) || strlen(end + 1) > 5)
			return -1;
		n = (size_t)(end - in);
	} else {
		n = strlen(in);
	}
	if (n > 0 && in[n - 1] == '.')
		n--;			/* the absolute form "erfurt.de." */
	if (n == 0 || n > SIM_HOST_MAX || in[0] == '.' || in[0] == '-')
		return -1;
	for (i = 0; i < n; i++) {
		char ch = in[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '.' || ch == '_'))
			return -1;
		if (ch == '.' && i > 0 && out[i - 1] == '.')
			return -1;
		out[i] = ch;
	}
	out[n] = '\0';
	return 0;
}

static uint64_t sim_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t sim_hash(uint64_t seed, const char *s, uint64_t salt)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a offset basis */

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;		/* FNV-1a prime */
	}
	return sim_mix64(h ^ sim_mix64(seed ^ sim_mix64(salt)));
}

/* ========================================================================
 * Host table
 * ===================================================================== */

struct sim_host {
	struct sim_host *next;	/* bucket chain */
	uint64_t hash;
	uint64_t requests;	/* portal requests seen */
	unsigned in_flight;	/* portal requests being answered */
	unsigned peak;		/* highest in_flight */
	struct sim_mode mode;	/* valid when override */
	bool override;
	char name[];		/* NUL-terminated, normalised */
};

struct sim_hosts {
	pthread_mutex_t lock;		/* guards everything below */
	struct sim_host **buckets;
	size_t nbuckets;		/* a power of two */
	size_t n;			/* hosts held */
	struct sim_mode dflt;		/* mode of hosts without override */
	struct sim_mode dflt_initial;	/* what sim_hosts_reset_default() restores */
	uint64_t untracked;		/* requests for hosts the full table could not take */
};

#define SIM_BUCKETS_INITIAL	1024u
#define SIM_BUCKETS_MAX		131072u

struct sim_hosts *sim_hosts_new(const struct sim_mode *dflt)
{
	struct sim_hosts *h = calloc(1, sizeof *h);

	if (!h)
		return NULL;
	h->buckets = calloc(SIM_BUCKETS_INITIAL, sizeof *h->buckets);
	if (!h->buckets || pthread_mutex_init(&h->lock, NULL) != 0) {
		free(h->buckets);
		free(h);
		return NULL;
	}
	h->nbuckets = SIM_BUCKETS_INITIAL;
	h->dflt = *dflt;
	h->dflt_initial = *dflt;
	return h;
}

void sim_hosts_free(struct sim_hosts *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nbuckets; i++) {
		struct sim_host *e = h->buckets[i], *next;
		for (; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(h->buckets);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static uint64_t sim_host_key(const char *name)
{
	return sim_hash(0, name, 0);
}

/* Caller holds the lock. */
static struct sim_host *sim_hosts_find(struct sim_hosts *h, const char *name, uint64_t hash)
{
	struct sim_host *e = h->buckets[hash & (h->nbuckets - 1)];

	for (; e; e = e->next)
		if (e->hash == hash && strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* Doubles the bucket array; on out of memory the table keeps working with longer chains. */
static void sim_hosts_grow(struct sim_hosts *h)
{
	size_t nb = h->nbuckets * 2;
	struct sim_host **b;

	if (nb > SIM_BUCKETS_MAX)
		return;
	b = calloc(nb, sizeof *b);
	if (!b)
		return;
	for (size_t i = 0; i < h->nbuckets; i++) {
		struct sim_host *e = h->buckets[i], *next;
		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(h->buckets);
	h->buckets = b;
	h->nbuckets = nb;
}

/* Caller holds the lock.  Returns NULL when the table is full (*full set) or out of memory. */
static struct sim_host *sim_hosts_add(struct sim_hosts *h, const char *name, uint64_t hash,
				      bool *full)
{
	size_t len = strlen(name);
	struct sim_host *e;

	*full = h->n >= SIM_HOSTS_MAX;
	if (*full)
		return NULL;
	e = calloc(1, sizeof *e + len + 1);
	if (!e)
		return NULL;
	memcpy(e->name, name, len + 1);
	e->hash = hash;
	if (h->n >= h->nbuckets)
		sim_hosts_grow(h);
	e->next = h->buckets[hash & (h->nbuckets - 1)];
	h->buckets[hash & (h->nbuckets - 1)] = e;
	h->n++;
	return e;
}

/* Caller holds the lock. */
static void sim_hosts_remove(struct sim_hosts *h, struct sim_host *victim)
{
	struct sim_host **pp = &h->buckets[victim->hash & (h->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == victim) {
			*pp = victim->next;
			free(victim);
			h->n--;
			return;
		}
	}
}

void sim_hosts_hit(struct sim_hosts *h, const char *host,
		   struct sim_mode *mode, uint64_t *nreq)
{
	uint64_t hash = sim_host_key(host);
	struct sim_host *e;
	bool full;

	pthread_mutex_lock(&h->lock);
	e = sim_hosts_find(h, host, hash);
	if (!e)
		e = sim_hosts_add(h, host, hash, &full);
	if (e) {
		e->requests++;
		if (++e->in_flight > e->peak)
			e->peak = e->in_flight;
		*nreq = e->requests;
		*mode = e->override ? e->mode : h->dflt;
	} else {
		h->untracked++;
		*nreq = h->untracked;
		*mode = h->dflt;
	}
	pthread_mutex_unlock(&h->lock);
}

void sim_hosts_leave(struct sim_hosts *h, const char *host)
{
	uint64_t hash = sim_host_key(host);
	struct sim_host *e;

	pthread_mutex_lock(&h->lock);
	e = sim_hosts_find(h, host, hash);
	if (e && e->in_flight > 0)
		e->in_flight--;
	pthread_mutex_unlock(&h->lock);
}

int sim_hosts_set(struct sim_hosts *h, const char *host, const struct sim_mode *m)
{
	uint64_t hash = sim_host_key(host);
	struct sim_host *e;
	bool full = false;

	pthread_mutex_lock(&h->lock);
	e = sim_hosts_find(h, host, hash);
	if (!e)
		e = sim_hosts_add(h, host, hash, &full);
	if (e) {
		e->mode = *m;
		e->override = true;
	}
	pthread_mutex_unlock(&h->lock);
	if (e)
		return 0;
	return full ? -1 : -2;
}

void sim_hosts_clear(struct sim_hosts *h, const char *host)
{
	uint64_t hash = sim_host_key(host);
	struct sim_host *e;

	pthread_mutex_lock(&h->lock);
	e = sim_hosts_find(h, host, hash);
	if (e) {
		e->override = false;
		if (e->requests == 0 && e->in_flight == 0)
			sim_hosts_remove(h, e);
	}
	pthread_mutex_unlock(&h->lock);
}

bool sim_hosts_get(struct sim_hosts *h, const char *host, struct sim_host_state *st)
{
	uint64_t hash = sim_host_key(host);
	struct sim_host *e;

	pthread_mutex_lock(&h->lock);
	e = sim_hosts_find(h, host, hash);
	st->override = e && e->override;
	st->mode = st->override ? e->mode : h->dflt;
	st->requests = e ? e->requests : 0;
	st->in_flight = e ? e->in_flight : 0;
	st->peak = e ? e->peak : 0;
	pthread_mutex_unlock(&h->lock);
	return e != NULL;
}

void sim_hosts_set_default(struct sim_hosts *h, const struct sim_mode *m)
{
	pthread_mutex_lock(&h->lock);
	h->dflt = *m;
	pthread_mutex_unlock(&h->lock);
}

void sim_hosts_get_default(struct sim_hosts *h, struct sim_mode *m)
{
	pthread_mutex_lock(&h->lock);
	*m = h->dflt;
	pthread_mutex_unlock(&h->lock);
}

void sim_hosts_reset_default(struct sim_hosts *h)
{
	pthread_mutex_lock(&h->lock);
	h->dflt = h->dflt_initial;
	pthread_mutex_unlock(&h->lock);
}

void sim_hosts_commit_default(struct sim_hosts *h)
{
	pthread_mutex_lock(&h->lock);
	h->dflt_initial = h->dflt;
	pthread_mutex_unlock(&h->lock);
}

/* ---- rendering --------------------------------------------------------- */

/* Appends a JSON string.  Host names are already restricted to safe
 * characters; the escaping keeps the output valid whatever the input. */
static void sim_json_str(struct buf *b, const char *s)
{
	buf_puts(b, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			buf_printf(b, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			buf_printf(b, "\\u%04x", ch);
		else
			buf_append(b, s, 1);
	}
	buf_puts(b, "\"");
}

static void sim_json_mode(struct buf *b, const struct sim_mode *m)
{
	buf_printf(b, "\"mode\":\"%s\",\"arg\":", sim_mode_name(m->kind));
	if (sim_mode_has_arg(m->kind))
		buf_printf(b, "%u", m->arg);
	else
		buf_puts(b, "null");
}

static int sim_host_cmp(const void *a, const void *b)
{
	const struct sim_host *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

int sim_hosts_render(struct sim_hosts *h, struct buf *out)
{
	struct sim_host **v;
	size_t k = 0;

	pthread_mutex_lock(&h->lock);
	v = malloc((h->n ? h->n : 1) * sizeof *v);
	if (!v) {
		pthread_mutex_unlock(&h->lock);
		return -1;
	}
	for (size_t i = 0; i < h->nbuckets; i++)
		for (struct sim_host *e = h->buckets[i]; e; e = e->next)
			v[k++] = e;
	qsort(v, k, sizeof *v, sim_host_cmp);

	buf_puts(out, "{\"default\":{");
	sim_json_mode(out, &h->dflt);
	buf_puts(out, "},\"hosts\":{");
	for (size_t i = 0; i < k; i++) {
		const struct sim_host *e = v[i];
		if (i)
			buf_puts(out, ",");
		sim_json_str(out, e->name);
		buf_puts(out, ":{");
		sim_json_mode(out, e->override ? &e->mode : &h->dflt);
		buf_printf(out, ",\"override\":%s,\"requests\":%llu,\"in_flight\":%u,\"peak\":%u}",
			   e->override ? "true" : "false",
			   (unsigned long long)e->requests, e->in_flight, e->peak);
	}
	buf_printf(out, "},\"untracked_requests\":%llu}\n", (unsigned long long)h->untracked);
	pthread_mutex_unlock(&h->lock);
	free(v);
	return out->overflow ? -1 : 0;
}

/* ========================================================================
 * Profile file
 * ===================================================================== */

#define SIM_PROFILE_LINE_MAX 1024

/* Appends "file:line: message" and a newline to errs. */
__attribute__((format(printf, 4, 5)))
static void sim_profile_err(struct buf *errs, const char *path, unsigned line,
			    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line)
		buf_printf(errs, "%s:%u: %s\n", path, line, msg);
	else
		buf_printf(errs, "%s: %s\n", path, msg);
}

/* Handles one line (comment already cut off); returns the number of problems (0 or 1). */
static int sim_profile_line(struct sim_hosts *h, char *text, const char *path,
			    unsigned line, unsigned *default_line, struct buf *errs)
{
	char *tok[4], *save = NULL, err[160], name[SIM_HOST_MAX + 1];
	int nt = 0;
	struct sim_mode m;
	struct sim_host_state st;

	for (char *t = strtok_r(text, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (nt == 4)
			break;
		tok[nt++] = t;
	}
	if (nt == 0)
		return 0;
	if (nt < 2 || nt > 3) {
		sim_profile_err(errs, path, line, "expected \"HOST MODE [ARG]\", found %d field%s",
				nt, nt == 1 ? "" : "s");
		return 1;
	}
	if (sim_mode_parse(tok[1], nt == 3 ? tok[2] : NULL, &m, err, sizeof err) < 0) {
		sim_profile_err(errs, path, line, "%s", err);
		return 1;
	}
	if (strcmp(tok[0], "*") == 0) {
		if (*default_line) {
			sim_profile_err(errs, path, line, "the default \"*\" is already set on line %u",
					*default_line);
			return 1;
		}
		*default_line = line;
		sim_hosts_set_default(h, &m);
		return 0;
	}
	if ((strchr(tok[0], ':') && tok[0][0] != '[') || sim_host_normalize(tok[0], name) < 0) {
		sim_profile_err(errs, path, line, "\"%.80s\" is not a host name (no port, no scheme)",
				tok[0]);
		return 1;
	}
	if (sim_hosts_get(h, name, &st) && st.override) {
		sim_profile_err(errs, path, line, "host %s is named twice", name);
		return 1;
	}
	switch (sim_hosts_set(h, name, &m)) {
	case 0:
		return 0;
	case -1:
		sim_profile_err(errs, path, line, "more than %u hosts", SIM_HOSTS_MAX);
		return 1;
	default:
		sim_profile_err(errs, path, line, "out of memory");
		return 1;
	}
}

int sim_profile_load(struct sim_hosts *h, const char *path, struct buf *errs)
{
	FILE *f;
	char *text = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned line = 0, default_line = 0;
	int problems = 0;

	f = fopen(path, "r");
	if (!f) {
		sim_profile_err(errs, path, 0, "cannot open: %s", strerror(errno));
		return 1;
	}
	while ((len = getline(&text, &cap, f)) >= 0) {
		char *hash;

		line++;
		if ((size_t)len > SIM_PROFILE_LINE_MAX) {
			sim_profile_err(errs, path, line, "line longer than %d bytes",
					SIM_PROFILE_LINE_MAX);
			problems++;
			continue;
		}
		if (strlen(text) != (size_t)len) {
			sim_profile_err(errs, path, line, "NUL byte in line");
			problems++;
			continue;
		}
		if (len > 0 && text[len - 1] == '\n')
			text[len - 1] = '\0';
		hash = strchr(text, '#');
		if (hash)
			*hash = '\0';
		problems += sim_profile_line(h, text, path, line, &default_line, errs);
	}
	if (ferror(f)) {
		sim_profile_err(errs, path, 0, "read error: %s", strerror(errno));
		problems++;
	}
	free(text);
	fclose(f);
	if (problems == 0)
		sim_hosts_commit_default(h);
	return problems;
}
