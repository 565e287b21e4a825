/*
 * store.h - the RRD writer: one RRD file per probe target.
 *
 * Only the store thread calls librrd.  The collector hands samples over with
 * store_submit(), which never blocks on disk: it takes a mutex for the time
 * of one copy into a bounded ring.  When the ring is full the sample is
 * dropped and counted (ozgmon_store_dropped_samples_total).  The thread
 * creates a target's file on first sight (written under a temporary name,
 * then renamed, so a crash never leaves a half-made file) and updates it with
 * every sample.  store_stop() writes every sample still queued before it
 * returns: a clean stop loses nothing that was submitted.
 *
 * Files: <data_dir>/rrd/<dienst id>.rrd with data sources
 *   up        GAUGE 0..1  (AVERAGE over a window is the uptime ratio)
 *   duration  GAUGE s     (total probe time; unknown when nothing answered)
 *   http_code GAUGE       (unknown when no HTTP response)
 * step = the target's interval, heartbeat = 2 x step.  See docs/storage.md.
 */
#ifndef OZG_STORE_H
#define OZG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct store_sample {
	uint32_t target;	/* index into cfg->dienste */
	int64_t ts_ms;		/* wall clock of the probe's end */
	bool up;
	bool answered;		/* an HTTP response was read: duration and code are known */
	double duration_s;
	int http_status;
	bool maint;		/* inside a maintenance window of the target */
};

/* Counters, read at any time from any thread. */
struct store_stats {
	uint64_t updates;	/* samples written */
	uint64_t errors;	/* librrd calls that failed */
	uint64_t dropped;	/* samples refused: queue full or target unusable */
	uint64_t stale;		/* samples not newer than the file's last update */
	uint64_t created;	/* files created */
	size_t queue_len;	/* samples waiting now */
	size_t queue_cap;
};

struct store;

/*
 * Prepares the store for `cfg` (borrowed: must outlive the store) under
 * data_dir (copied), creating <data_dir>/rrd.  queue_cap bounds the queue.
 * Returns NULL with a reason in err on failure.
 */
struct store *store_new(const struct cfg *cfg, const char *data_dir, size_t queue_cap,
			char *err, size_t errsz);
/* Starts the writer thread; -1 with a reason in err on failure. */
int store_start(struct store *st, char *err, size_t errsz);
/* Queues a sample; never blocks.  Returns 0, or -1 when it was dropped. */
int store_submit(struct store *st, const struct store_sample *s);
void store_get_stats(struct store *st, struct store_stats *out);
/* Writes what is queued, then stops the thread.  Idempotent. */
void store_stop(struct store *st);
void store_free(struct store *st);	/* NULL-safe; stops first */
/* The file of target i; points into the store, valid while it lives. */
const char *store_path(const struct store *st, size_t target);

#endif
