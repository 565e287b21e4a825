/* SPDX-License-Identifier: EUPL-1.2 */
/* secfile.c - see secfile.h. */
#include "common/secfile.h"

#include <stdio.h>

#include "common/readfile.h"

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
	return readfile_all(path, max_bytes, secfile_check, true, out, len, err, errsz);
}
