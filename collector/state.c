/* state.c - see state.h. */
#include "collector/state.h"

#include <stdlib.h>
#include <time.h>

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
	};
	return (unsigned)r < PROBE_RESULT_COUNT ? names[r] : "unknown";
}

struct snapshot *snapshot_new(const struct cfg *cfg)
{
	struct snapshot *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->n = cfg->n_dienste;
	s->t = calloc(s->n ? s->n : 1, sizeof *s->t);
	if (!s->t) {
		free(s);
		return NULL;
	}
	s->cfg = cfg;
	atomic_init(&s->refs, 1);
	return s;
}

void snapshot_release(struct snapshot *s)
{
	if (!s)
		return;
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
		state_cfg_release(s->cfgref);
		free(s->t);
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
