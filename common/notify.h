/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * notify.h - systemd's service notification protocol (sd_notify(3)) without
 * libsystemd: one datagram per message to the AF_UNIX socket named by
 * NOTIFY_SOCKET (a path, or an abstract name written with a leading '@').
 *
 * Outside systemd (no NOTIFY_SOCKET) every call is a no-op that succeeds.
 * Thread-safe after notify_init(): each message is one sendto(2).
 */
#ifndef OZG_NOTIFY_H
#define OZG_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/*
 * Parses a NOTIFY_SOCKET value into *sa and *len: "/path" or "@abstract".
 * -1 with a reason in err when it is empty, relative or too long.
 */
int notify_parse_address(const char *value, struct sockaddr_un *sa, socklen_t *len,
			 char *err, size_t errsz);

/*
 * The watchdog period in microseconds that WATCHDOG_USEC and WATCHDOG_PID
 * (values as in the environment, NULL when unset) give the process `self`:
 * 0 when there is none, it is malformed, or WATCHDOG_PID names another
 * process.
 */
uint64_t notify_watchdog_usec_parse(const char *usec, const char *pid, pid_t self);

/*
 * Reads NOTIFY_SOCKET and opens the sending socket.  0 (also without
 * NOTIFY_SOCKET), or -1 with a reason in err (notifications then stay off).
 */
int notify_init(char *err, size_t errsz);
bool notify_enabled(void);
/* Sends msg ("READY=1", "STATUS=...\nREADY=1", ...).  0, or -1 (errno set). */
int notify_send(const char *msg);
/* The same with a printf format. */
int notify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* This process's watchdog period from the environment (microseconds), 0 when off. */
uint64_t notify_watchdog_usec(void);
/* Closes the socket; later sends are no-ops. */
void notify_close(void);

#endif
