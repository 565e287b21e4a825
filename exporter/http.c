/* http.c - see http.h. */
#include "exporter/http.h"

#include <microhttpd.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "dashboards/status_page.h"
#include "exporter/prom.h"

#define HTTP_RENDER_LIMIT (256u * 1024u * 1024u)
#define HTTP_CONN_LIMIT 512
#define HTTP_CONN_TIMEOUT_S 15
#define HTTP_CONN_MEMORY (64u * 1024u)
#define HTTP_THREADS 2

struct http_server {
	struct MHD_Daemon *mhd;
	struct http_deps deps;
};

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

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *ctype,
			     struct buf *body)
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
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result plain(struct MHD_Connection *conn, unsigned status, const char *text)
{
	struct buf b;

	buf_init(&b, 4096);
	buf_puts(&b, text);
	return reply(conn, status, "text/plain; charset=utf-8", &b);
}

/*
 * Serves a file of the generated dashboards (dashboards/site.h) for a GET or
 * HEAD of `url`: "/kreis/16051.html" is that file ("/" stays the live status
 * page, "/index.html" is the generated overview once it exists).  The
 * path must be made of [A-Za-z0-9._/-] only, with no "..", no empty or
 * dot-leading segment, and end in .html, .css, .js or .svg; so '%', '\\',
 * NUL and encoded tricks never reach the file system.  The file is opened
 * with O_NOFOLLOW, must be a regular file of at most 8 MiB, and is sent from
 * its descriptor.  Returns false when there is no such file (the caller goes
 * on routing), true with *ret set when it answered.
 */
static bool serve_dashboards(struct MHD_Connection *conn, const char *dir, const char *url,
			     enum MHD_Result *ret)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" }, { ".svg", "image/svg+xml" },
	};
	const char *rel = url + 1;
	const char *type = NULL, *seg;
	size_t len = strlen(rel);
	char path[1280];
	struct stat st;
	struct MHD_Response *r;
	int fd;

	if (!dir || url[0] != '/' || len == 0 || len > 200 || strspn(rel,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-") != len)
		return false;
	for (seg = rel; seg; seg = strchr(seg, '/') ? strchr(seg, '/') + 1 : NULL)
		if (*seg == '.' || *seg == '/' || *seg == '\0')
			return false;	/* "..", hidden names, "//", a trailing '/' */
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t el = strlen(types[i].ext);
		if (len > el && strcmp(rel + len - el, types[i].ext) == 0)
			type = types[i].type;
	}
	if (!type || (size_t)snprintf(path, sizeof path, "%s/%s", dir, rel) >= sizeof path)
		return false;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 8 * 1024 * 1024 ||
	    !(r = MHD_create_response_from_fd((uint64_t)st.st_size, fd))) {
		close(fd);
		return false;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "public, max-age=30");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
				"frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
	*ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct http_server *h = cls;
	struct buf b;
	struct snapshot *s;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	if (*req_cls == NULL) {
		/* First call: headers only.  Mark the request and wait for the body. */
		*req_cls = h;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;	/* bodies are read and thrown away */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return plain(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");

	if (strcmp(url, "/-/healthy") == 0)
		return plain(conn, MHD_HTTP_OK, "ozgmond is healthy\n");

	if (strcmp(url, "/metrics") == 0) {
		struct store_stats st;
		struct prom_self self = { 0 };

		buf_init(&b, HTTP_RENDER_LIMIT);
		s = state_acquire(h->deps.pub);
		if (h->deps.store) {
			store_get_stats(h->deps.store, &st);
			self.store = &st;
		}
		self.start_time_s = h->deps.start_time_s;
		self.ready = atomic_load(&h->deps.pub->first_round_done);
		struct dash_stats ds;
		if (h->deps.dashboards) {
			dash_task_stats(h->deps.dashboards, &ds);
			self.dashboards = &ds;
		}
		{
			struct rollout_ref *ro = h->deps.rollout ? rollout_task_acquire(h->deps.rollout) : NULL;
			struct incidents_view iv = { 0 };
			self.rollout = ro;
			if (h->deps.incidents && incidents_view(h->deps.incidents, &iv) == 0)
				self.incidents = &iv;
			prom_render(&b, s, &self);
			incidents_view_free(&iv);
			rollout_ref_release(ro);
		}
		snapshot_release(s);
		return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", &b);
	}

	if (serve_dashboards(conn, h->deps.dashboards_dir, url, &ret))
		return ret;
	if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0) {
		buf_init(&b, HTTP_RENDER_LIMIT);
		s = state_acquire(h->deps.pub);
		status_page_render(&b, s, h->deps.language);
		snapshot_release(s);
		ret = reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", &b);
		return ret;
	}
	return plain(conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

struct http_server *http_start(const char *listen, const struct http_deps *deps, char *err,
			       size_t errsz)
{
	struct sockaddr_storage ss;
	unsigned sl;
	struct http_server *h;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;

	if (http_parse_listen(listen, &ss, sizeof ss, &sl, err, errsz) != 0)
		return NULL;
	h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	h->deps = *deps;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_LIMIT,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONN_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
				  MHD_OPTION_LISTENING_ADDRESS_REUSE, 1U,
				  MHD_OPTION_END);
	if (!h->mhd) {
		snprintf(err, errsz, "cannot listen on %s (address in use or not available)", listen);
		free(h);
		return NULL;
	}
	return h;
}

void http_stop(struct http_server *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->mhd);
	free(h);
}
