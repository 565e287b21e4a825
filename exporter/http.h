/*
 * http.h - the HTTP surface of ozgmond (libmicrohttpd).
 *
 *   GET /metrics    Prometheus text format 0.0.4
 *   GET /-/healthy  200 while the process runs
 *   GET /           the live status page (dashboards/status_page.h)
 *   GET /<file>     a generated dashboards file (docs/dashboards.md); until
 *                   the first generation /index.html is the live status page

 *
 * GET and HEAD only (405 with Allow otherwise), 404 for unknown paths.
 * Handlers render from a snapshot reference (state.h) and hold no lock while
 * rendering.  Connections, header memory and idle time are bounded.
 */
#ifndef OZG_HTTP_H
#define OZG_HTTP_H

#include <stddef.h>

#include "collector/state.h"
#include "dashboards/task.h"
#include "rollout/incidents.h"
#include "rollout/task.h"
#include "store/store.h"

struct http_deps {
	struct state_pub *pub;		/* borrowed */
	struct store *store;		/* borrowed; may be NULL */
	struct rollout_task *rollout;	/* borrowed; may be NULL */
	struct incidents *incidents;	/* borrowed; may be NULL */
	const char *language;		/* "de" or "en"; borrowed */
	double start_time_s;
	const char *dashboards_dir;	/* generated pages (dashboards/site.h); borrowed; NULL: none */
	struct dash_task *dashboards;	/* their generator, for its self-metrics; borrowed; may be NULL */
};

struct http_server;

/*
 * Parses "host:port" or "[v6addr]:port" into a socket address.  Returns 0 or
 * -1 with a reason in err.
 */
int http_parse_listen(const char *listen, void *sa_out, size_t sa_size, unsigned *sa_len,
		      char *err, size_t errsz);
/* Starts serving on `listen`; deps is copied.  NULL with a reason in err. */
struct http_server *http_start(const char *listen, const struct http_deps *deps, char *err,
			       size_t errsz);
void http_stop(struct http_server *h);	/* NULL-safe; waits for running handlers */

#endif
