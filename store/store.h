/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * store.h - the RRD writer: RRD files per probe target.
 *
 * Only the store thread calls librrd for writing.  The collector hands
 * samples over with store_submit(), which never blocks on disk or on the
 * network: it takes a mutex for the time of one copy.  Samples go into a
 * bounded ring; when the ring is full they wait in a bounded spill (second
 * segment of the same FIFO, so order is kept); when both are full the sample
 * is dropped and counted (ozgmon_store_dropped_samples_total).
 *
 * The thread creates a target's files on first sight (written under a
 * temporary name, then renamed, so a crash never leaves a half-made file),
 * converts files whose layout differs from the configured one (the new file
 * is filled from the old, which is kept as <file>.bak-<unix time>), and
 * updates them with every sample.  store_stop() writes every sample still
 * queued before it returns: a clean stop loses nothing that was submitted
 * (with rrdcached: unless rrdcached stays unreachable past the stop bound;
 * such samples are counted as dropped and logged).
 *
 * Files (docs/storage.md explains the layout and what each byte buys):
 *   <data_dir>/rrd/<id>.rrd        up, maint        (long history)
 *   <data_dir>/rrd/<id>.perf.rrd   duration, resolve, connect, tls,
 *                                  processing, transfer, http_code, cert_expiry
 *   <data_dir>/rrd/<id>.usage.rrd  usage counters (DERIVE, min 0), when any
 * step = the target's interval, heartbeat = 2 x step.
 *
 * rrdcached: with store_new(..., rrdcached = "unix:/path" or "host:port"),
 * every update goes through the daemon (librrd's rrdc_* client, which
 * serialises all callers of the process on one connection behind librrd's
 * own lock).  While the daemon is unreachable the writer stops taking
 * samples, reconnects with a backoff (0.1 s doubling to 5 s) and then
 * catches up from the ring and spill.
 *
 * A file that cannot be read (after three quick tries) or created (a full
 * disk) is not given up: it is tried again after 1 s, doubling to 60 s, for
 * as long as the store runs; its samples meanwhile are dropped and counted
 * (store_stats.files_unusable, file_retries).
 */
#ifndef OZG_STORE_H
#define OZG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/*
 * One finished probe.  Fields after http_status were appended; a producer
 * that leaves them zero gets: not in maintenance, phases unknown (has_phases
 * false), certificate expiry unknown (0).
 */
struct store_sample {
	uint32_t target;	/* index into cfg->dienste */
	int64_t ts_ms;		/* wall clock of the probe's end */
	bool up;
	bool answered;		/* an HTTP response was read: duration and code are known */
	double duration_s;
	int http_status;
	bool maint;		/* the target was in a maintenance window (stored as 0/1) */
	/*
	 * Phase timings in seconds, like blackbox_exporter's phases: resolve
	 * (name lookup), connect (TCP), tls (handshake; 0 for http), processing
	 * (request sent to first byte), transfer (first byte to end).  Used only
	 * when has_phases; a NaN phase is stored as unknown.
	 */
	bool has_phases;
	double resolve_s, connect_s, tls_s, processing_s, transfer_s;
	double cert_expiry_s;	/* notAfter of the earliest certificate, s since the epoch; 0 unknown */
};

/* Usage counters per sample (store_submit_usage), at most this many per target. */
#define STORE_USAGE_MAX 8

/* Counters, read at any time from any thread. */
struct store_stats {
	uint64_t updates;	/* samples written (to <id>.rrd) */
	uint64_t errors;	/* librrd calls that failed */
	uint64_t dropped;	/* samples lost: queue and spill full, target unusable, or
				 * rrdcached unreachable at the stop bound */
	uint64_t stale;		/* samples not newer than the file's last update */
	uint64_t created;	/* files created */
	size_t queue_len;	/* samples waiting now (ring only) */
	size_t queue_cap;
	/* appended */
	size_t spill_len;	/* samples waiting in the spill */
	size_t spill_cap;
	uint64_t usage_updates;	/* usage samples written */
	uint64_t migrated;	/* files converted to a new layout */
	bool rrdcached;		/* rrdcached configured */
	bool rrdcached_up;	/* the writer's last request to rrdcached succeeded */
	uint64_t reconnects;	/* connections (re)established to rrdcached */
	/* appended: files that could not be read or created are tried again */
	uint64_t file_retries;	/* retries of unusable files */
	size_t files_unusable;	/* files unusable now, waiting for their next retry */
};

struct store;

/*
 * Prepares the store for `cfg` (borrowed: must outlive the store) under
 * data_dir (copied), creating <data_dir>/rrd.  queue_cap bounds the ring,
 * spill_cap the spill (0: no spill).  rrdcached (copied; NULL or "" for
 * direct writes) is "unix:/path", "/path" or "host:port".  Returns NULL with
 * a reason in err on failure.
 */
struct store *store_new(const struct cfg *cfg, const char *data_dir, size_t queue_cap,
			char *err, size_t errsz);
struct store *store_new2(const struct cfg *cfg, const char *data_dir, size_t queue_cap,
			 size_t spill_cap, const char *rrdcached, char *err, size_t errsz);
/* Starts the writer thread; -1 with a reason in err on failure. */
int store_start(struct store *st, char *err, size_t errsz);
/* Queues a sample; never blocks.  Returns 0, or -1 when it was dropped. */
int store_submit(struct store *st, const struct store_sample *s);
/*
 * Queues n (<= STORE_USAGE_MAX) usage counter readings of a target for
 * <id>.usage.rrd.  names are borrowed: the array and its strings must
 * outlive the store (names from the cfg qualify); a name becomes a data
 * source name: characters outside [A-Za-z0-9_] turn into '_', at most 19
 * are kept.  NaN values are stored as unknown.  Never blocks; 0 or -1
 * (dropped, or n out of range).
 */
int store_submit_usage(struct store *st, uint32_t target, int64_t ts_ms, size_t n,
		       const char *const *names, const double *values);
void store_get_stats(struct store *st, struct store_stats *out);
/*
 * Adds the counters of `from` (not its gauges: queue, spill, rrdcached state,
 * files unusable now) to `to`: how the totals of stores replaced by a reload
 * carry over.
 */
void store_stats_add_counters(struct store_stats *to, const struct store_stats *from);
/* Writes what is queued (flushes rrdcached), then stops the thread.  Idempotent. */
void store_stop(struct store *st);
void store_free(struct store *st);	/* NULL-safe; stops first */
/* The main file (<id>.rrd) of target i; points into the store, valid while it lives. */
const char *store_path(const struct store *st, size_t target);
/* The performance file (<id>.perf.rrd) of target i, likewise. */
const char *store_perf_path(const struct store *st, size_t target);
/* The usage file (<id>.usage.rrd) of target i, likewise (it may not exist). */
const char *store_usage_path(const struct store *st, size_t target);

/*
 * rrdcached as librrd speaks of it.  store_rrdcached_is_unix: addr names a
 * unix socket ("unix:/path" or "/path"), not host:port.
 * store_rrdcached_refused: a librrd error text is the daemon's own refusal
 * of a request ("rrdcached: <message>" from older librrd, "rrdcached@<address>:
 * <message>" from 1.7); anything else (socket errors, "not connected", a
 * failed connect) is about the connection.  NULL is not a refusal.
 */
bool store_rrdcached_is_unix(const char *addr);
bool store_rrdcached_refused(const char *rrd_error);

#define STORE_DS_NAME_SIZE 20	/* an RRD data source name and its NUL */
/* The data source name a usage counter name has in <id>.usage.rrd: [A-Za-z0-9_], at most 19. */
void store_usage_ds_name(const char *in, char out[STORE_DS_NAME_SIZE]);

/* Which file of a target a layout describes; STORE_TREND: an area's rollout trend file. */
enum store_file_kind { STORE_MAIN, STORE_PERF, STORE_USAGE, STORE_TREND };

/*
 * The one place that names RRD files: writes the path of file `kind` of
 * `name` (a Dienst id, or an area key for STORE_TREND) under data_dir into
 * out (snprintf rules; out may be NULL when outsz is 0):
 *   STORE_MAIN  <data_dir>/rrd/<name>.rrd        STORE_PERF  <data_dir>/rrd/<name>.perf.rrd
 *   STORE_USAGE <data_dir>/rrd/<name>.usage.rrd  STORE_TREND <data_dir>/rollout/<name>.rrd
 * Returns the length of the full path, or -1 when it did not fit into out.
 */
int store_file_path(const char *data_dir, const char *name, enum store_file_kind kind, char *out,
		    size_t outsz);

/*
 * The creation arguments ("DS:...", "RRA:...") of a file of the default
 * layout for a step of step_s seconds, written into args[0..max) (each
 * STORE_ARG_LEN bytes).  usage_names (n_usage of them) only for STORE_USAGE.
 * Returns the number of arguments, or -1 when max is too small.
 */
#define STORE_ARG_LEN 64
int store_layout(enum store_file_kind kind, unsigned long step_s, const char *const *usage_names,
		 size_t n_usage, char (*args)[STORE_ARG_LEN], size_t max);

#endif
