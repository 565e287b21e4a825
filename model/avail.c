/* SPDX-License-Identifier: EUPL-1.2 */
/* avail.c - see avail.h. */
#include "model/avail.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

const unsigned model_window_s[MODEL_WINDOWS] = { 86400, 7 * 86400, 30 * 86400, 90 * 86400 };
const char *const model_window_name[MODEL_WINDOWS] = { "1d", "7d", "30d", "90d" };

#define HOUR_S 3600
#define DAY_S 86400
#define SHARDS 64u

/*
 * A bucket is one 64-bit word of three fields: up, known and maintenance
 * seconds.  Hourly buckets use 12 bits per field (<= 3600 s fits 4095),
 * daily ones 17 bits (<= 86400 s fits 131071).
 */
#define HBITS 12u
#define DBITS 17u

struct mtarget {
	int64_t prev_s;		/* time of the latest sample (s); 0: none yet */
	int64_t live_from;	/* live samples cover the time after this; 0: none yet */
	int64_t first_ok;	/* first success (s); 0: none known */
	int32_t hour_head;	/* hour number (t / 3600) of the newest hourly bucket; 0: none */
	int32_t day_head;	/* day number (t / 86400) of the newest daily bucket; 0: none */
	uint32_t hb;		/* heartbeat (s): 2 x the interval */
	bool seeded;
	uint64_t hour[MODEL_HOURS];	/* bucket of hour h at h % MODEL_HOURS */
	uint64_t day[MODEL_DAYS];	/* bucket of day d at d % MODEL_DAYS */
};

struct model {
	const struct cfg *cfg;
	size_t n;
	struct mtarget *t;
	pthread_mutex_t *lock;		/* SHARDS of them; target i: lock[i % SHARDS] */
};

static pthread_mutex_t *lock_of(const struct model *m, size_t i)
{
	return &m->lock[i % SHARDS];
}

static uint64_t field(uint64_t w, unsigned bits, unsigned k)
{
	return (w >> (bits * k)) & ((UINT64_C(1) << bits) - 1);
}

/* w with (up, known, maint) added to its fields, each saturating. */
static uint64_t bucket_add(uint64_t w, unsigned bits, const uint64_t add[3])
{
	uint64_t max = (UINT64_C(1) << bits) - 1, out = 0;

	for (unsigned k = 0; k < 3; k++) {
		uint64_t v = field(w, bits, k) + add[k];
		out |= (v > max ? max : v) << (bits * k);
	}
	return out;
}

/* Adds to the bucket of period p in a ring of `size` whose newest is *head. */
static void ring_add(uint64_t *ring, size_t size, int32_t *head, int32_t p, unsigned bits,
		     const uint64_t add[3])
{
	if (*head == 0)
		*head = p;
	if (p > *head) {
		int64_t adv = (int64_t)p - *head;
		if (adv >= (int64_t)size)
			memset(ring, 0, size * sizeof *ring);
		else
			for (int64_t k = 1; k <= adv; k++)
				ring[(size_t)(*head + k) % size] = 0;
		*head = p;
	}
	if ((int64_t)p <= (int64_t)*head - (int64_t)size)
		return;	/* older than the ring holds */
	ring[(size_t)p % size] = bucket_add(ring[(size_t)p % size], bits, add);
}

/* Counts (a, b] (seconds) with `up` the up fraction, as maintenance or not. */
static void add_span(struct mtarget *t, int64_t a, int64_t b, double up, bool maint)
{
	while (a < b) {
		int64_t next = (a / HOUR_S + 1) * HOUR_S, e = b < next ? b : next;
		uint64_t w = (uint64_t)(e - a), add[3];

		add[0] = maint ? 0 : (uint64_t)llround((double)w * (up < 0 ? 0 : up > 1 ? 1 : up));
		add[1] = w;
		add[2] = maint ? w : 0;
		/* The piece (a, e] lies in the hour and the day of its last second. */
		ring_add(t->hour, MODEL_HOURS, &t->hour_head, (int32_t)((e - 1) / HOUR_S), HBITS, add);
		ring_add(t->day, MODEL_DAYS, &t->day_head, (int32_t)((e - 1) / DAY_S), DBITS, add);
		a = e;
	}
}

struct model *model_new(const struct cfg *cfg)
{
	struct model *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	m->cfg = cfg;
	m->n = cfg ? cfg->n_dienste : 0;
	m->t = calloc(m->n ? m->n : 1, sizeof *m->t);
	m->lock = calloc(SHARDS, sizeof *m->lock);
	if (!m->t || !m->lock) {
		free(m->t);
		free(m->lock);
		free(m);
		return NULL;
	}
	for (size_t i = 0; i < m->n; i++) {
		uint64_t iv = cfg->dienste[i].interval_ms / 1000;
		m->t[i].hb = (uint32_t)(2 * (iv ? iv : 1));
	}
	for (unsigned k = 0; k < SHARDS; k++)
		pthread_mutex_init(&m->lock[k], NULL);
	return m;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	for (unsigned k = 0; k < SHARDS; k++)
		pthread_mutex_destroy(&m->lock[k]);
	free(m->lock);
	free(m->t);
	free(m);
}

size_t model_size(const struct model *m)
{
	return m ? m->n : 0;
}

size_t model_target_bytes(void)
{
	return sizeof(struct mtarget);
}

const struct cfg *model_cfg(const struct model *m)
{
	return m ? m->cfg : NULL;
}

void model_adopt(struct model *m, const struct model *old)
{
	if (!m || !old || !m->cfg || !old->cfg)
		return;
	for (size_t i = 0; i < m->n; i++) {
		const struct cfg_dienst *o = cfg_find_dienst(old->cfg, m->cfg->dienste[i].id);
		size_t j;
		uint32_t hb = m->t[i].hb;

		if (!o)
			continue;
		j = (size_t)(o - old->cfg->dienste);
		if (j >= old->n)
			continue;
		pthread_mutex_lock(lock_of(old, j));
		m->t[i] = old->t[j];
		pthread_mutex_unlock(lock_of(old, j));
		m->t[i].hb = hb;	/* the new interval rules the next samples */
	}
}

void model_sample(struct model *m, size_t i, int64_t ts_ms, bool up, bool maint)
{
	struct mtarget *t;
	int64_t s = ts_ms / 1000;

	if (!m || i >= m->n || s <= 0)
		return;
	t = &m->t[i];
	pthread_mutex_lock(lock_of(m, i));
	if (up && (t->first_ok == 0 || s < t->first_ok))
		t->first_ok = s;
	if (t->prev_s == 0) {
		/* No span before the first sample: it only starts the clock. */
		t->prev_s = s;
		if (t->live_from == 0)
			t->live_from = s;
	} else if (s > t->prev_s) {
		if (s - t->prev_s <= (int64_t)t->hb)
			add_span(t, t->prev_s, s, up ? 1.0 : 0.0, maint);
		t->prev_s = s;
	}
	pthread_mutex_unlock(lock_of(m, i));
}

void model_seed(struct model *m, size_t i, const struct model_row *rows, size_t n)
{
	struct mtarget *t;
	int64_t cut, last_known = 0;

	if (!m || i >= m->n)
		return;
	t = &m->t[i];
	pthread_mutex_lock(lock_of(m, i));
	if (t->seeded) {
		pthread_mutex_unlock(lock_of(m, i));
		return;
	}
	cut = t->live_from ? t->live_from : INT64_MAX;
	for (size_t k = 0; k < n; k++) {
		const struct model_row *r = &rows[k];
		int64_t a = (int64_t)r->end - (int64_t)r->step, b = (int64_t)r->end;

		if (isnan(r->up) || r->step == 0)
			continue;
		if (b > last_known)
			last_known = b;
		if (b > cut)
			b = cut;
		if (b <= a)
			continue;
		add_span(t, a, b, r->up, !isnan(r->maint) && r->maint >= 0.5);
		if (r->up > 0 && (t->first_ok == 0 || a < t->first_ok))
			t->first_ok = a;
	}
	if (t->live_from == 0 && last_known > 0) {
		/* Live samples continue the file: the next one covers the span since its last row. */
		t->live_from = last_known;
		t->prev_s = last_known;
	}
	t->seeded = true;
	pthread_mutex_unlock(lock_of(m, i));
}

bool model_seeded(const struct model *m, size_t i)
{
	bool s;

	if (!m || i >= m->n)
		return false;
	pthread_mutex_lock(lock_of(m, i));
	s = m->t[i].seeded;
	pthread_mutex_unlock(lock_of(m, i));
	return s;
}

/* A copy of target i's words, taken under its shard's lock. */
static bool copy_target(const struct model *m, size_t i, struct mtarget *out)
{
	if (!m || i >= m->n)
		return false;
	pthread_mutex_lock(lock_of(m, i));
	*out = m->t[i];
	pthread_mutex_unlock(lock_of(m, i));
	return out->seeded;
}

/* Sums of the buckets of periods [from, to] that the ring holds into up/known/maint. */
static void ring_sum(const uint64_t *ring, size_t size, int32_t head, unsigned bits, int64_t from,
		     int64_t to, double sum[3])
{
	if (head == 0)
		return;
	if (to > head)
		to = head;
	if (from <= (int64_t)head - (int64_t)size)
		from = (int64_t)head - (int64_t)size + 1;
	for (int64_t p = from; p <= to; p++)
		for (unsigned k = 0; k < 3; k++)
			sum[k] += (double)field(ring[(size_t)p % size], bits, k);
}

static double ratio(const double sum[3], double *known)
{
	double k = sum[1] - sum[2];

	if (known)
		*known = k > 0 ? k : 0;
	return k > 0 ? sum[0] / k : NAN;
}

void model_uptimes(const struct model *m, size_t i, time_t now, double out[MODEL_WINDOWS],
		   double *known_s)
{
	struct mtarget t;
	int64_t h = (int64_t)now / HOUR_S, d = (int64_t)now / DAY_S;

	for (int w = 0; w < MODEL_WINDOWS; w++) {
		out[w] = NAN;
		if (known_s)
			known_s[w] = 0;
	}
	if (!copy_target(m, i, &t))
		return;
	for (int w = 0; w < MODEL_WINDOWS; w++) {
		double sum[3] = { 0, 0, 0 };
		if (w == 0)
			ring_sum(t.hour, MODEL_HOURS, t.hour_head, HBITS, h - 23, h, sum);
		else
			ring_sum(t.day, MODEL_DAYS, t.day_head, DBITS,
				 d - (int64_t)(model_window_s[w] / DAY_S) + 1, d, sum);
		out[w] = ratio(sum, known_s ? &known_s[w] : NULL);
	}
}

void model_days(const struct model *m, size_t i, time_t now, size_t n, double *out)
{
	struct mtarget t;
	int64_t d = (int64_t)now / DAY_S;
	bool ok;

	if (n > MODEL_DAYS)
		n = MODEL_DAYS;
	for (size_t k = 0; k < n; k++)
		out[k] = NAN;
	ok = copy_target(m, i, &t);
	for (size_t k = 0; ok && k < n; k++) {
		double sum[3] = { 0, 0, 0 };
		int64_t p = d - (int64_t)(n - 1 - k);
		ring_sum(t.day, MODEL_DAYS, t.day_head, DBITS, p, p, sum);
		out[k] = ratio(sum, NULL);
	}
}

int64_t model_first_success(const struct model *m, size_t i)
{
	struct mtarget t;

	if (!m || i >= m->n)
		return 0;
	copy_target(m, i, &t);
	return t.first_ok;
}
