/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * sched.h - when each probe target is due.
 *
 * Every target has a stable offset within its interval, derived from a hash
 * of its id, so that probes of many targets spread evenly over the interval
 * and a target keeps its phase across restarts and reloads.  Times are
 * milliseconds of CLOCK_MONOTONIC: wall-clock steps change nothing.
 *
 * The heap orders (due, target) pairs; the collector pops what is due.
 */
#ifndef OZG_SCHED_H
#define OZG_SCHED_H

#include <stddef.h>
#include <stdint.h>

/* 64-bit FNV-1a of a NUL-terminated string. */
uint64_t sched_hash(const char *s);
/* Offset of target `id` within an interval: in [0, interval_ms). interval_ms > 0. */
uint64_t sched_offset_ms(const char *id, unsigned interval_ms);
/*
 * The first due time strictly after `after_ms` on the grid
 * { offset + k * interval : k >= 0 }.
 */
uint64_t sched_next_due(uint64_t after_ms, unsigned interval_ms, uint64_t offset_ms);
/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t sched_now_ms(void);

struct sched_item {
	uint64_t due_ms;
	uint32_t target;
};

/* A binary min-heap of sched_items ordered by due_ms, then target. */
struct sched_heap {
	struct sched_item *v;
	size_t n, cap;
};

void sched_heap_init(struct sched_heap *h);
void sched_heap_free(struct sched_heap *h);	/* NULL-safe */
/* Returns 0, or -1 when out of memory (heap unchanged). */
int sched_heap_push(struct sched_heap *h, uint64_t due_ms, uint32_t target);
/* The earliest item, or NULL when empty; the pointer is valid until the next change. */
const struct sched_item *sched_heap_peek(const struct sched_heap *h);
/* Removes the earliest item into *out; returns -1 when empty. */
int sched_heap_pop(struct sched_heap *h, struct sched_item *out);

#endif
