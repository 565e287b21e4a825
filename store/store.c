/* SPDX-License-Identifier: EUPL-1.2 */
/* store.c - see store.h. */
#include "store/store.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <rrd.h>
#include <rrd_client.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

#define STORE_BATCH 256		/* items taken out of the ring per lock */
#define MAX_ARGS 16		/* creation arguments of one file */
#define SIG_LEN 512		/* layout signature */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define STOP_GRACE_MS 10000	/* how long a stop waits for an unreachable rrdcached */
#define INFO_TRIES 3		/* reads of a file's header at first sight before deferring it */
#define INFO_TRY_MS 10		/* pause after the first failed read, doubled after each */
#define FILE_RETRY_MIN_MS 1000	/* first retry of an unusable file */
#define FILE_RETRY_MAX_MS 60000	/* bound of the doubling retry interval */

/* How the writer reaches the files. */
enum mode {
	MODE_DIRECT,		/* librrd on local files */
	MODE_UNIX,		/* rrdcached on a unix socket: same file system */
	MODE_TCP,		/* rrdcached over TCP: paths relative to its base directory */
};

/* Outcome of one write step. */
enum wres { W_DONE, W_RETRY };

enum item_kind { ITEM_SAMPLE, ITEM_USAGE };

struct usage_item {
	uint32_t target;
	int64_t ts_ms;
	uint8_t n;
	const char *const *names;	/* borrowed, see store_submit_usage */
	double v[STORE_USAGE_MAX];
};

struct store_item {
	uint8_t kind;		/* enum item_kind */
	uint8_t done;		/* writer only: files already written (bit per kind) */
	union {
		struct store_sample s;
		struct usage_item u;
	};
};

struct sfile {
	char *path;		/* local path; owned */
	const char *rpath;	/* as sent to rrdcached: path, or its base name for TCP */
	int64_t last_s;		/* last update written (s), -1 unknown */
	bool ready;		/* file exists with our layout */
	bool broken;		/* unusable: its samples are dropped (counted) */
	unsigned fails;		/* failed attempts in a row to make it usable */
	int64_t retry_at_ms;	/* monotonic; when a broken file is tried again; 0: never */
};

struct store_target {
	struct sfile f[3];	/* indexed by enum store_file_kind */
	unsigned step_s;
	const char *const *unames;	/* usage names of the usage file, borrowed */
	size_t n_unames;
	char *bak;		/* backup of a converted main file: source for a new perf file */
};

struct store {
	const struct cfg *cfg;
	char *dir;		/* <data_dir>/rrd, absolute when possible */
	char *base;		/* data_dir, absolute when possible (store_file_path) */
	struct store_target *t;
	size_t n;
	enum mode mode;
	char *daemon;		/* rrdcached address; NULL for direct writes */

	pthread_mutex_t lock;	/* guards ring, spill, stop, stop_deadline */
	pthread_cond_t cond;
	struct store_item *ring;
	size_t cap, head, len;
	struct store_item *spill;	/* FIFO continuing the ring */
	size_t spill_cap, spill_head, spill_len;
	bool stop;
	int64_t stop_deadline_ms;	/* monotonic; when a stop gives up on rrdcached */
	bool running;
	pthread_t thread;

	/* writer thread only */
	bool connected;
	unsigned backoff_ms;

	atomic_uint_fast64_t updates, errors, dropped, stale, created, usage_updates, migrated;
	atomic_uint_fast64_t reconnects;
	atomic_uint_fast64_t file_retries;	/* unusable files tried again */
	atomic_size_t files_unusable;	/* files waiting for their next retry */
	atomic_size_t ring_len_pub, pending, spill_len_pub;	/* published lengths */
	unsigned conn_failures;	/* writer only: failed connection attempts in a row */
	atomic_bool daemon_up;
};

int store_file_path(const char *data_dir, const char *name, enum store_file_kind kind, char *out,
		    size_t outsz)
{
	static const char *const folder[] = { "rrd", "rrd", "rrd", "rollout" };
	static const char *const suffix[] = { ".rrd", ".perf.rrd", ".usage.rrd", ".rrd" };
	int n;

	if ((unsigned)kind >= sizeof suffix / sizeof *suffix)
		return -1;
	n = snprintf(out, outsz, "%s/%s/%s%s", data_dir, folder[kind], name, suffix[kind]);
	return n < 0 || (outsz && (size_t)n >= outsz) ? -1 : n;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int mkdir_p(const char *path, char *err, size_t errsz)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof tmp) {
		snprintf(err, errsz, "data directory path is empty or too long");
		return -1;
	}
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
			snprintf(err, errsz, "cannot create %s: %s", tmp, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errsz, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- layout --------------------------------------------------------------- */

/* Rows for `secs` of history at `pdp` primary points per row. */
static unsigned long rra_rows(unsigned long secs, unsigned long step, unsigned long pdp)
{
	unsigned long rows = secs / (step * pdp);
	return rows ? rows : 1;
}

/* Primary points per row for a row of `secs` seconds (at least 1). */
static unsigned long pdp_for(unsigned long secs, unsigned long step)
{
	return step >= secs ? 1 : secs / step;
}

void store_usage_ds_name(const char *in, char out[STORE_DS_NAME_SIZE])
{
	size_t i = 0;

	for (; in[i] && i < 19; i++) {
		char ch = in[i];
		out[i] = ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '_') ? ch : '_';
	}
	if (i == 0)
		out[i++] = '_';
	out[i] = '\0';
}

int store_layout(enum store_file_kind kind, unsigned long step, const char *const *usage_names,
		 size_t n_usage, char (*args)[STORE_ARG_LEN], size_t max)
{
	/* name and maximum of the performance sources, in file order */
	static const char *const perf_ds[][2] = {
		{ "duration", "U" }, { "resolve", "U" }, { "connect", "U" }, { "tls", "U" },
		{ "processing", "U" }, { "transfer", "U" }, { "http_code", "999" },
		{ "cert_expiry", "U" },
	};
	unsigned long hb, p5m, p1h, p1d;
	size_t n = 0;

#define ADD(...)                                                         \
	do {                                                             \
		if (n >= max)                                            \
			return -1;                                       \
		snprintf(args[n++], STORE_ARG_LEN, __VA_ARGS__);         \
	} while (0)

	if (step == 0)
		step = 1;
	hb = 2 * step;
	p5m = pdp_for(300, step);
	p1h = pdp_for(3600, step);
	p1d = pdp_for(86400, step);
	switch (kind) {
	case STORE_MAIN:
		/* Availability: the full retention, nothing else. */
		ADD("DS:up:GAUGE:%lu:0:1", hb);
		ADD("DS:maint:GAUGE:%lu:0:1", hb);
		ADD("RRA:AVERAGE:0.5:1:%lu", rra_rows(2 * 86400, step, 1));
		ADD("RRA:AVERAGE:0.5:%lu:%lu", p5m, rra_rows(14 * 86400, step, p5m));
		ADD("RRA:AVERAGE:0.5:%lu:%lu", p1h, rra_rows(93 * 86400, step, p1h));
		ADD("RRA:AVERAGE:0.5:%lu:%lu", p1d, rra_rows(730 * 86400, step, p1d));
		break;
	case STORE_PERF:
		/* Performance: 2 days at 5 min, the last day's spikes (MAX), 14 days hourly. */
		for (size_t i = 0; i < sizeof perf_ds / sizeof *perf_ds; i++)
			ADD("DS:%s:GAUGE:%lu:0:%s", perf_ds[i][0], hb, perf_ds[i][1]);
		ADD("RRA:AVERAGE:0.5:%lu:%lu", p5m, rra_rows(2 * 86400, step, p5m));
		ADD("RRA:MAX:0.5:%lu:%lu", p5m, rra_rows(86400, step, p5m));
		ADD("RRA:AVERAGE:0.5:%lu:%lu", p1h, rra_rows(14 * 86400, step, p1h));
		break;
	case STORE_USAGE:
		/* Usage counters change slowly: hourly for 93 days, daily for 2 years. */
		if (n_usage == 0 || n_usage > STORE_USAGE_MAX)
			return -1;
		for (size_t i = 0; i < n_usage; i++) {
			char name[STORE_DS_NAME_SIZE];
			store_usage_ds_name(usage_names[i], name);
			ADD("DS:%s:DERIVE:%lu:0:U", name, hb);
		}
		ADD("RRA:AVERAGE:0.5:%lu:%lu", p1h, rra_rows(93 * 86400, step, p1h));
		ADD("RRA:AVERAGE:0.5:%lu:%lu", p1d, rra_rows(730 * 86400, step, p1d));
		break;
	case STORE_TREND:
		return -1;	/* trend files are the rollout's (rollout/trend.c) */
	}
#undef ADD
	return (int)n;
}

/*
 * A layout's signature: "step|name:TYPE|...|CF:pdp:rows|...".  Heartbeat,
 * min, max and xff are left out, so tuning done with `rrdtool tune` is kept.
 */
static void sig_from_args(unsigned long step, char (*args)[STORE_ARG_LEN], int n, char *out,
			  size_t outsz)
{
	size_t len = (size_t)snprintf(out, outsz, "%lu|", step);

	for (int i = 0; i < n && len < outsz; i++) {
		char name[32], type[16], cf[16];
		unsigned long pdp, rows;
		if (sscanf(args[i], "DS:%31[^:]:%15[^:]:", name, type) == 2)
			len += (size_t)snprintf(out + len, outsz - len, "%s:%s|", name, type);
		else if (sscanf(args[i], "RRA:%15[^:]:%*[^:]:%lu:%lu", cf, &pdp, &rows) == 3)
			len += (size_t)snprintf(out + len, outsz - len, "%s:%lu:%lu|", cf, pdp, rows);
	}
}

/* The same signature from `rrdtool info` data; *last gets last_update. */
static void sig_from_info(const rrd_info_t *info, char *out, size_t outsz, int64_t *last)
{
	size_t len = 0;
	char cf[16] = "";
	unsigned long rows = 0;

	out[0] = '\0';
	*last = -1;
	for (const rrd_info_t *i = info; i && len < outsz; i = i->next) {
		const char *k = i->key, *dot = strrchr(k, '.');
		if (strcmp(k, "step") == 0) {
			len += (size_t)snprintf(out + len, outsz - len, "%lu|", i->value.u_cnt);
		} else if (strcmp(k, "last_update") == 0) {
			*last = (int64_t)i->value.u_cnt;
		} else if (strncmp(k, "ds[", 3) == 0 && dot && strcmp(dot, ".type") == 0) {
			len += (size_t)snprintf(out + len, outsz - len, "%.*s:%s|",
						(int)(dot - 1 - (k + 3)), k + 3, i->value.u_str);
		} else if (strncmp(k, "rra[", 4) == 0 && dot && strchr(k, '.') == dot) {
			/* rra[i].cf, .rows, .pdp_per_row; not rra[i].cdp_prep[j].* */
			if (strcmp(dot, ".cf") == 0)
				snprintf(cf, sizeof cf, "%s", i->value.u_str);
			else if (strcmp(dot, ".rows") == 0)
				rows = i->value.u_cnt;
			else if (strcmp(dot, ".pdp_per_row") == 0)
				len += (size_t)snprintf(out + len, outsz - len, "%s:%lu:%lu|", cf,
							i->value.u_cnt, rows);
		}
	}
}

/* ---- files ------------------------------------------------------------- */

bool store_rrdcached_is_unix(const char *addr)
{
	return strncmp(addr, "unix:", 5) == 0 || addr[0] == '/';
}

bool store_rrdcached_refused(const char *e)
{
	return e && strncmp(e, "rrdcached", 9) == 0 && (e[9] == ':' || e[9] == '@');
}

/* Whether the last rrdc_* failure was about the connection (not about a file). */
static bool daemon_conn_error(void)
{
	return !store_rrdcached_refused(rrd_get_error());
}

/* Connects to rrdcached when not connected.  0, or -1 (backoff applies). */
static int daemon_connect(struct store *st)
{
	if (st->connected)
		return 0;
	rrd_clear_error();
	if (rrdc_connect(st->daemon) != 0 || !rrdc_is_connected(st->daemon)) {
		if (st->conn_failures++ % 60 == 0)
			log_warn("store: rrdcached %s unreachable: %s (retrying)", st->daemon,
				 rrd_get_error());
		rrd_clear_error();
		return -1;
	}
	st->connected = true;
	st->backoff_ms = 0;
	st->conn_failures = 0;
	atomic_store(&st->daemon_up, true);
	if (atomic_fetch_add(&st->reconnects, 1) > 0)
		log_info("store: reconnected to rrdcached %s", st->daemon);
	return 0;
}

static void daemon_lost(struct store *st)
{
	if (st->connected)
		log_warn("store: lost rrdcached %s: %s", st->daemon, rrd_get_error());
	rrd_clear_error();
	rrdc_disconnect();
	st->connected = false;
	atomic_store(&st->daemon_up, false);
}

/*
 * Makes rrdcached write its pending updates of f (before the file is read or
 * replaced locally).  W_DONE, or W_RETRY when the daemon is unreachable.
 */
static enum wres daemon_flush(struct store *st, struct sfile *f)
{
	if (st->mode != MODE_UNIX)
		return W_DONE;
	if (daemon_connect(st) != 0)
		return W_RETRY;
	rrd_clear_error();
	if (rrdc_flush(f->rpath) != 0) {
		if (daemon_conn_error()) {
			daemon_lost(st);
			return W_RETRY;
		}
		rrd_clear_error();	/* "no such file" and the like: nothing cached */
	}
	return W_DONE;
}

/* Creation arguments of target t's file `kind`. */
static int target_layout(const struct store_target *t, enum store_file_kind kind,
			 char (*args)[STORE_ARG_LEN])
{
	return store_layout(kind, t->step_s, t->unames, t->n_unames, args, MAX_ARGS);
}

/*
 * Creates f (kind) atomically: a temporary name, then rename.  sources (NULL
 * or NULL-terminated) fill the new file from old ones; with `replace` the
 * existing f is kept as <path>.bak-<unix time> first.  With TCP, the daemon
 * creates it (it refuses to overwrite).  0 or -1 (logged).
 */
static int file_create(struct store *st, struct store_target *t, enum store_file_kind kind,
		       struct sfile *f, time_t last_up, const char **sources, bool replace)
{
	char args[MAX_ARGS][STORE_ARG_LEN];
	const char *argv[MAX_ARGS];
	char tmp[PATH_MAX];
	int argc = target_layout(t, kind, args), rc;

	if (argc < 0)
		return -1;
	for (int i = 0; i < argc; i++)
		argv[i] = args[i];
	rrd_clear_error();
	if (st->mode == MODE_TCP) {
		if (daemon_connect(st) != 0)
			return -1;
		rc = rrdc_create_r2(f->rpath, t->step_s, last_up, 1, NULL, NULL, argc, argv);
		if (rc != 0) {
			log_error("store: rrdcached cannot create %s: %s", f->rpath, rrd_get_error());
			if (daemon_conn_error())
				daemon_lost(st);
			rrd_clear_error();
			return -1;
		}
		atomic_fetch_add(&st->created, 1);
		return 0;
	}
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", f->path, (long)getpid()) >= (int)sizeof tmp)
		return -1;
	rc = rrd_create_r2(tmp, t->step_s, last_up, 0, sources, NULL, argc, argv);
	if (rc != 0) {
		log_error("store: cannot create %s: %s", f->path, rrd_get_error());
		rrd_clear_error();
		unlink(tmp);
		return -1;
	}
	if (replace) {
		/* Converting: keep the old file as a backup, then put the new one in place. */
		char bak[PATH_MAX];
		if (snprintf(bak, sizeof bak, "%s.bak-%lld", f->path, (long long)time(NULL)) >=
		    (int)sizeof bak || rename(f->path, bak) != 0) {
			log_error("store: cannot keep %s as a backup: %s", f->path, strerror(errno));
			unlink(tmp);
			return -1;
		}
		if (kind == STORE_MAIN) {
			free(t->bak);
			t->bak = strdup(bak);
		}
		log_info("store: %s converted to the configured layout; the old file is %s", f->path,
			 bak);
		atomic_fetch_add(&st->migrated, 1);
	}
	if (rename(tmp, f->path) != 0) {
		log_error("store: cannot rename %s to %s: %s", tmp, f->path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	atomic_fetch_add(&st->created, 1);
	log_debug("store: created %s", f->path);
	return 0;
}

/*
 * A file could not be read or created (a transient lock by another reader,
 * a full disk, a file being replaced): it is unusable for now and tried
 * again after a backoff of 1 s doubling to 60 s, for as long as the store
 * runs.  Its samples meanwhile are dropped and counted.  `why` names the
 * failure for the log: the first failure is logged, then every 10th.
 */
static void file_defer(struct store *st, struct sfile *f, const char *why)
{
	unsigned shift = f->fails < 6 ? f->fails : 6;
	int64_t ms = (int64_t)FILE_RETRY_MIN_MS << shift;

	if (ms > FILE_RETRY_MAX_MS)
		ms = FILE_RETRY_MAX_MS;
	if (f->fails == 0)
		atomic_fetch_add(&st->files_unusable, 1);
	if (f->fails % 10 == 0)
		log_warn("store: %s: %s (attempt %u; its samples are dropped and counted until it "
			 "works; next try in %lld s)", f->path, why, f->fails + 1,
			 (long long)(ms / 1000));
	f->fails++;
	f->broken = true;
	f->retry_at_ms = mono_ms() + ms;
}

/* A deferred file became usable (f->ready is set). */
static void file_recovered(struct store *st, struct sfile *f)
{
	if (f->fails == 0)
		return;
	log_info("store: %s usable again after %u failed attempts", f->path, f->fails);
	atomic_fetch_sub(&st->files_unusable, 1);
	f->fails = 0;
	f->retry_at_ms = 0;
}

/*
 * Reads an existing file's header, trying `tries` times with short pauses
 * (a reader holding the file briefly).  NULL with the reason in `why`.
 */
static rrd_info_t *info_read(const char *path, int tries, char *why, size_t whysz)
{
	unsigned pause_ms = INFO_TRY_MS;

	for (int i = 0;; i++) {
		rrd_info_t *info;
		rrd_clear_error();
		info = rrd_info_r(path);
		if (info)
			return info;
		snprintf(why, whysz, "exists but is not readable as RRD: %s", rrd_get_error());
		rrd_clear_error();
		if (i + 1 >= tries)
			return NULL;
		struct timespec ts = { 0, (long)pause_ms * 1000000L };
		nanosleep(&ts, NULL);
		pause_ms *= 2;
	}
}

/*
 * Makes sure target t's file `kind` exists with the configured layout and
 * learns its last update.  W_DONE with f->ready or f->broken set, or
 * W_RETRY when rrdcached is unreachable.
 */
static enum wres file_prepare(struct store *st, struct store_target *t, enum store_file_kind kind,
			      time_t ts)
{
	struct sfile *f = &t->f[kind];
	char args[MAX_ARGS][STORE_ARG_LEN];
	char want[SIG_LEN], have[SIG_LEN];
	struct stat sb;
	rrd_info_t *info;
	int64_t last;
	int argc;

	if (f->broken && f->retry_at_ms && mono_ms() >= f->retry_at_ms) {
		f->broken = false;	/* a deferred file: try again */
		atomic_fetch_add(&st->file_retries, 1);
	}
	if (f->ready || f->broken)
		return W_DONE;
	argc = target_layout(t, kind, args);
	if (argc < 0) {
		f->broken = true;
		return W_DONE;
	}
	sig_from_args(t->step_s, args, argc, want, sizeof want);

	if (st->mode == MODE_TCP) {
		if (daemon_connect(st) != 0)
			return W_RETRY;
		rrd_clear_error();
		info = rrdc_info(f->rpath);
		if (!info && daemon_conn_error()) {
			daemon_lost(st);
			return W_RETRY;
		}
		rrd_clear_error();
	} else if (stat(f->path, &sb) == 0) {
		if (daemon_flush(st, f) != W_DONE)
			return W_RETRY;
		char why[300];
		/* Quick tries at first sight only: a deferred file gets one read per retry. */
		info = info_read(f->path, f->fails ? 1 : INFO_TRIES, why, sizeof why);
		if (!info) {
			file_defer(st, f, why);
			return W_DONE;
		}
	} else {
		info = NULL;
	}

	if (!info) {
		const char *src[2] = { kind == STORE_PERF ? t->bak : NULL, NULL };
		/* A new file; a perf file of a converted target is filled from the backup. */
		if (file_create(st, t, kind, f, ts - 1, src[0] ? src : NULL, false) != 0) {
			if (st->mode == MODE_TCP && !st->connected)
				return W_RETRY;
			file_defer(st, f, "cannot be created");
			return W_DONE;
		}
		f->last_s = ts - 1;
		f->ready = true;
		file_recovered(st, f);
		return W_DONE;
	}
	sig_from_info(info, have, sizeof have, &last);
	rrd_info_free(info);
	if (strcmp(want, have) != 0) {
		const char *src[2] = { f->path, NULL };
		if (st->mode == MODE_TCP) {
			log_error("store: %s: layout differs from the configured one; convert it on "
				  "the rrdcached host (rrdtool create --source)", f->rpath);
			f->broken = true;
			return W_DONE;
		}
		log_debug("store: %s: layout %s, configured %s", f->path, have, want);
		if (st->mode == MODE_UNIX) {
			rrd_clear_error();
			(void)rrdc_forget(f->rpath);
			rrd_clear_error();
		}
		if (file_create(st, t, kind, f, (time_t)last, src, true) != 0) {
			file_defer(st, f, "cannot be converted to the configured layout");
			return W_DONE;
		}
	}
	f->last_s = last;
	f->ready = true;
	file_recovered(st, f);
	return W_DONE;
}

/* One update of f; W_DONE (written or failed and counted) or W_RETRY. */
static enum wres file_update(struct store *st, struct sfile *f, const char *val, bool *ok)
{
	const char *argv[1] = { val };
	int rc;

	*ok = false;
	rrd_clear_error();
	if (st->mode == MODE_DIRECT) {
		rc = rrd_update_r(f->path, NULL, 1, argv);
	} else {
		if (daemon_connect(st) != 0)
			return W_RETRY;
		rc = rrdc_update(f->rpath, 1, argv);
		if (rc != 0 && daemon_conn_error()) {
			daemon_lost(st);
			return W_RETRY;
		}
	}
	if (rc != 0) {
		if (atomic_fetch_add(&st->errors, 1) % 100 == 0)
			log_error("store: update of %s failed: %s", f->path, rrd_get_error());
		rrd_clear_error();
		/* Learn the file's real state again before the next sample. */
		f->ready = false;
		return W_DONE;
	}
	*ok = true;
	return W_DONE;
}

static void fmt_val(char *out, size_t outsz, double v)
{
	if (isfinite(v))
		snprintf(out, outsz, ":%.6f", v);
	else
		snprintf(out, outsz, ":U");
}

/* What became of one file's part of an item (write_file). */
enum wout {
	OUT_WRITTEN,	/* the update landed */
	OUT_NONE,	/* written by an earlier try of this item, or the update failed (counted) */
	OUT_UNUSABLE,	/* the file cannot be used now: its sample is lost */
	OUT_STALE,	/* not newer than the file's last update: RRD would refuse it */
};

/*
 * Writes one file (kind) of an item unless the item already wrote it: the
 * item's `done` bits make a retry after a lost rrdcached connection skip
 * the files already written.  *out tells what became of it; the caller
 * decides what an unusable file or a stale sample counts as.
 */
static enum wres write_file(struct store *st, struct store_item *it, struct store_target *t,
			    enum store_file_kind kind, time_t ts, const char *val, enum wout *out)
{
	struct sfile *f = &t->f[kind];
	char line[512];
	bool ok;

	*out = OUT_NONE;
	if (it->done & (1u << kind))
		return W_DONE;
	if (file_prepare(st, t, kind, ts) != W_DONE)
		return W_RETRY;
	if (f->broken || !f->ready || ts <= f->last_s) {
		*out = f->broken || !f->ready ? OUT_UNUSABLE : OUT_STALE;
		it->done |= (uint8_t)(1u << kind);
		return W_DONE;
	}
	snprintf(line, sizeof line, "%lld%s", (long long)ts, val);
	if (file_update(st, f, line, &ok) != W_DONE)
		return W_RETRY;
	it->done |= (uint8_t)(1u << kind);
	if (ok) {
		f->last_s = ts;
		*out = OUT_WRITTEN;
	}
	return W_DONE;
}

/*
 * A probe sample: the main file first.  When the main file cannot take it
 * (unusable: dropped; not newer than the file: stale) the sample counts as
 * such and the performance file is left alone too.
 */
static enum wres write_sample(struct store *st, struct store_item *it)
{
	const struct store_sample *s = &it->s;
	struct store_target *t;
	char val[400], part[64];
	time_t ts = (time_t)(s->ts_ms / 1000);
	enum wout out;

	if (s->target >= st->n) {
		atomic_fetch_add(&st->dropped, 1);
		return W_DONE;
	}
	t = &st->t[s->target];
	snprintf(val, sizeof val, ":%d:%d", s->up ? 1 : 0, s->maint ? 1 : 0);
	if (write_file(st, it, t, STORE_MAIN, ts, val, &out) != W_DONE)
		return W_RETRY;
	switch (out) {
	case OUT_UNUSABLE:
		atomic_fetch_add(&st->dropped, 1);
		return W_DONE;
	case OUT_STALE:
		/* Clock stepped back, or two samples within one second: RRD refuses them. */
		if (atomic_fetch_add(&st->stale, 1) % 1000 == 0)
			log_warn("store: %s: sample at %lld not after last update %lld "
				 "(skipped; counted in ozgmon_store_stale_samples_total)",
				 t->f[STORE_MAIN].path, (long long)ts,
				 (long long)t->f[STORE_MAIN].last_s);
		return W_DONE;
	case OUT_WRITTEN:
		atomic_fetch_add(&st->updates, 1);
		break;
	case OUT_NONE:
		break;
	}

	{
		/* In file order: duration, the five phases, http_code, cert_expiry. */
		const double v[] = {
			s->answered ? s->duration_s : NAN,
			s->has_phases ? s->resolve_s : NAN,
			s->has_phases ? s->connect_s : NAN,
			s->has_phases ? s->tls_s : NAN,
			s->has_phases ? s->processing_s : NAN,
			s->has_phases ? s->transfer_s : NAN,
			s->answered && s->http_status > 0 ? s->http_status : NAN,
			s->cert_expiry_s > 0 ? s->cert_expiry_s : NAN,
		};
		val[0] = '\0';
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
			fmt_val(part, sizeof part, v[i]);
			strcat(val, part);
		}
	}
	return write_file(st, it, t, STORE_PERF, ts, val, &out);
}

/* Whether the usage file of t was checked for exactly these counter names. */
static bool same_names(const struct store_target *t, const struct usage_item *u)
{
	if (!t->unames || t->n_unames != u->n)
		return false;
	for (size_t i = 0; i < u->n; i++)
		if (t->unames[i] != u->names[i] && strcmp(t->unames[i], u->names[i]) != 0)
			return false;
	return true;
}

static enum wres write_usage(struct store *st, struct store_item *it)
{
	const struct usage_item *u = &it->u;
	struct store_target *t;
	char val[400], part[64];
	time_t ts = (time_t)(u->ts_ms / 1000);
	enum wout out;

	if (u->target >= st->n) {
		atomic_fetch_add(&st->dropped, 1);
		return W_DONE;
	}
	t = &st->t[u->target];
	if (!same_names(t, u)) {
		/* First usage sample, or other counters: check the file's layout again. */
		t->unames = u->names;
		t->n_unames = u->n;
		t->f[STORE_USAGE].ready = false;
		t->f[STORE_USAGE].broken = false;
	}
	val[0] = '\0';
	for (size_t i = 0; i < u->n; i++) {
		/* DERIVE takes integers; counters are whole numbers. */
		if (isfinite(u->v[i]))
			snprintf(part, sizeof part, ":%.0f", u->v[i]);
		else
			snprintf(part, sizeof part, ":U");
		strcat(val, part);
	}
	if (write_file(st, it, t, STORE_USAGE, ts, val, &out) != W_DONE)
		return W_RETRY;
	if (out == OUT_WRITTEN)
		atomic_fetch_add(&st->usage_updates, 1);
	return W_DONE;
}

/* ---- queue and thread ---------------------------------------------------- */

/* Publishes the ring and spill lengths (lock held). */
static void publish_lengths(struct store *st)
{
	atomic_store(&st->ring_len_pub, st->len);
	atomic_store(&st->spill_len_pub, st->spill_len);
}

/*
 * Moves spilled items into free ring slots (lock held).  An empty ring or
 * spill starts again at its first slot: the queues are large and allocated
 * untouched, and a head that walked on through them would make every page
 * resident in turn (RSS growing for as long as it takes to go round once)
 * where the usual depth needs a few.
 */
static void spill_to_ring(struct store *st)
{
	while (st->spill_len > 0 && st->len < st->cap) {
		st->ring[(st->head + st->len) % st->cap] = st->spill[st->spill_head];
		st->spill_head = (st->spill_head + 1) % st->spill_cap;
		st->spill_len--;
		st->len++;
	}
	if (st->len == 0)
		st->head = 0;
	if (st->spill_len == 0)
		st->spill_head = 0;
}

/* Waits the backoff (or until stop); grows it.  Returns false when the stop bound passed. */
static bool backoff_wait(struct store *st)
{
	struct timespec until;
	bool go_on, was_stop;

	st->backoff_ms = st->backoff_ms ? st->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (st->backoff_ms > BACKOFF_MAX_MS)
		st->backoff_ms = BACKOFF_MAX_MS;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += st->backoff_ms / 1000;
	until.tv_nsec += (long)(st->backoff_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&st->lock);
	/*
	 * The whole backoff, even though every new sample signals the condition;
	 * a stop arriving meanwhile ends it early (once).
	 */
	was_stop = st->stop;
	while (st->stop == was_stop && (!st->stop || mono_ms() < st->stop_deadline_ms))
		if (pthread_cond_timedwait(&st->cond, &st->lock, &until) == ETIMEDOUT)
			break;
	go_on = !st->stop || mono_ms() < st->stop_deadline_ms;
	pthread_mutex_unlock(&st->lock);
	return go_on;
}

/* At the end of a stop: asks rrdcached to write every file of ours. */
static void daemon_flush_all(struct store *st)
{
	int64_t deadline = mono_ms() + STOP_GRACE_MS;
	size_t failed = 0;

	if (st->mode == MODE_DIRECT || daemon_connect(st) != 0)
		return;
	for (size_t i = 0; i < st->n; i++) {
		for (int k = 0; k < 3; k++) {
			struct sfile *f = &st->t[i].f[k];
			if (!f->ready)
				continue;
			rrd_clear_error();
			if (mono_ms() > deadline || rrdc_flush(f->rpath) != 0)
				failed++;
		}
	}
	rrd_clear_error();
	if (failed)
		log_warn("store: rrdcached did not confirm the flush of %zu files", failed);
}

static void *store_thread(void *arg)
{
	struct store *st = arg;
	struct store_item *batch = malloc(STORE_BATCH * sizeof *batch);
	bool give_up = false;

	pthread_setname_np(pthread_self(), "store");
	if (!batch) {
		log_error("store: out of memory: writer not running");
		return NULL;
	}
	for (;;) {
		size_t n = 0;
		bool stop;

		pthread_mutex_lock(&st->lock);
		while (st->len == 0 && st->spill_len == 0 && !st->stop)
			pthread_cond_wait(&st->cond, &st->lock);
		while (n < STORE_BATCH && st->len > 0) {
			batch[n++] = st->ring[st->head];
			st->head = (st->head + 1) % st->cap;
			st->len--;
		}
		spill_to_ring(st);
		publish_lengths(st);
		atomic_store(&st->pending, n);
		stop = st->stop && st->len == 0 && n == 0;
		pthread_mutex_unlock(&st->lock);
		if (stop)
			break;
		for (size_t i = 0; i < n; i++) {
			batch[i].done = 0;
			for (;;) {
				enum wres r = W_DONE;
				if (!give_up)
					r = batch[i].kind == ITEM_SAMPLE ? write_sample(st, &batch[i])
									 : write_usage(st, &batch[i]);
				else
					atomic_fetch_add(&st->dropped, 1);
				if (r == W_DONE)
					break;
				if (!backoff_wait(st)) {
					log_error("store: stopping while rrdcached %s is unreachable: "
						  "queued samples are lost (counted as dropped)",
						  st->daemon);
					give_up = true;
				}
			}
			atomic_store(&st->pending, n - i - 1);
		}
	}
	if (!give_up)
		daemon_flush_all(st);
	if (st->mode != MODE_DIRECT)
		rrdc_disconnect();
	free(batch);
	return NULL;
}

/* ---- API ----------------------------------------------------------------- */

struct store *store_new(const struct cfg *cfg, const char *data_dir, size_t queue_cap,
			char *err, size_t errsz)
{
	return store_new2(cfg, data_dir, queue_cap, 0, NULL, err, errsz);
}

struct store *store_new2(const struct cfg *cfg, const char *data_dir, size_t queue_cap,
			 size_t spill_cap, const char *rrdcached, char *err, size_t errsz)
{
	struct store *st = calloc(1, sizeof *st);
	char real[PATH_MAX];
	size_t dl;

	if (!st) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	st->cfg = cfg;
	st->n = cfg->n_dienste;
	st->cap = queue_cap ? queue_cap : 1;
	st->spill_cap = spill_cap;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cond, NULL);
	dl = strlen(data_dir) + sizeof "/rrd";
	st->dir = malloc(dl);
	st->ring = calloc(st->cap, sizeof *st->ring);
	st->spill = spill_cap ? calloc(spill_cap, sizeof *st->spill) : NULL;
	st->t = calloc(st->n ? st->n : 1, sizeof *st->t);
	if (!st->dir || !st->ring || !st->t || (spill_cap && !st->spill)) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	snprintf(st->dir, dl, "%s/rrd", data_dir);
	if (mkdir_p(st->dir, err, errsz) != 0)
		goto fail;
	st->base = strdup(data_dir);
	if (!st->base) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	if (rrdcached && *rrdcached) {
		st->daemon = strdup(rrdcached);
		if (!st->daemon) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
		st->mode = store_rrdcached_is_unix(rrdcached) ? MODE_UNIX : MODE_TCP;
		/* rrdcached resolves relative names against its own folder: send absolute ones. */
		if (st->mode == MODE_UNIX && realpath(data_dir, real)) {
			char *b = strdup(real);
			if (!b) {
				snprintf(err, errsz, "out of memory");
				goto fail;
			}
			free(st->base);
			st->base = b;
			free(st->dir);
			st->dir = malloc(strlen(b) + sizeof "/rrd");
			if (!st->dir) {
				snprintf(err, errsz, "out of memory");
				goto fail;
			}
			snprintf(st->dir, strlen(b) + sizeof "/rrd", "%s/rrd", b);
		}
	}
	for (size_t i = 0; i < st->n; i++) {
		const struct cfg_dienst *d = &cfg->dienste[i];
		struct store_target *t = &st->t[i];
		for (int k = 0; k < 3; k++) {
			int pl = store_file_path(st->base, d->id, (enum store_file_kind)k, NULL, 0);
			t->f[k].path = pl > 0 ? malloc((size_t)pl + 1) : NULL;
			if (!t->f[k].path) {
				snprintf(err, errsz, "out of memory");
				goto fail;
			}
			store_file_path(st->base, d->id, (enum store_file_kind)k, t->f[k].path,
					(size_t)pl + 1);
			/* Over TCP the daemon's base directory is <data_dir>/rrd. */
			t->f[k].rpath = st->mode == MODE_TCP ? t->f[k].path + strlen(st->dir) + 1
							     : t->f[k].path;
			t->f[k].last_s = -1;
		}
		t->step_s = d->interval_ms >= 1000 ? d->interval_ms / 1000 : 1;
	}
	return st;
fail:
	store_free(st);
	return NULL;
}

const char *store_path(const struct store *st, size_t target)
{
	return target < st->n ? st->t[target].f[STORE_MAIN].path : NULL;
}

const char *store_perf_path(const struct store *st, size_t target)
{
	return target < st->n ? st->t[target].f[STORE_PERF].path : NULL;
}

const char *store_usage_path(const struct store *st, size_t target)
{
	return target < st->n ? st->t[target].f[STORE_USAGE].path : NULL;
}

int store_start(struct store *st, char *err, size_t errsz)
{
	int rc = pthread_create(&st->thread, NULL, store_thread, st);
	if (rc != 0) {
		snprintf(err, errsz, "cannot start store thread: %s", strerror(rc));
		return -1;
	}
	st->running = true;
	return 0;
}

/* Appends an item to the ring, or to the spill when the ring is full or the spill not empty. */
static int enqueue(struct store *st, const struct store_item *it)
{
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	if (st->stop) {
		rc = -1;
	} else if (st->len < st->cap && st->spill_len == 0) {
		st->ring[(st->head + st->len) % st->cap] = *it;
		st->len++;
		publish_lengths(st);
		pthread_cond_signal(&st->cond);
	} else if (st->spill_len < st->spill_cap) {
		st->spill[(st->spill_head + st->spill_len) % st->spill_cap] = *it;
		st->spill_len++;
		publish_lengths(st);
		pthread_cond_signal(&st->cond);
	} else {
		rc = -1;
	}
	pthread_mutex_unlock(&st->lock);
	if (rc != 0 && atomic_fetch_add(&st->dropped, 1) % 1000 == 0)
		log_warn("store: queue and spill full (%zu + %zu samples): sample dropped", st->cap,
			 st->spill_cap);
	return rc;
}

int store_submit(struct store *st, const struct store_sample *s)
{
	struct store_item it;

	memset(&it, 0, sizeof it);
	it.kind = ITEM_SAMPLE;
	it.s = *s;
	return enqueue(st, &it);
}

int store_submit_usage(struct store *st, uint32_t target, int64_t ts_ms, size_t n,
		       const char *const *names, const double *values)
{
	struct store_item it;

	if (n == 0 || n > STORE_USAGE_MAX || !names || !values) {
		atomic_fetch_add(&st->dropped, 1);
		return -1;
	}
	memset(&it, 0, sizeof it);
	it.kind = ITEM_USAGE;
	it.u.target = target;
	it.u.ts_ms = ts_ms;
	it.u.n = (uint8_t)n;
	it.u.names = names;
	memcpy(it.u.v, values, n * sizeof *values);
	return enqueue(st, &it);
}

void store_stats_add_counters(struct store_stats *to, const struct store_stats *from)
{
	to->updates += from->updates;
	to->errors += from->errors;
	to->dropped += from->dropped;
	to->stale += from->stale;
	to->created += from->created;
	to->usage_updates += from->usage_updates;
	to->migrated += from->migrated;
	to->reconnects += from->reconnects;
	to->file_retries += from->file_retries;
}

void store_get_stats(struct store *st, struct store_stats *out)
{
	memset(out, 0, sizeof *out);
	out->updates = atomic_load(&st->updates);
	out->errors = atomic_load(&st->errors);
	out->dropped = atomic_load(&st->dropped);
	out->stale = atomic_load(&st->stale);
	out->created = atomic_load(&st->created);
	out->queue_len = atomic_load(&st->ring_len_pub) + atomic_load(&st->pending);
	out->queue_cap = st->cap;
	out->spill_len = atomic_load(&st->spill_len_pub);
	out->spill_cap = st->spill_cap;
	out->usage_updates = atomic_load(&st->usage_updates);
	out->migrated = atomic_load(&st->migrated);
	out->rrdcached = st->daemon != NULL;
	out->rrdcached_up = atomic_load(&st->daemon_up);
	out->reconnects = atomic_load(&st->reconnects);
	out->file_retries = atomic_load(&st->file_retries);
	out->files_unusable = atomic_load(&st->files_unusable);
}

void store_stop(struct store *st)
{
	if (!st || !st->running)
		return;
	pthread_mutex_lock(&st->lock);
	st->stop = true;
	st->stop_deadline_ms = mono_ms() + STOP_GRACE_MS;
	pthread_cond_signal(&st->cond);
	pthread_mutex_unlock(&st->lock);
	pthread_join(st->thread, NULL);
	st->running = false;
}

void store_free(struct store *st)
{
	if (!st)
		return;
	store_stop(st);
	if (st->t) {
		for (size_t i = 0; i < st->n; i++) {
			for (int k = 0; k < 3; k++)
				free(st->t[i].f[k].path);
			free(st->t[i].bak);
		}
	}
	free(st->t);
	free(st->ring);
	free(st->spill);
	free(st->dir);
	free(st->base);
	free(st->daemon);
	pthread_cond_destroy(&st->cond);
	pthread_mutex_destroy(&st->lock);
	free(st);
}
