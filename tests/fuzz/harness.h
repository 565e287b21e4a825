/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * harness.h - what the fuzz harnesses (tests/fuzz/fuzz_*.c) share: the
 * entry point libFuzzer and replay.c call, the invariant check, the memory
 * file a harness hands to a loader that wants a path, and a UTF-8 check.
 */
#ifndef OZGMON_FUZZ_HARNESS_H
#define OZGMON_FUZZ_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Called once per input; always returns 0 (a broken invariant aborts). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failed invariant: names it and aborts, so the input is kept as a crasher. */
#define must(cond)                                                                  \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
				#cond);                                             \
			abort();                                                    \
		}                                                                   \
	} while (0)

/*
 * Puts data[0..size) into a new memory file (memfd, nothing on disk) and
 * writes the path that opens it, /proc/self/fd/N, to path[pathsz].  Returns
 * the descriptor (the caller closes it), or -1 when the file could not be
 * made or written.
 */
static inline int fuzz_memfile(const char *name, const void *data, size_t size, char *path,
			       size_t pathsz)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, pathsz, "/proc/self/fd/%d", fd);
	return fd;
}

/* Whether s[0..n) is valid UTF-8: no overlong form, no surrogate, nothing above U+10FFFF. */
static inline int fuzz_utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], need, cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) { need = 1; cp = c & 0x1f; }
		else if (c >= 0xe0 && c <= 0xef) { need = 2; cp = c & 0x0f; }
		else if (c >= 0xf0 && c <= 0xf4) { need = 3; cp = c & 0x07; }
		else return 0;
		for (unsigned k = 1; k <= need; k++) {
			if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += need + 1;
	}
	return 1;
}

#endif
