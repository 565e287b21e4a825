/* SPDX-License-Identifier: EUPL-1.2 */
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

#include "model/state.h"
#include "config/config.h"
#include "store/store.h"

/* Default bound of a response body (after decompression); see probe.body_limit. */
#define COLLECTOR_BODY_LIMIT CFG_BODY_LIMIT_DEFAULT

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
 * thread as collector_stop() does.  Returns the number of probes and usage
 * fetches still running when the time ran out: aborted, counted in the
 * published stats (aborted, usage_aborted), no sample.  NULL-safe.
 */
unsigned collector_drain(struct collector *c, unsigned timeout_ms);
/*
 * When the probe loop last turned (sched_now_ms() clock): it turns at least
 * every second while it runs, so an old value means a stuck loop (the
 * daemon's watchdog).  0 before the start; NULL-safe.
 */
uint64_t collector_beat_ms(struct collector *c);
/*
 * Carries state over a configuration reload: every target of c whose id and
 * URL are unchanged in `old` (a snapshot of the previous collector, borrowed)
 * starts with its previous state, and the counters (results, probes and
 * usage fetches started and finished, usage errors, skipped rounds, the lag
 * histogram) continue.  Call
 * between collector_new() and collector_start().
 */
void collector_adopt(struct collector *c, const struct snapshot *old);
/*
 * Every finished probe is also counted into m (borrowed, for c's cfg; NULL:
 * none), from the probe thread (model/avail.h).  Call before collector_start().
 */
void collector_set_model(struct collector *c, struct model *m);

/*
 * The result of one transfer, from curl's code, the HTTP status (0 if none),
 * the body read (NULL/0 when not kept) and whether the body limit was hit.
 */
enum probe_result probe_classify(int curl_code, long http_status, const struct cfg_probe *p,
				 const char *body, size_t body_len, bool body_too_large);

/*
 * Everything a finished transfer tells about its result.  `header` looks up
 * the value of a response header of the final response (NULL when absent);
 * it may be NULL when the target has no header checks.
 */
struct probe_outcome {
	int curl_code;			/* CURLcode of the transfer */
	long http_status;		/* 0 when no response was read */
	const char *body;		/* the body read, or NULL when not kept */
	size_t body_len;
	bool body_too_large;		/* the body limit aborted the transfer */
	const char *errbuf;		/* curl's error text, or NULL */
	int64_t cert_expiry_s;		/* earliest certificate expiry, 0 unknown */
	int64_t now_s;			/* wall clock, seconds since the epoch */
	const char *(*header)(void *ctx, const char *name);
	void *header_ctx;
	long redirects;			/* redirects curl counted, a refused one included */
	double total_s;			/* the transfer's whole time */
	const char *last_url;		/* the URL curl went to last (a refused redirect's
					   target), or NULL */
	bool tcp;			/* a tcp:// target: no status, headers or body */
	int tcp_result;			/* tcp: the send/expect exchange's result
					   (PROBE_SUCCESS when it passed or there was none) */
	const char *tcp_why;		/* its reason, or NULL */
};

/*
 * The result of a finished probe, checked in this order: transport and TLS
 * errors (a response header beyond libcurl's bound is header_too_large, a
 * redirect to another scheme than http/https redirect_refused), an expired
 * certificate, the status, the headers, the body, and last the time taken
 * (fail_if_slower_than: too_slow).  A tcp target (o->tcp) has no status,
 * headers or body: after the certificate only the time is checked.  When
 * `why` is not NULL it receives a short reason for a failure (truncated to
 * whysz; "" for success).  Never reads past body_len.
 */
enum probe_result probe_evaluate(const struct probe_outcome *o, const struct cfg_probe *p,
				 char *why, size_t whysz);

/*
 * Parses a certificate "Expire date" as libcurl's OpenSSL backend writes it
 * ("Jan  2 03:04:05 2030 GMT") or as its GnuTLS backend writes it
 * ("2030-01-02 03:04:05 UTC" forms are accepted too).  Returns seconds since
 * the epoch, or 0 when the text does not parse.
 */
int64_t probe_parse_cert_date(const char *s);

/* The redirects a finished transfer followed: curl's count less a refused one. */
unsigned probe_redirects_followed(const struct probe_outcome *o);

#endif
