/* SPDX-License-Identifier: EUPL-1.2 */
/* sched.c - see sched.h. */
#include "collector/sched.h"

#include <stdlib.h>
#include <time.h>

uint64_t sched_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	/* FNV's low bits mix poorly for short keys: finish with a murmur-style avalanche. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t sched_offset_ms(const char *id, unsigned interval_ms)
{
	return sched_hash(id) % interval_ms;
}

uint64_t sched_next_due(uint64_t after_ms, unsigned interval_ms, uint64_t offset_ms)
{
	uint64_t k;

	if (after_ms < offset_ms)
		return offset_ms;
	k = (after_ms - offset_ms) / interval_ms + 1;
	return offset_ms + k * interval_ms;
}

uint64_t sched_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void sched_heap_init(struct sched_heap *h)
{
	h->v = NULL;
	h->n = h->cap = 0;
}

void sched_heap_free(struct sched_heap *h)
{
	if (!h)
		return;
	free(h->v);
	sched_heap_init(h);
}

static int item_less(const struct sched_item *a, const struct sched_item *b)
{
	return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->target < b->target);
}

int sched_heap_push(struct sched_heap *h, uint64_t due_ms, uint32_t target)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct sched_item *v = realloc(h->v, cap * sizeof *v);
		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	i = h->n++;
	h->v[i].due_ms = due_ms;
	h->v[i].target = target;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		struct sched_item t;
		if (!item_less(&h->v[i], &h->v[p]))
			break;
		t = h->v[p];
		h->v[p] = h->v[i];
		h->v[i] = t;
		i = p;
	}
	return 0;
}

const struct sched_item *sched_heap_peek(const struct sched_heap *h)
{
	return h->n ? &h->v[0] : NULL;
}

int sched_heap_pop(struct sched_heap *h, struct sched_item *out)
{
	size_t i = 0;

	if (h->n == 0)
		return -1;
	*out = h->v[0];
	h->v[0] = h->v[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct sched_item t;
		if (l < h->n && item_less(&h->v[l], &h->v[m]))
			m = l;
		if (r < h->n && item_less(&h->v[r], &h->v[m]))
			m = r;
		if (m == i)
			break;
		t = h->v[m];
		h->v[m] = h->v[i];
		h->v[i] = t;
		i = m;
	}
	return 0;
}
