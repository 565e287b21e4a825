/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * state.h - what the collector knows now, published for readers.
 *
 * The collector thread owns a mutable array of per-target states.  From time
 * to time it copies them into a new immutable, reference-counted snapshot and
 * publishes it.  Readers (the HTTP exporter, page renderers) take a reference
 * with state_acquire(), render without any lock, and drop it with
 * snapshot_release().  A slow reader therefore never delays a probe: the lock
 * in `struct state_pub` is held only to swap or copy one pointer.
 */
#ifndef OZG_STATE_H
#define OZG_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "model/avail.h"

struct state_cfg;

/* Why a probe ended as it did; exactly one per finished probe. */
enum probe_result {
	PROBE_SUCCESS = 0,
	PROBE_TIMEOUT,
	PROBE_DNS,
	PROBE_CONNECT,
	PROBE_TLS,
	PROBE_CERT_EXPIRED,
	PROBE_HTTP_STATUS,
	PROBE_CONTENT,
	PROBE_BODY_TOO_LARGE,
	PROBE_REDIRECT_LIMIT,
	PROBE_HEADER_TOO_LARGE,	/* the response header exceeded libcurl's bound */
	PROBE_REDIRECT_REFUSED,	/* a redirect to a scheme other than http/https */
	PROBE_TOO_SLOW,		/* every check passed, but slower than fail_if_slower_than */
	PROBE_RESULT_COUNT
};

/* Stable lower-case names, used as label values and in the API. */
const char *probe_result_name(enum probe_result r);

/* Phases of one probe, as blackbox_exporter names them. */
enum probe_phase {
	PHASE_RESOLVE = 0,	/* name lookup */
	PHASE_CONNECT,		/* TCP connect */
	PHASE_TLS,		/* TLS handshake (0 for plain HTTP) */
	PHASE_PROCESSING,	/* request sent until the first response byte */
	PHASE_TRANSFER,		/* first to last response byte */
	PROBE_PHASE_COUNT
};

/* "resolve", "connect", "tls", "processing", "transfer". */
const char *probe_phase_name(enum probe_phase ph);

#define TARGET_REASON_MAX 128	/* bytes of target_state.failure_reason, with the NUL */

#define USAGE_LABEL_MAX 64	/* bytes of a wildcard key, with the NUL */

/* One value read from a statistics document. */
struct usage_value {
	uint32_t metric;		/* index into the dienst's usage->metrics */
	char label[USAGE_LABEL_MAX];	/* the wildcard's key; "" without wildcard */
	double v;
};

/*
 * The outcome of one usage fetch: immutable once made, shared by reference
 * between the collector's state and snapshots (usage_result_ref/_release).
 * A failed fetch carries no values (ok false, n 0): a value is shown only
 * when the latest fetch produced it.
 */
struct usage_result {
	atomic_uint refs;
	bool ok;
	int64_t fetched_ms;		/* wall clock of this fetch */
	int64_t last_ok_ms;		/* wall clock of the latest fetch that succeeded; 0 never */
	char error[TARGET_REASON_MAX];	/* why it failed; "" when ok */
	size_t n;
	struct usage_value v[];		/* n values, in metric order */
};

void usage_result_ref(struct usage_result *r);		/* NULL-safe */
void usage_result_release(struct usage_result *r);	/* NULL-safe; frees at the last */

/* The latest known state of one target. */
struct target_state {
	bool probed;			/* at least one probe finished */
	bool success;
	enum probe_result result;	/* of the last probe */
	double duration_s;		/* total time of the last probe */
	int http_status;		/* 0 when no HTTP response was read */
	int64_t last_ms;		/* wall clock (ms since the epoch) of the last finish */
	uint64_t probes;		/* probes finished since start */
	uint64_t failures;		/* of which failed */
	/* ---- probe depth (all of the last finished probe) ---- */
	double phase_s[PROBE_PHASE_COUNT];	/* seconds per phase, summed over redirects */
	int64_t cert_expiry_s;		/* earliest notAfter of the peer's chain (s since the
					   epoch); 0 when unknown (plain HTTP, handshake failed) */
	char tls_version[16];		/* e.g. "TLSv1.3"; "" for plain HTTP or unknown */
	double http_version;		/* 1.0, 1.1, 2 or 3; 0 when no response was read */
	unsigned redirects;		/* redirects followed (a refused one is not) */
	unsigned consecutive_failures;	/* failed probes in a row; 0 after a success */
	bool down;			/* consecutive_failures reached the target's retries
					   (at least 1): counts as down for incidents */
	char failure_reason[TARGET_REASON_MAX];	/* why the last probe failed; "" on success */
	struct usage_result *usage;	/* latest usage fetch (a reference), or NULL */
	uint64_t usage_resets;		/* usage counter values seen lower than in the fetch
					   before (usage_resets), since start */
	bool maint;			/* the last probe fell in a maintenance window */
};

/* Upper bounds (seconds) of the schedule lag histogram's buckets. */
#define STATE_LAG_BUCKETS 12
extern const double state_lag_bounds[STATE_LAG_BUCKETS];

/* Collector counters that are not per target. */
struct collector_stats {
	uint64_t results[PROBE_RESULT_COUNT];	/* finished probes by result */
	uint64_t skipped;		/* rounds skipped: previous probe still running */
	double lag_last_s;		/* start delay of the latest probe behind its due time */
	double lag_max_s;		/* largest start delay since the previous snapshot */
	unsigned in_flight;		/* transfers running */
	unsigned waiting;		/* due probes waiting for a free slot */
	/* Schedule lag histogram: how late probes started behind their due time. */
	uint64_t lag_bucket[STATE_LAG_BUCKETS + 1];	/* per bucket (not cumulative); last: +Inf */
	double lag_sum_s;
	uint64_t started;		/* probes started (transfers handed to curl) */
	uint64_t finished;		/* probes finished (every result) */
	uint64_t usage_started;		/* usage fetches started */
	uint64_t usage_finished;	/* usage fetches finished, with values or not */
	uint64_t usage_errors;		/* usage fetches that yielded no values */
	uint64_t aborted;		/* probes still running when their collector stopped
					   (a reload's or the stop's drain ran out): no sample */
	uint64_t usage_aborted;		/* usage fetches likewise */
};

struct snapshot {
	atomic_uint refs;
	const struct cfg *cfg;		/* borrowed: outlives every snapshot naming it */
	size_t n;			/* == cfg->n_dienste */
	struct target_state *t;		/* owned; indexed like cfg->dienste */
	struct collector_stats stats;
	int64_t made_ms;		/* wall clock of publication */
	size_t t_bytes;			/* size of the t array */
	bool t_mapped;			/* t is an anonymous mapping (large inventories), not malloc'd */
	struct state_cfg *cfgref;	/* owned reference keeping cfg alive; may be NULL */
};

/* A new snapshot with one reference and zeroed states; NULL when out of memory. */
struct snapshot *snapshot_new(const struct cfg *cfg);
void snapshot_release(struct snapshot *s);	/* NULL-safe; frees at the last reference */

/* The publication point shared by the collector (writer) and readers. */
struct state_pub {
	pthread_mutex_t lock;
	struct snapshot *cur;		/* owns one reference; may be NULL */
	atomic_bool first_round_done;	/* every target has been probed once */
	struct state_cfg *cfgref;	/* owned; attached to snapshots of its cfg (state_pub_set_cfg) */
};

void state_pub_init(struct state_pub *p);
void state_pub_destroy(struct state_pub *p);	/* drops the current snapshot */
/* Publishes s, taking over the caller's reference; the previous one is released. */
void state_publish(struct state_pub *p, struct snapshot *s);
/* A new reference to the current snapshot (NULL before the first); release it. */
struct snapshot *state_acquire(struct state_pub *p);

/*
 * Configuration lifetime across reloads.  A snapshot points at the cfg it
 * was made from; after a reload the old cfg must live until the last reader
 * drops the last snapshot naming it.  A state_cfg owns a cfg and counts
 * references: the daemon holds one, the publication point one, and every
 * published snapshot of that cfg one.  The cfg is freed (cfg_free) at the
 * last release.
 */
struct state_cfg {
	atomic_uint refs;
	struct cfg *cfg;		/* owned */
	struct model *model;		/* owned: the availability windows of cfg's targets (avail.h) */
};

/*
 * Wraps cfg (taking ownership) with one reference and a new, unseeded
 * availability model of its targets; NULL when out of memory (cfg untouched).
 */
struct state_cfg *state_cfg_new(struct cfg *cfg);
struct state_cfg *state_cfg_ref(struct state_cfg *r);	/* returns r */
void state_cfg_release(struct state_cfg *r);		/* NULL-safe */
/*
 * Makes r (a new reference is taken; NULL to clear) the configuration of
 * later publications: state_publish() attaches a reference to every snapshot
 * whose cfg is r->cfg.  Switch only while no collector of another cfg runs.
 */
void state_pub_set_cfg(struct state_pub *p, struct state_cfg *r);

/* Wall clock in milliseconds since the epoch. */
int64_t state_wall_ms(void);

#endif
