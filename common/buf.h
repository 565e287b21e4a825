/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * buf.h - a growable byte buffer with a hard size limit.
 *
 * Used for rendering (metrics, HTML) and for collecting bounded network
 * bodies.  Once an append would pass `limit`, the buffer is marked
 * `overflow`, keeps what it had, and every further append is ignored: the
 * caller checks `overflow` once at the end instead of after every call.
 */
#ifndef OZG_BUF_H
#define OZG_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;	/* NUL-terminated when len > 0; owned */
	size_t len;
	size_t cap;
	size_t limit;	/* hard maximum of len */
	bool overflow;	/* an append was refused (limit or out of memory) */
};

void buf_init(struct buf *b, size_t limit);
void buf_free(struct buf *b);		/* NULL-safe; leaves b empty */
void buf_reset(struct buf *b);		/* len = 0, keeps memory */
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Takes the data out: the caller owns the returned pointer (may be NULL when empty). */
char *buf_steal(struct buf *b, size_t *len);

#endif
