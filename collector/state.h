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
	PROBE_RESULT_COUNT
};

/* Stable lower-case names, used as label values and in the API. */
const char *probe_result_name(enum probe_result r);

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
};

/* Collector counters that are not per target. */
struct collector_stats {
	uint64_t results[PROBE_RESULT_COUNT];	/* finished probes by result */
	uint64_t skipped;		/* rounds skipped: previous probe still running */
	double lag_last_s;		/* start delay of the latest probe behind its due time */
	double lag_max_s;		/* largest start delay since the previous snapshot */
	unsigned in_flight;		/* transfers running */
	unsigned waiting;		/* due probes waiting for a free slot */
};

struct snapshot {
	atomic_uint refs;
	const struct cfg *cfg;		/* borrowed: outlives every snapshot naming it */
	size_t n;			/* == cfg->n_dienste */
	struct target_state *t;		/* owned; indexed like cfg->dienste */
	struct collector_stats stats;
	int64_t made_ms;		/* wall clock of publication */
};

/* A new snapshot with one reference and zeroed states; NULL when out of memory. */
struct snapshot *snapshot_new(const struct cfg *cfg);
void snapshot_release(struct snapshot *s);	/* NULL-safe; frees at the last reference */

/* The publication point shared by the collector (writer) and readers. */
struct state_pub {
	pthread_mutex_t lock;
	struct snapshot *cur;		/* owns one reference; may be NULL */
	atomic_bool first_round_done;	/* every target has been probed once */
};

void state_pub_init(struct state_pub *p);
void state_pub_destroy(struct state_pub *p);	/* drops the current snapshot */
/* Publishes s, taking over the caller's reference; the previous one is released. */
void state_publish(struct state_pub *p, struct snapshot *s);
/* A new reference to the current snapshot (NULL before the first); release it. */
struct snapshot *state_acquire(struct state_pub *p);

/* Wall clock in milliseconds since the epoch. */
int64_t state_wall_ms(void);

#endif
