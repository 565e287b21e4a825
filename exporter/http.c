/* SPDX-License-Identifier: EUPL-1.2 */
/* http.c - see http.h. */
#include "exporter/http.h"
#include "exporter/http_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>
#include <zlib.h>

#include "common/buf.h"
#include "common/log.h"
#include "exporter/api.h"
#include "exporter/history_worker.h"
#include "exporter/prom.h"

#define HTTP_RENDER_LIMIT (512u * 1024u * 1024u)
#define HTTP_THREADS 2

#define CSP_HTML "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; " \
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const char *const http_refused_names[HTTP_REFUSED_COUNT] = {
	"total", "per_address", "client_cert", "auth_busy",
};

/* ozgmon_http_refused_total's reasons: http_refused_names, then the history worker's. */
static const char *const refused_names[HTTP_REFUSED_COUNT + 1] = {
	"total", "per_address", "client_cert", "auth_busy", "history_busy",
};
_Static_assert(HTTP_REFUSED_COUNT + 1 <= sizeof ((struct prom_http *)0)->refused /
		sizeof ((struct prom_http *)0)->refused[0], "prom_http.refused holds every reason");

int http_parse_listen(const char *listen, void *sa_out, size_t sa_size, unsigned *sa_len,
		      char *err, size_t errsz)
{
	char host[256];
	const char *port, *colon;
	size_t hl;
	struct addrinfo hints = { 0 }, *res = NULL;
	int rc;

	if (listen[0] == '[') {
		const char *end = strchr(listen, ']');
		if (!end || end[1] != ':') {
			snprintf(err, errsz, "listen address '%s': expected [v6addr]:port", listen);
			return -1;
		}
		hl = (size_t)(end - listen - 1);
		if (hl >= sizeof host) {
			snprintf(err, errsz, "listen address '%s': host too long", listen);
			return -1;
		}
		memcpy(host, listen + 1, hl);
		port = end + 2;
	} else {
		colon = strrchr(listen, ':');
		if (!colon) {
			snprintf(err, errsz, "listen address '%s': expected host:port", listen);
			return -1;
		}
		hl = (size_t)(colon - listen);
		if (hl >= sizeof host) {
			snprintf(err, errsz, "listen address '%s': host too long", listen);
			return -1;
		}
		memcpy(host, listen, hl);
		port = colon + 1;
	}
	host[hl] = '\0';
	if (!*port || strspn(port, "0123456789") != strlen(port) || atol(port) > 65535) {
		snprintf(err, errsz, "listen address '%s': bad port", listen);
		return -1;
	}
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(hl ? host : NULL, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errsz, "listen address '%s': %s", listen, gai_strerror(rc));
		return -1;
	}
	if (res->ai_addrlen > sa_size) {
		freeaddrinfo(res);
		snprintf(err, errsz, "listen address '%s': address too long", listen);
		return -1;
	}
	memcpy(sa_out, res->ai_addr, res->ai_addrlen);
	*sa_len = (unsigned)res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* ---- path canonicalisation ---------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int http_canon_path(const char *raw, char *out, size_t outsz)
{
	size_t n = 0, seg = 0;

	if (strlen(raw) > HTTP_URI_MAX)
		return 414;
	if (raw[0] != '/')
		return 400;	/* absolute-form and asterisk-form are not served */
	for (const char *p = raw; *p && *p != '?' && *p != '#'; p++) {
		int c = (unsigned char)*p;

		if (c == '%') {
			int hi = hexval((unsigned char)p[1]), lo = hi < 0 ? -1 : hexval((unsigned char)p[2]);
			if (hi < 0 || lo < 0)
				return 400;
			c = hi * 16 + lo;
			p += 2;
			if (c == '/' || c == '\\')
				return 400;	/* an encoded separator never names a path */
		} else if (c == '\\') {
			return 400;
		}
		if (c < 0x20 || c == 0x7f)
			return 400;	/* NUL and control bytes */
		if (n + 1 >= outsz)
			return 414;
		if (c == '/') {
			/* End of a segment: refuse "." and "..", find nothing for "". */
			size_t len = n - seg;
			if (n > 0 && len == 0)
				return 404;
			if ((len == 1 && out[seg] == '.') ||
			    (len == 2 && out[seg] == '.' && out[seg + 1] == '.'))
				return 400;
			out[n++] = '/';
			seg = n;
			continue;
		}
		out[n++] = (char)c;
	}
	if ((n - seg == 1 && out[seg] == '.') || (n - seg == 2 && out[seg] == '.' && out[seg + 1] == '.'))
		return 400;
	out[n] = '\0';
	return 0;
}

/* MHD_OPTION_URI_LOG_CALLBACK: sees the raw target; its result becomes *req_cls. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct req *r = calloc(1, sizeof *r);

	(void)cls;
	(void)conn;
	if (!r)
		return NULL;
	r->refuse = (unsigned)http_canon_path(uri, r->path, sizeof r->path);
	r->target = http_fnv1a(uri, strlen(uri));
	return r;
}

/* ---- connection watch (header deadline, connection self-metrics) --------- */

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Marks the current request's headers complete (false) or begun (true). */
static void conn_watch_set(struct http_server *h, struct MHD_Connection *conn, bool waiting)
{
	struct conn_watch *w = http_conn_watch_of(conn);

	if (!w)
		return;
	pthread_mutex_lock(&h->watch_lock);
	w->waiting = waiting;
	w->since_ms = mono_ms();
	pthread_mutex_unlock(&h->watch_lock);
}

/* The client address as 16 bytes (IPv4 v4-mapped); false for other families. */
static bool addr16(const struct sockaddr *sa, unsigned char out[16])
{
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &in->sin_addr, 4);
		return true;
	}
	if (sa && sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		return true;
	}
	return false;
}

static _Thread_local bool main_thread_niced;	/* on_accept: this thread's priority lowered */

/* A request on the connection authenticated: its next headers get the longer deadline. */
static void conn_trust(struct http_server *h, struct MHD_Connection *conn)
{
	struct conn_watch *w = http_conn_watch_of(conn);

	if (!w)
		return;
	pthread_mutex_lock(&h->watch_lock);
	w->trusted = true;
	pthread_mutex_unlock(&h->watch_lock);
}

/*
 * The accept policy callback of the main listener: the connection and
 * per-address limits, counted when they refuse (libmicrohttpd's own limits
 * refuse silently).
 */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct http_server *h = cls;
	unsigned char a[16];
	unsigned n = 0;

	(void)addrlen;
	if (!main_thread_niced) {
		/*
		 * The main listener's threads run five steps nicer than the
		 * scrape listener's (Linux: per thread), so that under a flood
		 * the CPU goes to the scrapes first.
		 */
		errno = 0;
		int prio = getpriority(PRIO_PROCESS, (id_t)gettid());
		if (errno == 0)
			(void)setpriority(PRIO_PROCESS, (id_t)gettid(), prio + 5 > 19 ? 19 : prio + 5);
		main_thread_niced = true;
	}
	if (atomic_load(&h->conns_open) >= HTTP_CONN_LIMIT) {
		atomic_fetch_add(&h->refused[HTTP_REFUSED_TOTAL], 1);
		return MHD_NO;
	}
	if (!addr16(addr, a))
		return MHD_YES;
	pthread_mutex_lock(&h->addr_lock);
	for (size_t i = 0; i < HTTP_ADDR_SLOTS; i++)
		if (h->addrs[i].n && memcmp(h->addrs[i].a, a, 16) == 0) {
			n = h->addrs[i].n;
			break;
		}
	pthread_mutex_unlock(&h->addr_lock);
	if (n >= HTTP_PER_IP_LIMIT) {
		atomic_fetch_add(&h->refused[HTTP_REFUSED_PER_ADDRESS], 1);
		return MHD_NO;
	}
	return MHD_YES;
}

/*
 * Counts a connection of the main listener against its client address; the
 * slot or -1, and in *n the address's connections with this one.
 */
static int addr_take(struct http_server *h, struct MHD_Connection *conn, unsigned *n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	unsigned char a[16];
	int slot = -1, free_slot = -1;

	if (!ci || !addr16(ci->client_addr, a))
		return -1;
	pthread_mutex_lock(&h->addr_lock);
	for (size_t i = 0; i < HTTP_ADDR_SLOTS && slot < 0; i++) {
		if (h->addrs[i].n && memcmp(h->addrs[i].a, a, 16) == 0)
			slot = (int)i;
		else if (!h->addrs[i].n && free_slot < 0)
			free_slot = (int)i;
	}
	if (slot < 0 && free_slot >= 0) {
		slot = free_slot;
		memcpy(h->addrs[slot].a, a, 16);
	}
	if (slot >= 0)
		*n = ++h->addrs[slot].n;
	pthread_mutex_unlock(&h->addr_lock);
	return slot;
}

/* MHD_OPTION_NOTIFY_CONNECTION: links a new connection in, unlinks a closed one. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct listener *l = cls;
	struct http_server *h = l->h;
	struct conn_watch *w = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		atomic_fetch_add(&h->conns_total, 1);
		atomic_fetch_add(&h->conns_open, 1);
		w = calloc(1, sizeof *w);
		if (!w || !ci) {
			free(w);
			return;	/* not watched: the idle timeout still applies */
		}
		w->fd = ci->connect_fd;
		w->since_ms = mono_ms();
		w->waiting = true;
		w->web = h->deps.web;
		unsigned n = 0;
		w->addr_slot = l->scrape_only ? -1 : addr_take(h, conn, &n);
		if (n > HTTP_PER_IP_LIMIT) {
			/*
			 * on_accept reads the count before this connection is
			 * counted: two threads accepting at once can both pass.
			 * The later one is shut down here, at once.
			 */
			(void)shutdown(w->fd, SHUT_RDWR);
			w->cut = true;
			atomic_fetch_add(&h->refused[HTTP_REFUSED_PER_ADDRESS], 1);
		}
		pthread_mutex_lock(&h->watch_lock);
		w->next = h->watch;
		if (h->watch)
			h->watch->prev = w;
		h->watch = w;
		pthread_mutex_unlock(&h->watch_lock);
		*socket_context = w;
		return;
	}
	atomic_fetch_sub(&h->conns_open, 1);
	if (!w)
		return;
	if (w->addr_slot >= 0) {
		pthread_mutex_lock(&h->addr_lock);
		h->addrs[w->addr_slot].n--;
		pthread_mutex_unlock(&h->addr_lock);
	}
	pthread_mutex_lock(&h->watch_lock);
	if (w->prev)
		w->prev->next = w->next;
	else
		h->watch = w->next;
	if (w->next)
		w->next->prev = w->prev;
	pthread_mutex_unlock(&h->watch_lock);
	free(w);
	*socket_context = NULL;
}

/* Every 250 ms: shuts down connections past the header deadline (bounded by the connection limit). */
static void *watchdog_main(void *arg)
{
	struct http_server *h = arg;
	const struct timespec tick = { 0, 250 * 1000000L };

	pthread_setname_np(pthread_self(), "http-watchdog");
	while (!atomic_load(&h->stopping)) {
		int64_t now = mono_ms();
		pthread_mutex_lock(&h->watch_lock);
		for (struct conn_watch *w = h->watch; w; w = w->next) {
			int64_t limit_ms = (w->trusted ? HTTP_HEADER_DEADLINE_S
						       : HTTP_FIRST_HEADER_DEADLINE_S) * 1000;
			if (!w->waiting || w->cut || now - w->since_ms < limit_ms)
				continue;
			(void)shutdown(w->fd, SHUT_RDWR);
			w->cut = true;
			atomic_fetch_add(&h->slow_cut, 1);
		}
		pthread_mutex_unlock(&h->watch_lock);
		nanosleep(&tick, NULL);
	}
	return NULL;
}

static void hist_req_free(struct hist_req *q);

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *r = *req_cls;

	(void)toe;
	conn_watch_set(cls, conn, true);	/* a next request on this connection begins */
	if (r)
		hist_req_free(r->hist);	/* answered or not: the worker is done with it */
	free(r);
	*req_cls = NULL;
}

/* ---- responses ---------------------------------------------------------- */

/* http_server_config.headers first; the defaults only where they set none. */
static void add_headers(struct MHD_Connection *conn, struct MHD_Response *r)
{
	const struct conn_watch *w = http_conn_watch_of(conn);

	for (size_t i = 0; w && w->web && i < w->web->n_headers; i++)
		MHD_add_response_header(r, w->web->headers[i].name, w->web->headers[i].value);
}

static void add_default(struct MHD_Response *r, const char *name, const char *value)
{
	if (!MHD_get_response_header(r, name))
		MHD_add_response_header(r, name, value);
}

/*
 * Sends body (taken over) with status and the headers every answer gets;
 * extra: further headers as name, value, ..., NULL; or NULL.
 */
static enum MHD_Result send_buf_x(struct MHD_Connection *conn, unsigned status, const char *ctype,
				  struct buf *body, const char *allow, const char *encoding,
				  const char *const *extra)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	char *data;

	if (body->overflow) {
		buf_free(body);
		buf_puts(body, "response too large\n");
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		ctype = "text/plain; charset=utf-8";
		encoding = NULL;
	}
	data = buf_steal(body, &len);
	if (data)
		r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	else
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(data);
		return MHD_NO;
	}
	add_headers(conn, r);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	add_default(r, "X-Content-Type-Options", "nosniff");
	if (strncmp(ctype, "text/html", 9) == 0) {
		add_default(r, "Content-Security-Policy", CSP_HTML);
		MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
		add_default(r, "X-Frame-Options", "DENY");
	}
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (encoding)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, encoding);
	if (strstr(ctype, "version="))	/* /metrics: negotiated format and coding */
		MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Basic realm=\"ozgmon\", charset=\"UTF-8\"");
	if (status == MHD_HTTP_TOO_MANY_REQUESTS)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	for (size_t i = 0; extra && extra[i]; i += 2)
		MHD_add_response_header(r, extra[i], extra[i + 1]);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_buf(struct MHD_Connection *conn, unsigned status, const char *ctype,
				struct buf *body, const char *allow, const char *encoding)
{
	return send_buf_x(conn, status, ctype, body, allow, encoding, NULL);
}

static enum MHD_Result plain(struct MHD_Connection *conn, unsigned status, const char *text,
			     const char *allow)
{
	struct buf b;

	buf_init(&b, 4096);
	buf_puts(&b, text);
	return send_buf(conn, status, "text/plain; charset=utf-8", &b, allow, NULL);
}

/* ---- validators: ETag, Last-Modified and 304 (RFC 9110 8.8, 13) -------------- */

uint64_t http_fnv1a(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The opaque-tag of an entity-tag at *p (after OWS and "W/"); advances *p past it. */
static bool etag_next(const char **p, const char **tag, size_t *len)
{
	const char *s = *p;

	if (s[0] == 'W' && s[1] == '/')
		s += 2;
	if (*s != '"')
		return false;
	*tag = s;
	for (s++; *s && *s != '"'; s++)
		if ((unsigned char)*s < 0x21 || *s == 0x7f)
			return false;	/* not etagc */
	if (*s != '"')
		return false;
	*len = (size_t)(s + 1 - *tag);
	*p = s + 1;
	return true;
}

bool http_etag_matches(const char *field, const char *etag)
{
	const char *p = field, *tag;
	size_t len, el;

	if (etag[0] == 'W' && etag[1] == '/')
		etag += 2;	/* weak comparison: the W/ of either side does not count */
	el = strlen(etag);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			return false;
		if (*p == '*') {
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			return *p == '\0' || *p == ',';	/* "*" matches any current representation */
		}
		if (!etag_next(&p, &tag, &len))
			return false;	/* a malformed list matches nothing */
		if (len == el && memcmp(tag, etag, len) == 0)
			return true;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p && *p != ',')
			return false;
	}
}

time_t http_date_parse(const char *s)
{
	/* IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept. */
	static const char *const forms[] = {
		"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y",
	};

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		struct tm tm = { 0 };
		const char *end = strptime(s, forms[i], &tm);
		if (end && *end == '\0')
			return timegm(&tm);
	}
	return -1;
}

void http_date(time_t t, char out[32])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, 32, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		snprintf(out, 32, "Thu, 01 Jan 1970 00:00:00 GMT");
}

struct inm_ctx {
	const char *etag;
	bool seen, match;
};

static enum MHD_Result inm_each(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct inm_ctx *x = cls;

	(void)kind;
	if (value && strcasecmp(key, MHD_HTTP_HEADER_IF_NONE_MATCH) == 0) {
		x->seen = true;
		x->match = x->match || http_etag_matches(value, x->etag);
	}
	return MHD_YES;
}

/*
 * RFC 9110 13.2.2 for a GET or HEAD whose 200 answer would carry etag and,
 * unless lm is -1, Last-Modified lm: true when it is answered 304 instead.
 * If-None-Match (in every field line of it) decides when present; else
 * If-Modified-Since.
 */
static bool not_modified(struct MHD_Connection *conn, const char *etag, time_t lm)
{
	struct inm_ctx x = { etag, false, false };
	const char *ims;
	time_t t;

	MHD_get_connection_values(conn, MHD_HEADER_KIND, inm_each, &x);
	if (x.seen)
		return x.match;
	if (lm < 0)
		return false;
	ims = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	t = ims ? http_date_parse(ims) : -1;
	return t >= 0 && lm <= t;
}

/*
 * 304 Not Modified with r, the response the 200 would have been (NULL:
 * out of memory): libmicrohttpd sends no body with a 304 and gives its
 * length as Content-Length, as RFC 9110 8.6 allows (it would say 0 for an
 * empty response, which is not).  Only the validators and Cache-Control of
 * the 200 (and the configured headers) go with it.
 */
static enum MHD_Result send_304(struct MHD_Connection *conn, struct MHD_Response *r,
				const char *etag, time_t lm, const char *cache_control)
{
	enum MHD_Result ret;
	char date[32];

	if (!r)
		return MHD_NO;
	add_headers(conn, r);
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	if (lm >= 0) {
		http_date(lm, date);
		MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control);
	add_default(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, MHD_HTTP_NOT_MODIFIED, r);
	MHD_destroy_response(r);
	return ret;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The Last-Modified of an API answer with this body hash at this request
 * target (http_fnv1a of the raw target): when the server first gave this
 * body for it, as far as it remembers (HTTP_LM_SLOTS targets; a target it
 * forgot starts again now).  -1 while that second is not over: a second
 * answer within it could carry another body under the same date.
 */
static time_t last_modified(struct http_server *h, uint64_t target, uint64_t body)
{
	int64_t now = wall_ms(), since;
	size_t i = (size_t)(target % HTTP_LM_SLOTS);

	pthread_mutex_lock(&h->lm_lock);
	if (h->lm[i].target != target || h->lm[i].body != body) {
		h->lm[i].target = target;
		h->lm[i].body = body;
		h->lm[i].since_ms = now;
	}
	since = h->lm[i].since_ms;
	pthread_mutex_unlock(&h->lm_lock);
	return since / 1000 < now / 1000 ? (time_t)(since / 1000) : -1;
}

/* ---- /metrics ------------------------------------------------------------ */

/* Whether an Accept-Encoding header admits gzip (a "gzip" coding with q > 0). */
static bool accepts_gzip(const char *ae)
{
	while (ae && *ae) {
		const char *end = strchr(ae, ',');
		size_t len = end ? (size_t)(end - ae) : strlen(ae);
		const char *semi;
		size_t tl;

		while (len && (*ae == ' ' || *ae == '\t')) {
			ae++;
			len--;
		}
		semi = memchr(ae, ';', len);
		tl = semi ? (size_t)(semi - ae) : len;
		while (tl && (ae[tl - 1] == ' ' || ae[tl - 1] == '\t'))
			tl--;
		if ((tl == 4 && strncasecmp(ae, "gzip", 4) == 0) || (tl == 1 && ae[0] == '*')) {
			const char *q = semi ? strstr(semi, "q=") : NULL;
			if (!q || q > ae + len || strtod(q + 2, NULL) > 0)
				return true;
		}
		ae = end ? end + 1 : NULL;
	}
	return false;
}

/* gzips in into a new buffer (out, limit as in's); -1 when zlib fails. */
static int gzip_buf(const struct buf *in, struct buf *out)
{
	z_stream z = { 0 };
	uLong bound;
	int rc;

	buf_init(out, in->limit);
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&z, (uLong)in->len) + 32;
	out->data = malloc(bound);
	if (!out->data) {
		deflateEnd(&z);
		return -1;
	}
	out->cap = bound;
	z.next_in = (Bytef *)(uintptr_t)in->data;
	z.avail_in = (uInt)in->len;
	z.next_out = (Bytef *)out->data;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	out->len = bound - z.avail_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		buf_free(out);
		return -1;
	}
	return 0;
}

static enum MHD_Result serve_metrics(struct http_server *h, struct MHD_Connection *conn)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_ACCEPT_ENCODING);
	struct prom_self self = { 0 };
	struct prom_http hs;
	struct store_stats st;
	struct snapshot *s;
	struct buf b, z;
	size_t hint = atomic_load(&h->metrics_hint);

	self.openmetrics = prom_accept_openmetrics(accept);
	if (h->deps.store_stats && h->deps.store_stats(h->deps.ctx, &st))
		self.store = &st;
	self.reload_ok = true;
	if (h->deps.reload_status)
		h->deps.reload_status(h->deps.ctx, &self.reload_ok, &self.reload_success_s);
	self.start_time_s = h->deps.start_time_s;
	prom_process_read(&self.proc);
	hs.open = (double)atomic_load(&h->conns_open);
	hs.limit = HTTP_CONN_LIMIT;
	hs.per_ip_limit = HTTP_PER_IP_LIMIT;
	hs.total = (double)atomic_load(&h->conns_total);
	hs.slow_cut = (double)atomic_load(&h->slow_cut);
	for (int i = 0; i < HTTP_REFUSED_COUNT; i++)
		hs.refused[i] = (double)atomic_load(&h->refused[i]);
	hs.refused[HTTP_REFUSED_COUNT] = (double)atomic_load(&h->hist_refused);
	hs.refused_names = refused_names;
	hs.n_refused = HTTP_REFUSED_COUNT + 1;
	self.http = &hs;
	self.cache = h->cache;

	/* Preallocate for the last size plus an eighth: one allocation, no copies while rendering. */
	buf_init(&b, HTTP_RENDER_LIMIT);
	if (hint) {
		hint += hint / 8 + 4096;
		b.data = malloc(hint);
		if (b.data) {
			b.cap = hint;
			b.data[0] = '\0';
		}
	}
	s = state_acquire(h->deps.pub);
	/*
	 * ozgmon_ready agrees with the series rendered next to it: the flag is
	 * set when the last first probe finishes, but the snapshot showing that
	 * probe is published up to 200 ms later.
	 */
	self.ready = atomic_load(&h->deps.pub->first_round_done) && s;
	for (size_t i = 0; self.ready && i < s->n; i++)
		self.ready = s->t[i].probed;
	{
		struct rollout_ref *ro = h->deps.rollout ? h->deps.rollout(h->deps.ctx) : NULL;
		struct incidents_view iv = { 0 };
		struct dash_stats ds;

		if (h->deps.dash_stats && h->deps.dash_stats(h->deps.ctx, &ds))
			self.dashboards = &ds;
		self.rollout = ro;
		if (h->deps.incidents && h->deps.incidents(h->deps.ctx, &iv))
			self.incidents = &iv;
		prom_render(&b, s, &self);
		incidents_view_free(&iv);
		rollout_ref_release(ro);
	}
	snapshot_release(s);
	if (!b.overflow)
		atomic_store(&h->metrics_hint, b.len);
	if (!b.overflow && accepts_gzip(ae) && gzip_buf(&b, &z) == 0) {
		buf_free(&b);
		return send_buf(conn, MHD_HTTP_OK,
				self.openmetrics ? PROM_CTYPE_OPENMETRICS : PROM_CTYPE_TEXT, &z, NULL,
				"gzip");
	}
	return send_buf(conn, MHD_HTTP_OK, self.openmetrics ? PROM_CTYPE_OPENMETRICS : PROM_CTYPE_TEXT,
			&b, NULL, NULL);
}

/* ---- routing ------------------------------------------------------------- */

static const char *api_arg(void *actx, const char *name)
{
	return MHD_lookup_connection_value(actx, MHD_GET_ARGUMENT_KIND, name);
}

/* Appends s percent-encoded (all but RFC 3986's unreserved characters). */
static void pct_encode(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (isalnum((unsigned char)*s) || strchr("-._~", *s))
			buf_append(b, s, 1);
		else
			buf_printf(b, "%%%02X", (unsigned char)*s);
	}
}

struct link_ctx {
	struct buf *b;
	bool query;		/* a '?' was written */
};

/* MHD_get_connection_values over the query: every argument but cursor, again. */
static enum MHD_Result link_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct link_ctx *x = cls;

	(void)kind;
	if (strcmp(key, "cursor") == 0)
		return MHD_YES;
	buf_puts(x->b, x->query ? "&" : "?");
	x->query = true;
	pct_encode(x->b, key);
	if (value) {
		buf_puts(x->b, "=");
		pct_encode(x->b, value);
	}
	return MHD_YES;
}

/*
 * The Link header of the next page of the list at path (after "/api/v1/"):
 * the same request with ?cursor=next, as a reference relative to it, so
 * that it holds behind a proxy that serves the API under another prefix.
 */
static void next_link(struct MHD_Connection *conn, const char *path, const char *next,
		      struct buf *b)
{
	const char *last = strrchr(path, '/');
	struct link_ctx x = { b, false };

	buf_puts(b, "<");
	pct_encode(b, last ? last + 1 : path);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, link_arg, &x);
	buf_puts(b, x.query ? "&cursor=" : "?cursor=");
	pct_encode(b, next);
	buf_puts(b, ">; rel=\"next\"");
}

/*
 * Sends an API answer: 200s with their ETag (the body's hash) and
 * Last-Modified, or 304 when the request's conditions say the client holds
 * it; a page with more after it with Link and X-Next-Cursor; with retry,
 * Retry-After: 1.
 */
static enum MHD_Result send_api(struct http_server *h, struct MHD_Connection *conn,
				const struct req *r, const char *path, unsigned status,
				const struct api_answer *ans, struct buf *b, bool retry)
{
	const char *extra[11];
	char etag[24], date[32];
	struct buf link;
	enum MHD_Result ret;
	size_t n = 0;

	if (status == MHD_HTTP_OK && !b->overflow) {
		uint64_t body = http_fnv1a(b->data ? b->data : "", b->len);
		time_t lm = last_modified(h, r->target, body);

		snprintf(etag, sizeof etag, "\"%016llx\"", (unsigned long long)body);
		if (not_modified(conn, etag, lm)) {
			size_t len;
			char *data = buf_steal(b, &len);
			struct MHD_Response *resp = data ? MHD_create_response_from_buffer(
				len, data, MHD_RESPMEM_MUST_FREE) : NULL;
			if (!resp)
				free(data);
			return send_304(conn, resp, etag, lm, "no-store");
		}
		extra[n++] = MHD_HTTP_HEADER_ETAG;
		extra[n++] = etag;
		if (lm >= 0) {
			http_date(lm, date);
			extra[n++] = MHD_HTTP_HEADER_LAST_MODIFIED;
			extra[n++] = date;
		}
	}
	buf_init(&link, 2 * HTTP_URI_MAX + 256);
	if (ans->next[0]) {
		next_link(conn, path, ans->next, &link);
		if (!link.overflow) {
			extra[n++] = MHD_HTTP_HEADER_LINK;
			extra[n++] = link.data;
		}
		extra[n++] = "X-Next-Cursor";
		extra[n++] = ans->next;
	}
	if (retry) {
		extra[n++] = MHD_HTTP_HEADER_RETRY_AFTER;
		extra[n++] = "1";
	}
	extra[n] = NULL;
	ret = send_buf_x(conn, status, ans->ctype, b, NULL, NULL, extra);
	buf_free(&link);
	return ret;
}

static enum MHD_Result serve_api(struct http_server *h, struct MHD_Connection *conn,
				 const struct req *r, const char *path)
{
	struct api_req rq = { .path = path, .arg = api_arg, .actx = conn,
			      .data_dir = h->deps.data_dir, .now = time(NULL) };
	struct api_answer ans = { .ctype = "application/json" };
	struct snapshot *s;
	struct buf b;
	unsigned status;

	struct rollout_ref *ro = h->deps.rollout ? h->deps.rollout(h->deps.ctx) : NULL;
	struct incidents_view iv = { 0 };

	buf_init(&b, HTTP_RENDER_LIMIT);
	s = state_acquire(h->deps.pub);
	rq.s = s;
	rq.rollout = ro;
	if (h->deps.incidents && h->deps.incidents(h->deps.ctx, &iv))
		rq.incidents = &iv;
	status = api_handle(&rq, &b, &ans);
	incidents_view_free(&iv);
	rollout_ref_release(ro);
	snapshot_release(s);
	return send_api(h, conn, r, path, status, &ans, &b, false);
}

/* ---- history requests: on the history worker ----------------------------- */

/*
 * A history request with what it needs once its connection is suspended:
 * the query's arguments copied (the connection's are not read off its
 * thread), a snapshot reference, and the answer the worker renders.
 */
struct hist_req {
	struct history_job job;
	struct http_server *h;
	struct MHD_Connection *conn;
	struct snapshot *s;		/* reference; released by the worker */
	time_t now;
	char *args;			/* "key\0value\0" pairs, args_len bytes */
	size_t args_len;
	char path[HTTP_URI_MAX + 1];	/* after "/api/v1/" */
	/* The answer, written before the connection is resumed. */
	unsigned status;
	struct api_answer ans;
	struct buf body;
	bool busy;			/* refused or cancelled: Retry-After */
};

static void hist_req_free(struct hist_req *q)
{
	if (!q)
		return;
	snapshot_release(q->s);
	free(q->args);
	buf_free(&q->body);
	free(q);
}

static enum MHD_Result hist_copy_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	struct buf *b = cls;

	(void)kind;
	if (value) {	/* a key without '=' reads as absent (MHD_lookup_connection_value) */
		buf_append(b, key, strlen(key) + 1);
		buf_append(b, value, strlen(value) + 1);
	}
	return MHD_YES;
}

/* api_req.arg over the copied arguments: the first value of name, as libmicrohttpd's. */
static const char *hist_arg(void *actx, const char *name)
{
	const struct hist_req *q = actx;

	for (size_t i = 0; i < q->args_len;) {
		const char *k = q->args + i, *v = k + strlen(k) + 1;
		if (strcmp(k, name) == 0)
			return v;
		i = (size_t)(v + strlen(v) + 1 - q->args);
	}
	return NULL;
}

static void hist_run(struct history_job *j)
{
	struct hist_req *q = (struct hist_req *)(void *)((char *)j - offsetof(struct hist_req, job));
	struct api_req rq = { .path = q->path, .arg = hist_arg, .actx = q, .s = q->s,
			      .data_dir = q->h->deps.data_dir, .now = q->now };

	q->status = api_handle(&rq, &q->body, &q->ans);
	snapshot_release(q->s);
	q->s = NULL;
	MHD_resume_connection(q->conn);	/* q belongs to the server thread again */
}

static void hist_cancel(struct history_job *j)
{
	struct hist_req *q = (struct hist_req *)(void *)((char *)j - offsetof(struct hist_req, job));

	q->busy = true;
	q->status = api_error(&q->body, &q->ans, MHD_HTTP_SERVICE_UNAVAILABLE,
			      "the server is shutting down");
	MHD_resume_connection(q->conn);
}

static void hist_suspend(void *conn)
{
	MHD_suspend_connection(conn);
}

/*
 * GET /api/v1/targets/{id}/history: queued for the history worker with the
 * connection suspended (the answer is sent when libmicrohttpd calls
 * on_request again, hist_answer), or 503 with Retry-After at once when its
 * queue is full.
 */
static enum MHD_Result serve_history(struct http_server *h, struct MHD_Connection *conn,
				     struct req *r, const char *path)
{
	struct hist_req *q = calloc(1, sizeof *q);
	struct buf args;
	enum MHD_Result ret;

	if (!q)
		return MHD_NO;
	buf_init(&args, 2 * HTTP_URI_MAX + 64);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, hist_copy_arg, &args);
	if (args.overflow) {
		buf_free(&args);
		free(q);
		return MHD_NO;
	}
	q->args = buf_steal(&args, &q->args_len);
	q->h = h;
	q->conn = conn;
	q->now = time(NULL);
	snprintf(q->path, sizeof q->path, "%s", path);
	q->job.run = hist_run;
	q->job.cancel = hist_cancel;
	q->ans.ctype = "application/json";
	buf_init(&q->body, HTTP_RENDER_LIMIT);
	q->s = state_acquire(h->deps.pub);
	r->hist = q;
	if (h->hist && history_worker_submit(h->hist, &q->job, hist_suspend, conn))
		return MHD_YES;
	r->hist = NULL;
	atomic_fetch_add(&h->hist_refused, 1);
	q->status = api_error(&q->body, &q->ans, MHD_HTTP_SERVICE_UNAVAILABLE,
			      "too many history requests at once; retry in a moment");
	q->busy = true;
	ret = send_api(h, conn, r, q->path, q->status, &q->ans, &q->body, true);
	hist_req_free(q);
	return ret;
}

/* The answer of a history request back from the worker. */
static enum MHD_Result hist_answer(struct http_server *h, struct MHD_Connection *conn,
				   struct req *r)
{
	struct hist_req *q = r->hist;
	enum MHD_Result ret;

	r->hist = NULL;
	ret = send_api(h, conn, r, q->path, q->status, &q->ans, &q->body, q->busy);
	hist_req_free(q);
	return ret;
}

/* Whether the client connected from a loopback address. */
static bool from_loopback(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		const unsigned char *a = in6->sin6_addr.s6_addr;
		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
		       (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && a[12] == 127);
	}
	return false;
}

/*
 * POST /-/reload.  Without basic auth anyone who reaches the port could
 * make the daemon reload (and pause probing briefly) at will, so it is then
 * accepted from loopback clients only.
 */
static enum MHD_Result serve_reload(struct http_server *h, struct MHD_Connection *conn)
{
	char err[1024], msg[1100];

	if (!(h->deps.web && h->deps.web->n_users) && !from_loopback(conn))
		return plain(conn, MHD_HTTP_FORBIDDEN,
			     "reload over HTTP needs basic auth (--web-config) or a loopback client\n",
			     NULL);

	if (h->deps.reload(h->deps.ctx, err, sizeof err) != 0) {
		snprintf(msg, sizeof msg, "reload failed: %s\n", err);
		return plain(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, msg, NULL);
	}
	return plain(conn, MHD_HTTP_OK, "configuration reloaded\n", NULL);
}

/* ---- routing (pure: see http.h) ------------------------------------------ */

bool http_file_path(const char *dir, const char *url, char *path, size_t pathsz,
		    const char **type)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" }, { ".svg", "image/svg+xml" },
		{ ".atom", "application/atom+xml" },
	};
	const char *rel = url + 1;
	const char *seg;
	size_t len;

	*type = NULL;
	if (!dir || url[0] != '/')
		return false;
	len = strlen(rel);
	if (len == 0 || len > 200 || strspn(rel,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-") != len)
		return false;
	for (seg = rel; seg; seg = strchr(seg, '/') ? strchr(seg, '/') + 1 : NULL)
		if (*seg == '.' || *seg == '/' || *seg == '\0')
			return false;	/* "..", hidden names, "//", a trailing '/' */
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t el = strlen(types[i].ext);
		if (len > el && strcmp(rel + len - el, types[i].ext) == 0)
			*type = types[i].type;
	}
	if (!*type || (size_t)snprintf(path, pathsz, "%s/%s", dir, rel) >= pathsz) {
		*type = NULL;
		return false;
	}
	return true;
}

enum http_route http_route(const char *path)
{
	if (strcmp(path, "/-/reload") == 0)
		return HTTP_ROUTE_RELOAD;
	if (strcmp(path, "/-/healthy") == 0)
		return HTTP_ROUTE_HEALTHY;
	if (strcmp(path, "/-/ready") == 0)
		return HTTP_ROUTE_READY;
	if (strcmp(path, "/metrics") == 0)
		return HTTP_ROUTE_METRICS;
	if (strncmp(path, "/api/v1/", 8) == 0)
		return HTTP_ROUTE_API;
	if (strcmp(path, "/") == 0)
		return HTTP_ROUTE_STATUS_PAGE;
	return HTTP_ROUTE_FILE;
}

/*
 * Serves a file of the generated dashboards (dashboards/site.h) for a GET or
 * HEAD of `url`: "/kreis/16051.html" is that file ("/" stays the live status
 * page, "/index.html" is the generated overview once it exists).  The
 * path must be made of [A-Za-z0-9._/-] only, with no "..", no empty or
 * dot-leading segment, and end in .html, .css, .js, .svg or .atom; so '%', '\\',
 * NUL and encoded tricks never reach the file system.  The file is opened
 * with O_NOFOLLOW, must be a regular file of at most 8 MiB, and is sent from
 * its descriptor.  Returns false when there is no such file (the caller goes
 * on routing), true with *ret set when it answered.
 */
static bool serve_dashboards(struct MHD_Connection *conn, const char *dir, const char *url,
			     enum MHD_Result *ret)
{
	const char *type;
	char path[1280], etag[64], date[32];
	struct stat st;
	struct MHD_Response *r;
	time_t lm;
	int fd;

	if (!http_file_path(dir, url, path, sizeof path, &type))
		return false;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 8 * 1024 * 1024) {
		close(fd);
		return false;
	}
	/*
	 * Strong validators from the file's identity, size and modification
	 * time, to the nanosecond: the generator replaces a page by renaming a
	 * new file over it.  Last-Modified only once its second is over.
	 */
	snprintf(etag, sizeof etag, "\"%llx-%llx-%llx\"", (unsigned long long)st.st_ino,
		 (unsigned long long)st.st_size,
		 (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
		 (unsigned long long)st.st_mtim.tv_nsec);
	lm = st.st_mtim.tv_sec < time(NULL) ? st.st_mtim.tv_sec : -1;
	if (!(r = MHD_create_response_from_fd((uint64_t)st.st_size, fd))) {
		close(fd);
		return false;
	}
	if (not_modified(conn, etag, lm)) {
		*ret = send_304(conn, r, etag, lm, "public, max-age=30");
		return true;
	}
	add_headers(conn, r);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "public, max-age=30");
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	if (lm >= 0) {
		http_date(lm, date);
		MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	}
	add_default(r, "X-Content-Type-Options", "nosniff");
	add_default(r, "Content-Security-Policy",
				"default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
				"object-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'");
	*ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct listener *l = cls;
	struct http_server *h = l->h;
	struct req *r = *req_cls;
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		   strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	const char *path;
	enum http_route route;
	struct snapshot *s;
	struct buf b;

	(void)url;	/* already unescaped by libmicrohttpd: routing uses r->path */
	(void)version;
	(void)upload_data;
	if (!r)
		return MHD_NO;	/* out of memory in on_uri */
	if (!r->headers_done) {
		/* First call: headers only.  Refuse early what needs no body. */
		bool verified = false;
		r->headers_done = true;
		conn_watch_set(h, conn, false);
		if (!http_client_cert_ok(h->deps.web, conn, &verified)) {
			/* As a TLS server refusing the handshake would: no answer. */
			atomic_fetch_add(&h->refused[HTTP_REFUSED_CLIENT_CERT], 1);
			return MHD_NO;
		}
		if (verified)
			conn_trust(h, conn);
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		r->body += *upload_data_size;
		*upload_data_size = 0;	/* bodies are counted and thrown away */
		/*
		 * A body over HTTP_BODY_MAX is drained and answered with 413 at
		 * its end; one that goes on past HTTP_BODY_DRAIN_MAX is cut off.
		 */
		return r->body > HTTP_BODY_DRAIN_MAX ? MHD_NO : MHD_YES;
	}
	if (r->refuse == 400)
		return plain(conn, MHD_HTTP_BAD_REQUEST, "bad request path\n", NULL);
	if (r->refuse == 414)
		return plain(conn, MHD_HTTP_URI_TOO_LONG, "request path too long\n", NULL);
	if (r->refuse)
		return plain(conn, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
	if (r->body > HTTP_BODY_MAX)
		return plain(conn, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large\n", NULL);
	path = r->path;

	route = http_route(path);
	if (l->scrape_only && route != HTTP_ROUTE_METRICS && route != HTTP_ROUTE_HEALTHY &&
	    route != HTTP_ROUTE_READY)
		return plain(conn, MHD_HTTP_NOT_FOUND,
			     "not found (this listener serves /metrics, /-/healthy and /-/ready)\n", NULL);
	if (h->deps.web && h->deps.web->n_users &&
	    !(h->deps.web->health_open && (route == HTTP_ROUTE_HEALTHY || route == HTTP_ROUTE_READY))) {
		int a = http_check_auth(h, conn, r);
		if (a == AUTH_PENDING)
			return MHD_YES;	/* resumed by the bcrypt thread */
		if (a < 0) {
			atomic_fetch_add(&h->refused[HTTP_REFUSED_AUTH_BUSY], 1);
			return plain(conn, MHD_HTTP_TOO_MANY_REQUESTS,
				     "too many password checks at once; retry\n", NULL);
		}
		if (a != AUTH_OK)
			return plain(conn, MHD_HTTP_UNAUTHORIZED, "unauthorized\n", NULL);
		conn_trust(h, conn);
	}

	if (route == HTTP_ROUTE_RELOAD) {
		if (!post || !h->deps.reload)
			return plain(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n",
				     h->deps.reload ? "POST" : "");
		return serve_reload(h, conn);
	}
	if (!get)
		return plain(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", "GET, HEAD");

	switch (route) {
	case HTTP_ROUTE_HEALTHY:
		return plain(conn, MHD_HTTP_OK, "ozgmond is healthy\n", NULL);
	case HTTP_ROUTE_READY:
		if (!atomic_load(&h->deps.pub->first_round_done))
			return plain(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				     "not ready: the first probe round is not done\n", NULL);
		return plain(conn, MHD_HTTP_OK, "ozgmond is ready\n", NULL);
	case HTTP_ROUTE_METRICS:
		return serve_metrics(h, conn);
	case HTTP_ROUTE_API:
		if (r->hist)
			return hist_answer(h, conn, r);	/* back from the history worker */
		if (api_reads_files(path + 8))
			return serve_history(h, conn, r, path + 8);
		return serve_api(h, conn, r, path + 8);
	case HTTP_ROUTE_FILE: {
		/* "/index.html" is the live status page until it is generated. */
		enum MHD_Result ret;
		if (serve_dashboards(conn, h->deps.dashboards_dir, path, &ret))
			return ret;
		if (strcmp(path, "/index.html") != 0)
			break;
	}
		/* fall through */
	case HTTP_ROUTE_STATUS_PAGE:
		if (!h->deps.status_page)
			break;
		buf_init(&b, HTTP_RENDER_LIMIT);
		s = state_acquire(h->deps.pub);
		h->deps.status_page(&b, s, s ? s->cfg->global.language : "de");
		snapshot_release(s);
		return send_buf(conn, MHD_HTTP_OK, "text/html; charset=utf-8", &b, NULL, NULL);
	case HTTP_ROUTE_RELOAD:
		break;
	}
	return plain(conn, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
}

int http_listen(const char *addr, char *err, size_t errsz)
{
	struct sockaddr_storage ss;
	unsigned sl;
	int fd, one = 1;

	if (http_parse_listen(addr, &ss, sizeof ss, &sl, err, errsz) != 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errsz, "cannot listen on %s: %s", addr, strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, SOMAXCONN) != 0) {
		snprintf(err, errsz, "cannot listen on %s: %s", addr, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A listening unix socket at path for the scrape listener: a stale socket
 * file there is replaced (anything else is not), mode 0660, so that only
 * the daemon's user and group (a reverse proxy in it) can connect.
 */
static int unix_listen(const char *path, char *err, size_t errsz)
{
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof su.sun_path) {
		snprintf(err, errsz, "scrape_listen: unix socket path too long: %s", path);
		return -1;
	}
	memcpy(su.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errsz, "scrape_listen: %s exists and is not a socket", path);
			return -1;
		}
		(void)unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&su, sizeof su) != 0 ||
	    chmod(path, 0660) != 0 || listen(fd, SOMAXCONN) != 0) {
		snprintf(err, errsz, "scrape_listen: cannot listen on unix:%s: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Starts one libmicrohttpd daemon for l; NULL when it refuses. */
static struct MHD_Daemon *start_mhd(struct listener *l, unsigned flags, const struct sockaddr *sa,
				    int lfd, const char *prio)
{
	struct http_server *h = l->h;
	const struct webcfg *w = h->deps.web;
	const char *trust = NULL;

	if (prio && w->client_auth != WEBCFG_NO_CLIENT_CERT) {
		/*
		 * libmicrohttpd asks TLS clients for a certificate only with a
		 * trust list; without client_ca_file (RequestClientCert,
		 * RequireAnyClientCert) the server's own certificate stands in:
		 * the certificate is asked for, never verified in those modes.
		 */
		trust = w->client_ca_pem ? w->client_ca_pem : w->cert_pem;
	}
	/* The TLS options, or none: the rest of the options is the same either way. */
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, prio ? w->key_pem : NULL },
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, prio ? w->cert_pem : NULL },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)prio },
		{ trust ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0, (void *)(uintptr_t)trust },
		{ MHD_OPTION_END, 0, NULL },
	};
	return MHD_start_daemon(flags, 0, l->scrape_only ? NULL : on_accept, h, on_request, l,
				MHD_OPTION_SOCK_ADDR, sa,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)lfd,
				MHD_OPTION_THREAD_POOL_SIZE, l->scrape_only ? 1u : (unsigned)HTTP_THREADS,
				MHD_OPTION_CONNECTION_LIMIT,
				l->scrape_only ? HTTP_SCRAPE_CONN_LIMIT : HTTP_CONN_LIMIT + 16u,
				MHD_OPTION_CONNECTION_TIMEOUT, HTTP_CONN_TIMEOUT_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
				MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)h,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)h,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, (void *)l,
				MHD_OPTION_LISTENING_ADDRESS_REUSE, 1U,
				MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
				MHD_OPTION_ARRAY, prio ? tls : tls + 4,
				MHD_OPTION_END);
}

struct http_server *http_start(const char *listen, const struct http_deps *deps, char *err,
			       size_t errsz)
{
	struct sockaddr_storage ss, ss2;
	unsigned sl, sl2;
	struct http_server *h;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME;
	const struct webcfg *w = deps->web;
	const char *prio = NULL;

	int lfd = deps->listen_fd_set ? deps->listen_fd : -1;	/* -1: MHD binds itself */

	bool scrape_unix = w && w->scrape_listen && strncmp(w->scrape_listen, "unix:", 5) == 0;

	if (http_parse_listen(listen, &ss, sizeof ss, &sl, err, errsz) != 0 ||
	    (w && w->scrape_listen && !scrape_unix &&
	     http_parse_listen(w->scrape_listen, &ss2, sizeof ss2, &sl2, err, errsz) != 0)) {
		if (lfd >= 0)
			close(lfd);
		return NULL;
	}
	if (w && w->cert_pem) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errsz, "TLS is configured but libmicrohttpd was built without it");
			if (lfd >= 0)
				close(lfd);
			return NULL;
		}
		flags |= MHD_USE_TLS;
		prio = w->priorities ? w->priorities : "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";
	}
	h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, errsz, "out of memory");
		if (lfd >= 0)
			close(lfd);
		return NULL;
	}
	h->deps = *deps;
	if (w && w->http2)
		log_info("http: http_server_config.http2 is set, but ozgmond serves HTTP/1.1 only: "
			 "ignored");
	h->main.h = h;
	h->scrape.h = h;
	h->scrape.scrape_only = true;
	h->cache = prom_cache_new();	/* without it every scrape renders them anew */
	atomic_init(&h->metrics_hint, 0);
	atomic_init(&h->stopping, false);
	atomic_init(&h->conns_total, 0);
	atomic_init(&h->conns_open, 0);
	atomic_init(&h->slow_cut, 0);
	atomic_init(&h->hist_refused, 0);
	for (int i = 0; i < HTTP_REFUSED_COUNT; i++)
		atomic_init(&h->refused[i], 0);
	pthread_mutex_init(&h->watch_lock, NULL);
	pthread_mutex_init(&h->addr_lock, NULL);
	pthread_mutex_init(&h->bc_lock, NULL);
	pthread_cond_init(&h->bc_cond, NULL);
	pthread_mutex_init(&h->lm_lock, NULL);
	if (w && w->n_users) {
		h->bc_running = pthread_create(&h->bc_thread, NULL, http_bcrypt_main, h) == 0;
		if (!h->bc_running) {
			snprintf(err, errsz, "cannot start the password check thread");
			if (lfd >= 0)
				close(lfd);
			http_stop(h);
			return NULL;
		}
	}
	h->hist = history_worker_start(HISTORY_WORKER_THREADS, HISTORY_WORKER_QUEUE, err, errsz);
	if (!h->hist) {
		if (lfd >= 0)
			close(lfd);
		http_stop(h);
		return NULL;
	}
	h->main.mhd = start_mhd(&h->main, flags | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				(struct sockaddr *)&ss, lfd, prio);
	if (!h->main.mhd) {
		snprintf(err, errsz, "cannot listen on %s (address in use or not available%s)",
			 listen, prio ? ", or the TLS key and certificate were refused" : "");
		http_stop(h);	/* a given socket: libmicrohttpd may have closed it; not touched */
		return NULL;
	}
	if (w && w->scrape_listen) {
		int ufd = -1;
		if (scrape_unix && (ufd = unix_listen(w->scrape_listen + 5, err, errsz)) < 0) {
			http_stop(h);
			return NULL;
		}
		h->scrape.mhd = start_mhd(&h->scrape,
					  flags | (!scrape_unix && ss2.ss_family == AF_INET6 ?
						   MHD_USE_IPv6 : 0),
					  scrape_unix ? NULL : (struct sockaddr *)&ss2, ufd, prio);
		if (!h->scrape.mhd && ufd >= 0)
			close(ufd);
		if (!h->scrape.mhd) {
			snprintf(err, errsz, "cannot listen for scrapes on %s (address in use or not "
				 "available)", w->scrape_listen);
			http_stop(h);
			return NULL;
		}
	}
	h->watchdog_running = pthread_create(&h->watchdog, NULL, watchdog_main, h) == 0;
	if (!h->watchdog_running) {
		snprintf(err, errsz, "cannot start the header deadline thread");
		http_stop(h);
		return NULL;
	}
	return h;
}

void http_stop(struct http_server *h)
{
	if (!h)
		return;
	atomic_store(&h->stopping, true);
	if (h->watchdog_running)
		pthread_join(h->watchdog, NULL);
	/* No connection may stay suspended when libmicrohttpd stops (microhttpd.h). */
	pthread_mutex_lock(&h->bc_lock);
	h->bc_stopping = true;
	pthread_cond_broadcast(&h->bc_cond);
	pthread_mutex_unlock(&h->bc_lock);
	if (h->bc_running)
		pthread_join(h->bc_thread, NULL);
	/*
	 * The same for history requests: the queued ones are answered 503, the
	 * running ones finish; a request that comes after is refused at once.
	 */
	history_worker_stop(h->hist);
	if (h->scrape.mhd)
		MHD_stop_daemon(h->scrape.mhd);
	if (h->main.mhd)
		MHD_stop_daemon(h->main.mhd);
	history_worker_free(h->hist);
	pthread_mutex_destroy(&h->lm_lock);
	pthread_cond_destroy(&h->bc_cond);
	pthread_mutex_destroy(&h->bc_lock);
	pthread_mutex_destroy(&h->addr_lock);
	pthread_mutex_destroy(&h->watch_lock);
	prom_cache_free(h->cache);
	free(h);
}
