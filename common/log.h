/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * log.h - leveled logging to stderr for ozgmon's programs.
 *
 * Lower layers report errors into caller-supplied buffers and return -1;
 * only the top layers (daemon wiring, thread loops) log.  Every line carries
 * an ISO 8601 UTC timestamp, the program, its pid and the level.  When
 * stderr is the systemd journal (JOURNAL_STREAM names stderr's device and
 * inode), a line starts with its syslog priority instead, "<3>" for errors,
 * "<4>" warnings, "<6>" info, "<7>" debug (sd-daemon(3)), and carries no
 * timestamp, program or pid of its own: journald records those, and
 * `journalctl -p warning` filters on the priority.  Thread-safe: each line
 * is written with one write(2).
 */
#ifndef OZG_LOG_H
#define OZG_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

enum log_level { LOG_LVL_DEBUG = 0, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

/*
 * Sets the minimum level printed (default LOG_LVL_INFO) and the program
 * name, and looks whether stderr is the journal (JOURNAL_STREAM).
 */
void log_init(const char *progname, enum log_level min);
/* Parses "debug", "info", "warn", "error"; returns -1 on an unknown word. */
int log_level_parse(const char *word, enum log_level *out);

/* Whether a JOURNAL_STREAM value ("<device>:<inode>", decimal) names dev and ino. */
bool log_journal_stream_matches(const char *value, dev_t dev, ino_t ino);
/* Whether lines are formatted for the journal (log_init decided; tests may set it). */
bool log_to_journal(void);
void log_set_journal(bool on);

/*
 * Formats one line, newline included, into line[size] (size >= 64): the
 * journal's form when journal is set, else timestamp `ts`, program, pid and
 * level.  Control characters in the message become '?'; a long message is
 * cut.  Returns the length.
 */
size_t log_format(char *line, size_t size, enum log_level lvl, bool journal,
		  const struct timespec *ts, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
