/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * secfile.h - reading secrets (passwords, tokens, private keys) only from
 * files whose permissions keep them secret.
 *
 * The rule (docs/security.md, "Secrets"):
 *   - a regular file (symbolic links are followed: certificate tools keep
 *     keys behind them; the file reached is what is checked);
 *   - no permission at all for others (mode & 0007 == 0);
 *   - not group-writable;
 *   - group-readable only when root owns the file: root:ozgmon 0640 is how
 *     a package gives its system user a key it may read but not change;
 *     a file owned by anyone else must be 0600 or stricter.
 * The check is made on the opened descriptor (fstat), so the file checked
 * is the file read.
 */
#ifndef OZG_SECFILE_H
#define OZG_SECFILE_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Whether st describes a file a secret may be read from.  Returns 0, or -1
 * with the reason in err (e.g. "is readable by other users (mode 0644);
 * chmod 0600 it, or 0640 with owner root").
 */
int secfile_check(const struct stat *st, char *err, size_t errsz);

/*
 * Reads a whole secret file of at most max_bytes bytes into a new
 * NUL-terminated buffer (*out, owned by the caller, who should clear it
 * before freeing; *len bytes before the NUL).  Returns 0, or -1 with a
 * reason in err that does not repeat the path.
 */
int secfile_read(const char *path, size_t max_bytes, char **out, size_t *len, char *err,
		 size_t errsz);

#endif
