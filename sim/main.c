/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * main.c - ozgmon-sim: command line, signals, start and clean stop.
 *
 *   ozgmon-sim [--listen 127.0.0.1:18080] [--profile FILE] [--seed N]
 *              [--tls ADDR:PORT,CERT,KEY[,OPT]...]... [--tcp ADDR:PORT]
 *              [--log-level L] [--help] [--version]
 *
 * The simulator only ever listens on a loopback address.  SIGINT and SIGTERM
 * stop it cleanly (exit 0): parked connections are released, the HTTP
 * server is stopped and every allocation is freed.
 */
#include "sim/sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/readfile.h"

#ifndef OZGMON_VERSION
#define OZGMON_VERSION "0.0.0"
#endif

#define SIM_LISTEN_DEFAULT	"127.0.0.1:18080"
#define SIM_CONN_WANT		4096u	/* concurrent connections aimed for */
#define SIM_CONN_MIN		1024u	/* warn below this */
#define SIM_FD_RESERVE		64u	/* descriptors kept for everything else */

#define SIM_TLS_MAX	8	/* HTTPS listeners, one per certificate */
#define SIM_PEM_MAX	(64u * 1024u)

struct sim_tls {
	const char *listen;	/* points into argv (the comma-separated spec is cut) */
	const char *cert, *key;	/* file names */
	const char *client_ca;	/* client_ca=FILE: require a client certificate, or NULL */
	bool tls12_max;		/* max=1.2: no TLS 1.3 */
	char *cert_pem, *key_pem, *ca_pem;	/* read at start; owned */
};

struct sim_args {
	struct sim_tls tls[SIM_TLS_MAX];
	unsigned n_tls;
	const char *listen;
	const char *tcp;	/* --tcp ADDR:PORT, or NULL */
	const char *profile;	/* NULL: every host in mode ok */
	uint64_t seed;
	enum log_level level;
};

static void sim_usage(void)
{
	fputs("usage: ozgmon-sim [--listen ADDR:PORT] [--profile FILE] [--seed N]\n"
	      "                  [--log-level debug|info|warn|error] [--help] [--version]\n"
	      "\n"
	      "Simulates many municipal portals on one loopback socket; the Host header\n"
	      "selects the portal.  Control endpoint: /_sim/health, /_sim/hosts,\n"
	      "/_sim/hosts/HOST (GET, PUT|POST ?mode=M&arg=N, DELETE).\n"
	      "\n"
	      "  --listen ADDR:PORT  loopback address to listen on (default " SIM_LISTEN_DEFAULT ";\n"
	      "                      127.0.0.0/8 or [::1] only; port 0 picks a free port)\n"
	      "  --profile FILE      per-host modes: lines \"HOST MODE [ARG]\", HOST * = default\n"
	      "  --seed N            seed for flaky outcomes and usage figures (default 1)\n"
	      "  --tls ADDR:PORT,CERT,KEY[,client_ca=FILE][,max=1.2]\n"
	      "                      also serve HTTPS there with the PEM certificate\n"
	      "                      (chain) CERT and key KEY; repeatable (up to 8), one\n"
	      "                      listener per certificate; client_ca: answer 403 unless\n"
	      "                      the client shows a certificate of that CA; max=1.2:\n"
	      "                      offer TLS 1.2 at most\n"
	      "  --tcp ADDR:PORT     also a line service for tcp:// probes: a banner,\n"
	      "                      \"250 LINE\" for each line, QUIT closes\n"
	      "  --log-level L       debug, info (default), warn or error\n"
	      "\n"
	      "Modes: ok, down, error [STATUS=503], slow [MS=3000], hang [MS=120000],\n"
	      "flaky [PERCENT=30], reset, reset_body [BYTES=1000], redirect [N=3],\n"
	      "redirect_loop, huge [MIB=8], gzip_bomb [MIB=64], stats_garbage,\n"
	      "stats_truncated, stats_nested [DEPTH=10000], auth, drip [BYTES=60],\n"
	      "huge_header [KIB=1024], redirect_file, stats_negative, stats_reset.\n"
	      "See docs/simulator.md.\n", stdout);
}

/* Parses "A.B.C.D:PORT" or "[V6]:PORT" into ss; only loopback addresses pass. */
static int sim_parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
			    char *err, size_t errsz)
{
	char host[64];
	const char *port;
	size_t hl;
	unsigned long p;
	char *end;

	memset(ss, 0, sizeof *ss);
	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');
		if (!rb || rb[1] != ':') {
			snprintf(err, errsz, "expected [IPV6]:PORT");
			return -1;
		}
		hl = (size_t)(rb - spec - 1);
		if (hl >= sizeof host) {
			snprintf(err, errsz, "address too long");
			return -1;
		}
		memcpy(host, spec + 1, hl);
		port = rb + 2;
	} else {
		const char *colon = strrchr(spec, ':');
		if (!colon) {
			snprintf(err, errsz, "expected ADDRESS:PORT");
			return -1;
		}
		hl = (size_t)(colon - spec);
		if (hl >= sizeof host) {
			snprintf(err, errsz, "address too long");
			return -1;
		}
		memcpy(host, spec, hl);
		port = colon + 1;
	}
	host[hl] = '\0';
	if (*port < '0' || *port > '9') {
		snprintf(err, errsz, "bad port \"%s\"", port);
		return -1;
	}
	p = strtoul(port, &end, 10);
	if (*end || p > 65535) {
		snprintf(err, errsz, "bad port \"%s\"", port);
		return -1;
	}
	if (spec[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) {
			snprintf(err, errsz, "\"%s\" is not a numeric IPv6 address", host);
			return -1;
		}
		if (!IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr)) {
			snprintf(err, errsz, "refusing to listen on non-loopback address %s "
				 "(only 127.0.0.0/8 or [::1])", host);
			return -1;
		}
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		*len = sizeof *a6;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
			snprintf(err, errsz, "\"%s\" is not a numeric IPv4 address "
				 "(IPv6 is written [::1]:PORT)", host);
			return -1;
		}
		if ((ntohl(a4->sin_addr.s_addr) >> 24) != 127) {
			snprintf(err, errsz, "refusing to listen on non-loopback address %s "
				 "(only 127.0.0.0/8 or [::1])", host);
			return -1;
		}
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		*len = sizeof *a4;
	}
	return 0;
}

static int sim_parse_seed(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* Returns 0 to run, 1 when --help/--version was handled, 2 on bad usage. */
static int sim_parse_args(int argc, char **argv, struct sim_args *a)
{
	enum { OPT_LISTEN = 256, OPT_PROFILE, OPT_SEED, OPT_LOG, OPT_VERSION, OPT_TLS, OPT_TCP };
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "tls", required_argument, NULL, OPT_TLS },
		{ "tcp", required_argument, NULL, OPT_TCP },
		{ "log-level", required_argument, NULL, OPT_LOG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(a, 0, sizeof *a);
	a->listen = SIM_LISTEN_DEFAULT;
	a->profile = NULL;
	a->seed = 1;
	a->level = LOG_LVL_INFO;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_LISTEN:
			a->listen = optarg;
			break;
		case OPT_PROFILE:
			a->profile = optarg;
			break;
		case OPT_TCP:
			a->tcp = optarg;
			break;
		case OPT_TLS: {
			struct sim_tls *t = &a->tls[a->n_tls];
			char *c1 = strchr(optarg, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
			char *more = c2 ? strchr(c2 + 1, ',') : NULL;
			if (a->n_tls == SIM_TLS_MAX || !c2) {
				fprintf(stderr, "ozgmon-sim: --tls: expected ADDR:PORT,CERT,KEY"
					"[,client_ca=FILE][,max=1.2] (at most %d)\n", SIM_TLS_MAX);
				return 2;
			}
			*c1 = *c2 = '\0';
			t->listen = optarg;
			t->cert = c1 + 1;
			t->key = c2 + 1;
			if (more)
				*more++ = '\0';	/* the key's name ends here */
			while (more) {
				char *opt = more;
				more = strchr(opt, ',');
				if (more)
					*more++ = '\0';
				if (strncmp(opt, "client_ca=", 10) == 0 && opt[10]) {
					t->client_ca = opt + 10;
				} else if (strcmp(opt, "max=1.2") == 0) {
					t->tls12_max = true;
				} else {
					fprintf(stderr, "ozgmon-sim: --tls: unknown option \"%s\" "
						"(client_ca=FILE or max=1.2)\n", opt);
					return 2;
				}
			}
			a->n_tls++;
			break;
		}
		case OPT_SEED:
			if (sim_parse_seed(optarg, &a->seed) < 0) {
				fprintf(stderr, "ozgmon-sim: --seed: \"%s\" is not a number\n", optarg);
				return 2;
			}
			break;
		case OPT_LOG:
			if (log_level_parse(optarg, &a->level) < 0) {
				fprintf(stderr, "ozgmon-sim: --log-level: unknown level \"%s\" "
					"(debug, info, warn, error)\n", optarg);
				return 2;
			}
			break;
		case 'h':
			sim_usage();
			return 1;
		case OPT_VERSION:
			printf("ozgmon-sim %s\n", OZGMON_VERSION);
			return 1;
		default:
			if (optopt)
				fprintf(stderr, "ozgmon-sim: option %s needs an argument\n",
					argv[optind - 1]);
			else
				fprintf(stderr, "ozgmon-sim: unknown option %s\n", argv[optind - 1]);
			fputs("ozgmon-sim: see ozgmon-sim --help\n", stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ozgmon-sim: unexpected argument \"%s\"; see ozgmon-sim --help\n",
			argv[optind]);
		return 2;
	}
	return 0;
}

/* Raises the open-file limit as far as allowed and returns the connection limit to use. */
static unsigned sim_connection_limit(void)
{
	struct rlimit rl;
	rlim_t want = SIM_CONN_WANT + SIM_FD_RESERVE;
	unsigned limit;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return SIM_CONN_MIN;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want) ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		limit = SIM_CONN_WANT;
	else if (rl.rlim_cur > 2 * SIM_FD_RESERVE)
		limit = (unsigned)(rl.rlim_cur - SIM_FD_RESERVE);
	else
		limit = SIM_FD_RESERVE;
	if (limit < SIM_CONN_MIN)
		log_warn("open-file limit %llu allows only %u concurrent connections",
			 (unsigned long long)rl.rlim_cur, limit);
	return limit;
}

/* Writes the address part of ss ("127.0.0.1" or "[::1]") into out. */
static void sim_format_addr(const struct sockaddr_storage *ss, char *out, size_t outsz)
{
	char text[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)ss;
		if (!inet_ntop(AF_INET6, &a6->sin6_addr, text, sizeof text))
			strcpy(text, "?");
		snprintf(out, outsz, "[%s]", text);
	} else {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)ss;
		if (!inet_ntop(AF_INET, &a4->sin_addr, text, sizeof text))
			strcpy(text, "?");
		snprintf(out, outsz, "%s", text);
	}
}

/* Logs each line of a profile's problem list. */
static void sim_log_lines(const char *text)
{
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		int n = nl ? (int)(nl - text) : (int)strlen(text);
		log_error("%.*s", n, text);
		text = nl ? nl + 1 : NULL;
	}
}

/* Reads a PEM file whole (at most SIM_PEM_MAX bytes); NULL with a logged reason. */
static char *sim_read_pem(const char *path)
{
	char *data, err[128];
	size_t n;

	if (readfile_all(path, SIM_PEM_MAX, NULL, false, &data, &n, err, sizeof err) != 0) {
		log_error("--tls: %s: %s", path, err);
		return NULL;
	}
	if (n == 0) {
		log_error("--tls: %s is empty", path);
		free(data);
		return NULL;
	}
	return data;
}

/* Starts one HTTPS server per --tls; 0, or -1 (logged) with the started ones in srv[]. */
static int sim_start_tls(struct sim_args *a, struct sim_hosts *hosts,
			 const struct sim_server_opts *plain, struct sim_server **srv)
{
	for (unsigned i = 0; i < a->n_tls; i++) {
		struct sim_tls *t = &a->tls[i];
		struct sockaddr_storage ss;
		socklen_t len = 0;
		struct sim_server_opts o = *plain;
		char err[256];

		if (sim_parse_listen(t->listen, &ss, &len, err, sizeof err) < 0) {
			log_error("--tls %s: %s", t->listen, err);
			return -1;
		}
		if (!(t->cert_pem = sim_read_pem(t->cert)) || !(t->key_pem = sim_read_pem(t->key)))
			return -1;
		if (t->client_ca && !(t->ca_pem = sim_read_pem(t->client_ca)))
			return -1;
		o.addr = (const struct sockaddr *)&ss;
		o.addrlen = (unsigned)len;
		o.hosts = hosts;
		o.tls_cert_pem = t->cert_pem;
		o.tls_key_pem = t->key_pem;
		o.tls_client_ca_pem = t->ca_pem;
		o.tls12_max = t->tls12_max;
		srv[i] = sim_server_start(&o, err, sizeof err);
		if (!srv[i]) {
			log_error("--tls %s (%s): %s", t->listen, t->cert, err);
			return -1;
		}
		log_info("HTTPS on %s port %u with %s", t->listen, sim_server_port(srv[i]), t->cert);
	}
	return 0;
}

static void sim_stop_tls(struct sim_args *a, struct sim_server **srv)
{
	for (unsigned i = 0; i < a->n_tls; i++) {
		sim_server_stop(srv[i]);
		free(a->tls[i].cert_pem);
		free(a->tls[i].key_pem);
		free(a->tls[i].ca_pem);
	}
}

int main(int argc, char **argv)
{
	struct sim_args a;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	struct sim_mode dflt = { SIM_MODE_OK, 0 };
	struct sim_hosts *hosts;
	struct sim_server *srv, *tls_srv[SIM_TLS_MAX] = { NULL };
	struct sim_tcp *tcp = NULL;
	struct sim_server_opts o;
	struct sigaction sa;
	sigset_t stop;
	char err[256];
	int rc, sig = 0;

	rc = sim_parse_args(argc, argv, &a);
	if (rc == 1)
		return 0;
	if (rc != 0)
		return 2;
	log_init("ozgmon-sim", a.level);
	if (sim_parse_listen(a.listen, &ss, &sslen, err, sizeof err) < 0) {
		log_error("--listen %s: %s", a.listen, err);
		return 2;
	}

	hosts = sim_hosts_new(&dflt);
	if (!hosts) {
		log_error("out of memory");
		return 1;
	}
	if (a.profile) {
		struct buf errs;
		int problems;

		buf_init(&errs, 64 * 1024);
		problems = sim_profile_load(hosts, a.profile, &errs);
		if (problems > 0) {
			sim_log_lines(errs.data);
			log_error("%s: %d problem%s, not starting", a.profile, problems,
				  problems == 1 ? "" : "s");
			buf_free(&errs);
			sim_hosts_free(hosts);
			return 1;
		}
		buf_free(&errs);
	}

	/* Signals: SIGPIPE ignored; SIGINT/SIGTERM blocked in every thread
	 * (threads inherit the mask) and taken by sigwait() below.  Their
	 * disposition is reset first: a shell starts background jobs with
	 * SIGINT ignored, and an ignored signal would never reach sigwait(). */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	memset(&o, 0, sizeof o);
	o.addr = (const struct sockaddr *)&ss;
	o.addrlen = (unsigned)sslen;
	o.seed = a.seed;
	o.max_connections = sim_connection_limit();
	o.hosts = hosts;
	srv = sim_server_start(&o, err, sizeof err);
	if (!srv) {
		log_error("%s: %s", a.listen, err);
		sim_hosts_free(hosts);
		return 1;
	}
	if (sim_start_tls(&a, hosts, &o, tls_srv) != 0) {
		sim_server_stop(srv);
		sim_stop_tls(&a, tls_srv);
		sim_hosts_free(hosts);
		return 1;
	}
	if (a.tcp) {
		struct sockaddr_storage ts;
		socklen_t tl = 0;
		if (sim_parse_listen(a.tcp, &ts, &tl, err, sizeof err) < 0 ||
		    !(tcp = sim_tcp_start((const struct sockaddr *)&ts, (unsigned)tl, err, sizeof err))) {
			log_error("--tcp %s: %s", a.tcp, err);
			sim_server_stop(srv);
			sim_stop_tls(&a, tls_srv);
			sim_hosts_free(hosts);
			return 1;
		}
		log_info("TCP line service on %s port %u", a.tcp, sim_tcp_port(tcp));
	}
	sim_hosts_get_default(hosts, &dflt);
	sim_format_addr(&ss, err, sizeof err);
	log_info("ozgmon-sim %s listening on %s:%u (default mode %s, seed %llu, "
		 "up to %u connections)", OZGMON_VERSION, err, sim_server_port(srv),
		 sim_mode_name(dflt.kind), (unsigned long long)a.seed, o.max_connections);

	while (sigwait(&stop, &sig) != 0)
		;
	log_info("stopping (%s)", sig == SIGINT ? "SIGINT" : "SIGTERM");
	sim_tcp_stop(tcp);
	sim_server_stop(srv);
	sim_stop_tls(&a, tls_srv);
	sim_hosts_free(hosts);
	log_info("stopped");
	return 0;
}
