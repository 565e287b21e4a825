/* SPDX-License-Identifier: EUPL-1.2 */
/* readfile.c - see readfile.h. */
#include "common/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int readfile_all(const char *path, size_t max_bytes,
		 int (*check)(const struct stat *st, char *err, size_t errsz), bool wipe,
		 char **out, size_t *len, char *err, size_t errsz)
{
	struct stat st;
	size_t size, got = 0;
	char *buf;
	int fd;

	*out = NULL;
	*len = 0;
	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errsz, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errsz, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "not a regular file");
		close(fd);
		return -1;
	}
	if (check && check(&st, err, errsz) != 0) {
		close(fd);
		return -1;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > max_bytes) {
		snprintf(err, errsz, "larger than %zu bytes", max_bytes);
		close(fd);
		return -1;
	}
	size = (size_t)st.st_size;
	buf = malloc(size + 1);
	if (!buf) {
		snprintf(err, errsz, "out of memory");
		close(fd);
		return -1;
	}
	/* Bounded: every pass reads at least one byte or ends the loop. */
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errsz, "%s", strerror(errno));
			if (wipe)
				memset(buf, 0, got);
			free(buf);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;	/* the file shrank meanwhile: take what is there */
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}
