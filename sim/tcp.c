/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * tcp.c - a line-based TCP service for tcp:// probes: it greets every
 * connection with a banner, answers each line with "250 LINE" and "QUIT"
 * with "221 Tschüss" and a close.  One thread polls the listener and up to
 * SIM_TCP_CLIENTS connections; nothing blocks on one client.
 */
#include "sim/sim.h"

#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define SIM_TCP_CLIENTS 64
#define SIM_TCP_LINE 512
#define SIM_TCP_BANNER "220 ozgmon-sim ESMTP Dienst bereit\r\n"

struct sim_tcp_client {
	int fd;
	size_t len;
	char line[SIM_TCP_LINE];
};

struct sim_tcp {
	int lfd, stop[2];
	unsigned port;
	pthread_t thread;
	struct sim_tcp_client cl[SIM_TCP_CLIENTS];
};

static void sim_tcp_close(struct sim_tcp_client *k)
{
	close(k->fd);
	k->fd = -1;
	k->len = 0;
}

/* Best effort, non-blocking: a reader too slow for a short answer is dropped. */
static bool sim_tcp_say(struct sim_tcp_client *k, const char *s, size_t n)
{
	ssize_t w = send(k->fd, s, n, MSG_NOSIGNAL | MSG_DONTWAIT);

	return w == (ssize_t)n;
}

static void sim_tcp_read(struct sim_tcp_client *k)
{
	char in[1024], out[SIM_TCP_LINE + 8];
	ssize_t n = recv(k->fd, in, sizeof in, MSG_DONTWAIT);

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			sim_tcp_close(k);
		return;
	}
	for (ssize_t i = 0; i < n && k->fd >= 0; i++) {
		if (in[i] != '\n') {
			if (k->len < SIM_TCP_LINE - 1)
				k->line[k->len++] = in[i];
			continue;
		}
		while (k->len > 0 && k->line[k->len - 1] == '\r')
			k->len--;
		k->line[k->len] = '\0';
		if (strcasecmp(k->line, "QUIT") == 0) {
			(void)sim_tcp_say(k, "221 Tschüss\r\n", strlen("221 Tschüss\r\n"));
			sim_tcp_close(k);
			return;
		}
		snprintf(out, sizeof out, "250 %s\r\n", k->line);
		k->len = 0;
		if (!sim_tcp_say(k, out, strlen(out)))
			sim_tcp_close(k);
	}
}

static void *sim_tcp_main(void *arg)
{
	struct sim_tcp *t = arg;
	struct pollfd pf[SIM_TCP_CLIENTS + 2];

	for (;;) {
		nfds_t n = 2;
		int idx[SIM_TCP_CLIENTS];

		pf[0] = (struct pollfd){ .fd = t->stop[0], .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = t->lfd, .events = POLLIN };
		for (int i = 0; i < SIM_TCP_CLIENTS; i++)
			if (t->cl[i].fd >= 0) {
				idx[n - 2] = i;
				pf[n++] = (struct pollfd){ .fd = t->cl[i].fd, .events = POLLIN };
			}
		if (poll(pf, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents)
			break;
		for (nfds_t j = 2; j < n; j++)
			if (pf[j].revents)
				sim_tcp_read(&t->cl[idx[j - 2]]);
		if (pf[1].revents & POLLIN) {
			int fd = accept4(t->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			int i;
			if (fd < 0)
				continue;
			for (i = 0; i < SIM_TCP_CLIENTS && t->cl[i].fd >= 0; i++)
				;
			if (i == SIM_TCP_CLIENTS) {
				close(fd);	/* full: refused by a close */
				continue;
			}
			t->cl[i].fd = fd;
			t->cl[i].len = 0;
			if (!sim_tcp_say(&t->cl[i], SIM_TCP_BANNER, strlen(SIM_TCP_BANNER)))
				sim_tcp_close(&t->cl[i]);
		}
	}
	return NULL;
}

struct sim_tcp *sim_tcp_start(const struct sockaddr *addr, unsigned addrlen, char *err,
			      size_t errsz)
{
	struct sim_tcp *t = calloc(1, sizeof *t);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int one = 1;

	if (!t) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	for (int i = 0; i < SIM_TCP_CLIENTS; i++)
		t->cl[i].fd = -1;
	t->stop[0] = t->stop[1] = -1;
	t->lfd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->lfd < 0 || setsockopt(t->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(t->lfd, addr, addrlen) != 0 || listen(t->lfd, 64) != 0 ||
	    getsockname(t->lfd, (struct sockaddr *)&ss, &sl) != 0 ||
	    pipe2(t->stop, O_CLOEXEC) != 0) {
		snprintf(err, errsz, "%s", strerror(errno));
		goto fail;
	}
	t->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	if (pthread_create(&t->thread, NULL, sim_tcp_main, t) != 0) {
		snprintf(err, errsz, "cannot start a thread");
		goto fail;
	}
	return t;
fail:
	if (t->lfd >= 0)
		close(t->lfd);
	if (t->stop[0] >= 0) {
		close(t->stop[0]);
		close(t->stop[1]);
	}
	free(t);
	return NULL;
}

unsigned sim_tcp_port(const struct sim_tcp *t)
{
	return t->port;
}

void sim_tcp_stop(struct sim_tcp *t)
{
	if (!t)
		return;
	(void)!write(t->stop[1], "x", 1);
	pthread_join(t->thread, NULL);
	for (int i = 0; i < SIM_TCP_CLIENTS; i++)
		if (t->cl[i].fd >= 0)
			close(t->cl[i].fd);
	close(t->lfd);
	close(t->stop[0]);
	close(t->stop[1]);
	free(t);
}
