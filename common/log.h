/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * log.h - leveled logging to stderr for ozgmon's programs.
 *
 * Lower layers report errors into caller-supplied buffers and return -1;
 * only the top layers (daemon wiring, thread loops) log.  Every line carries
 * an ISO 8601 UTC timestamp and the level.  Thread-safe: each line is
 * written with one write(2).
 */
#ifndef OZG_LOG_H
#define OZG_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_DEBUG = 0, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

/* Sets the minimum level printed (default LOG_LVL_INFO) and the program name. */
void log_init(const char *progname, enum log_level min);
/* Parses "debug", "info", "warn", "error"; returns -1 on an unknown word. */
int log_level_parse(const char *word, enum log_level *out);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
