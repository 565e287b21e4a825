/* SPDX-License-Identifier: EUPL-1.2 */
/* state.c - see state.h. */
#include "model/state.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

/*
 * Past this size a snapshot's target array is mapped directly: it is made
 * and dropped several times a second, and from the heap it would leave
 * fragments that grow the resident set over a long run.
 */
#define SNAPSHOT_MMAP_MIN (1u << 20)

const char *probe_result_name(enum probe_result r)
{
	static const char *const names[PROBE_RESULT_COUNT] = {
		[PROBE_SUCCESS] = "success",
		[PROBE_TIMEOUT] = "timeout",
		[PROBE_DNS] = "dns",
		[PROBE_CONNECT] = "connect",
		[PROBE_TLS] = "tls",
		[PROBE_CERT_EXPIRED] = "cert_expired",
		[PROBE_HTTP_STATUS] = "http_status",
		[PROBE_CONTENT] = "content",
		[PROBE_BODY_TOO_LARGE] = "body_too_large",
		[PROBE_REDIRECT_LIMIT] = "redirect_limit",
		[PROBE_HEADER_TOO_LARGE] = "header_too_large",
		[PROBE_REDIRECT_REFUSED] = "redirect_refused",
		[PROBE_TOO_SLOW] = "too_slow",
	};
	return (unsigned)r < PROBE_RESULT_COUNT ? names[r] : "unknown";
}

const char *probe_phase_name(enum probe_phase ph)
{
	static const char *const names[PROBE_PHASE_COUNT] = {
		[PHASE_RESOLVE] = "resolve",
		[PHASE_CONNECT] = "connect",
		[PHASE_TLS] = "tls",
		[PHASE_PROCESSING] = "processing",
		[PHASE_TRANSFER] = "transfer",
	};
	return (unsigned)ph < PROBE_PHASE_COUNT ? names[ph] : "unknown";
}

const double state_lag_bounds[STATE_LAG_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};

struct snapshot *snapshot_new(const struct cfg *cfg)
{
	struct snapshot *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->n = cfg->n_dienste;
	s->t_bytes = (s->n ? s->n : 1) * sizeof *s->t;
	if (s->t_bytes >= SNAPSHOT_MMAP_MIN) {
		void *m = mmap(NULL, s->t_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		s->t = m == MAP_FAILED ? NULL : m;	/* zero-filled */
		s->t_mapped = s->t != NULL;
	} else {
		s->t = calloc(s->n ? s->n : 1, sizeof *s->t);
	}
	if (!s->t) {
		free(s);
		return NULL;
	}
	s->cfg = cfg;
	atomic_init(&s->refs, 1);
	return s;
}

void usage_result_ref(struct usage_result *r)
{
	if (r)
		atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
}

void usage_result_release(struct usage_result *r)
{
	if (r && atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1)
		free(r);
}

void snapshot_release(struct snapshot *s)
{
	if (!s)
		return;
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
		for (size_t i = 0; i < s->n; i++)
			usage_result_release(s->t[i].usage);
		if (s->t_mapped)
			munmap(s->t, s->t_bytes);
		else
			free(s->t);
		state_cfg_release(s->cfgref);	/* last: the cfg may go with it */
		free(s);
	}
}

void state_pub_init(struct state_pub *p)
{
	pthread_mutex_init(&p->lock, NULL);
	p->cur = NULL;
	p->cfgref = NULL;
	atomic_init(&p->first_round_done, false);
}

void state_pub_destroy(struct state_pub *p)
{
	snapshot_release(p->cur);
	p->cur = NULL;
	state_cfg_release(p->cfgref);
	p->cfgref = NULL;
	pthread_mutex_destroy(&p->lock);
}

void state_publish(struct state_pub *p, struct snapshot *s)
{
	struct snapshot *old;

	pthread_mutex_lock(&p->lock);
	if (s && !s->cfgref && p->cfgref && p->cfgref->cfg == s->cfg)
		s->cfgref = state_cfg_ref(p->cfgref);
	old = p->cur;
	p->cur = s;
	pthread_mutex_unlock(&p->lock);
	snapshot_release(old);
}

struct snapshot *state_acquire(struct state_pub *p)
{
	struct snapshot *s;

	pthread_mutex_lock(&p->lock);
	s = p->cur;
	if (s)
		atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&p->lock);
	return s;
}

int64_t state_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct state_cfg *state_cfg_new(struct cfg *cfg)
{
	struct state_cfg *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	r->model = model_new(cfg);
	if (!r->model) {
		free(r);
		return NULL;
	}
	r->cfg = cfg;
	atomic_init(&r->refs, 1);
	return r;
}

struct state_cfg *state_cfg_ref(struct state_cfg *r)
{
	if (r)
		atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
	return r;
}

void state_cfg_release(struct state_cfg *r)
{
	if (r && atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1) {
		model_free(r->model);
		cfg_free(r->cfg);
		free(r);
	}
}

void state_pub_set_cfg(struct state_pub *p, struct state_cfg *r)
{
	struct state_cfg *old;

	state_cfg_ref(r);
	pthread_mutex_lock(&p->lock);
	old = p->cfgref;
	p->cfgref = r;
	pthread_mutex_unlock(&p->lock);
	state_cfg_release(old);
}
