/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * http.h - the HTTP surface of ozgmond (libmicrohttpd).
 *
 *   GET  /metrics      Prometheus text 0.0.4, or OpenMetrics 1.0.0 when the
 *                      Accept header ranks it first; gzip when accepted
 *   GET  /-/healthy    200 while the process runs
 *   GET  /-/ready      200 once a configuration is loaded and every target was
 *                      probed once, 503 before
 *   POST /-/reload     reloads the configuration (deps.reload); 200 or 500
 *   GET  /api/v1/...   JSON and CSV (exporter/api.h, docs/api.md)
 *   GET  /             the status page (http_deps.status_page)
 *   GET  /<file>       a generated dashboards file (docs/dashboards.md)
 *
 * GET and HEAD only elsewhere (405 with Allow), 404 for unknown paths.
 * The raw request path is canonicalised before routing: encoded slashes,
 * dot segments (plain or percent-encoded), NUL and control bytes, bad
 * percent-escapes and over-long URIs are refused with 400 (414 for length),
 * empty segments ("//") find nothing (404).  Connections (in total and per
 * client address), request memory (headers and URI) and idle time are
 * bounded; a client that stalls longer than the idle timeout is dropped,
 * one that sends its headers too slowly is cut (HTTP_FIRST_HEADER_DEADLINE_S).
 * With ozgmon.scrape_listen in the web config a second listener with
 * connection slots and a thread of its own serves /metrics, /-/healthy and
 * /-/ready only.  Password checks run on a bcrypt thread of their own
 * behind a short queue; a check that passed is remembered (webcfg.h).
 * Handlers render from a snapshot reference (state.h) and hold no lock while
 * rendering.  With a web config (webcfg.h): TLS and basic auth.
 */
#ifndef OZG_HTTP_H
#define OZG_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "model/dash_stats.h"
#include "model/state.h"
#include "exporter/webcfg.h"
#include "rollout/incidents.h"
#include "rollout/task.h"
#include "store/store.h"

#define HTTP_URI_MAX 2048u		/* longer request targets: 414 */
#define HTTP_CONN_LIMIT 512u		/* connections in total */
#define HTTP_PER_IP_LIMIT 32u		/* connections per client address */
#define HTTP_CONN_TIMEOUT_S 10u		/* idle time before a connection is dropped */
#define HTTP_HEADER_DEADLINE_S 10u	/* request line and headers on a connection that has
					   authenticated (basic auth or a verified client
					   certificate), however slowly sent */
#define HTTP_FIRST_HEADER_DEADLINE_S 3u	/* the same on any other connection */
#define HTTP_SCRAPE_CONN_LIMIT 64u	/* connections on the scrape listener */
#define HTTP_BCRYPT_QUEUE 4u		/* password checks waiting for bcrypt; more: 429 */
#define HTTP_CONN_MEMORY (32u * 1024u)	/* request line + headers per connection */
#define HTTP_BODY_MAX 4096u		/* request bodies (POST /-/reload): larger: 413 */
#define HTTP_BODY_DRAIN_MAX (1024u * 1024u)	/* larger bodies: connection closed */

/* Why a connection or request was refused (ozgmon_http_refused_total{reason}). */
enum http_refused {
	HTTP_REFUSED_TOTAL = 0,		/* the connection limit */
	HTTP_REFUSED_PER_ADDRESS,	/* the per-address limit */
	HTTP_REFUSED_CLIENT_CERT,	/* no or an unverified client certificate */
	HTTP_REFUSED_AUTH_BUSY,		/* the password check queue was full: 429 */
	HTTP_REFUSED_COUNT
};
extern const char *const http_refused_names[HTTP_REFUSED_COUNT];

/* What the server needs from the daemon; every callback may be NULL. */
struct http_deps {
	struct state_pub *pub;		/* borrowed */
	const char *data_dir;		/* borrowed; RRD files under data_dir/rrd/ (history API) */
	double start_time_s;
	const struct webcfg *web;	/* borrowed; NULL: plain HTTP, no auth */
	void *ctx;			/* passed to the callbacks */
	/* Fills the store's counters; false when there is no store. */
	bool (*store_stats)(void *ctx, struct store_stats *out);
	/* Whether the last (re)load succeeded and when one last did (epoch s). */
	void (*reload_status)(void *ctx, bool *ok, double *success_s);
	/* Reloads the configuration; 0, or -1 with a reason in err.  NULL: 405. */
	int (*reload)(void *ctx, char *err, size_t errsz);
	/* The latest rollout figures with a new reference (release it), or NULL. */
	struct rollout_ref *(*rollout)(void *ctx);
	/* Fills a copy of the incident figures (incidents_view_free it); false when none. */
	bool (*incidents)(void *ctx, struct incidents_view *out);
	const char *dashboards_dir;	/* generated pages (dashboards/site.h); borrowed; NULL: none */
	/* The dashboards generator's self-metrics; false when it does not run. */
	bool (*dash_stats)(void *ctx, struct dash_stats *out);
	/*
	 * Renders the live status page of snapshot s (NULL: nothing probed yet)
	 * in lang into b; the daemon passes the dashboards' renderer.  NULL: "/"
	 * answers 404.
	 */
	void (*status_page)(struct buf *b, const struct snapshot *s, const char *lang);
	/*
	 * A listening socket from http_listen() to serve on (listen_fd_set):
	 * opened before the daemon drops its privileges.  http_start() takes
	 * it over (when libmicrohttpd refuses to start, the socket is left to
	 * the process's exit).  Unset: http_start binds.
	 */
	int listen_fd;
	bool listen_fd_set;
};

struct http_server;

/*
 * Parses "host:port" or "[v6addr]:port" into a socket address.  Returns 0 or
 * -1 with a reason in err.
 */
int http_parse_listen(const char *listen, void *sa_out, size_t sa_size, unsigned *sa_len,
		      char *err, size_t errsz);
/*
 * Canonicalises the path part of a raw request target (up to '?') into out.
 * Returns 0, or the HTTP status to refuse it with (400, 404 or 414).
 */
int http_canon_path(const char *raw, char *out, size_t outsz);
/* What a canonical path (http_canon_path) names; pure, for tests and fuzzing. */
enum http_route {
	HTTP_ROUTE_RELOAD = 0,	/* POST /-/reload */
	HTTP_ROUTE_HEALTHY,
	HTTP_ROUTE_READY,
	HTTP_ROUTE_METRICS,
	HTTP_ROUTE_API,		/* /api/v1/<rest> */
	HTTP_ROUTE_STATUS_PAGE,	/* "/" */
	HTTP_ROUTE_FILE,	/* a dashboards file if http_file_path takes it, else 404
				   ("/index.html": the status page until it is generated) */
};
enum http_route http_route(const char *path);
/*
 * The file under dir that a canonical path names: only [A-Za-z0-9._/-], no
 * empty or dot-leading segment, at most 200 bytes, ending in .html, .css,
 * .js, .svg or .atom.  Writes "dir/rel" into path and the content type into *type
 * and returns true; false (and *type NULL) when the name is not servable.
 * Never touches the file system.
 */
bool http_file_path(const char *dir, const char *url, char *path, size_t pathsz,
		    const char **type);
/*
 * Opens a listening TCP socket on `listen` ("host:port", see
 * http_parse_listen) for http_deps.listen_fd.  Returns it, or -1 with a
 * reason in err.
 */
int http_listen(const char *listen, char *err, size_t errsz);
/* Starts serving on `listen`; deps is copied.  NULL with a reason in err. */
struct http_server *http_start(const char *listen, const struct http_deps *deps, char *err,
			       size_t errsz);
void http_stop(struct http_server *h);	/* NULL-safe; waits for running handlers */

#endif
