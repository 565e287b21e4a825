/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * readfile.h - reading a whole, bounded, regular file.
 *
 * The one way ozgmon reads a file it was pointed at by a configuration:
 * opened without following into a FIFO's wait (O_NONBLOCK), checked on the
 * opened descriptor (so the file checked is the file read), bounded in size.
 */
#ifndef OZG_READFILE_H
#define OZG_READFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/*
 * Reads the regular file at path, of at most max_bytes bytes, into a new
 * NUL-terminated buffer (*out, owned by the caller; *len bytes before the
 * NUL).  check, when not NULL, is asked about the opened file's fstat and
 * refuses it with -1 and a reason in err.  wipe: a buffer given up on error
 * is cleared before it is freed (secrets).  Returns 0, or -1 with a reason in
 * err that does not repeat the path.
 */
int readfile_all(const char *path, size_t max_bytes,
		 int (*check)(const struct stat *st, char *err, size_t errsz), bool wipe,
		 char **out, size_t *len, char *err, size_t errsz);

#endif
