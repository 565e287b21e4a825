/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * csv.h - a small RFC 4180 CSV reader for ozgmon's registers.
 *
 * The whole input is held in one buffer owned by the reader; records are
 * decoded in place (quotes removed, doubled quotes collapsed) so a field is a
 * NUL-terminated string pointing into that buffer.  Field pointers stay valid
 * until the next csv_next() or csv_close().
 *
 * Accepted: comma separators (or ';' after csv_detect_sep()), LF or CRLF line ends, quoted fields containing
 * commas, quotes ("") and line breaks, a UTF-8 byte order mark at the start,
 * empty lines (skipped).  Refused with an error: an unterminated quote,
 * anything but a separator after a closing quote, a quote inside an unquoted
 * field, a CR not followed by LF outside quotes, NUL bytes, invalid UTF-8, a
 * field longer than the configured limit, more than CSV_MAX_FIELDS fields.
 *
 * Every error carries the 1-based line and byte column where it was found.
 * After an error, csv_next() resumes at the next line, so a caller can report
 * every bad record of a file; after an unterminated quote it reports the end.
 */
#ifndef OZG_CSV_H
#define OZG_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 1024

struct csv_field {
	char *s;		/* NUL-terminated text, borrowed from the reader */
	size_t len;		/* bytes, without the NUL */
	unsigned line;		/* 1-based line where the field starts */
	unsigned col;		/* 1-based byte column where the field starts */
};

struct csv {
	char *buf;		/* the input plus a NUL; owned */
	size_t len;		/* input bytes */
	size_t pos;		/* next byte to read */
	size_t line_start;	/* offset of the first byte of the current line */
	unsigned line;		/* current line, 1-based */
	size_t max_field;	/* longest field accepted, in bytes */
	char sep;		/* field separator: ',' unless csv_detect_sep() chose ';' */
	struct csv_field *f;	/* fields of the current record; owned */
	size_t nf, capf;
	unsigned rec_line;	/* line where the current record starts */
	unsigned err_line;	/* place and text of the last error */
	unsigned err_col;
	char err[160];
};

/*
 * Reads a whole regular file of at most max_bytes bytes into a new
 * NUL-terminated buffer (*out, owned by the caller, *len bytes before the NUL).
 * Returns 0, or -1 with a reason in err (e.g. "No such file or directory",
 * "not a regular file", "larger than 4194304 bytes").
 */
int csv_read_file(const char *path, size_t max_bytes, char **out, size_t *len,
		  char *err, size_t errsz);

/*
 * Opens a CSV file (see csv_read_file for max_bytes).  Returns 0, or -1 with
 * the reason in c->err (c->err_line 0); c is then already closed.
 */
int csv_open(struct csv *c, const char *path, size_t max_bytes, size_t max_field);
/* Same over a copy of len bytes of data.  -1 only when memory runs out. */
int csv_open_mem(struct csv *c, const char *data, size_t len, size_t max_field);

/*
 * Reads the next record into c->f / c->nf.  Returns 1 for a record, 0 at the
 * end of the input, -1 on an error (c->err, c->err_line, c->err_col set; the
 * record is dropped).  Blank lines are skipped.
 */
int csv_next(struct csv *c);

/*
 * Chooses the separator from the first line (the header): ';' when it holds
 * more semicolons than commas outside quotes, else ','.  Call once after
 * opening, before the first csv_next().
 */
void csv_detect_sep(struct csv *c);

/* Index of the field of the current record whose text equals name; -1 if none. */
int csv_find(const struct csv *c, const char *name);

void csv_close(struct csv *c);	/* NULL-safe; leaves c empty */

#endif
