/* secfile.c - see secfile.h. */
#include "common/secfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int secfile_check(const struct stat *st, char *err, size_t errsz)
{
	unsigned mode = (unsigned)st->st_mode & 07777;

	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errsz, "not a regular file");
		return -1;
	}
	if (mode & 0007) {
		snprintf(err, errsz, "is accessible by other users (mode %04o); chmod 0600 it, "
			 "or 0640 with owner root and the daemon's group", mode);
		return -1;
	}
	if (mode & 0020) {
		snprintf(err, errsz, "is writable by its group (mode %04o); chmod 0600 or 0640 it",
			 mode);
		return -1;
	}
	if ((mode & 0040) && st->st_uid != 0) {
		snprintf(err, errsz, "is readable by its group but not owned by root (mode %04o, "
			 "owner uid %u); chmod 0600 it, or chown root:<daemon group> with 0640",
			 mode, (unsigned)st->st_uid);
		return -1;
	}
	return 0;
}

int secfile_read(const char *path, size_t max_bytes, char **out, size_t *len, char *err,
		 size_t errsz)
{
	struct stat st;
	size_t size, got = 0;
	char *buf;
	int fd;

	*out = NULL;
	*len = 0;
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
	if (secfile_check(&st, err, errsz) != 0) {
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
			memset(buf, 0, got);
			free(buf);
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}
