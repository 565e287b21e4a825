/* SPDX-License-Identifier: EUPL-1.2 */
/* prom_cache.c - see prom_cache.h. */
#include "exporter/prom_cache.h"

#include <pthread.h>
#include <stdlib.h>

struct prom_cache {
	pthread_mutex_t lock;		/* guards everything below */
	struct state_cfg *cfgref;	/* the configuration of the blocks; a reference */
	struct buf block[2][PROM_CACHED_COUNT];	/* [openmetrics][which] */
	bool have[2][PROM_CACHED_COUNT];
};

struct prom_cache *prom_cache_new(void)
{
	struct prom_cache *c = calloc(1, sizeof *c);

	if (c)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

static void cache_clear(struct prom_cache *c)
{
	for (int f = 0; f < 2; f++)
		for (int k = 0; k < PROM_CACHED_COUNT; k++) {
			if (c->have[f][k])
				buf_free(&c->block[f][k]);
			c->have[f][k] = false;
		}
	state_cfg_release(c->cfgref);
	c->cfgref = NULL;
}

void prom_cache_free(struct prom_cache *c)
{
	if (!c)
		return;
	cache_clear(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void prom_cached(const struct prom_out *o, struct prom_cache *c, const struct snapshot *s,
		 enum prom_cached which, void (*render)(const struct prom_out *, const struct cfg *))
{
	struct buf *blk;
	int f = o->om ? 1 : 0;

	if (!c || !s->cfgref) {
		render(o, s->cfg);
		return;
	}
	pthread_mutex_lock(&c->lock);
	if (c->cfgref != s->cfgref) {
		cache_clear(c);
		c->cfgref = state_cfg_ref(s->cfgref);
	}
	blk = &c->block[f][which];
	if (!c->have[f][which]) {
		struct prom_out to = { .b = blk, .om = o->om };
		buf_init(blk, o->b->limit);
		render(&to, s->cfg);
		c->have[f][which] = true;
	}
	if (blk->overflow)
		o->b->overflow = true;	/* as rendering into o->b would have ended */
	else
		buf_append(o->b, blk->data ? blk->data : "", blk->len);
	pthread_mutex_unlock(&c->lock);
}
