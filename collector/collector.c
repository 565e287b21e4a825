/* SPDX-License-Identifier: EUPL-1.2 */
/* collector.c - see collector.h. */
#include "collector/collector.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "collector/maint.h"
#include "collector/sched.h"
#include "collector/usage.h"
#include "common/buf.h"
#include "common/log.h"

#define PUBLISH_EVERY_MS 200
#define BEAT_EVERY_MS 1000	/* the loop turns at least this often (collector_beat_ms) */
#define MAX_EVENTS 128

#define NO_TARGET UINT32_MAX

struct host {
	char *name;		/* "host:port", lower case; owned */
	unsigned in_flight;
	uint32_t head, tail;	/* queue of waiting targets, NO_TARGET when empty */
};

/* One transfer slot; slots are reused, and so are their easy handles. */
struct probe {
	CURL *easy;		/* created on first use, reset between uses */
	uint32_t target;
	uint64_t due_ms;
	struct buf body;	/* kept only when the target checks its body */
	size_t body_seen;	/* bytes received, kept or not */
	size_t body_limit;	/* the target's probe.body_limit */
	bool keep_body;
	bool too_large;
	bool tls;		/* https: TLS version and certificates are read */
	bool fell_back;		/* restarted once with any address family */
	char tls_version[16];	/* of the latest response's connection */
	char errbuf[CURL_ERROR_SIZE];
	struct probe *next_free;
	/*
	 * A tcp probe's send/expect exchange on the connection curl made
	 * (CONNECT_ONLY): the handle stays in the multi, its socket is polled
	 * by the collector (tagged TCP_TAG in epoll) until the exchange ends.
	 */
	bool session;		/* the exchange runs */
	bool session_done;	/* it ended: tcp_result and tcp_why hold its outcome */
	int fd;
	size_t sent;
	uint64_t start_us;	/* when the probe started (CLOCK_MONOTONIC) */
	uint64_t deadline_us;	/* start + timeout */
	int tcp_result;
	char tcp_why[TARGET_REASON_MAX];
};

#define TCP_TAG 0x7cb0u		/* epoll data.u64 >> 32 of a tcp exchange's socket */

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct collector {
	const struct cfg *cfg;
	struct store *store;
	struct state_pub *pub;
	struct model *model;	/* availability windows fed per finished probe; may be NULL */

	CURLM *multi;
	struct curl_slist *connect_to;
	struct curl_slist *resolve;
	int epfd, tfd_curl, tfd_sched, evfd_stop;
	int tfd_tcp;		/* the earliest deadline of the tcp exchanges */

	struct sched_heap heap;
	uint64_t *offset;	/* per target: phase within its interval */
	struct target_state *state;	/* per target, owned by the thread */
	struct usage_result **usage_prev;	/* per target: latest successful usage fetch (a
					   reference), the base for counter resets; or NULL */
	struct probe **active;	/* per target: running probe or NULL */
	bool *waiting;		/* per target: queued (global FIFO or its host's queue) */
	uint64_t *wait_due;	/* per target: when its queued probe was due */
	uint32_t *waitq;	/* FIFO of due targets whose host had room, without a slot */
	size_t wq_head, wq_len;

	/*
	 * Politeness per portal host (URL host name and port): at most
	 * max_per_host probes run towards one host.  A due probe whose host is
	 * at its limit waits in that host's queue, linked through `host_next`.
	 */
	struct host *hosts;
	size_t n_hosts;
	uint32_t *host_of;	/* per target: index into hosts */
	uint32_t *host_next;	/* per target: next in its host's queue, NO_TARGET at the end */
	size_t host_waiting;	/* targets in host queues */
	size_t probed;		/* targets with at least one result */

	struct curl_slist **req_headers;	/* per target: probe.headers as a curl list, or NULL */
	struct sni *sni;		/* per target: probe.server_name's request, or all NULL */
	/*
	 * per target: for a tcp://host:port target, the URL curl connects to
	 * (http://host:port, https:// with probe.tls) with CURLOPT_CONNECT_ONLY;
	 * else NULL.  Owned.
	 */
	char **tcp_url;
	/*
	 * Jobs: 0 .. n_dienste-1 probe the targets; n_dienste .. n_jobs-1 fetch
	 * usage statistics, job n_dienste + k for target usage_of[k].  Every
	 * per-job array below (offset, active, waiting, waitq, host_of, ...)
	 * has n_jobs entries.
	 */
	size_t n_jobs;
	uint32_t *usage_of;
	unsigned publish_every_ms;	/* snapshot period: 200 ms, longer for large inventories */

	struct probe *slots;	/* max_concurrency slots */
	size_t n_slots;
	struct probe *free_slots;
	struct collector_stats stats;

	/* Result changes are logged at info, at most LOG_BURST lines a second. */
	double log_tokens;
	uint64_t log_refill_ms;
	uint64_t log_suppressed;	/* changes not logged since the last line */

	uint64_t sched_armed_ms;	/* deadline tfd_sched is armed for; 0 unknown or fired */

	bool dirty;
	uint64_t last_publish_ms;
	bool running;
	pthread_t thread;

	atomic_bool draining;		/* collector_drain: start no more probes */
	atomic_uint in_flight_pub;	/* transfers running, published while draining */
	unsigned aborted_at_stop;	/* probes and usage fetches count_aborted found */
	_Atomic uint64_t beat_ms;	/* sched_now_ms() of the loop's latest turn */
};

/*
 * probe.server_name: the probe's URL names server_name, so that curl sends it
 * as SNI and checks the certificate against it; CONNECT_TO takes the
 * connection to where the configured URL leads (its host and port, or where
 * global.connect_to sends those), and the Host header keeps the URL's host.
 */
struct sni {
	char *url;			/* the URL with server_name as its host; curl_free */
	struct curl_slist *connect_to;	/* "server_name:port:host:port", then global.connect_to */
	struct curl_slist *headers;	/* probe.headers and Host; or NULL */
};

static void dispatch(struct collector *c, uint32_t t, uint64_t due_ms, uint64_t now);
static uint32_t host_dequeue(struct collector *c, struct host *h);

/* ---- result classification --------------------------------------------- */

static bool status_expected(const struct cfg_probe *p, long status)
{
	if (p->n_expect_status == 0)
		return status >= 200 && status <= 299;
	for (size_t i = 0; i < p->n_expect_status; i++)
		if (status >= p->expect_status[i].lo && status <= p->expect_status[i].hi)
			return true;
	return false;
}

/* Whether rx matches body[0..len): 1, 0, or -1 undecided (cfg_regex_match). */
static int regex_hit(const struct cfg_regex *rx, const char *body, size_t len)
{
	return cfg_regex_match(rx, body, len);
}

static enum probe_result transport_result(const struct probe_outcome *o)
{
	switch ((CURLcode)o->curl_code) {
	case CURLE_OPERATION_TIMEDOUT:
		return PROBE_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return PROBE_DNS;
	case CURLE_TOO_MANY_REDIRECTS:
		return PROBE_REDIRECT_LIMIT;
	case CURLE_UNSUPPORTED_PROTOCOL:
		/* The URL itself is http(s) (config): only a redirect can lead elsewhere. */
		return o->redirects > 0 ? PROBE_REDIRECT_REFUSED : PROBE_CONNECT;
	case CURLE_OUT_OF_MEMORY:
		/*
		 * libcurl (7.x) refuses a header line over 100 KiB as out of
		 * memory; with a status line read, that is the response's header.
		 */
		return o->http_status > 0 ? PROBE_HEADER_TOO_LARGE : PROBE_CONNECT;
	case CURLE_RECV_ERROR:
		/* "Too large response headers: N > 307200" (all header lines together) */
		if (o->errbuf && strstr(o->errbuf, "response headers"))
			return PROBE_HEADER_TOO_LARGE;
		return PROBE_CONNECT;
#if LIBCURL_VERSION_NUM >= 0x080600
	case CURLE_TOO_LARGE:
		return o->body_too_large ? PROBE_BODY_TOO_LARGE : PROBE_HEADER_TOO_LARGE;
#endif
	case CURLE_WRITE_ERROR:
		return o->body_too_large ? PROBE_BODY_TOO_LARGE : PROBE_CONNECT;
	case CURLE_FILESIZE_EXCEEDED:
		return PROBE_BODY_TOO_LARGE;
	case CURLE_PEER_FAILED_VERIFICATION:
		/* OpenSSL: "SSL certificate problem: certificate has expired". */
		if (o->errbuf && strstr(o->errbuf, "expired"))
			return PROBE_CERT_EXPIRED;
		return PROBE_TLS;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:
		return PROBE_TLS;
	default:
		return PROBE_CONNECT;
	}
}

/* "redirect to <url> refused: ...", the URL cut and without control characters. */
static void reason_redirect_refused(const struct probe_outcome *o, char *why, size_t whysz)
{
	char url[64];
	size_t i = 0;
	const char *u = o->last_url ? o->last_url : "";

	for (; u[i] && i < sizeof url - 1; i++)
		url[i] = (unsigned char)u[i] < 0x20 || u[i] == 0x7f ? '?' : u[i];
	url[i] = '\0';
	snprintf(why, whysz, "redirect to %s%s refused: only http and https are followed",
		 url[0] ? url : "another scheme", u[i] ? "..." : "");
}

unsigned probe_redirects_followed(const struct probe_outcome *o)
{
	long n = o->redirects;

	if (o->curl_code == CURLE_UNSUPPORTED_PROTOCOL && n > 0)
		n--;	/* the last one was refused, not followed */
	return n > 0 ? (unsigned)n : 0;
}

enum probe_result probe_evaluate(const struct probe_outcome *o, const struct cfg_probe *p,
				 char *why, size_t whysz)
{
	char tmp[8];
	const char *body = o->body ? o->body : "";
	size_t blen = o->body ? o->body_len : 0;
	enum probe_result r;
	int m;

	if (!why) {
		why = tmp;
		whysz = sizeof tmp;
	}
	why[0] = '\0';
	if (o->curl_code != CURLE_OK) {
		r = transport_result(o);
		if (r == PROBE_BODY_TOO_LARGE)
			snprintf(why, whysz, "body larger than %zu bytes", p->body_limit);
		else if (r == PROBE_HEADER_TOO_LARGE)
			snprintf(why, whysz, "response header larger than libcurl accepts (100 KiB a "
				 "line, 300 KiB in all)");
		else if (r == PROBE_REDIRECT_REFUSED)
			reason_redirect_refused(o, why, whysz);
		else
			snprintf(why, whysz, "%s%s%s", curl_easy_strerror((CURLcode)o->curl_code),
				 o->errbuf && o->errbuf[0] ? ": " : "", o->errbuf ? o->errbuf : "");
		return r;
	}
	if (o->cert_expiry_s > 0 && o->cert_expiry_s < o->now_s) {
		snprintf(why, whysz, "certificate expired at %lld (seconds since the epoch)",
			 (long long)o->cert_expiry_s);
		return PROBE_CERT_EXPIRED;
	}
	if (o->tcp && o->tcp_result != PROBE_SUCCESS) {
		snprintf(why, whysz, "%s", o->tcp_why ? o->tcp_why : "");
		return (enum probe_result)o->tcp_result;
	}
	if (o->tcp)
		goto timing;
	if (!status_expected(p, o->http_status)) {
		snprintf(why, whysz, "status %ld is not expected", o->http_status);
		return PROBE_HTTP_STATUS;
	}
	for (size_t i = 0; i < p->n_header_checks; i++) {
		const struct cfg_header_check *hc = &p->header_checks[i];
		const char *v = o->header ? o->header(o->header_ctx, hc->name) : NULL;

		if (!v) {
			if (hc->negate || hc->allow_missing)
				continue;
			snprintf(why, whysz, "header %s is missing", hc->name);
			return PROBE_CONTENT;
		}
		m = regex_hit(&hc->rx, v, strlen(v));
		if (m < 0) {
			snprintf(why, whysz, "header %s: /%s/ undecided within the match limit",
				 hc->name, hc->rx.src);
			return PROBE_CONTENT;
		}
		if ((m == 1) == hc->negate) {
			snprintf(why, whysz, "header %s %s /%s/", hc->name,
				 hc->negate ? "matches" : "does not match", hc->rx.src);
			return PROBE_CONTENT;
		}
	}
	if (p->body_contains && !memmem(body, blen, p->body_contains, strlen(p->body_contains))) {
		snprintf(why, whysz, "body does not contain \"%s\"", p->body_contains);
		return PROBE_CONTENT;
	}
	if (p->body_not_contains &&
	    memmem(body, blen, p->body_not_contains, strlen(p->body_not_contains))) {
		snprintf(why, whysz, "body contains \"%s\"", p->body_not_contains);
		return PROBE_CONTENT;
	}
	for (size_t i = 0; i < p->n_body_matches + p->n_body_not_matches; i++) {
		bool neg = i >= p->n_body_matches;
		const struct cfg_regex *rx = neg ? &p->body_not_matches[i - p->n_body_matches]
						 : &p->body_matches[i];
		/* An undecided match (a hostile body) fails either kind of check. */
		m = regex_hit(rx, body, blen);
		if (m < 0) {
			snprintf(why, whysz, "body: /%s/ undecided within the match limit", rx->src);
			return PROBE_CONTENT;
		}
		if ((m == 1) == neg) {
			snprintf(why, whysz, "body %s /%s/", neg ? "matches" : "does not match",
				 rx->src);
			return PROBE_CONTENT;
		}
	}
timing:
	if (p->slower_than_ms && o->total_s * 1000.0 > (double)p->slower_than_ms) {
		snprintf(why, whysz, "answered in %.3f s, slower than %.3f s", o->total_s,
			 (double)p->slower_than_ms / 1000.0);
		return PROBE_TOO_SLOW;
	}
	return PROBE_SUCCESS;
}

enum probe_result probe_classify(int curl_code, long http_status, const struct cfg_probe *p,
				 const char *body, size_t body_len, bool body_too_large)
{
	struct probe_outcome o = {
		.curl_code = curl_code, .http_status = http_status, .body = body,
		.body_len = body_len, .body_too_large = body_too_large,
	};
	return probe_evaluate(&o, p, NULL, 0);
}

int64_t probe_parse_cert_date(const char *s)
{
	struct tm tm;
	const char *end;

	while (*s == ' ')
		s++;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%b %d %H:%M:%S %Y GMT", &tm);
	if (!end || *end != '\0') {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
		if (!end || (*end != '\0' && strcmp(end, " UTC") != 0 && strcmp(end, " GMT") != 0))
			return 0;
	}
	{
		time_t t = timegm(&tm);
		return t > 0 ? (int64_t)t : 0;
	}
}

/* ---- small helpers ------------------------------------------------------ */

static void timer_arm(int tfd, uint64_t delay_ms)
{
	struct itimerspec its = { 0 };

	if (delay_ms == UINT64_MAX) {
		/* all zero: disarm */
	} else if (delay_ms == 0) {
		its.it_value.tv_nsec = 1;	/* a zero it_value would disarm */
	} else {
		its.it_value.tv_sec = (time_t)(delay_ms / 1000);
		its.it_value.tv_nsec = (long)(delay_ms % 1000) * 1000000L;
	}
	timerfd_settime(tfd, 0, &its, NULL);
}

static void drain_fd(int fd)
{
	uint64_t v;
	(void)!read(fd, &v, sizeof v);
}

/* ---- curl callbacks ----------------------------------------------------- */

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct collector *c = userp;
	struct epoll_event ev = { 0 };

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(c->epfd, EPOLL_CTL_DEL, s, NULL);
		curl_multi_assign(c->multi, s, NULL);
		return 0;
	}
	ev.data.fd = s;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		ev.events |= EPOLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		ev.events |= EPOLLOUT;
	if (socketp) {
		if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, s, &ev) != 0)
			log_warn("collector: epoll_ctl MOD fd %d: %s", (int)s, strerror(errno));
	} else {
		if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, s, &ev) != 0)
			log_warn("collector: epoll_ctl ADD fd %d: %s", (int)s, strerror(errno));
		/* Any non-NULL pointer marks the socket as known to epoll. */
		curl_multi_assign(c->multi, s, c);
	}
	return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct collector *c = userp;

	(void)multi;
	timer_arm(c->tfd_curl, timeout_ms < 0 ? UINT64_MAX : (uint64_t)timeout_ms);
	return 0;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct probe *p = userp;
	size_t n = size * nmemb;

	if (n > p->body_limit - p->body_seen) {
		p->too_large = true;
		return 0;	/* aborts the transfer with CURLE_WRITE_ERROR */
	}
	p->body_seen += n;
	if (p->keep_body)
		buf_append(&p->body, ptr, n);
	return n;
}

/*
 * SSL_get_version() of the OpenSSL that libcurl uses, found at run time so
 * that ozgmon needs neither OpenSSL headers nor a link against libssl; NULL
 * when libcurl uses another TLS library.
 */
typedef const char *(*ssl_version_fn)(const void *ssl);
static ssl_version_fn ssl_version;

static void tls_version_lookup(void)
{
	/* on_header() uses it only when libcurl reports its OpenSSL backend. */
	void *sym = dlsym(RTLD_DEFAULT, "SSL_get_version");

	if (sym)
		memcpy(&ssl_version, &sym, sizeof ssl_version);
}

/*
 * Once per process: a reload builds its collector while the old one's
 * thread still reads ssl_version, so it must not be written again.
 */
static void tls_version_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, tls_version_lookup);
}

/* Notes the TLS version of the probe's connection (OpenSSL backend only). */
static void note_tls_version(struct probe *p)
{
	struct curl_tlssessioninfo *info = NULL;

	if (!ssl_version)
		return;
	if (curl_easy_getinfo(p->easy, CURLINFO_TLS_SSL_PTR, &info) == CURLE_OK && info &&
	    info->backend == CURLSSLBACKEND_OPENSSL && info->internals) {
		const char *v = ssl_version(info->internals);
		snprintf(p->tls_version, sizeof p->tls_version, "%s", v ? v : "");
	}
}

/*
 * Progress of a tcp probe with TLS: no response comes, so the TLS version is
 * noted while curl still holds the connection (the last call follows the
 * handshake).
 */
static int on_progress(void *userp, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt, (void)dn, (void)ut, (void)un;
	note_tls_version(userp);
	return 0;
}

/* Header lines: at each status line, note the TLS version of the connection. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct probe *p = userp;
	size_t n = size * nmemb;

	if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
		note_tls_version(p);
	return n;
}

/* ---- probes ------------------------------------------------------------- */

static struct probe *slot_get(struct collector *c)
{
	struct probe *p = c->free_slots;

	if (!p)
		return NULL;
	if (!p->easy) {
		p->easy = curl_easy_init();
		if (!p->easy)
			return NULL;
	} else {
		curl_easy_reset(p->easy);
	}
	c->free_slots = p->next_free;
	return p;
}

static void slot_put(struct collector *c, struct probe *p)
{
	buf_reset(&p->body);
	p->next_free = c->free_slots;
	c->free_slots = p;
}

static bool is_usage(const struct collector *c, uint32_t j)
{
	return j >= c->cfg->n_dienste;
}

/* The target a job belongs to. */
static uint32_t job_target(const struct collector *c, uint32_t j)
{
	return is_usage(c, j) ? c->usage_of[j - c->cfg->n_dienste] : j;
}

static const char *job_url(const struct collector *c, uint32_t j)
{
	const struct cfg_dienst *d = &c->cfg->dienste[job_target(c, j)];

	if (is_usage(c, j))
		return d->usage->url;
	if (c->sni[j].url)
		return c->sni[j].url;
	return c->tcp_url[j] ? c->tcp_url[j] : d->url;
}

static unsigned job_interval(const struct collector *c, uint32_t j)
{
	const struct cfg_dienst *d = &c->cfg->dienste[job_target(c, j)];
	return is_usage(c, j) ? d->usage->interval_ms : d->interval_ms;
}

/* The options of the probe-depth keys (see cfg_probe). */
static void probe_options(struct collector *c, struct probe *p, const struct cfg_dienst *d)
{
	const struct cfg_probe *q = &d->probe;
	CURL *e = p->easy;

	switch (q->ip_protocol) {
	case CFG_IP_V4: curl_easy_setopt(e, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V4); break;
	case CFG_IP_V6: curl_easy_setopt(e, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V6); break;
	case CFG_IP_ANY: break;
	}
	if (p->tls) {
		curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
		curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(e, CURLOPT_HEADERDATA, p);
		if (q->ca_file)
			curl_easy_setopt(e, CURLOPT_CAINFO, q->ca_file);
		if (q->insecure_skip_verify) {
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
		}
		if (q->cert_file) {
			curl_easy_setopt(e, CURLOPT_SSLCERT, q->cert_file);
			curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
			curl_easy_setopt(e, CURLOPT_SSLKEY, q->key_file);
			curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
		}
		if (q->min_tls_version == CFG_TLS_1_2)
			curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
		else if (q->min_tls_version == CFG_TLS_1_3)
			curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_3);
	}
	if (p->tls && c->sni[p->target].url) {
		/* A probe job: p->tls is never set for a usage fetch. */
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, c->sni[p->target].connect_to);
		if (c->sni[p->target].headers)
			curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->sni[p->target].headers);
	} else if (c->req_headers[job_target(c, p->target)]) {
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->req_headers[job_target(c, p->target)]);
	}
	if (q->proxy)
		curl_easy_setopt(e, CURLOPT_PROXY, q->proxy);
	if (q->auth == CFG_AUTH_BASIC) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, q->auth_user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, q->auth_secret);
	} else if (q->auth == CFG_AUTH_BEARER) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, q->auth_secret);
	}
	/* Credentials never follow a redirect to another host (curl's default, stated). */
	curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 0L);
}

/* The probe's method and body (a usage fetch is always a plain GET). */
static void probe_request(CURL *e, const struct cfg_probe *q)
{
	switch (q->method) {
	case CFG_GET:
		break;
	case CFG_HEAD:
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
		break;
	case CFG_POST:
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		break;
	default:
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, cfg_method_name(q->method));
		break;
	}
	if (q->body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, q->body);
	} else if (q->method == CFG_POST) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
	}
}

static int probe_start(struct collector *c, uint32_t t, uint64_t due_ms, uint64_t now)
{
	const struct cfg_dienst *d = &c->cfg->dienste[job_target(c, t)];
	bool usage = is_usage(c, t);
	unsigned timeout_ms = usage ? d->usage->timeout_ms : d->timeout_ms;
	struct probe *p = slot_get(c);
	CURL *e;
	CURLMcode mrc;

	if (!p)
		return -1;
	e = p->easy;
	p->target = t;
	p->due_ms = due_ms;
	p->body_seen = 0;
	p->too_large = false;
	p->body_limit = d->probe.body_limit ? d->probe.body_limit : COLLECTOR_BODY_LIMIT;
	p->keep_body = usage || d->probe.expect.src || d->probe.body_contains || d->probe.body_not_contains ||
		       d->probe.n_body_matches || d->probe.n_body_not_matches;
	p->tls = !usage && (strncasecmp(d->url, "https:", 6) == 0 || d->probe.tls);
	p->fell_back = false;
	p->session = p->session_done = false;
	p->fd = -1;
	p->sent = 0;
	p->start_us = mono_us();
	p->deadline_us = p->start_us + (uint64_t)timeout_ms * 1000u;
	p->tcp_result = PROBE_SUCCESS;
	p->tcp_why[0] = '\0';
	p->tls_version[0] = '\0';
	p->errbuf[0] = '\0';

	curl_easy_setopt(e, CURLOPT_URL, job_url(c, t));
	curl_easy_setopt(e, CURLOPT_PRIVATE, p);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, d->probe.follow_redirects ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)d->probe.max_redirects);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "ozgmon/" OZGMON_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	/* Every probe measures the whole path: name lookup, connect, TLS. */
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	/*
	 * A tcp exchange needs the connection after curl's CONNECT_ONLY transfer
	 * is done: curl closes such a connection when its handle leaves the
	 * multi, and never reuses it.
	 */
	if (usage || !d->probe.tcp)
		curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	if (c->connect_to)
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, c->connect_to);
	if (c->resolve)
		curl_easy_setopt(e, CURLOPT_RESOLVE, c->resolve);
	probe_options(c, p, d);	/* after CONNECT_TO: server_name replaces it */
	if (!usage && d->probe.tcp) {
		/* Connect, and shake hands with tls: true; no request is sent. */
		curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
		if (p->tls) {
			curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
			curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
			curl_easy_setopt(e, CURLOPT_XFERINFODATA, p);
		}
	}
	else if (!usage)
		probe_request(e, &d->probe);

	mrc = curl_multi_add_handle(c->multi, e);
	if (mrc != CURLM_OK) {
		log_error("collector: %s: cannot start transfer: %s", d->id, curl_multi_strerror(mrc));
		slot_put(c, p);
		return -1;
	}
	c->active[t] = p;
	c->stats.in_flight++;
	c->hosts[c->host_of[t]].in_flight++;
	{
		double lag = now > due_ms ? (double)(now - due_ms) / 1000.0 : 0.0;
		size_t b = 0;
		c->stats.lag_last_s = lag;
		if (lag > c->stats.lag_max_s)
			c->stats.lag_max_s = lag;
		while (b < STATE_LAG_BUCKETS && lag > state_lag_bounds[b])
			b++;
		c->stats.lag_bucket[b]++;
		c->stats.lag_sum_s += lag;
		if (usage)
			c->stats.usage_started++;
		else
			c->stats.started++;
	}
	return 0;
}

/* curl_easy_header() lookup for probe_evaluate(): the final response's header. */
static const char *header_of(void *ctx, const char *name)
{
	struct curl_header *h = NULL;

	if (curl_easy_header(ctx, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h)
		return NULL;
	return h->value;
}

/* Earliest "Expire date" of the certificates curl collected; 0 when none. */
static int64_t cert_expiry(CURL *e)
{
	struct curl_certinfo *ci = NULL;
	int64_t min = 0;

	if (curl_easy_getinfo(e, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci)
		return 0;
	for (int i = 0; i < ci->num_of_certs; i++)
		for (struct curl_slist *l = ci->certinfo[i]; l; l = l->next)
			if (strncmp(l->data, "Expire date:", 12) == 0) {
				int64_t t = probe_parse_cert_date(l->data + 12);
				if (t > 0 && (min == 0 || t < min))
					min = t;
			}
	return min;
}

/* Per-phase seconds from curl's cumulative timestamps (microseconds). */
static void phases(CURL *e, double out[PROBE_PHASE_COUNT])
{
	curl_off_t dns = 0, conn = 0, app = 0, pre = 0, start = 0, total = 0;

	curl_easy_getinfo(e, CURLINFO_NAMELOOKUP_TIME_T, &dns);
	curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &conn);
	curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &app);
	curl_easy_getinfo(e, CURLINFO_PRETRANSFER_TIME_T, &pre);
	curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &start);
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total);
#define SPAN(a, b) ((b) > (a) ? (double)((b) - (a)) / 1e6 : 0.0)
	out[PHASE_RESOLVE] = SPAN(0, dns);
	out[PHASE_CONNECT] = conn ? SPAN(dns, conn) : 0.0;
	out[PHASE_TLS] = app ? SPAN(conn, app) : 0.0;
	out[PHASE_PROCESSING] = start ? SPAN(pre > 0 ? pre : (app ? app : conn), start) : 0.0;
	out[PHASE_TRANSFER] = start ? SPAN(start, total) : 0.0;
#undef SPAN
}

static double http_version_of(CURL *e)
{
	long v = 0;

	curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &v);
	switch (v) {
	case CURL_HTTP_VERSION_1_0: return 1.0;
	case CURL_HTTP_VERSION_1_1: return 1.1;
	case CURL_HTTP_VERSION_2_0: return 2.0;
	case CURL_HTTP_VERSION_3: return 3.0;
	default: return 0.0;
	}
}

/*
 * A preferred address family without addresses: start the same transfer
 * again with any family (once).  Returns true when it was restarted.
 */
static bool ip_fallback(struct collector *c, struct probe *p, const struct cfg_dienst *d,
			CURLcode code)
{
	if (code != CURLE_COULDNT_RESOLVE_HOST || d->probe.ip_protocol == CFG_IP_ANY ||
	    !d->probe.ip_fallback || p->fell_back)
		return false;
	p->fell_back = true;
	log_debug("probe %s: no address of the preferred family, trying any", d->id);
	p->body_seen = 0;
	p->too_large = false;
	p->errbuf[0] = '\0';
	buf_reset(&p->body);
	curl_easy_setopt(p->easy, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_WHATEVER);
	/* curl dropped the cached RESOLVE entry that lacked the family: load it again. */
	if (c->resolve)
		curl_easy_setopt(p->easy, CURLOPT_RESOLVE, c->resolve);
	return curl_multi_add_handle(c->multi, p->easy) == CURLM_OK;
}

#define LOG_BURST 10.0

/*
 * Whether an info line about a change may be written now (token bucket,
 * LOG_BURST a second, shared by probes and usage fetches).  When it may,
 * `more` tells how many were left out before it ("" when none).
 */
static bool log_take(struct collector *c, char *more, size_t moresz)
{
	uint64_t now = sched_now_ms();

	more[0] = '\0';
	c->log_tokens += (double)(now - c->log_refill_ms) * LOG_BURST / 1000.0;
	if (c->log_tokens > LOG_BURST)
		c->log_tokens = LOG_BURST;
	c->log_refill_ms = now;
	if (c->log_tokens < 1.0) {
		c->log_suppressed++;
		return false;
	}
	c->log_tokens -= 1.0;
	if (c->log_suppressed)
		snprintf(more, moresz, " (%llu other changes not logged)",
			 (unsigned long long)c->log_suppressed);
	c->log_suppressed = 0;
	return true;
}

/* Logs a target's change of result, rate-limited (log_take). */
static void log_change(struct collector *c, const struct cfg_dienst *d, bool first,
		       enum probe_result from, enum probe_result to, const char *why)
{
	char more[64];

	if (!log_take(c, more, sizeof more))
		return;
	log_info("probe %s: %s%s%s%s%s%s", d->id, first ? "" : probe_result_name(from),
		 first ? "" : " -> ", probe_result_name(to), why[0] ? ": " : "", why, more);
}

/*
 * A job's transfer ended: free its slot and host capacity, start a waiting
 * job, but none while draining: a probe started then would only be aborted.
 */
static void job_done(struct collector *c, struct probe *p)
{
	uint32_t j = p->target, next;
	struct host *h = &c->hosts[c->host_of[j]];

	c->active[j] = NULL;
	slot_put(c, p);
	h->in_flight--;
	if (atomic_load(&c->draining))
		return;
	next = host_dequeue(c, h);
	if (next != NO_TARGET)
		dispatch(c, next, c->wait_due[next], sched_now_ms());
}

/*
 * The stored counters of a successful usage fetch to <id>.usage.rrd: each
 * slot the sum over its metric's values (one, or a wildcard's members);
 * a counter the document did not carry is unknown.  The store counts what
 * it has to drop.
 */
static void usage_store(struct collector *c, uint32_t target, const struct cfg_usage *u,
			const struct usage_result *r)
{
	double v[CFG_USAGE_STORED];

	if (u->n_stored == 0)
		return;
	for (size_t k = 0; k < u->n_stored; k++)
		v[k] = NAN;
	for (size_t i = 0; i < r->n; i++)
		for (size_t k = 0; k < u->n_stored; k++)
			if (r->v[i].metric == u->stored_metric[k])
				v[k] = isnan(v[k]) ? r->v[i].v : v[k] + r->v[i].v;
	store_submit_usage(c->store, target, r->fetched_ms, u->n_stored, u->stored_names, v);
}

/* A usage fetch ended: replace the target's usage result (never keep stale values). */
static void usage_finish(struct collector *c, struct probe *p, CURL *e, CURLcode code,
			 const struct cfg_dienst *d, struct target_state *ts)
{
	struct usage_result *r = NULL;
	int64_t now = state_wall_ms();
	int64_t last_ok = ts->usage ? ts->usage->last_ok_ms : 0;
	long status = 0;
	char why[TARGET_REASON_MAX];

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (code != CURLE_OK) {
		int n = snprintf(why, sizeof why, "%s%s", p->too_large ? "body too large: " : "",
				 curl_easy_strerror(code));
		if (p->errbuf[0] && n > 0 && (size_t)n < sizeof why - 2)
			snprintf(why + n, sizeof why - (size_t)n, ": %.*s", (int)(sizeof why - 3 - (size_t)n),
				 p->errbuf);
	}
	else if (status < 200 || status > 299)
		snprintf(why, sizeof why, "status %ld", status);
	else
		r = usage_extract(d->usage, p->body.data, p->body.len, now, why, sizeof why);
	if (!r) {
		/* A new reason at info (rate-limited), the same one again at debug. */
		char more[64];
		if (ts->usage && strcmp(ts->usage->error, why) == 0)
			log_debug("usage %s: %s: %s", d->id, d->usage->url, why);
		else if (log_take(c, more, sizeof more))
			log_info("usage %s: %s: %s%s", d->id, d->usage->url, why, more);
		else
			log_debug("usage %s: %s: %s", d->id, d->usage->url, why);
		r = usage_failed(why, now, last_ok);
		c->stats.usage_errors++;
	}
	c->stats.usage_finished++;
	c->stats.in_flight--;
	c->dirty = true;
	if (r && r->ok) {
		uint32_t t = job_target(c, p->target);
		size_t resets = usage_resets(d->usage, c->usage_prev[t], r, why, sizeof why);
		if (resets) {
			char more[64];
			ts->usage_resets += resets;
			if (log_take(c, more, sizeof more))
				log_info("usage %s: %zu counter%s went down, counted as reset%s (%s)%s",
					 d->id, resets, resets == 1 ? "" : "s", resets == 1 ? "" : "s",
					 why, more);
			else
				log_debug("usage %s: %zu counter%s went down, counted as reset%s (%s)",
					  d->id, resets, resets == 1 ? "" : "s",
					  resets == 1 ? "" : "s", why);
		}
		usage_result_release(c->usage_prev[t]);
		usage_result_ref(r);
		c->usage_prev[t] = r;
		usage_store(c, t, d->usage, r);
	}
	if (r) {
		usage_result_release(ts->usage);
		ts->usage = r;
	} else if (ts->usage && ts->usage->ok) {
		/* Out of memory: no values are better than stale ones. */
		usage_result_release(ts->usage);
		ts->usage = NULL;
	}
}

/* ---- tcp send/expect ---------------------------------------------------- */

static void probe_finish(struct collector *c, CURL *e, CURLcode code);

/* Arms tfd_tcp for the earliest deadline of the running exchanges (none: disarmed). */
static void tcp_arm(struct collector *c)
{
	uint64_t min = UINT64_MAX, now = mono_us();

	for (size_t i = 0; i < c->n_slots; i++)
		if (c->slots[i].session && c->slots[i].deadline_us < min)
			min = c->slots[i].deadline_us;
	timer_arm(c->tfd_tcp, min == UINT64_MAX ? UINT64_MAX
						: min > now ? (min - now + 999) / 1000 : 0);
}

/* Ends p's exchange with result r and a reason, and finishes the probe. */
__attribute__((format(printf, 4, 5)))
static void tcp_end(struct collector *c, struct probe *p, enum probe_result r, const char *fmt, ...)
{
	va_list ap;

	epoll_ctl(c->epfd, EPOLL_CTL_DEL, p->fd, NULL);
	p->session = false;
	p->session_done = true;
	p->tcp_result = r;
	va_start(ap, fmt);
	vsnprintf(p->tcp_why, sizeof p->tcp_why, fmt, ap);
	va_end(ap);
	probe_finish(c, p->easy, CURLE_OK);
	tcp_arm(c);
}

/* The pattern for a reason, cut, without control characters. */
static const char *tcp_pat(const struct cfg_probe *q, char *out, size_t outsz)
{
	size_t i = 0;

	for (; q->expect.src[i] && i + 1 < outsz; i++)
		out[i] = (unsigned char)q->expect.src[i] < 0x20 ? '?' : q->expect.src[i];
	out[i] = '\0';
	return out;
}

/*
 * Moves p's exchange on as far as the socket allows without blocking: sends
 * what is left of probe.send, reads what the peer sent and matches it
 * against probe.expect.  Ends the exchange when it is decided.
 */
static void tcp_io(struct collector *c, struct probe *p)
{
	const struct cfg_probe *q = &c->cfg->dienste[job_target(c, p->target)].probe;
	struct epoll_event ev = { 0 };
	char tmp[4096], pat[64];
	size_t n;
	CURLcode rc;
	int m;

	while (q->send && p->sent < q->send_len) {
		rc = curl_easy_send(p->easy, q->send + p->sent, q->send_len - p->sent, &n);
		if (rc == CURLE_AGAIN)
			break;
		if (rc != CURLE_OK) {
			tcp_end(c, p, PROBE_CONNECT, "send: %s", curl_easy_strerror(rc));
			return;
		}
		p->sent += n;
	}
	if (!q->expect.src) {
		if (p->sent == q->send_len) {
			tcp_end(c, p, PROBE_SUCCESS, "%s", "");
			return;
		}
	} else {
		for (;;) {
			size_t room = CFG_TCP_READ_MAX - p->body.len;
			rc = curl_easy_recv(p->easy, tmp, room < sizeof tmp ? room : sizeof tmp, &n);
			if (rc == CURLE_AGAIN)
				break;
			if (rc != CURLE_OK) {
				tcp_end(c, p, PROBE_CONNECT, "receive: %s", curl_easy_strerror(rc));
				return;
			}
			if (n == 0) {
				tcp_end(c, p, PROBE_CONTENT, "connection closed before /%s/ matched "
					"(%zu bytes read)", tcp_pat(q, pat, sizeof pat), p->body.len);
				return;
			}
			buf_append(&p->body, tmp, n);
			m = cfg_regex_match(&q->expect, p->body.data, p->body.len);
			if (m == 1) {
				tcp_end(c, p, PROBE_SUCCESS, "%s", "");
				return;
			}
			if (m < 0 || p->body.len >= CFG_TCP_READ_MAX) {
				tcp_end(c, p, PROBE_CONTENT, m < 0 ? "/%s/ undecided within the match "
					"limit (%zu bytes read)" : "/%s/ not matched in the first %zu "
					"bytes", tcp_pat(q, pat, sizeof pat), p->body.len);
				return;
			}
		}
	}
	/* Undecided: wait for the socket (data, or room to send). */
	ev.events = (q->expect.src ? EPOLLIN : 0) | (p->sent < q->send_len ? EPOLLOUT : 0);
	ev.data.u64 = ((uint64_t)TCP_TAG << 32) | (uint64_t)(p - c->slots);
	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, p->fd, &ev) != 0 &&
	    epoll_ctl(c->epfd, EPOLL_CTL_ADD, p->fd, &ev) != 0)
		tcp_end(c, p, PROBE_CONNECT, "cannot poll the connection: %s", strerror(errno));
}

/*
 * A tcp probe connected (curl's CONNECT_ONLY transfer is done, the handle
 * still in the multi): starts its exchange.  0, or -1 when it could not
 * start (then session_done holds why).
 */
static int tcp_begin(struct collector *c, struct probe *p)
{
	curl_socket_t sock = CURL_SOCKET_BAD;

	if (curl_easy_getinfo(p->easy, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK ||
	    sock == CURL_SOCKET_BAD) {
		p->session_done = true;
		p->tcp_result = PROBE_CONNECT;
		snprintf(p->tcp_why, sizeof p->tcp_why, "the connection was gone after the connect");
		return -1;
	}
	p->fd = (int)sock;
	p->session = true;
	tcp_arm(c);
	tcp_io(c, p);
	return 0;
}

/* Ends every exchange past its deadline as a timeout. */
static void tcp_expire(struct collector *c)
{
	uint64_t now = mono_us();
	char pat[64];

	for (size_t i = 0; i < c->n_slots; i++) {
		struct probe *p = &c->slots[i];
		const struct cfg_probe *q;
		if (!p->session || p->deadline_us > now)
			continue;
		q = &c->cfg->dienste[job_target(c, p->target)].probe;
		if (p->sent < q->send_len)
			tcp_end(c, p, PROBE_TIMEOUT, "sent %zu of %zu bytes within the timeout",
				p->sent, q->send_len);
		else
			tcp_end(c, p, PROBE_TIMEOUT, "no match for /%s/ within the timeout (%zu bytes "
				"read)", tcp_pat(q, pat, sizeof pat), p->body.len);
	}
	tcp_arm(c);
}

static void probe_finish(struct collector *c, CURL *e, CURLcode code)
{
	struct probe *p = NULL;
	const struct cfg_dienst *d;
	struct target_state *ts;
	struct store_sample s = { 0 };
	struct probe_outcome o = { 0 };
	long status = 0, redirects = 0;
	curl_off_t total_us = 0;
	enum probe_result r, prev;
	bool was_probed;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&p);
	if (p && !p->session_done && code == CURLE_OK && !is_usage(c, p->target)) {
		const struct cfg_probe *q = &c->cfg->dienste[p->target].probe;
		if (q->tcp && (q->send || q->expect.src) && tcp_begin(c, p) == 0)
			return;	/* tcp_end() finishes it */
	}
	curl_multi_remove_handle(c->multi, e);
	if (!p)
		return;
	d = &c->cfg->dienste[job_target(c, p->target)];
	ts = &c->state[job_target(c, p->target)];
	if (ip_fallback(c, p, d, code))
		return;
	if (is_usage(c, p->target)) {
		usage_finish(c, p, e, code, d, ts);
		job_done(c, p);
		return;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total_us);
	curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &redirects);

	o.curl_code = code;
	o.http_status = status;
	o.body = p->body.data;
	o.body_len = p->body.len;
	o.body_too_large = p->too_large;
	o.errbuf = p->errbuf;
	o.cert_expiry_s = p->tls ? cert_expiry(e) : 0;
	o.now_s = state_wall_ms() / 1000;
	o.header = header_of;
	o.header_ctx = e;
	o.redirects = redirects;
	o.total_s = (double)total_us / 1e6;
	o.tcp = d->probe.tcp;
	o.tcp_result = p->session_done ? p->tcp_result : PROBE_SUCCESS;
	o.tcp_why = p->tcp_why;
	if (p->session_done) {
		/* The whole exchange, not just curl's connect. */
		total_us = (curl_off_t)(mono_us() - p->start_us);
		o.total_s = (double)total_us / 1e6;
	}
	if (o.tcp && code != CURLE_OK)
		p->tls_version[0] = '\0';	/* noted during a handshake that then failed */
	if (code == CURLE_UNSUPPORTED_PROTOCOL) {
		char *last = NULL;
		curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &last);
		o.last_url = last;
	}
	prev = ts->result;
	was_probed = ts->probed;
	r = probe_evaluate(&o, &d->probe, ts->failure_reason, sizeof ts->failure_reason);
	if (!ts->probed) {
		ts->probed = true;
		c->probed++;
	}
	ts->success = r == PROBE_SUCCESS;
	ts->result = r;
	ts->duration_s = (double)total_us / 1e6;
	ts->http_status = (int)status;
	ts->last_ms = state_wall_ms();
	ts->probes++;
	phases(e, ts->phase_s);
	ts->cert_expiry_s = o.cert_expiry_s;
	memcpy(ts->tls_version, p->tls_version, sizeof ts->tls_version);
	ts->http_version = status > 0 ? http_version_of(e) : 0.0;
	ts->redirects = probe_redirects_followed(&o);
	if (!ts->success) {
		ts->failures++;
		ts->consecutive_failures++;
		log_debug("probe %s: %s (%s)", d->id, probe_result_name(r), ts->failure_reason);
	} else {
		ts->consecutive_failures = 0;
	}
	ts->down = ts->consecutive_failures >= (d->retries > 1 ? d->retries : 1);
	/* A first failure, and every change of result, at info (rate-limited). */
	if (was_probed ? prev != r : r != PROBE_SUCCESS)
		log_change(c, d, !was_probed, prev, r, ts->failure_reason);
	c->stats.results[r]++;
	c->stats.finished++;
	c->stats.in_flight--;
	c->dirty = true;

	s.target = p->target;
	s.ts_ms = ts->last_ms;
	s.up = ts->success;
	/* A tcp exchange that ran into the timeout got no answer: no duration is stored. */
	s.answered = status > 0 || (d->probe.tcp && code == CURLE_OK && r != PROBE_TIMEOUT);
	s.duration_s = ts->duration_s;
	s.http_status = (int)status;
	ts->maint = maint_active(d->maint, d->n_maint, ts->last_ms / 1000);
	s.maint = ts->maint;
	if (s.answered) {
		s.has_phases = true;
		s.resolve_s = ts->phase_s[PHASE_RESOLVE];
		s.connect_s = ts->phase_s[PHASE_CONNECT];
		s.tls_s = ts->phase_s[PHASE_TLS];
		s.processing_s = ts->phase_s[PHASE_PROCESSING];
		s.transfer_s = ts->phase_s[PHASE_TRANSFER];
	}
	s.cert_expiry_s = (double)ts->cert_expiry_s;
	store_submit(c->store, &s);
	model_sample(c->model, p->target, s.ts_ms, s.up, s.maint);	/* a few word copies */
	job_done(c, p);
}

static void check_finished(struct collector *c)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(c->multi, &left)))
		if (m->msg == CURLMSG_DONE)
			probe_finish(c, m->easy_handle, m->data.result);
}

/* ---- schedule ----------------------------------------------------------- */

static void host_enqueue(struct collector *c, uint32_t t)
{
	struct host *h = &c->hosts[c->host_of[t]];

	c->host_next[t] = NO_TARGET;
	if (h->tail == NO_TARGET)
		h->head = t;
	else
		c->host_next[h->tail] = t;
	h->tail = t;
	c->host_waiting++;
}

static uint32_t host_dequeue(struct collector *c, struct host *h)
{
	uint32_t t = h->head;

	if (t == NO_TARGET)
		return t;
	h->head = c->host_next[t];
	if (h->head == NO_TARGET)
		h->tail = NO_TARGET;
	c->host_waiting--;
	return t;
}

/*
 * Starts target t's probe if its host and a transfer slot have room, else
 * queues it (its host's queue first, then the global FIFO).
 */
static void dispatch(struct collector *c, uint32_t t, uint64_t due_ms, uint64_t now)
{
	struct host *h = &c->hosts[c->host_of[t]];

	c->waiting[t] = false;
	if (h->in_flight >= c->cfg->global.max_per_host) {
		host_enqueue(c, t);
	} else if (c->stats.in_flight >= c->n_slots || c->wq_len > 0 ||
		   probe_start(c, t, due_ms, now) != 0) {
		c->waitq[(c->wq_head + c->wq_len) % c->n_jobs] = t;
		c->wq_len++;
	} else {
		return;
	}
	c->waiting[t] = true;
	c->wait_due[t] = due_ms;
}

/* After transfers ended: hand freed host capacity and slots to waiting probes. */
static void start_waiting(struct collector *c, uint64_t now)
{
	while (c->wq_len > 0 && c->stats.in_flight < c->n_slots) {
		uint32_t t = c->waitq[c->wq_head];
		struct host *h = &c->hosts[c->host_of[t]];

		c->wq_head = (c->wq_head + 1) % c->n_jobs;
		c->wq_len--;
		if (h->in_flight >= c->cfg->global.max_per_host) {
			host_enqueue(c, t);	/* its host filled up meanwhile */
			continue;
		}
		if (probe_start(c, t, c->wait_due[t], now) != 0) {
			/* Could not start (out of memory, curl refused): try again next round. */
			c->waiting[t] = false;
			break;
		}
		c->waiting[t] = false;
	}
	c->stats.waiting = (unsigned)(c->wq_len + c->host_waiting);
}

static void run_due(struct collector *c, uint64_t now)
{
	const struct sched_item *top;

	while ((top = sched_heap_peek(&c->heap)) && top->due_ms <= now) {
		struct sched_item it;
		sched_heap_pop(&c->heap, &it);
		/* Popping then pushing one item never grows the heap: this cannot fail. */
		(void)sched_heap_push(&c->heap,
				      sched_next_due(now, job_interval(c, it.target), c->offset[it.target]),
				      it.target);
		if (c->active[it.target] || c->waiting[it.target]) {
			c->stats.skipped++;
			continue;
		}
		dispatch(c, it.target, it.due_ms, now);
	}
	c->stats.waiting = (unsigned)(c->wq_len + c->host_waiting);
}

static void publish(struct collector *c, uint64_t now)
{
	struct snapshot *s = snapshot_new(c->cfg);

	if (!s)
		return;	/* out of memory: readers keep the previous snapshot */
	memcpy(s->t, c->state, c->cfg->n_dienste * sizeof *s->t);
	for (size_t i = 0; i < c->cfg->n_dienste; i++)
		usage_result_ref(s->t[i].usage);	/* the snapshot's own reference */
	s->stats = c->stats;
	s->made_ms = state_wall_ms();
	state_publish(c->pub, s);
	/* Ready only once a published snapshot holds every target's first result. */
	if (c->probed == c->cfg->n_dienste)
		atomic_store(&c->pub->first_round_done, true);
	c->stats.lag_max_s = 0;
	c->dirty = false;
	c->last_publish_ms = now;
}

static void arm_schedule(struct collector *c, uint64_t now)
{
	const struct sched_item *top = sched_heap_peek(&c->heap);
	uint64_t next = top ? top->due_ms : UINT64_MAX;

	if (c->dirty && c->last_publish_ms + c->publish_every_ms < next)
		next = c->last_publish_ms + c->publish_every_ms;
	/* Still armed for that very time: spare the system call (most loop turns). */
	if (next == c->sched_armed_ms && next > now)
		return;
	c->sched_armed_ms = next;
	timer_arm(c->tfd_sched, next == UINT64_MAX ? UINT64_MAX : next > now ? next - now : 0);
}

/*
 * The loop has ended with transfers still running (a reload's or the stop's
 * drain ran out of time): each is counted as aborted, so that every probe
 * started is finished or aborted.  None becomes a sample: the portal did
 * not fail, the probe was cut off (a gap in its RRD file, not a "down").
 */
static void count_aborted(struct collector *c)
{
	for (size_t j = 0; j < c->n_jobs; j++) {
		if (!c->active[j])
			continue;
		if (is_usage(c, (uint32_t)j))
			c->stats.usage_aborted++;
		else
			c->stats.aborted++;
		c->aborted_at_stop++;
	}
}

static void *collector_thread(void *arg)
{
	struct collector *c = arg;
	struct epoll_event evs[MAX_EVENTS];
	bool stop = false;
	int running;

	pthread_setname_np(pthread_self(), "collector");
	arm_schedule(c, sched_now_ms());
	while (!stop) {
		int n = epoll_wait(c->epfd, evs, MAX_EVENTS, BEAT_EVERY_MS);
		uint64_t now;

		atomic_store(&c->beat_ms, sched_now_ms());

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("collector: epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			/* First: a tagged socket's data.fd is a slot index, not a descriptor. */
			if ((evs[i].data.u64 >> 32) == TCP_TAG) {
				struct probe *p = &c->slots[(uint32_t)evs[i].data.u64];
				if (p->session)
					tcp_io(c, p);
			} else if (fd == c->tfd_tcp) {
				drain_fd(fd);
				tcp_expire(c);
			} else if (fd == c->evfd_stop) {
				stop = true;
			} else if (fd == c->tfd_curl) {
				drain_fd(fd);
				curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
			} else if (fd == c->tfd_sched) {
				drain_fd(fd);
				c->sched_armed_ms = 0;	/* fired: arm again */
			} else {
				int flags = 0;
				if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
					flags |= CURL_CSELECT_IN;
				if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
					flags |= CURL_CSELECT_OUT;
				curl_multi_socket_action(c->multi, fd, flags, &running);
			}
		}
		check_finished(c);
		now = sched_now_ms();
		if (atomic_load(&c->draining)) {
			atomic_store(&c->in_flight_pub, c->stats.in_flight);
			continue;
		}
		run_due(c, now);
		start_waiting(c, now);
		if (c->dirty && now >= c->last_publish_ms + c->publish_every_ms)
			publish(c, now);
		arm_schedule(c, now);
	}
	count_aborted(c);
	publish(c, sched_now_ms());
	return NULL;
}

/* ---- lifecycle ---------------------------------------------------------- */

static struct curl_slist *slist_from(char **v, size_t n)
{
	struct curl_slist *l = NULL;

	for (size_t i = 0; i < n; i++) {
		struct curl_slist *nl = curl_slist_append(l, v[i]);
		if (!nl) {
			curl_slist_free_all(l);
			return NULL;
		}
		l = nl;
	}
	return l;
}

/* "host:port" of an http(s) URL, lower case, into out; -1 when it does not parse. */
static int url_host_key(const char *url, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	int rc = -1;

	if (!u)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		int n = snprintf(out, outsz, "%s:%s", host, port);
		if (n > 0 && (size_t)n < outsz) {
			for (char *q = out; *q; q++)
				if (*q >= 'A' && *q <= 'Z')
					*q = (char)(*q - 'A' + 'a');
			rc = 0;
		}
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* Groups the targets by host: fills hosts[], host_of[] and the empty queues. */
static int build_hosts(struct collector *c, char *err, size_t errsz)
{
	size_t n = c->n_jobs, size = 16;
	uint32_t *slot;
	int rc = -1;

	while (size < 2 * n)
		size *= 2;
	slot = malloc(size * sizeof *slot);
	c->hosts = calloc(n ? n : 1, sizeof *c->hosts);
	if (!slot || !c->hosts) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < size; i++)
		slot[i] = NO_TARGET;
	for (size_t t = 0; t < n; t++) {
		char key[512];
		size_t i;

		if (url_host_key(job_url(c, (uint32_t)t), key, sizeof key) != 0) {
			snprintf(err, errsz, "%s: cannot parse the host of %s",
				 c->cfg->dienste[job_target(c, (uint32_t)t)].id, job_url(c, (uint32_t)t));
			goto out;
		}
		for (i = sched_hash(key) & (size - 1); slot[i] != NO_TARGET; i = (i + 1) & (size - 1))
			if (strcmp(c->hosts[slot[i]].name, key) == 0)
				break;
		if (slot[i] == NO_TARGET) {
			struct host *h = &c->hosts[c->n_hosts];
			h->name = strdup(key);
			if (!h->name) {
				snprintf(err, errsz, "out of memory");
				goto out;
			}
			h->head = h->tail = NO_TARGET;
			slot[i] = (uint32_t)c->n_hosts++;
		}
		c->host_of[t] = slot[i];
	}
	rc = 0;
out:
	free(slot);
	return rc;
}

/* The largest body limit of any target: the bound of the slots' buffers. */
static size_t max_body_limit(const struct cfg *cfg)
{
	size_t m = COLLECTOR_BODY_LIMIT;

	for (size_t i = 0; i < cfg->n_dienste; i++)
		if (cfg->dienste[i].probe.body_limit > m)
			m = cfg->dienste[i].probe.body_limit;
	return m;
}

/*
 * One CONNECT_TO field of s (up to ':' outside brackets) into out; returns the
 * text after the ':' or NULL when there is none (the last field).
 */
static const char *ct_field(const char *s, char *out, size_t outsz)
{
	size_t n = 0;
	bool br = false;

	for (; *s && (br || *s != ':'); s++) {
		br = *s == '[' ? true : *s == ']' ? false : br;
		if (n + 1 < outsz)
			out[n++] = *s;
	}
	out[n] = '\0';
	return *s == ':' ? s + 1 : NULL;
}

/* See struct sni.  0, or -1 with a reason in err. */
static int sni_setup(struct collector *c, size_t i, char *err, size_t errsz)
{
	const struct cfg_dienst *d = &c->cfg->dienste[i];
	struct sni *z = &c->sni[i];
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *given_port = NULL, line[2400];
	char th[300], tp[16];
	bool own_host = false;
	int rc = -1;

	if (!u)
		goto oom;
	if (curl_url_set(u, CURLUPART_URL, job_url(c, (uint32_t)i), 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		snprintf(err, errsz, "%s: cannot take the URL %s apart", d->id, d->url);
		goto out;
	}
	(void)curl_url_get(u, CURLUPART_PORT, &given_port, 0);
	/* Where the URL's own host and port lead: the first matching global.connect_to entry. */
	snprintf(th, sizeof th, "%s", host);
	snprintf(tp, sizeof tp, "%s", port);
	for (struct curl_slist *l = c->connect_to; l; l = l->next) {
		char h[300], pt[16], h2[300], p2[16];
		const char *s = ct_field(l->data, h, sizeof h);
		if (!s || !(s = ct_field(s, pt, sizeof pt)) || !(s = ct_field(s, h2, sizeof h2)))
			continue;
		(void)ct_field(s, p2, sizeof p2);
		if ((h[0] && strcasecmp(h, host) != 0) || (pt[0] && strcmp(pt, port) != 0))
			continue;
		if (h2[0])
			snprintf(th, sizeof th, "%s", h2);
		if (p2[0])
			snprintf(tp, sizeof tp, "%s", p2);
		break;
	}
	if (curl_url_set(u, CURLUPART_HOST, d->probe.server_name, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &z->url, 0) != CURLUE_OK) {
		snprintf(err, errsz, "%s: cannot put server_name %s into %s", d->id,
			 d->probe.server_name, d->url);
		goto out;
	}
	snprintf(line, sizeof line, "%s:%s:%s:%s", d->probe.server_name, port, th, tp);
	if (!(z->connect_to = curl_slist_append(NULL, line)))
		goto oom;
	for (struct curl_slist *l = c->connect_to; l; l = l->next) {
		struct curl_slist *m = curl_slist_append(z->connect_to, l->data);
		if (!m)
			goto oom;
		z->connect_to = m;
	}
	for (size_t k = 0; k <= d->probe.n_headers; k++) {
		struct curl_slist *m;
		const char *h = line;
		if (k < d->probe.n_headers) {
			h = d->probe.headers[k];
			if (strncasecmp(h, "Host:", 5) == 0)
				own_host = true;
		} else if (own_host) {
			break;
		} else {
			snprintf(line, sizeof line, "Host: %s%s%s", host, given_port ? ":" : "",
				 given_port ? given_port : "");
		}
		if (!(m = curl_slist_append(z->headers, h)))
			goto oom;
		z->headers = m;
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errsz, "out of memory");
out:
	curl_free(host);
	curl_free(port);
	curl_free(given_port);
	curl_url_cleanup(u);
	return rc;
}

static int epoll_add_fd(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

struct collector *collector_new(const struct cfg *cfg, struct store *store,
				struct state_pub *pub, char *err, size_t errsz)
{
	struct collector *c = calloc(1, sizeof *c);
	size_t n = cfg->n_dienste, nn, n_usage = 0, body_limit;
	uint64_t now = sched_now_ms();

	for (size_t i = 0; i < n; i++)
		n_usage += cfg->dienste[i].usage != NULL;
	nn = n + n_usage ? n + n_usage : 1;

	if (!c) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	c->cfg = cfg;
	c->store = store;
	c->pub = pub;
	c->epfd = c->tfd_curl = c->tfd_sched = c->evfd_stop = c->tfd_tcp = -1;
	c->log_tokens = LOG_BURST;
	c->log_refill_ms = now;
	sched_heap_init(&c->heap);
	c->n_slots = cfg->global.max_concurrency < nn ? cfg->global.max_concurrency : nn;
	c->n_jobs = n + n_usage;
	c->usage_of = calloc(n_usage ? n_usage : 1, sizeof *c->usage_of);
	c->offset = calloc(nn, sizeof *c->offset);
	c->state = calloc(n ? n : 1, sizeof *c->state);
	c->usage_prev = calloc(n ? n : 1, sizeof *c->usage_prev);
	c->active = calloc(nn, sizeof *c->active);
	c->waiting = calloc(nn, sizeof *c->waiting);
	c->waitq = calloc(nn, sizeof *c->waitq);
	c->host_of = calloc(nn, sizeof *c->host_of);
	c->host_next = calloc(nn, sizeof *c->host_next);
	c->wait_due = calloc(nn, sizeof *c->wait_due);
	c->slots = calloc(c->n_slots, sizeof *c->slots);
	c->req_headers = calloc(n ? n : 1, sizeof *c->req_headers);
	c->sni = calloc(n ? n : 1, sizeof *c->sni);
	c->tcp_url = calloc(n ? n : 1, sizeof *c->tcp_url);
	/*
	 * A snapshot copies every target's state: past 10,000 targets it is
	 * published less often (1 ms more per 100 targets) so that copying
	 * stays a small share of the loop's time.
	 */
	c->publish_every_ms = PUBLISH_EVERY_MS + (n > 10000 ? (unsigned)((n - 10000) / 100) : 0);
	tls_version_init();
	if (!c->usage_of || !c->usage_prev || !c->req_headers || !c->sni || !c->tcp_url || !c->offset || !c->state || !c->active || !c->waiting || !c->waitq || !c->wait_due || !c->slots ||
	    !c->host_of || !c->host_next) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	body_limit = max_body_limit(cfg);
	for (size_t i = 0; i < c->n_slots; i++) {
		buf_init(&c->slots[i].body, body_limit);
		c->slots[i].next_free = i + 1 < c->n_slots ? &c->slots[i + 1] : NULL;
	}
	c->free_slots = c->n_slots ? &c->slots[0] : NULL;
	for (size_t i = 0, k = 0; i < n; i++)
		if (cfg->dienste[i].usage)
			c->usage_of[k++] = (uint32_t)i;
	for (size_t i = 0; i < n; i++) {
		const struct cfg_dienst *d = &cfg->dienste[i];
		size_t len;
		if (!d->probe.tcp)
			continue;
		len = strlen(d->url) + 8;
		c->tcp_url[i] = malloc(len);
		if (!c->tcp_url[i]) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
		snprintf(c->tcp_url[i], len, "%s://%s", d->probe.tls ? "https" : "http", d->url + 6);
	}
	if (build_hosts(c, err, errsz) != 0)
		goto fail;
	for (size_t k = 0; k < n_usage; k++) {
		const struct cfg_dienst *d = &cfg->dienste[c->usage_of[k]];
		size_t j = n + k;
		char key[64 + 8];
		snprintf(key, sizeof key, "%s/usage", d->id);
		c->offset[j] = sched_offset_ms(key, d->usage->interval_ms);
		if (sched_heap_push(&c->heap, sched_next_due(now, d->usage->interval_ms, c->offset[j]),
				    (uint32_t)j) != 0) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
	}

	for (size_t i = 0; i < n; i++) {
		const struct cfg_dienst *d = &cfg->dienste[i];
		if (d->probe.n_headers &&
		    !(c->req_headers[i] = slist_from(d->probe.headers, d->probe.n_headers))) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
		c->offset[i] = sched_offset_ms(d->id, d->interval_ms);
		/* The first probe comes at the target's phase within the coming interval. */
		if (sched_heap_push(&c->heap, sched_next_due(now, d->interval_ms, c->offset[i]),
				    (uint32_t)i) != 0) {
			snprintf(err, errsz, "out of memory");
			goto fail;
		}
	}

	c->multi = curl_multi_init();
	if (!c->multi) {
		snprintf(err, errsz, "curl_multi_init failed");
		goto fail;
	}
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)cfg->global.max_concurrency);
	/*
	 * No CURLMOPT_MAX_HOST_CONNECTIONS: curl would count connections per
	 * connect-to address and let queued transfers use up their timeout.
	 * The per-host bound is kept by dispatch() instead.
	 */

	if ((cfg->global.n_connect_to &&
	     !(c->connect_to = slist_from(cfg->global.connect_to, cfg->global.n_connect_to))) ||
	    (cfg->global.n_resolve &&
	     !(c->resolve = slist_from(cfg->global.resolve, cfg->global.n_resolve)))) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}

	for (size_t i = 0; i < n; i++)
		if (cfg->dienste[i].probe.server_name && sni_setup(c, i, err, errsz) != 0)
			goto fail;

	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->tfd_curl = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	c->tfd_sched = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	c->evfd_stop = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	c->tfd_tcp = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->epfd < 0 || c->tfd_curl < 0 || c->tfd_sched < 0 || c->evfd_stop < 0 ||
	    c->tfd_tcp < 0 ||
	    epoll_add_fd(c->epfd, c->tfd_curl) != 0 || epoll_add_fd(c->epfd, c->tfd_sched) != 0 ||
	    epoll_add_fd(c->epfd, c->evfd_stop) != 0 || epoll_add_fd(c->epfd, c->tfd_tcp) != 0) {
		snprintf(err, errsz, "cannot set up the event loop: %s", strerror(errno));
		goto fail;
	}
	/*
	 * Loading a large configuration leaves tens of MB of freed parse
	 * tree in the heap; hand it back before the long run starts.
	 */
	malloc_trim(0);
	return c;
fail:
	collector_free(c);
	return NULL;
}

uint64_t collector_beat_ms(struct collector *c)
{
	return c ? atomic_load(&c->beat_ms) : 0;
}

int collector_start(struct collector *c, char *err, size_t errsz)
{
	int rc;

	atomic_store(&c->beat_ms, sched_now_ms());
	rc = pthread_create(&c->thread, NULL, collector_thread, c);
	if (rc != 0) {
		snprintf(err, errsz, "cannot start collector thread: %s", strerror(rc));
		return -1;
	}
	c->running = true;
	return 0;
}

void collector_stop(struct collector *c)
{
	uint64_t one = 1;

	if (!c || !c->running)
		return;
	(void)!write(c->evfd_stop, &one, sizeof one);
	pthread_join(c->thread, NULL);
	c->running = false;
}

unsigned collector_drain(struct collector *c, unsigned timeout_ms)
{
	const struct timespec nap = { 0, 20 * 1000000L };
	uint64_t deadline;
	unsigned left;

	if (!c || !c->running)
		return 0;
	atomic_store(&c->in_flight_pub, UINT_MAX);	/* until the thread has seen the flag */
	atomic_store(&c->draining, true);
	timer_arm(c->tfd_sched, 0);			/* wake the loop now */
	deadline = sched_now_ms() + timeout_ms;
	while ((left = atomic_load(&c->in_flight_pub)) > 0 && sched_now_ms() < deadline)
		nanosleep(&nap, NULL);
	collector_stop(c);
	return c->aborted_at_stop;	/* the thread has ended: no race */
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

void collector_free(struct collector *c)
{
	if (!c)
		return;
	collector_stop(c);
	if (c->slots) {
		for (size_t i = 0; i < c->n_slots; i++) {
			if (c->slots[i].easy) {
				if (c->multi)
					curl_multi_remove_handle(c->multi, c->slots[i].easy);
				curl_easy_cleanup(c->slots[i].easy);
			}
			buf_free(&c->slots[i].body);
		}
	}
	if (c->multi)
		curl_multi_cleanup(c->multi);
	curl_slist_free_all(c->connect_to);
	curl_slist_free_all(c->resolve);
	close_fd(c->epfd);
	close_fd(c->tfd_curl);
	close_fd(c->tfd_sched);
	close_fd(c->tfd_tcp);
	close_fd(c->evfd_stop);
	sched_heap_free(&c->heap);
	free(c->slots);
	if (c->hosts)
		for (size_t i = 0; i < c->n_hosts; i++)
			free(c->hosts[i].name);
	free(c->hosts);
	if (c->req_headers)
		for (size_t i = 0; i < c->cfg->n_dienste; i++)
			curl_slist_free_all(c->req_headers[i]);
	if (c->sni)
		for (size_t i = 0; i < c->cfg->n_dienste; i++) {
			curl_free(c->sni[i].url);
			curl_slist_free_all(c->sni[i].connect_to);
			curl_slist_free_all(c->sni[i].headers);
		}
	free(c->sni);
	if (c->tcp_url)
		for (size_t i = 0; i < c->cfg->n_dienste; i++)
			free(c->tcp_url[i]);
	free(c->tcp_url);
	if (c->state)
		for (size_t i = 0; i < c->cfg->n_dienste; i++)
			usage_result_release(c->state[i].usage);
	if (c->usage_prev)
		for (size_t i = 0; i < c->cfg->n_dienste; i++)
			usage_result_release(c->usage_prev[i]);
	free(c->usage_prev);
	free(c->usage_of);
	free(c->req_headers);
	free(c->host_of);
	free(c->host_next);
	free(c->wait_due);
	free(c->waitq);
	free(c->waiting);
	free(c->active);
	free(c->state);
	free(c->offset);
	free(c);
}

void collector_set_model(struct collector *c, struct model *m)
{
	if (c && !c->running)
		c->model = m;
}

void collector_adopt(struct collector *c, const struct snapshot *old)
{
	if (!c || !old || !old->cfg || c->running)
		return;
	for (size_t i = 0; i < c->cfg->n_dienste; i++) {
		const struct cfg_dienst *d = &c->cfg->dienste[i];
		const struct cfg_dienst *o = cfg_find_dienst(old->cfg, d->id);
		size_t j;

		if (!o || strcmp(o->url, d->url) != 0)
			continue;
		j = (size_t)(o - old->cfg->dienste);
		if (j >= old->n)
			continue;
		c->state[i] = old->t[j];
		/*
		 * Usage values index the old configuration's metric list and are
		 * shared with the old snapshots: the next fetch brings new ones.
		 */
		c->state[i].usage = NULL;
		if (c->state[i].probed)
			c->probed++;
	}
	memcpy(c->stats.results, old->stats.results, sizeof c->stats.results);
	c->stats.skipped = old->stats.skipped;
	c->stats.started = old->stats.started;
	c->stats.finished = old->stats.finished;
	c->stats.usage_started = old->stats.usage_started;
	c->stats.usage_finished = old->stats.usage_finished;
	c->stats.usage_errors = old->stats.usage_errors;
	c->stats.aborted = old->stats.aborted;
	c->stats.usage_aborted = old->stats.usage_aborted;
	/* The lag histogram counts every start: it continues with them. */
	memcpy(c->stats.lag_bucket, old->stats.lag_bucket, sizeof c->stats.lag_bucket);
	c->stats.lag_sum_s = old->stats.lag_sum_s;
	c->dirty = true;	/* publish the carried-over state at once */
}
