/* collector.c - see collector.h. */
#include "collector/collector.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
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

#include "collector/sched.h"
#include "common/buf.h"
#include "common/log.h"

#define PUBLISH_EVERY_MS 200
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
	bool keep_body;
	bool too_large;
	char errbuf[CURL_ERROR_SIZE];
	struct probe *next_free;
};

struct collector {
	const struct cfg *cfg;
	struct store *store;
	struct state_pub *pub;

	CURLM *multi;
	struct curl_slist *connect_to;
	struct curl_slist *resolve;
	int epfd, tfd_curl, tfd_sched, evfd_stop;

	struct sched_heap heap;
	uint64_t *offset;	/* per target: phase within its interval */
	struct target_state *state;	/* per target, owned by the thread */
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

	struct probe *slots;	/* max_concurrency slots */
	size_t n_slots;
	struct probe *free_slots;
	struct collector_stats stats;

	bool dirty;
	uint64_t last_publish_ms;
	bool running;
	pthread_t thread;

	atomic_bool draining;		/* collector_drain: start no more probes */
	atomic_uint in_flight_pub;	/* transfers running, published while draining */
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

enum probe_result probe_classify(int curl_code, long http_status, const struct cfg_probe *p,
				 const char *body, size_t body_len, bool body_too_large)
{
	switch ((CURLcode)curl_code) {
	case CURLE_OK:
		if (!status_expected(p, http_status))
			return PROBE_HTTP_STATUS;
		if (p->body_contains &&
		    (!body || !memmem(body, body_len, p->body_contains, strlen(p->body_contains))))
			return PROBE_CONTENT;
		return PROBE_SUCCESS;
	case CURLE_OPERATION_TIMEDOUT:
		return PROBE_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return PROBE_DNS;
	case CURLE_TOO_MANY_REDIRECTS:
		return PROBE_REDIRECT_LIMIT;
	case CURLE_WRITE_ERROR:
		return body_too_large ? PROBE_BODY_TOO_LARGE : PROBE_CONNECT;
	case CURLE_FILESIZE_EXCEEDED:
		return PROBE_BODY_TOO_LARGE;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
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

	if (n > COLLECTOR_BODY_LIMIT - p->body_seen) {
		p->too_large = true;
		return 0;	/* aborts the transfer with CURLE_WRITE_ERROR */
	}
	p->body_seen += n;
	if (p->keep_body)
		buf_append(&p->body, ptr, n);
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

static int probe_start(struct collector *c, uint32_t t, uint64_t due_ms, uint64_t now)
{
	const struct cfg_dienst *d = &c->cfg->dienste[t];
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
	p->keep_body = d->probe.body_contains != NULL;
	p->errbuf[0] = '\0';

	curl_easy_setopt(e, CURLOPT_URL, d->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, p);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)d->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)d->timeout_ms);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "ozgmon/" OZGMON_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	/* Every probe measures the whole path: name lookup, connect, TLS. */
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	if (c->connect_to)
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, c->connect_to);
	if (c->resolve)
		curl_easy_setopt(e, CURLOPT_RESOLVE, c->resolve);

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
		c->stats.lag_last_s = lag;
		if (lag > c->stats.lag_max_s)
			c->stats.lag_max_s = lag;
	}
	return 0;
}

static void probe_finish(struct collector *c, CURL *e, CURLcode code)
{
	struct probe *p = NULL;
	const struct cfg_dienst *d;
	struct target_state *ts;
	struct store_sample s = { 0 };
	long status = 0;
	curl_off_t total_us = 0;
	enum probe_result r;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&p);
	curl_multi_remove_handle(c->multi, e);
	if (!p)
		return;
	d = &c->cfg->dienste[p->target];
	ts = &c->state[p->target];
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total_us);

	r = probe_classify(code, status, &d->probe, p->body.data, p->body.len, p->too_large);
	if (!ts->probed) {
		ts->probed = true;
		c->probed++;
		if (c->probed == c->cfg->n_dienste)
			atomic_store(&c->pub->first_round_done, true);
	}
	ts->success = r == PROBE_SUCCESS;
	ts->result = r;
	ts->duration_s = (double)total_us / 1e6;
	ts->http_status = (int)status;
	ts->last_ms = state_wall_ms();
	ts->probes++;
	if (!ts->success) {
		ts->failures++;
		log_debug("probe %s: %s (%s%s%s)", d->id, probe_result_name(r),
			  curl_easy_strerror(code), p->errbuf[0] ? ": " : "", p->errbuf);
	}
	c->stats.results[r]++;
	c->stats.in_flight--;
	c->dirty = true;

	s.target = p->target;
	s.ts_ms = ts->last_ms;
	s.up = ts->success;
	s.answered = status > 0;
	s.duration_s = ts->duration_s;
	s.http_status = (int)status;
	store_submit(c->store, &s);

	c->active[p->target] = NULL;
	slot_put(c, p);
	{
		struct host *h = &c->hosts[c->host_of[s.target]];
		uint32_t next;
		h->in_flight--;
		next = host_dequeue(c, h);
		if (next != NO_TARGET)
			dispatch(c, next, c->wait_due[next], sched_now_ms());
	}
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
		c->waitq[(c->wq_head + c->wq_len) % c->cfg->n_dienste] = t;
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

		c->wq_head = (c->wq_head + 1) % c->cfg->n_dienste;
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
		const struct cfg_dienst *d;

		sched_heap_pop(&c->heap, &it);
		d = &c->cfg->dienste[it.target];
		/* Popping then pushing one item never grows the heap: this cannot fail. */
		(void)sched_heap_push(&c->heap, sched_next_due(now, d->interval_ms, c->offset[it.target]),
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
	s->stats = c->stats;
	s->made_ms = state_wall_ms();
	state_publish(c->pub, s);
	c->stats.lag_max_s = 0;
	c->dirty = false;
	c->last_publish_ms = now;
}

static void arm_schedule(struct collector *c, uint64_t now)
{
	const struct sched_item *top = sched_heap_peek(&c->heap);
	uint64_t next = top ? top->due_ms : UINT64_MAX;

	if (c->dirty && c->last_publish_ms + PUBLISH_EVERY_MS < next)
		next = c->last_publish_ms + PUBLISH_EVERY_MS;
	timer_arm(c->tfd_sched, next == UINT64_MAX ? UINT64_MAX : next > now ? next - now : 0);
}

static void *collector_thread(void *arg)
{
	struct collector *c = arg;
	struct epoll_event evs[MAX_EVENTS];
	bool stop = false;
	int running;

	arm_schedule(c, sched_now_ms());
	while (!stop) {
		int n = epoll_wait(c->epfd, evs, MAX_EVENTS, -1);
		uint64_t now;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("collector: epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == c->evfd_stop) {
				stop = true;
			} else if (fd == c->tfd_curl) {
				drain_fd(fd);
				curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
			} else if (fd == c->tfd_sched) {
				drain_fd(fd);
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
		if (c->dirty && now >= c->last_publish_ms + PUBLISH_EVERY_MS)
			publish(c, now);
		arm_schedule(c, now);
	}
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
	size_t n = c->cfg->n_dienste, size = 16;
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

		if (url_host_key(c->cfg->dienste[t].url, key, sizeof key) != 0) {
			snprintf(err, errsz, "%s: cannot parse the host of %s", c->cfg->dienste[t].id,
				 c->cfg->dienste[t].url);
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

static int epoll_add_fd(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

struct collector *collector_new(const struct cfg *cfg, struct store *store,
				struct state_pub *pub, char *err, size_t errsz)
{
	struct collector *c = calloc(1, sizeof *c);
	size_t n = cfg->n_dienste, nn = n ? n : 1;
	uint64_t now = sched_now_ms();

	if (!c) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	c->cfg = cfg;
	c->store = store;
	c->pub = pub;
	c->epfd = c->tfd_curl = c->tfd_sched = c->evfd_stop = -1;
	sched_heap_init(&c->heap);
	c->n_slots = cfg->global.max_concurrency < nn ? cfg->global.max_concurrency : nn;
	c->offset = calloc(nn, sizeof *c->offset);
	c->state = calloc(nn, sizeof *c->state);
	c->active = calloc(nn, sizeof *c->active);
	c->waiting = calloc(nn, sizeof *c->waiting);
	c->waitq = calloc(nn, sizeof *c->waitq);
	c->host_of = calloc(nn, sizeof *c->host_of);
	c->host_next = calloc(nn, sizeof *c->host_next);
	c->wait_due = calloc(nn, sizeof *c->wait_due);
	c->slots = calloc(c->n_slots, sizeof *c->slots);
	if (!c->offset || !c->state || !c->active || !c->waiting || !c->waitq || !c->wait_due || !c->slots ||
	    !c->host_of || !c->host_next) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < c->n_slots; i++) {
		buf_init(&c->slots[i].body, COLLECTOR_BODY_LIMIT);
		c->slots[i].next_free = i + 1 < c->n_slots ? &c->slots[i + 1] : NULL;
	}
	c->free_slots = c->n_slots ? &c->slots[0] : NULL;
	if (build_hosts(c, err, errsz) != 0)
		goto fail;

	for (size_t i = 0; i < n; i++) {
		const struct cfg_dienst *d = &cfg->dienste[i];
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

	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->tfd_curl = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	c->tfd_sched = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	c->evfd_stop = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->epfd < 0 || c->tfd_curl < 0 || c->tfd_sched < 0 || c->evfd_stop < 0 ||
	    epoll_add_fd(c->epfd, c->tfd_curl) != 0 || epoll_add_fd(c->epfd, c->tfd_sched) != 0 ||
	    epoll_add_fd(c->epfd, c->evfd_stop) != 0) {
		snprintf(err, errsz, "cannot set up the event loop: %s", strerror(errno));
		goto fail;
	}
	return c;
fail:
	collector_free(c);
	return NULL;
}

int collector_start(struct collector *c, char *err, size_t errsz)
{
	int rc = pthread_create(&c->thread, NULL, collector_thread, c);
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
	return left == UINT_MAX ? 0 : left;
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
	close_fd(c->evfd_stop);
	sched_heap_free(&c->heap);
	free(c->slots);
	if (c->hosts)
		for (size_t i = 0; i < c->n_hosts; i++)
			free(c->hosts[i].name);
	free(c->hosts);
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
		if (c->state[i].probed)
			c->probed++;
	}
	memcpy(c->stats.results, old->stats.results, sizeof c->stats.results);
	c->stats.skipped = old->stats.skipped;
	c->dirty = true;	/* publish the carried-over state at once */
}
