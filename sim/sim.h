/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * sim.h - ozgmon-sim: a loopback HTTP server that plays many municipal portals.
 *
 * The simulator answers for any number of portal host names on one loopback
 * socket; the Host header picks the portal.  Each host has a mode (ok, down,
 * error, slow, hang, flaky) taken from a profile file or set at run time
 * through the control endpoint under /_sim/.
 *
 * Modules:
 *   hosts.c   modes, the host table (hash map, bounded) and the profile file
 *   delay.c   parks suspended connections until a deadline (slow, hang)
 *   server.c  the libmicrohttpd handler: control endpoint and portal pages
 *   main.c    command line, signals, start and clean stop
 *
 * Errors: lower functions return -1 (or a negative count) and describe the
 * problem in a caller buffer; only main.c and the request handler log.
 */
#ifndef OZG_SIM_H
#define OZG_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct MHD_Connection;

/* ---- modes -------------------------------------------------------------- */

enum sim_mode_kind {
	SIM_MODE_OK = 0,	/* normal portal content */
	SIM_MODE_DOWN,		/* close the connection without a response */
	SIM_MODE_ERROR,		/* every page answers status `arg` */
	SIM_MODE_SLOW,		/* answer normally after `arg` ms */
	SIM_MODE_HANG,		/* answer nothing; close after `arg` ms */
	SIM_MODE_FLAKY,		/* `arg` percent of requests answer 500 */
	SIM_MODE_RESET,		/* reset the connection (RST) as soon as the request is read */
	SIM_MODE_RESET_BODY,	/* send 200, headers and `arg` body bytes, then break off */
	SIM_MODE_REDIRECT,	/* `arg` redirects (/hop/N-1 ... /hop/0), then the page */
	SIM_MODE_REDIRECT_LOOP,	/* every request is redirected to itself */
	SIM_MODE_HUGE,		/* a page of `arg` MiB */
	SIM_MODE_GZIP_BOMB,	/* gzip of `arg` MiB of zeros (about 1/1000 on the wire) */
	SIM_MODE_STATS_GARBAGE,	/* /api/stats.json answers bytes that are not JSON */
	SIM_MODE_STATS_TRUNCATED,	/* /api/stats.json answers JSON cut in the middle */
	SIM_MODE_STATS_NESTED,	/* /api/stats.json answers arrays nested `arg` deep */
	SIM_MODE_AUTH,		/* 401 unless the request has an Authorization header */
	SIM_MODE_DRIP,		/* 200 with `arg` body bytes, one a second */
	SIM_MODE_HUGE_HEADER,	/* 200 with one response header of `arg` KiB (plain HTTP) */
	SIM_MODE_REDIRECT_FILE,	/* every page redirects to file:///etc/passwd */
	SIM_MODE_STATS_NEGATIVE,	/* /api/stats.json has a negative counter */
	SIM_MODE_STATS_RESET	/* /api/stats.json counters 100, 200, 300, 100, ... per request */
};

struct sim_mode {
	enum sim_mode_kind kind;
	unsigned arg;		/* meaning depends on kind; 0 for ok and down */
};

#define SIM_ERROR_DEFAULT	503u
#define SIM_SLOW_DEFAULT	3000u
#define SIM_HANG_DEFAULT	120000u
#define SIM_FLAKY_DEFAULT	30u
#define SIM_DELAY_MAX_MS	3600000u	/* slow and hang: at most one hour */
#define SIM_RESET_BODY_DEFAULT	1000u		/* bytes before the break */
#define SIM_REDIRECT_DEFAULT	3u
#define SIM_REDIRECT_MAX	100u
#define SIM_HUGE_DEFAULT	8u		/* MiB */
#define SIM_HUGE_MAX		1024u
#define SIM_BOMB_DEFAULT	64u		/* MiB once decompressed */
#define SIM_BOMB_MAX		1024u
#define SIM_NESTED_DEFAULT	10000u		/* levels */
#define SIM_NESTED_MAX		1000000u
#define SIM_DRIP_DEFAULT	60u		/* body bytes, one a second */
#define SIM_DRIP_MAX		86400u
#define SIM_HUGE_HEADER_DEFAULT	1024u		/* KiB */
#define SIM_HUGE_HEADER_MAX	65536u

/* The mode's name ("ok", "down", ...); never NULL. */
const char *sim_mode_name(enum sim_mode_kind kind);
/* True when the mode takes an argument (error, slow, hang, flaky). */
bool sim_mode_has_arg(enum sim_mode_kind kind);
/*
 * Parses a mode name and an optional argument (NULL or "" for the default).
 * Returns 0 and fills *out, or -1 with a message in err.
 */
int sim_mode_parse(const char *name, const char *arg, struct sim_mode *out,
		   char *err, size_t errsz);

/* ---- host names ------------------------------------------------------------ */

#define SIM_HOST_MAX	253	/* longest DNS name */

/*
 * Normalises a Host header value: strips the port and one trailing dot,
 * lower-cases, and accepts only DNS name characters (a-z 0-9 - . _) or a
 * bracketed IPv6 literal.  Returns 0 and writes the name (NUL-terminated) to
 * out, which has room for SIM_HOST_MAX + 1 bytes; -1 when the value is not a
 * host name.
 */
int sim_host_normalize(const char *in, char *out);

/* ---- host table ------------------------------------------------------------ */

#define SIM_HOSTS_MAX	100000u	/* hosts the table tracks at most */

struct sim_hosts;

/* A copy of one host's state, for rendering outside the lock. */
struct sim_host_state {
	struct sim_mode mode;	/* effective mode (the default when no override) */
	bool override;		/* set by the profile or the control endpoint */
	uint64_t requests;	/* portal requests seen for this host */
	unsigned in_flight;	/* portal requests being answered now */
	unsigned peak;		/* most portal requests ever answered at once */
};

/* Returns a new, empty table with `dflt` as the default mode; NULL on out of memory. */
struct sim_hosts *sim_hosts_new(const struct sim_mode *dflt);
void sim_hosts_free(struct sim_hosts *h);	/* NULL-safe */

/*
 * Counts one request for `host` and returns its effective mode and the
 * request's number at that host (1 for the first).  A host the full table
 * cannot take is served with the default mode and counted in a shared
 * overflow counter.  Never fails.
 */
void sim_hosts_hit(struct sim_hosts *h, const char *host,
		   struct sim_mode *mode, uint64_t *nreq);

/*
 * Ends one request counted by sim_hosts_hit() (whatever its outcome): keeps
 * the host's in-flight count, whose maximum is reported as "peak".
 */
void sim_hosts_leave(struct sim_hosts *h, const char *host);

/* Sets an override for `host`.  Returns 0; -1 when the table is full; -2 on out of memory. */
int sim_hosts_set(struct sim_hosts *h, const char *host, const struct sim_mode *m);
/* Removes the override of `host` (the host follows the default again). */
void sim_hosts_clear(struct sim_hosts *h, const char *host);
/* Reads one host's state; returns false when the table does not know the host
 * (*st is then filled with the default and no requests). */
bool sim_hosts_get(struct sim_hosts *h, const char *host, struct sim_host_state *st);

/* The default mode for hosts without override: set it, read it, or restore
 * the one the table was created with (or the profile's `*` line). */
void sim_hosts_set_default(struct sim_hosts *h, const struct sim_mode *m);
void sim_hosts_get_default(struct sim_hosts *h, struct sim_mode *m);
void sim_hosts_reset_default(struct sim_hosts *h);
/* Makes the current default the one sim_hosts_reset_default() restores. */
void sim_hosts_commit_default(struct sim_hosts *h);

/*
 * Renders the table as JSON into out:
 *   {"default":{"mode":..,"arg":..},"hosts":{NAME:{"mode":..,"arg":..,
 *    "override":B,"requests":N,"in_flight":N,"peak":N},...},"untracked_requests":N}
 * Hosts are listed in sorted order.  Returns 0, or -1 on out of memory.
 */
int sim_hosts_render(struct sim_hosts *h, struct buf *out);

/*
 * Reads a profile file (lines "HOST MODE [ARG]", '#' comments, blank lines;
 * HOST "*" sets the default) into the table.  Every problem is appended to
 * errs as one line "file:line: message".  Returns the number of problems
 * (0 on success).
 */
int sim_profile_load(struct sim_hosts *h, const char *path, struct buf *errs);

/* ---- delay queue ------------------------------------------------------------- */

enum sim_wake {
	SIM_WAKE_NONE = 0,	/* still parked */
	SIM_WAKE_DUE,		/* the deadline passed */
	SIM_WAKE_ABORT		/* the simulator is stopping */
};

/* One parked request; embedded in the caller's request state. */
struct sim_wait {
	struct MHD_Connection *conn;
	uint64_t deadline_ns;	/* CLOCK_MONOTONIC */
	enum sim_wake wake;	/* written under the queue's lock */
};

struct sim_delay;

/* Starts the timer thread.  Returns NULL (err filled) on failure. */
struct sim_delay *sim_delay_new(char *err, size_t errsz);
/*
 * Suspends `conn` (which must be inside its access handler) and resumes it
 * once `ms` milliseconds have passed or the queue stops.  Returns 0 when
 * parked; -1 when the queue is stopping or out of memory (nothing suspended).
 * `w` must stay valid until the connection has been resumed.
 */
int sim_delay_park(struct sim_delay *d, struct MHD_Connection *conn,
		   struct sim_wait *w, unsigned ms);
/* How a parked wait ended (read after the handler runs again). */
enum sim_wake sim_delay_outcome(struct sim_delay *d, const struct sim_wait *w);
/*
 * Refuses new waits, resumes every parked connection with SIM_WAKE_ABORT
 * and joins the timer thread.  Call before MHD_stop_daemon().
 */
void sim_delay_stop(struct sim_delay *d);
void sim_delay_free(struct sim_delay *d);	/* NULL-safe; stops first if needed */

/* ---- server -------------------------------------------------------------------- */

struct sockaddr;

struct sim_server_opts {
	const struct sockaddr *addr;	/* loopback address to listen on (borrowed) */
	unsigned addrlen;		/* size of *addr */
	uint64_t seed;			/* for flaky outcomes and usage figures */
	unsigned max_connections;	/* concurrent connections accepted */
	struct sim_hosts *hosts;	/* borrowed; must outlive the server */
	const char *tls_cert_pem;	/* PEM certificate (chain) for HTTPS, or NULL for HTTP */
	const char *tls_key_pem;	/* its PEM private key; both borrowed until start returns */
	const char *tls_client_ca_pem;	/* PEM CA: a request without a client certificate
					   of it is answered 403; NULL: none asked for */
	bool tls12_max;			/* offer TLS 1.2 at most */
};

struct sim_server;

/*
 * Opens the socket and starts serving (libmicrohttpd's own threads).
 * Returns NULL with a message in err on failure.
 */
struct sim_server *sim_server_start(const struct sim_server_opts *o,
				    char *err, size_t errsz);
/* The port actually bound (useful with port 0). */
unsigned sim_server_port(const struct sim_server *s);
/* Releases parked connections, stops the daemon, frees everything.  NULL-safe. */
void sim_server_stop(struct sim_server *s);

/* ---- tcp line service (tcp.c) ------------------------------------------------ */

struct sim_tcp;

/*
 * Listens on addr for tcp:// probes: a banner "220 ozgmon-sim ESMTP Dienst
 * bereit", "250 LINE" for each line, "221 Tschüss" and a close for QUIT.
 * NULL with a reason in err.
 */
struct sim_tcp *sim_tcp_start(const struct sockaddr *addr, unsigned addrlen, char *err,
			      size_t errsz);
unsigned sim_tcp_port(const struct sim_tcp *t);
void sim_tcp_stop(struct sim_tcp *t);	/* NULL-safe */

/* ---- hashing ------------------------------------------------------------------- */

/* A stable 64-bit hash of (seed, s, salt): FNV-1a then a splitmix64 finaliser. */
uint64_t sim_hash(uint64_t seed, const char *s, uint64_t salt);

#endif
