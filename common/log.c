/* SPDX-License-Identifier: EUPL-1.2 */
/* log.c - see log.h. */
#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *log_prog = "ozgmon";
static enum log_level log_min = LOG_LVL_INFO;
static atomic_bool log_journal;

bool log_journal_stream_matches(const char *value, dev_t dev, ino_t ino)
{
	unsigned long long d, i;
	char *end;

	if (!value || *value < '0' || *value > '9')
		return false;
	errno = 0;
	d = strtoull(value, &end, 10);
	if (errno || *end != ':' || end[1] < '0' || end[1] > '9')
		return false;
	i = strtoull(end + 1, &end, 10);
	if (errno || *end)
		return false;
	return d == (unsigned long long)dev && i == (unsigned long long)ino;
}

void log_init(const char *progname, enum log_level min)
{
	const char *js = getenv("JOURNAL_STREAM");
	struct stat sb;

	if (progname)
		log_prog = progname;
	log_min = min;
	atomic_store(&log_journal, js && fstat(STDERR_FILENO, &sb) == 0 &&
				   log_journal_stream_matches(js, sb.st_dev, sb.st_ino));
}

bool log_to_journal(void)
{
	return atomic_load(&log_journal);
}

void log_set_journal(bool on)
{
	atomic_store(&log_journal, on);
}

int log_level_parse(const char *word, enum log_level *out)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	for (int i = 0; i < 4; i++) {
		if (strcmp(word, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

size_t log_format(char *line, size_t size, enum log_level lvl, bool journal,
		  const struct timespec *ts, const char *fmt, va_list ap)
{
	static const char *const tags[] = { "debug", "info", "warn", "error" };
	static const char prio[] = { '7', '6', '4', '3' };	/* syslog: debug, info, warning, err */
	size_t n = 0, start;
	struct tm tm;
	int r;

	if (journal) {
		r = snprintf(line, size, "<%c>%s: ", prio[lvl], tags[lvl]);
	} else {
		gmtime_r(&ts->tv_sec, &tm);
		n = strftime(line, size, "%Y-%m-%dT%H:%M:%S", &tm);
		r = snprintf(line + n, size - n, ".%03ldZ %s[%d] %s: ", ts->tv_nsec / 1000000L,
			     log_prog, (int)getpid(), tags[lvl]);
	}
	if (r > 0)
		n += (size_t)r < size - n ? (size_t)r : size - n - 1;
	start = journal ? 3 : 0;	/* the "<N>" prefix is ours */
	r = vsnprintf(line + n, size - n, fmt, ap);
	if (r > 0)
		n += (size_t)r < size - n ? (size_t)r : size - n - 1;
	/* Control characters from hostile input never reach the terminal (or the journal) raw. */
	for (size_t i = start; i < n; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			line[i] = '?';
	if (n >= size - 1)
		n = size - 2;
	line[n++] = '\n';
	line[n] = '\0';
	return n;
}

__attribute__((format(printf, 2, 0)))
static void log_emit(enum log_level lvl, const char *fmt, va_list ap)
{
	char line[2048];
	struct timespec ts;
	size_t n;

	if (lvl < log_min)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	n = log_format(line, sizeof line, lvl, log_to_journal(), &ts, fmt, ap);
	(void)!write(STDERR_FILENO, line, n);
}

#define LOG_FN(name, lvl)                          \
	void name(const char *fmt, ...)            \
	{                                          \
		va_list ap;                        \
		va_start(ap, fmt);                 \
		log_emit(lvl, fmt, ap);            \
		va_end(ap);                        \
	}
LOG_FN(log_debug, LOG_LVL_DEBUG)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_error, LOG_LVL_ERROR)
