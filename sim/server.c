/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * server.c - the simulator's HTTP side (libmicrohttpd).
 *
 * libmicrohttpd runs a small pool of internal threads with epoll; no thread
 * ever sleeps for a host: slow and hanging requests are suspended and parked
 * in the delay queue (delay.c).  Each request gets a `struct sim_req`,
 * created on the handler's first call (headers complete), freed by the
 * completion callback.
 *
 * Routing:
 *   /_sim/...   the control endpoint, whatever the Host header says
 *   otherwise   the portal named by the Host header, in that host's mode
 */
#include "sim/sim.h"

#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <zlib.h>

#include "common/log.h"

#ifndef OZGMON_VERSION
#define OZGMON_VERSION "0.0.0"
#endif

#define SIM_SERVER_NAME		"ozgmon-sim/" OZGMON_VERSION
#define SIM_POOL_THREADS	4u
#define SIM_CONN_TIMEOUT_S	60u		/* idle connections are closed after this */
#define SIM_CONN_MEMORY		(16u * 1024u)	/* per connection: caps request headers */
#define SIM_BODY_MAX		(64u * 1024u)	/* request bodies are read and ignored up to this */
#define SIM_PAGE_MAX		(64u * 1024u)	/* rendered responses */
#define SIM_PATH_SHOWN		160u		/* bytes of the path echoed in a page */
#define SIM_LISTEN_BACKLOG	1024
#define SIM_CONTROL_PREFIX	"/_sim/"
#define SIM_ECHO_BODY		256u		/* request body bytes /echo shows */

struct sim_server {
	struct MHD_Daemon *mhd;
	struct sim_delay *delay;
	struct sim_hosts *hosts;	/* borrowed */
	uint64_t seed;
	uint64_t start_ns;		/* CLOCK_MONOTONIC at start, for usage figures */
	bool tls;			/* the listener speaks TLS */
	bool client_cert;		/* requests need a verified client certificate */
};

enum sim_req_kind { SIM_REQ_PORTAL, SIM_REQ_CONTROL, SIM_REQ_BAD_HOST };

struct sim_req {
	enum sim_req_kind kind;
	bool parked;			/* suspended once in the delay queue */
	bool flaky_fail;		/* decided when the request arrived */
	bool left;			/* sim_hosts_leave() done: the answer is queued */
	struct sim_mode mode;		/* the host's mode when the request arrived */
	uint64_t nreq;			/* the request's number at its host */
	size_t body;			/* request body bytes seen */
	char body_head[SIM_ECHO_BODY + 1];	/* the first bytes of the request body, for /echo */
	struct sim_wait wait;
	char host[SIM_HOST_MAX + 1];
};

static uint64_t sim_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ========================================================================
 * Responses
 * ===================================================================== */

/*
 * Queues a response with `body` (copied) and the usual headers; `allow` adds
 * an Allow header (405).  Returns what MHD_queue_response returns.
 */
static enum MHD_Result sim_reply(struct MHD_Connection *c, unsigned status,
				 const char *ctype, struct buf *body, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (body->overflow)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(body->len, body->data, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) != MHD_YES ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_SERVER, SIM_SERVER_NAME) != MHD_YES ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
	    (allow && MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Replies with a JSON value (stolen: this function releases it). */
static enum MHD_Result sim_reply_json(struct MHD_Connection *c, unsigned status,
				      json_t *v, const char *allow)
{
	struct buf b;
	char *text;
	enum MHD_Result ret;

	if (!v)
		return MHD_NO;
	text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(v);
	if (!text)
		return MHD_NO;
	buf_init(&b, SIM_PAGE_MAX);
	buf_puts(&b, text);
	buf_puts(&b, "\n");
	free(text);
	ret = sim_reply(c, status, "application/json", &b, allow);
	buf_free(&b);
	return ret;
}

static enum MHD_Result sim_reply_json_error(struct MHD_Connection *c, unsigned status,
					    const char *msg, const char *allow)
{
	return sim_reply_json(c, status, json_pack("{s:s}", "error", msg), allow);
}

/* Appends s with HTML special characters escaped; only printable ASCII is kept. */
static void sim_html_escape(struct buf *b, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] && i < max; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default:
			if (ch < 0x20 || ch >= 0x7f)
				buf_puts(b, "?");
			else
				buf_append(b, &s[i], 1);
		}
	}
	if (s[i])
		buf_puts(b, "&hellip;");
}

static enum MHD_Result sim_reply_status_page(struct MHD_Connection *c, unsigned status,
					     const char *text, const char *allow)
{
	struct buf b;
	enum MHD_Result ret;
	const char *reason = MHD_get_reason_phrase_for(status);

	buf_init(&b, SIM_PAGE_MAX);
	if (status != 204 && status != 304)
		buf_printf(&b,
			   "<!DOCTYPE html>\n<html lang=\"de\">\n<head><meta charset=\"utf-8\">"
			   "<title>%u %s</title></head>\n<body>\n<h1>%u %s</h1>\n<p>%s</p>\n"
			   "</body>\n</html>\n", status, reason, status, reason, text);
	ret = sim_reply(c, status, "text/html; charset=utf-8", &b, allow);
	buf_free(&b);
	return ret;
}

/* ========================================================================
 * Portal content
 * ===================================================================== */

static bool sim_method_is(const char *method, const char *want)
{
	return strcmp(method, want) == 0;
}

static enum MHD_Result sim_portal_page(struct MHD_Connection *c, const struct sim_req *r,
				       const char *url)
{
	struct buf b;
	enum MHD_Result ret;
	const char *topic = url[0] == '/' && url[1] ? url + 1 : "Startseite";

	buf_init(&b, SIM_PAGE_MAX);
	buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	sim_html_escape(&b, r->host, SIM_HOST_MAX);
	sim_html_escape(&b, url, SIM_PATH_SHOWN);
	buf_puts(&b, " &ndash; Online-Dienst</title>\n</head>\n<body>\n<header><p>Bürgerservice ");
	sim_html_escape(&b, r->host, SIM_HOST_MAX);
	buf_puts(&b, "</p></header>\n<main>\n<h1>Online-Dienst: ");
	sim_html_escape(&b, topic, SIM_PATH_SHOWN);
	buf_puts(&b, "</h1>\n"
		     "<p>Mit diesem Online-Dienst stellen Sie Ihren Antrag bequem von zu Hause aus, "
		     "rund um die Uhr. Halten Sie Ihre Unterlagen bereit; Nachweise können Sie "
		     "hochladen.</p>\n<form method=\"get\" action=\"");
	sim_html_escape(&b, url, SIM_PATH_SHOWN);
	buf_puts(&b, "\">\n<button type=\"submit\">Antrag starten</button>\n</form>\n</main>\n"
		     "<footer><p>Impressum &middot; Datenschutz &middot; Barrierefreiheit</p></footer>\n"
		     "</body>\n</html>\n");
	ret = sim_reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", &b, NULL);
	buf_free(&b);
	return ret;
}

/*
 * Usage counters of a portal: deterministic per (seed, host), growing with the
 * time since the simulator started.
 *   submitted = base + floor(elapsed_ms * per_hour / 3600000)
 *   started   = submitted + submitted * abandon_pct / 100   (>= submitted)
 */
static enum MHD_Result sim_portal_stats(struct sim_server *s, struct MHD_Connection *c,
					const struct sim_req *r)
{
	uint64_t h = sim_hash(s->seed, r->host, 0x7374617473ULL);	/* "stats" */
	uint64_t base = 500 + h % 20000;
	uint64_t per_hour = 60 + (h >> 20) % 1740;	/* 60..1799 submissions an hour */
	uint64_t abandon_pct = 5 + (h >> 40) % 36;	/* 5..40 % started but not sent */
	uint64_t elapsed_ms = (sim_mono_ns() - s->start_ns) / 1000000ULL;
	uint64_t submitted = base + elapsed_ms * per_hour / 3600000ULL;
	uint64_t started;
	char updated[32];
	time_t now = time(NULL);
	struct tm tm;

	/* Counters that go back to where they started every third request. */
	if (r->mode.kind == SIM_MODE_STATS_RESET)
		submitted = 100 * (1 + (r->nreq - 1) % 3);
	started = submitted + submitted * abandon_pct / 100;

	gmtime_r(&now, &tm);
	strftime(updated, sizeof updated, "%Y-%m-%dT%H:%M:%SZ", &tm);
	/*
	 * The submissions split over three services, each a counter of its own
	 * that never falls while submitted grows: wohnsitz the upper half,
	 * hund a third of the lower half, kfz the rest of it.  The status
	 * follows the mode.
	 */
	return sim_reply_json(c, MHD_HTTP_OK,
			      json_pack("{s:s, s:I, s:I, s:s, s:s, s:{s:I, s:I, s:I}}",
					"host", r->host,
					"applications_started", (json_int_t)started,
					"applications_submitted", (json_int_t)submitted,
					"updated", updated,
					"status", r->mode.kind == SIM_MODE_SLOW ? "degraded" : "ok",
					"by_service",
					"wohnsitz", (json_int_t)(submitted - submitted / 2),
					"kfz", (json_int_t)(submitted / 2 - submitted / 2 / 3),
					"hund", (json_int_t)(submitted / 2 / 3)),
			      NULL);
}

/*
 * /echo on any portal host: 200 text/plain "Methode: M, Body: B" for every
 * method, B the first SIM_ECHO_BODY bytes of the request body (bytes outside
 * printable ASCII shown as '?').
 */
static enum MHD_Result sim_portal_echo(struct MHD_Connection *c, const struct sim_req *r,
				       const char *method)
{
	struct buf b;
	enum MHD_Result ret;
	char m[16], body[SIM_ECHO_BODY + 1];
	size_t i;

	for (i = 0; method[i] && i < sizeof m - 1; i++)
		m[i] = method[i] >= 0x21 && method[i] <= 0x7e ? method[i] : '?';
	m[i] = '\0';
	for (i = 0; r->body_head[i] && i < SIM_ECHO_BODY && i < r->body; i++)
		body[i] = r->body_head[i] >= 0x20 && r->body_head[i] <= 0x7e ? r->body_head[i] : '?';
	body[i] = '\0';
	buf_init(&b, 1024);
	buf_printf(&b, "Methode: %s, Body: %s\n", m, body);
	ret = sim_reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", &b, NULL);
	buf_free(&b);
	return ret;
}

/*
 * /vorgang: 200 text/plain, a receipt with a file number and a status in
 * capitals, for probes' regular expressions ("\\d", "(?i)").  /backtrack:
 * 200 text/plain, 4096 'a' and a '!', a body on which a pattern such as
 * "^(a+)+$" backtracks for ever without a match limit.
 */
static enum MHD_Result sim_portal_text(struct MHD_Connection *c, const char *url)
{
	struct buf b;
	enum MHD_Result ret;

	buf_init(&b, 4200);
	if (strcmp(url, "/vorgang") == 0) {
		buf_puts(&b, "Ihr Vorgang: AZ 2026/04711\nSTATUS: EINGEGANGEN\n");
	} else {
		for (int i = 0; i < 4096; i++)
			buf_append(&b, "a", 1);
		buf_puts(&b, "!");
	}
	ret = sim_reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", &b, NULL);
	buf_free(&b);
	return ret;
}

static enum MHD_Result sim_portal_content(struct sim_server *s, struct MHD_Connection *c,
					  const struct sim_req *r, const char *url,
					  const char *method)
{
	if (strcmp(url, "/echo") == 0)
		return sim_portal_echo(c, r, method);
	if (!sim_method_is(method, MHD_HTTP_METHOD_GET) && !sim_method_is(method, MHD_HTTP_METHOD_HEAD))
		return sim_reply_status_page(c, MHD_HTTP_METHOD_NOT_ALLOWED,
					     "Diese Methode wird hier nicht unterstützt.", "GET, HEAD");
	if (strcmp(url, "/api/stats.json") == 0)
		return sim_portal_stats(s, c, r);
	if (strcmp(url, "/vorgang") == 0 || strcmp(url, "/backtrack") == 0)
		return sim_portal_text(c, url);
	return sim_portal_page(c, r, url);
}

/* ========================================================================
 * Faults
 * ===================================================================== */

/* Resets the connection: SO_LINGER 0 makes the close send RST. */
static void sim_reset_conn(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct linger lg = { 1, 0 };

	if (ci)
		(void)setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

/*
 * Queues resp (released here) as a 200 portal page: HTML, with
 * Content-Encoding `encoding` when not NULL.  Returns what
 * MHD_queue_response returns.
 */
static enum MHD_Result sim_queue_page(struct MHD_Connection *c, struct MHD_Response *resp,
				      const char *encoding)
{
	enum MHD_Result ret;

	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	if (encoding)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, encoding);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_SERVER, SIM_SERVER_NAME);
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * A portal page of `total` bytes that `read` produces in blocks of `block`;
 * cls (malloc'd, may be NULL: out of memory) is freed with the response.
 */
static enum MHD_Result sim_reply_callback(struct MHD_Connection *c, uint64_t total, size_t block,
					  MHD_ContentReaderCallback read, void *cls)
{
	struct MHD_Response *resp;

	if (!cls)
		return MHD_NO;
	resp = MHD_create_response_from_callback(total, block, read, cls, free);
	if (!resp) {
		free(cls);
		return MHD_NO;
	}
	return sim_queue_page(c, resp, NULL);
}

/* A body of `total` bytes of page text, produced in pieces; `cut` ends it early. */
struct sim_stream {
	uint64_t total;		/* bytes announced */
	uint64_t cut;		/* stop with an error after this many (UINT64_MAX: never) */
};

static ssize_t sim_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	static const char text[] =
		"<p>Mit diesem Online-Dienst stellen Sie Ihren Antrag bequem von zu Hause aus.</p>\n";
	const struct sim_stream *st = cls;
	uint64_t end = st->total < st->cut ? st->total : st->cut;
	size_t n = 0;

	if (pos >= end)
		return pos >= st->total ? MHD_CONTENT_READER_END_OF_STREAM
					: MHD_CONTENT_READER_END_WITH_ERROR;
	while (n < max && pos + n < end) {
		buf[n] = text[(pos + n) % (sizeof text - 1)];
		n++;
	}
	return (ssize_t)n;
}

static enum MHD_Result sim_reply_stream(struct MHD_Connection *c, uint64_t total, uint64_t cut)
{
	struct sim_stream *st = malloc(sizeof *st);

	if (st) {
		st->total = total;
		st->cut = cut;
	}
	return sim_reply_callback(c, total, 32 * 1024, sim_stream_read, st);
}

/*
 * The gzip bomb: `mib` MiB of zeros, compressed once per size and kept
 * (a list under the lock) until the last server stops, so a response still
 * sending one never sees it freed.
 */
struct sim_bomb {
	unsigned mib;
	unsigned char *data;
	size_t len;
	struct sim_bomb *prev;	/* older bombs, freed at stop */
};

static pthread_mutex_t sim_bomb_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sim_bomb *sim_bombs;
static unsigned sim_servers_alive;	/* the bombs are freed when the last server stops */

static struct sim_bomb *sim_bomb_get(unsigned mib)
{
	struct sim_bomb *b;
	z_stream z;
	static const unsigned char zeros[64 * 1024];
	uint64_t left = (uint64_t)mib << 20;
	size_t cap;

	pthread_mutex_lock(&sim_bomb_lock);
	for (b = sim_bombs; b; b = b->prev)
		if (b->mib == mib)
			goto out;
	b = calloc(1, sizeof *b);
	cap = (size_t)(left / 500) + 4096;	/* zeros deflate about 1000:1 */
	if (!b || !(b->data = malloc(cap)))
		goto fail;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		goto fail;
	z.next_out = b->data;
	z.avail_out = (uInt)cap;
	while (left > 0 && z.avail_out > 0) {
		size_t n = left < sizeof zeros ? (size_t)left : sizeof zeros;
		z.next_in = (unsigned char *)(uintptr_t)zeros;
		z.avail_in = (uInt)n;
		if (deflate(&z, Z_NO_FLUSH) != Z_OK)
			break;
		left -= n - z.avail_in;
	}
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		goto fail;
	}
	b->len = cap - z.avail_out;
	deflateEnd(&z);
	b->mib = mib;
	b->prev = sim_bombs;
	sim_bombs = b;
	goto out;
fail:
	if (b)
		free(b->data);
	free(b);
	b = NULL;
out:
	pthread_mutex_unlock(&sim_bomb_lock);
	return b;
}

/* One server stopped; the last one frees the bombs. */
static void sim_bombs_release(void)
{
	pthread_mutex_lock(&sim_bomb_lock);
	if (sim_servers_alive > 0)
		sim_servers_alive--;
	while (sim_servers_alive == 0 && sim_bombs) {
		struct sim_bomb *b = sim_bombs;
		sim_bombs = b->prev;
		free(b->data);
		free(b);
	}
	pthread_mutex_unlock(&sim_bomb_lock);
}

static enum MHD_Result sim_reply_bomb(struct MHD_Connection *c, unsigned mib)
{
	struct sim_bomb *b = sim_bomb_get(mib);
	struct MHD_Response *resp;

	if (!b)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(b->len, b->data, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	return sim_queue_page(c, resp, "gzip");
}

/*
 * Mode drip: `total` body bytes, one a second.  After each byte the reader
 * suspends its connection in the delay queue for a second and returns no
 * data; libmicrohttpd calls it again at the same position once resumed.  The
 * state lives as long as the response (freed by libmicrohttpd).
 */
struct sim_drip {
	struct sim_delay *delay;	/* borrowed: the server's */
	struct MHD_Connection *conn;
	uint64_t total;
	uint64_t waited_for;		/* the position whose second has passed, +1 */
	bool parked;
	struct sim_wait wait;
};

static ssize_t sim_drip_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sim_drip *d = cls;

	if (pos >= d->total)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (max == 0)
		return 0;
	if (pos > 0 && d->waited_for != pos + 1) {
		if (d->parked) {
			d->parked = false;
			if (sim_delay_outcome(d->delay, &d->wait) == SIM_WAKE_ABORT)
				return MHD_CONTENT_READER_END_WITH_ERROR;
			d->waited_for = pos + 1;
		} else {
			if (sim_delay_park(d->delay, d->conn, &d->wait, 1000) < 0)
				return MHD_CONTENT_READER_END_WITH_ERROR;
			d->parked = true;
			return 0;
		}
	}
	buf[0] = "Antrag "[pos % 7];
	return 1;
}

static enum MHD_Result sim_reply_drip(struct sim_server *s, struct MHD_Connection *c,
				      unsigned bytes)
{
	struct sim_drip *d = calloc(1, sizeof *d);

	if (d) {
		d->delay = s->delay;
		d->conn = c;
		d->total = bytes;
	}
	return sim_reply_callback(c, bytes, 64, sim_drip_read, d);
}

/* 302 to `location`. */
static enum MHD_Result sim_reply_redirect(struct MHD_Connection *c, const char *location)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location) != MHD_YES) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_SERVER, SIM_SERVER_NAME);
	ret = MHD_queue_response(c, MHD_HTTP_FOUND, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Mode redirect N: any path -> /hop/N-1 -> ... -> /hop/0, which is the page. */
static enum MHD_Result sim_portal_redirect(struct sim_server *s, struct MHD_Connection *c,
					   const struct sim_req *r, const char *url,
					   const char *method)
{
	unsigned long k = r->mode.arg;
	char loc[32];

	if (strncmp(url, "/hop/", 5) == 0) {
		char *end;
		k = strtoul(url + 5, &end, 10);
		if (*end != '\0' || k > SIM_REDIRECT_MAX)
			return sim_reply_status_page(c, MHD_HTTP_NOT_FOUND, "Unbekannte Seite.", NULL);
		if (k == 0)
			return sim_portal_content(s, c, r, url, method);
	}
	snprintf(loc, sizeof loc, "/hop/%lu", k - 1);
	return sim_reply_redirect(c, loc);
}

/* Broken statistics documents. */
static enum MHD_Result sim_bad_stats(struct MHD_Connection *c, const struct sim_req *r)
{
	struct buf b;
	enum MHD_Result ret;

	buf_init(&b, 2u * SIM_NESTED_MAX + 16);
	switch (r->mode.kind) {
	case SIM_MODE_STATS_GARBAGE:
		buf_append(&b, "\x00\xff<html>Fehler</html>{]", 24);
		break;
	case SIM_MODE_STATS_TRUNCATED:
		buf_puts(&b, "{\"applications_submitted\": 1234, \"applications_started\": 15");
		break;
	case SIM_MODE_STATS_NEGATIVE:
		buf_puts(&b, "{\"applications_submitted\": -5, \"applications_started\": 15, "
			 "\"status\": \"ok\"}");
		break;
	default:
		for (unsigned i = 0; i < r->mode.arg; i++)
			buf_puts(&b, "[");
		for (unsigned i = 0; i < r->mode.arg; i++)
			buf_puts(&b, "]");
		break;
	}
	ret = sim_reply(c, MHD_HTTP_OK, "application/json", &b, NULL);
	buf_free(&b);
	return ret;
}

/*
 * Mode huge_header: writes a whole response with one header of `kib` KiB
 * straight to the socket (libmicrohttpd keeps headers in the connection's
 * small memory pool), for at most 5 s, then closes.  Plain HTTP only.
 */
static enum MHD_Result sim_huge_header(struct sim_server *s, struct MHD_Connection *c,
				       unsigned kib)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nServer: " SIM_SERVER_NAME
				   "\r\nContent-Type: text/html; charset=utf-8\r\nX-Filler: ";
	static const char tail[] = "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	size_t fill = (size_t)kib * 1024u, len = sizeof head - 1 + fill + sizeof tail - 1, off = 0;
	uint64_t deadline = sim_mono_ns() + 5000000000ULL;
	char *msg;

	if (s->tls || !ci)
		return sim_reply_status_page(c, MHD_HTTP_NOT_IMPLEMENTED,
					     "huge_header nur über HTTP.", NULL);
	msg = malloc(len);
	if (!msg)
		return MHD_NO;
	memcpy(msg, head, sizeof head - 1);
	memset(msg + sizeof head - 1, 'a', fill);
	memcpy(msg + sizeof head - 1 + fill, tail, sizeof tail - 1);
	while (off < len && sim_mono_ns() < deadline) {
		struct pollfd pfd = { .fd = ci->connect_fd, .events = POLLOUT };
		ssize_t n;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = send(ci->connect_fd, msg + off, len - off, MSG_NOSIGNAL);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			break;	/* the client gave up: that is what this mode is for */
	}
	free(msg);
	return MHD_NO;	/* libmicrohttpd closes the connection */
}

/* Parks the request for `ms`; false when it could not be parked. */
static bool sim_park(struct sim_server *s, struct MHD_Connection *c, struct sim_req *r,
		     unsigned ms)
{
	if (sim_delay_park(s->delay, c, &r->wait, ms) < 0)
		return false;
	r->parked = true;
	return true;
}

static enum MHD_Result sim_portal(struct sim_server *s, struct MHD_Connection *c,
				  struct sim_req *r, const char *url, const char *method)
{
	switch (r->mode.kind) {
	case SIM_MODE_DOWN:		/* handled on arrival; kept for completeness */
		return MHD_NO;
	case SIM_MODE_ERROR:
		return sim_reply_status_page(c, r->mode.arg,
					     "Der Dienst ist vorübergehend nicht verfügbar.", NULL);
	case SIM_MODE_HANG:
		if (!r->parked && sim_park(s, c, r, r->mode.arg))
			return MHD_YES;
		return MHD_NO;		/* the time is up (or stopping): close, no answer */
	case SIM_MODE_SLOW:
		if (!r->parked) {
			if (sim_park(s, c, r, r->mode.arg))
				return MHD_YES;
			log_warn("%s: cannot delay a request, answering at once", r->host);
		} else if (sim_delay_outcome(s->delay, &r->wait) == SIM_WAKE_ABORT) {
			return MHD_NO;
		}
		break;
	case SIM_MODE_FLAKY:
		if (r->flaky_fail)
			return sim_reply_status_page(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
						     "Ein interner Fehler ist aufgetreten.", NULL);
		break;
	case SIM_MODE_RESET:		/* handled on arrival; kept for completeness */
		return MHD_NO;
	case SIM_MODE_RESET_BODY:
		return sim_reply_stream(c, (uint64_t)r->mode.arg * 2 + 4096, r->mode.arg);
	case SIM_MODE_REDIRECT:
		return sim_portal_redirect(s, c, r, url, method);
	case SIM_MODE_REDIRECT_LOOP:
		return sim_reply_redirect(c, url);
	case SIM_MODE_HUGE:
		return sim_reply_stream(c, (uint64_t)r->mode.arg << 20, UINT64_MAX);
	case SIM_MODE_GZIP_BOMB:
		return sim_reply_bomb(c, r->mode.arg);
	case SIM_MODE_STATS_GARBAGE:
	case SIM_MODE_STATS_TRUNCATED:
	case SIM_MODE_STATS_NESTED:
	case SIM_MODE_STATS_NEGATIVE:
		if (strcmp(url, "/api/stats.json") == 0)
			return sim_bad_stats(c, r);
		break;
	case SIM_MODE_STATS_RESET:
		break;		/* sim_portal_stats */
	case SIM_MODE_HUGE_HEADER:
		return sim_huge_header(s, c, r->mode.arg);
	case SIM_MODE_REDIRECT_FILE:
		return sim_reply_redirect(c, "file:///etc/passwd");
	case SIM_MODE_AUTH:
		if (!MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION))
			return sim_reply_status_page(c, MHD_HTTP_UNAUTHORIZED,
						     "Bitte melden Sie sich an.", NULL);
		break;
	case SIM_MODE_DRIP:
		return sim_reply_drip(s, c, r->mode.arg);
	case SIM_MODE_OK:
		break;
	}
	return sim_portal_content(s, c, r, url, method);
}

/* ========================================================================
 * Control endpoint
 * ===================================================================== */

static json_t *sim_mode_json(const char *host, const struct sim_mode *m)
{
	json_t *v = json_pack("{s:s, s:s}", "host", host, "mode", sim_mode_name(m->kind));

	if (v && json_object_set_new(v, "arg", sim_mode_has_arg(m->kind)
				     ? json_integer(m->arg) : json_null()) < 0) {
		json_decref(v);
		return NULL;
	}
	return v;
}

static json_t *sim_host_json(struct sim_server *s, const char *host)
{
	struct sim_host_state st;
	json_t *v;

	if (strcmp(host, "*") == 0) {
		struct sim_mode m;
		sim_hosts_get_default(s->hosts, &m);
		return sim_mode_json(host, &m);
	}
	sim_hosts_get(s->hosts, host, &st);
	v = sim_mode_json(host, &st.mode);
	if (v && (json_object_set_new(v, "override", json_boolean(st.override)) < 0 ||
		  json_object_set_new(v, "requests", json_integer((json_int_t)st.requests)) < 0 ||
		  json_object_set_new(v, "in_flight", json_integer(st.in_flight)) < 0 ||
		  json_object_set_new(v, "peak", json_integer(st.peak)) < 0)) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* PUT/POST /_sim/hosts/HOST?mode=M&arg=N */
static enum MHD_Result sim_control_set(struct sim_server *s, struct MHD_Connection *c,
				       const char *host)
{
	const char *mode = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "mode");
	const char *arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "arg");
	struct sim_mode m;
	char err[160];

	if (!mode || !*mode)
		return sim_reply_json_error(c, MHD_HTTP_BAD_REQUEST,
					    "missing query parameter \"mode\"", NULL);
	if (sim_mode_parse(mode, arg, &m, err, sizeof err) < 0)
		return sim_reply_json_error(c, MHD_HTTP_BAD_REQUEST, err, NULL);
	if (strcmp(host, "*") == 0) {
		sim_hosts_set_default(s->hosts, &m);
	} else {
		int rc = sim_hosts_set(s->hosts, host, &m);
		if (rc == -1) {
			char msg[64];
			snprintf(msg, sizeof msg, "host table full (%u hosts)", SIM_HOSTS_MAX);
			return sim_reply_json_error(c, MHD_HTTP_INSUFFICIENT_STORAGE, msg, NULL);
		}
		if (rc < 0)
			return sim_reply_json_error(c, MHD_HTTP_INSUFFICIENT_STORAGE,
						    "out of memory", NULL);
	}
	if (sim_mode_has_arg(m.kind))
		log_info("control: %s -> %s %u", host, sim_mode_name(m.kind), m.arg);
	else
		log_info("control: %s -> %s", host, sim_mode_name(m.kind));
	return sim_reply_json(c, MHD_HTTP_OK, sim_host_json(s, host), NULL);
}

static enum MHD_Result sim_control(struct sim_server *s, struct MHD_Connection *c,
				   const char *url, const char *method)
{
	static const char allow_ro[] = "GET, HEAD";
	static const char allow_host[] = "GET, HEAD, PUT, POST, DELETE";
	const char *path = url + strlen(SIM_CONTROL_PREFIX);
	bool read = sim_method_is(method, MHD_HTTP_METHOD_GET) ||
		    sim_method_is(method, MHD_HTTP_METHOD_HEAD);
	char host[SIM_HOST_MAX + 1];

	if (strcmp(path, "health") == 0) {
		struct buf b;
		enum MHD_Result ret;

		if (!read)
			return sim_reply_json_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
						    "method not allowed", allow_ro);
		buf_init(&b, 16);
		buf_puts(&b, "ok\n");
		ret = sim_reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", &b, NULL);
		buf_free(&b);
		return ret;
	}
	if (strcmp(path, "hosts") == 0) {
		struct buf b;
		enum MHD_Result ret;

		if (!read)
			return sim_reply_json_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
						    "method not allowed", allow_ro);
		buf_init(&b, (size_t)SIM_HOSTS_MAX * (SIM_HOST_MAX + 96));
		if (sim_hosts_render(s->hosts, &b) < 0) {
			buf_free(&b);
			return sim_reply_json_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
						    "out of memory", NULL);
		}
		ret = sim_reply(c, MHD_HTTP_OK, "application/json", &b, NULL);
		buf_free(&b);
		return ret;
	}
	if (strncmp(path, "hosts/", 6) == 0) {
		const char *name = path + 6;

		if (strcmp(name, "*") == 0)
			strcpy(host, "*");
		else if (strchr(name, ':') || sim_host_normalize(name, host) < 0)
			return sim_reply_json_error(c, MHD_HTTP_BAD_REQUEST,
						    "not a host name", NULL);
		if (read)
			return sim_reply_json(c, MHD_HTTP_OK, sim_host_json(s, host), NULL);
		if (sim_method_is(method, MHD_HTTP_METHOD_PUT) ||
		    sim_method_is(method, MHD_HTTP_METHOD_POST))
			return sim_control_set(s, c, host);
		if (sim_method_is(method, MHD_HTTP_METHOD_DELETE)) {
			if (strcmp(host, "*") == 0)
				sim_hosts_reset_default(s->hosts);
			else
				sim_hosts_clear(s->hosts, host);
			log_info("control: %s -> default", host);
			return sim_reply_json(c, MHD_HTTP_OK, sim_host_json(s, host), NULL);
		}
		return sim_reply_json_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
					    "method not allowed", allow_host);
	}
	return sim_reply_json_error(c, MHD_HTTP_NOT_FOUND, "no such control path", NULL);
}

/* ========================================================================
 * libmicrohttpd callbacks
 * ===================================================================== */

/* Sets up the request state on the handler's first call.  Returns NULL for a
 * request that gets no answer at all (host down, or out of memory). */
static struct sim_req *sim_req_new(struct sim_server *s, struct MHD_Connection *c,
				   const char *url, const char *method)
{
	struct sim_req *r = calloc(1, sizeof *r);
	const char *host;

	if (!r)
		return NULL;
	if (strncmp(url, SIM_CONTROL_PREFIX, strlen(SIM_CONTROL_PREFIX)) == 0) {
		r->kind = SIM_REQ_CONTROL;
		return r;
	}
	host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	if (!host || sim_host_normalize(host, r->host) < 0) {
		r->kind = SIM_REQ_BAD_HOST;
		return r;
	}
	sim_hosts_hit(s->hosts, r->host, &r->mode, &r->nreq);
	if (r->mode.kind == SIM_MODE_DOWN || r->mode.kind == SIM_MODE_RESET) {
		log_debug("%s %s%s: %s, closing", method, r->host, url, sim_mode_name(r->mode.kind));
		if (r->mode.kind == SIM_MODE_RESET)
			sim_reset_conn(c);
		sim_hosts_leave(s->hosts, r->host);
		free(r);
		return NULL;
	}
	if (r->mode.kind == SIM_MODE_FLAKY)
		r->flaky_fail = sim_hash(s->seed, r->host, r->nreq) % 100 < r->mode.arg;
	return r;
}

/*
 * Whether the TLS client showed a certificate that verifies against the
 * listener's client CA.  gnutls_certificate_verify_peers2() of the GnuTLS
 * that libmicrohttpd uses is found at run time, so that the simulator needs
 * no GnuTLS headers: false when it is not there.
 */
typedef int (*sim_verify_fn)(void *session, unsigned *status);
static sim_verify_fn sim_verify;
static pthread_once_t sim_verify_once = PTHREAD_ONCE_INIT;

static void sim_verify_init(void)
{
	void *sym = dlsym(RTLD_DEFAULT, "gnutls_certificate_verify_peers2");

	if (sym)
		memcpy(&sim_verify, &sym, sizeof sim_verify);
}

static bool sim_client_verified(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	unsigned status = 1;

	pthread_once(&sim_verify_once, sim_verify_init);
	return sim_verify && ci && ci->tls_session && sim_verify(ci->tls_session, &status) == 0 &&
	       status == 0;
}

static enum MHD_Result sim_handle(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct sim_server *s = cls;
	struct sim_req *r = *req_cls;

	(void)version;
	if (!r) {
		r = sim_req_new(s, c, url, method);
		if (!r)
			return MHD_NO;
		*req_cls = r;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (r->body < SIM_ECHO_BODY) {
			size_t n = SIM_ECHO_BODY - r->body;
			if (n > *upload_data_size)
				n = *upload_data_size;
			memcpy(r->body_head + r->body, upload_data, n);
			r->body_head[r->body + n] = '\0';
		}
		r->body += *upload_data_size;
		*upload_data_size = 0;
		return r->body > SIM_BODY_MAX ? MHD_NO : MHD_YES;
	}
	if (s->client_cert && r->kind != SIM_REQ_CONTROL && !sim_client_verified(c))
		return sim_reply_status_page(c, MHD_HTTP_FORBIDDEN,
					     "Ein gültiges Client-Zertifikat ist erforderlich.", NULL);
	switch (r->kind) {
	case SIM_REQ_CONTROL:
		return sim_control(s, c, url, method);
	case SIM_REQ_BAD_HOST:
		return sim_reply_status_page(c, MHD_HTTP_BAD_REQUEST,
					     "Host-Kopfzeile fehlt oder ist ungültig.", NULL);
	case SIM_REQ_PORTAL:
		break;
	}
	if (!r->parked)
		log_debug("%s %s%s: %s #%llu", method, r->host, url, sim_mode_name(r->mode.kind),
			  (unsigned long long)r->nreq);
	{
		bool was_parked = r->parked;
		enum MHD_Result ret = sim_portal(s, c, r, url, method);
		/*
		 * The request stops counting as in flight once its answer is
		 * queued (or it is dropped), before the client can see the
		 * answer and send its next request: so a client that keeps to
		 * N requests at a time is never seen with N + 1.
		 */
		if (!(r->parked && !was_parked) && !r->left) {
			r->left = true;
			sim_hosts_leave(s->hosts, r->host);
		}
		return ret;
	}
}

static void sim_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			  enum MHD_RequestTerminationCode toe)
{
	struct sim_server *s = cls;
	struct sim_req *r = *req_cls;

	(void)c;
	(void)toe;
	if (r && r->kind == SIM_REQ_PORTAL && !r->left)
		sim_hosts_leave(s->hosts, r->host);
	free(*req_cls);
	*req_cls = NULL;
}

__attribute__((format(printf, 2, 0)))
static void sim_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	/* Returning MHD_NO is how down and hang hosts close their connections;
	 * libmicrohttpd reports each such close, which is expected here. */
	if (strstr(msg, "Application reported internal error"))
		log_debug("libmicrohttpd: %s", msg);
	else
		log_warn("libmicrohttpd: %s", msg);
}

/* ========================================================================
 * Start and stop
 * ===================================================================== */

/* Opens the listening socket; -1 with a message in err on failure.  Done
 * here rather than by libmicrohttpd so the error can name its cause. */
static int sim_listen_socket(const struct sim_server_opts *o, char *err, size_t errsz)
{
	int one = 1;
	int fd = socket(o->addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    (o->addr->sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)) {
		snprintf(err, errsz, "setsockopt: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, o->addr, (socklen_t)o->addrlen) != 0) {
		snprintf(err, errsz, "cannot bind: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, SIM_LISTEN_BACKLOG) != 0) {
		snprintf(err, errsz, "cannot listen: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct sim_server *sim_server_start(const struct sim_server_opts *o, char *err, size_t errsz)
{
	struct sim_server *s = calloc(1, sizeof *s);
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	unsigned limit = o->max_connections;
	struct MHD_OptionItem tls_opts[5];
	size_t n_tls = 0;
	int fd;

	if (!s) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	s->hosts = o->hosts;
	s->seed = o->seed;
	s->start_ns = sim_mono_ns();
	s->tls = o->tls_cert_pem != NULL;
	s->client_cert = s->tls && o->tls_client_ca_pem;
	s->delay = sim_delay_new(err, errsz);
	if (!s->delay) {
		free(s);
		return NULL;
	}
	fd = sim_listen_socket(o, err, errsz);
	if (fd < 0) {
		sim_delay_free(s->delay);
		free(s);
		return NULL;
	}
	if (o->addr->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (o->tls_cert_pem)
		flags |= MHD_USE_TLS;
	if (limit < SIM_POOL_THREADS)
		limit = SIM_POOL_THREADS;
	if (o->tls_cert_pem) {
		tls_opts[n_tls++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
							     (void *)(uintptr_t)o->tls_cert_pem };
		tls_opts[n_tls++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
							     (void *)(uintptr_t)o->tls_key_pem };
		if (s->client_cert)
			tls_opts[n_tls++] = (struct MHD_OptionItem){
				MHD_OPTION_HTTPS_MEM_TRUST, 0,
				(void *)(uintptr_t)o->tls_client_ca_pem };
		if (o->tls12_max)
			tls_opts[n_tls++] = (struct MHD_OptionItem){
				MHD_OPTION_HTTPS_PRIORITIES, 0,
				(void *)(uintptr_t)"NORMAL:-VERS-TLS1.3" };
	}
	tls_opts[n_tls] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	/* On success libmicrohttpd owns fd and closes it in MHD_stop_daemon(). */
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, sim_handle, s,
				  MHD_OPTION_EXTERNAL_LOGGER, sim_mhd_log, NULL,
				  MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				  MHD_OPTION_THREAD_POOL_SIZE, SIM_POOL_THREADS,
				  MHD_OPTION_CONNECTION_LIMIT, limit,
				  MHD_OPTION_CONNECTION_TIMEOUT, SIM_CONN_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SIM_CONN_MEMORY,
				  MHD_OPTION_NOTIFY_COMPLETED, sim_completed, s,
				  MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
	if (!s->mhd) {
		/* fd is not closed here: libmicrohttpd closes a listen socket it
		 * was given on some of its failure paths, and a double close could
		 * hit a descriptor reused meanwhile.  The caller exits anyway. */
		snprintf(err, errsz, "cannot start the HTTP%s server", o->tls_cert_pem ? "S" : "");
		sim_delay_free(s->delay);
		free(s);
		return NULL;
	}
	pthread_mutex_lock(&sim_bomb_lock);
	sim_servers_alive++;
	pthread_mutex_unlock(&sim_bomb_lock);
	return s;
}

unsigned sim_server_port(const struct sim_server *s)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);

	return info ? info->port : 0;
}

void sim_server_stop(struct sim_server *s)
{
	if (!s)
		return;
	/* No suspended connection may be left when the daemon stops. */
	sim_delay_stop(s->delay);
	MHD_stop_daemon(s->mhd);
	sim_delay_free(s->delay);
	free(s);
	sim_bombs_release();
}
