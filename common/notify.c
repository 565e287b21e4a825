/* SPDX-License-Identifier: EUPL-1.2 */
/* notify.c - see notify.h. */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int notify_fd = -1;
static struct sockaddr_un notify_sa;
static socklen_t notify_len;

int notify_parse_address(const char *value, struct sockaddr_un *sa, socklen_t *len,
			 char *err, size_t errsz)
{
	size_t n = value ? strlen(value) : 0;

	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (n < 2 || (value[0] != '/' && value[0] != '@')) {
		snprintf(err, errsz, "NOTIFY_SOCKET '%s': expected an absolute path or @name",
			 value ? value : "");
		return -1;
	}
	if (n > sizeof sa->sun_path - (value[0] == '/')) {
		snprintf(err, errsz, "NOTIFY_SOCKET: %zu bytes, longer than a socket address", n);
		return -1;
	}
	memcpy(sa->sun_path, value, n);
	if (value[0] == '@')
		sa->sun_path[0] = '\0';	/* abstract: the name is exactly n bytes, no terminator */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (value[0] == '/'));
	return 0;
}

uint64_t notify_watchdog_usec_parse(const char *usec, const char *pid, pid_t self)
{
	char *end;
	unsigned long long v, p;

	if (!usec || !*usec)
		return 0;
	if (pid && *pid) {
		errno = 0;
		p = strtoull(pid, &end, 10);
		if (errno || *end || p != (unsigned long long)self)
			return 0;
	}
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno || *end || *usec == '-' || v == 0)
		return 0;
	return (uint64_t)v;
}

int notify_init(char *err, size_t errsz)
{
	const char *v = getenv("NOTIFY_SOCKET");

	if (!v)
		return 0;
	if (notify_parse_address(v, &notify_sa, &notify_len, err, errsz) != 0)
		return -1;
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notify_fd < 0) {
		snprintf(err, errsz, "NOTIFY_SOCKET: socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

bool notify_enabled(void)
{
	return notify_fd >= 0;
}

int notify_send(const char *msg)
{
	ssize_t r;

	if (notify_fd < 0)
		return 0;
	do
		r = sendto(notify_fd, msg, strlen(msg), MSG_NOSIGNAL,
			   (const struct sockaddr *)&notify_sa, notify_len);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : 0;
}

int notify_sendf(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	if (notify_fd < 0)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	return notify_send(msg);	/* a longer STATUS= is cut, never split */
}

uint64_t notify_watchdog_usec(void)
{
	return notify_watchdog_usec_parse(getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID"), getpid());
}

void notify_close(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}
