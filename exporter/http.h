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
 *   GET  /             the status page (dashboards/status_page.h)
 *   GET  /<file>       a generated dashboards file (docs/dashboards.md)
 *
 * GET and HEAD only elsewhere (405 with Allow), 404 for unknown paths.
 * The raw request path is canonicalised before routing: encoded slashes,
 * dot segments (plain or percent-encoded), NUL and control bytes, bad
 * percent-escapes and over-long URIs are refused with 400 (414 for length),
 * empty segments ("//") find nothing (404).  Connections (in total and per
 * client address), request memory (headers and URI) and idle time are
 * bounded; a client that stalls longer than the idle timeout is dropped.
 * Handlers render from a snapshot reference (state.h) and hold no lock while
 * rendering.  With a web config (webcfg.h): TLS and basic auth.
 */
#ifndef OZG_HTTP_H
#define OZG_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/state.h"
#include "exporter/webcfg.h"
#include "dashboards/task.h"
#include "rollout/incidents.h"
#include "rollout/task.h"
#include "store/store.h"

#define HTTP_URI_MAX 2048u		/* longer request targets: 414 */
#define HTTP_CONN_LIMIT 512u		/* connections in total */
#define HTTP_PER_IP_LIMIT 32u		/* connections per client address */
#define HTTP_CONN_TIMEOUT_S 10u		/* idle time before a connection is dropped */
#define HTTP_CONN_MEMORY (32u * 1024u)	/* request line + headers per connection */
#define HTTP_BODY_MAX 4096u		/* request bodies (POST /-/reload): larger: 413 */
#define HTTP_BODY_DRAIN_MAX (1024u * 1024u)	/* larger bodies: connection closed */

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
/* Starts serving on `listen`; deps is copied.  NULL with a reason in err. */
struct http_server *http_start(const char *listen, const struct http_deps *deps, char *err,
			       size_t errsz);
void http_stop(struct http_server *h);	/* NULL-safe; waits for running handlers */

#endif
