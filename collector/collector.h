/*
 * collector.h - the probe loop.
 *
 * One thread owns a libcurl multi handle, an epoll set and two timerfds
 * (curl's timeout and the schedule).  Every target is probed at its interval,
 * at a stable offset within it (sched.h); at most max_concurrency transfers
 * run at once, at most max_per_host towards one host.  A due probe that finds
 * no free slot waits in a FIFO; one whose previous probe still runs is
 * skipped and counted.  Each finished probe yields exactly one result
 * (state.h), a sample for the store (never blocking: store_submit), and an
 * update of the published snapshot (at most every 200 ms).
 */
#ifndef OZG_COLLECTOR_H
#define OZG_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/state.h"
#include "config/config.h"
#include "store/store.h"

/* A response body is read up to this many bytes (after decompression). */
#define COLLECTOR_BODY_LIMIT (1024u * 1024u)

struct collector;

/*
 * A collector for cfg's targets; cfg, store and pub are borrowed and must
 * outlive it.  Returns NULL with a reason in err on failure.
 */
struct collector *collector_new(const struct cfg *cfg, struct store *store,
				struct state_pub *pub, char *err, size_t errsz);
/* Starts the probe thread; -1 with a reason in err. */
int collector_start(struct collector *c, char *err, size_t errsz);
/* Stops the thread (running transfers are abandoned) and publishes a last snapshot. */
void collector_stop(struct collector *c);
void collector_free(struct collector *c);	/* NULL-safe; stops first */
/*
 * For a clean stop: starts no more probes, waits up to timeout_ms for the
 * running ones to finish (their samples reach the store), then stops the
 * thread as collector_stop() does.  Returns the number of probes still
 * running when the time ran out (abandoned, no sample).  NULL-safe.
 */
unsigned collector_drain(struct collector *c, unsigned timeout_ms);
/*
 * Carries state over a configuration reload: every target of c whose id and
 * URL are unchanged in `old` (a snapshot of the previous collector, borrowed)
 * starts with its previous state, and the result counters continue.  Call
 * between collector_new() and collector_start().
 */
void collector_adopt(struct collector *c, const struct snapshot *old);

/*
 * The result of one transfer, from curl's code, the HTTP status (0 if none),
 * the body read (NULL/0 when not kept) and whether the body limit was hit.
 */
enum probe_result probe_classify(int curl_code, long http_status, const struct cfg_probe *p,
				 const char *body, size_t body_len, bool body_too_large);

#endif
