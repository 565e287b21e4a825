/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * http_internal.h - what the parts of the HTTP server share: the server,
 * connection and request structures, and the authentication entry points
 * (http_auth.c) the request handler in http.c calls.  Not for use outside
 * exporter/http*.c; the public interface is http.h.
 */
#ifndef OZG_HTTP_INTERNAL_H
#define OZG_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "exporter/http.h"
#include "exporter/webcfg.h"

#define HTTP_ADDR_SLOTS (2u * HTTP_CONN_LIMIT)	/* client addresses tracked for the per-address limit */
#define HTTP_LM_SLOTS 512u	/* API request targets whose Last-Modified is remembered */

struct prom_cache;
struct history_worker;
struct hist_req;

/*
 * One open connection, for the header deadline: libmicrohttpd's own timeout
 * only measures silence, so a client that trickles a header byte now and
 * then (slowloris) would hold its slot for ever.  The watchdog shuts down
 * the socket of a connection whose request line and headers did not all
 * arrive within HTTP_HEADER_DEADLINE_S of the connection's start or of the
 * end of its previous request; libmicrohttpd then closes it in its own
 * thread.  Linked into http_server.watch under watch_lock; freed when
 * libmicrohttpd reports the connection closed, which it does before it
 * closes the descriptor, so the watchdog never touches a reused one.
 */
struct conn_watch {
	int fd;
	int64_t since_ms;		/* monotonic: when the current headers began */
	bool waiting;			/* the current request's headers are incomplete */
	bool cut;			/* shut down by the watchdog */
	bool trusted;			/* a request on it was authenticated: the longer deadline */
	int cert;			/* client certificate verdict: 0 unknown, 1 accepted, -1 refused */
	int addr_slot;			/* its entry in http_server.addrs, or -1 */
	const struct webcfg *web;	/* for the configured response headers */
	struct conn_watch *prev, *next;
};

/* A listener: the main one, or the one for scrapes only (ozgmon.scrape_listen). */
struct listener {
	struct http_server *h;
	struct MHD_Daemon *mhd;
	bool scrape_only;		/* /metrics, /-/healthy and /-/ready only */
};

/* A password check waiting for the bcrypt thread; its connection is suspended. */
struct bc_job {
	struct MHD_Connection *conn;
	struct req *r;
	char user[WEBCFG_USER_MAX + 1], password[256];
};

struct http_server {
	struct listener main, scrape;	/* scrape.mhd NULL: no scrape listener */
	struct http_deps deps;
	atomic_size_t metrics_hint;	/* size of the last /metrics body, for preallocation */
	struct prom_cache *cache;	/* the configuration's families; owned; NULL: none */
	pthread_mutex_t watch_lock;	/* guards watch and every conn_watch in it */
	struct conn_watch *watch;	/* open connections */
	pthread_t watchdog;
	bool watchdog_running;
	atomic_bool stopping;
	atomic_ullong conns_total;	/* connections accepted */
	atomic_ullong conns_open;
	atomic_ullong slow_cut;		/* connections cut by the header deadline */
	atomic_ullong refused[HTTP_REFUSED_COUNT];	/* by reason (enum http_refused) */
	/* Open connections per client address (16 bytes, IPv4 as v4-mapped), under addr_lock. */
	pthread_mutex_t addr_lock;
	struct { unsigned char a[16]; unsigned n; } addrs[HTTP_ADDR_SLOTS];
	/* Password checks off the server threads: one bcrypt thread, a bounded queue. */
	pthread_mutex_t bc_lock;
	pthread_cond_t bc_cond;
	struct bc_job bc_q[HTTP_BCRYPT_QUEUE];
	size_t bc_head, bc_len;
	bool bc_stopping;
	pthread_t bc_thread;
	bool bc_running;
	/*
	 * Per API request target (by hash; a slot is reused by another target
	 * that hashes to it): the hash of the body last given and since when
	 * (wall clock ms), for Last-Modified.  Under lm_lock.
	 */
	pthread_mutex_t lm_lock;
	struct { uint64_t target, body; int64_t since_ms; } lm[HTTP_LM_SLOTS];
	/* History requests (RRD reads) off the server threads; NULL: not started. */
	struct history_worker *hist;
	atomic_ullong hist_refused;	/* refused: its queue was full (503) */
};

/* Per request: the verdict on its raw path and the canonical path. */
enum { AUTH_UNKNOWN = 0, AUTH_PENDING, AUTH_OK, AUTH_FAILED };

struct req {
	unsigned refuse;		/* 0, or the status to refuse the path with */
	atomic_int auth;		/* AUTH_*: the basic auth verdict of this request */
	size_t body;			/* request body bytes seen */
	bool headers_done;
	uint64_t target;		/* http_fnv1a of the raw request target, query included */
	/*
	 * A history request handed to the history worker: its connection is
	 * suspended until the worker is done with it (hist->done), then the
	 * answer is sent from it.  Freed with the request.
	 */
	struct hist_req *hist;
	char path[HTTP_URI_MAX + 1];
};

/* The watch entry of a connection (its socket context), or NULL. */
static inline struct conn_watch *http_conn_watch_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* ---- validators (http.c; pure, for tests) ---------------------------------- */

/* 64-bit FNV-1a of p[0 .. n). */
uint64_t http_fnv1a(const void *p, size_t n);
/*
 * Whether an If-None-Match field value ("*" or a comma-separated list of
 * entity-tags) matches etag by the weak comparison (RFC 9110 8.8.3.2): W/
 * on either side does not count.  A malformed list matches nothing.
 */
bool http_etag_matches(const char *field, const char *etag);
/* An HTTP-date (IMF-fixdate, RFC 850 or asctime) in seconds; -1 when it is none. */
time_t http_date_parse(const char *s);
/* t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). */
void http_date(time_t t, char out[32]);

/* ---- authentication (http_auth.c) ---------------------------------------- */

/*
 * The bcrypt thread's body (arg: the struct http_server): runs the queued
 * password checks and resumes their connections; at bc_stopping it fails
 * the checks still queued and returns once the queue is empty.
 */
void *http_bcrypt_main(void *arg);
/*
 * Basic auth for a request: AUTH_OK, AUTH_FAILED, AUTH_PENDING (connection
 * suspended for the bcrypt thread), or -1 when the queue is full (429).
 */
int http_check_auth(struct http_server *h, struct MHD_Connection *conn, struct req *r);
/* The client certificate verdict under client_auth_type: true when the connection may go on. */
bool http_client_cert_ok(const struct webcfg *web, struct MHD_Connection *conn, bool *verified);

#endif
