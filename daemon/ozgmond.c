/*
 * ozgmond - the ozgmon daemon: wires config -> collector -> store -> exporter.
 *
 * Threads: the collector (curl multi event loop), the store (librrd writer),
 * the HTTP server's pool; this main thread only waits for signals.
 * Stop order on SIGINT/SIGTERM: HTTP (no new readers), collector (no new
 * samples), store (writes what is queued), then memory.
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/collector.h"
#include "collector/state.h"
#include "common/log.h"
#include "config/config.h"
#include "exporter/http.h"
#include "rollout/incidents.h"
#include "rollout/report.h"
#include "rollout/task.h"
#include "dashboards/task.h"
#include "store/store.h"

#define DEFAULT_CONFIG "/etc/ozgmon/ozgmon.yml"
#define STORE_QUEUE 65536
#define ROLLOUT_EVERY_S 60		/* recompute the rollout figures every minute */
#define DASH_GRAPH_EVERY_S 300		/* redraw the dashboards' graphs at most every 5 minutes */
#define INCIDENT_THRESHOLD 1		/* failed probes in a row that open an incident */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ozgmond [options]\n"
		"  -c, --config FILE        configuration file (default " DEFAULT_CONFIG ")\n"
		"  -t, --check-config FILE  validate FILE and its registers, print a summary or\n"
		"                           every error as file:line:column, exit 0 or 1\n"
		"  -l, --listen HOST:PORT   override global.listen\n"
		"  -d, --data-dir DIR       override global.data_dir\n"
		"      --log-level LEVEL    debug, info, warn or error (overrides global.log_level)\n"
		"  -V, --version            print the version and exit\n"
		"  -h, --help               this text\n"
		"\n"
		"       ozgmond report --month YYYY-MM (--gemeinde AGS | --dienst ID)\n"
		"                      [--config FILE] [--data-dir DIR] [--format csv|json]\n"
		"  a month's availability report (Europe/Berlin months) from the RRD files\n");
}

/* Loads path; prints every error to stderr.  NULL when it has errors. */
static struct cfg *load_config(const char *path)
{
	struct cfg_errors errs = { 0 };
	struct cfg *c = cfg_load(path, &errs);

	for (size_t i = 0; i < errs.n; i++) {
		char line[1024];
		cfg_error_format(&errs.v[i], line, sizeof line);
		fprintf(stderr, "%s\n", line);
	}
	if (!c)
		fprintf(stderr, "%s: %zu error%s\n", path, errs.n, errs.n == 1 ? "" : "s");
	cfg_errors_free(&errs);
	return c;
}

static int check_config(const char *path)
{
	struct cfg *c = load_config(path);
	char sum[512];

	if (!c)
		return 1;
	cfg_summary(c, sum, sizeof sum);
	printf("%s: OK: %s\n", path, sum);
	cfg_free(c);
	return 0;
}

/* ozgmond report ...: prints a monthly SLA report; exit 0, 1 (error) or 2 (usage). */
static int report_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "month", required_argument, NULL, 'm' },
		{ "gemeinde", required_argument, NULL, 'g' },
		{ "dienst", required_argument, NULL, 'D' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_request rq = { .format = REPORT_CSV };
	const char *config_path = DEFAULT_CONFIG;
	struct cfg *cfg;
	char err[512];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "c:d:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'm': rq.month = optarg; break;
		case 'g': rq.gemeinde = optarg; break;
		case 'D': rq.dienst = optarg; break;
		case 'd': rq.data_dir = optarg; break;
		case 'f':
			if (strcmp(optarg, "csv") == 0) {
				rq.format = REPORT_CSV;
			} else if (strcmp(optarg, "json") == 0) {
				rq.format = REPORT_JSON;
			} else {
				fprintf(stderr, "ozgmond report: --format is csv or json\n");
				return 2;
			}
			break;
		default: usage(stderr); return 2;
		}
	}
	if (!rq.month || optind != argc) {
		usage(stderr);
		return 2;
	}
	cfg = load_config(config_path);
	if (!cfg)
		return 1;
	if (!rq.data_dir)
		rq.data_dir = cfg->global.data_dir;
	rc = report_write(cfg, &rq, stdout, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "ozgmond report: %s\n", err);
	cfg_free(cfg);
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 't' },
		{ "listen", required_argument, NULL, 'l' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = DEFAULT_CONFIG, *listen = NULL, *data_dir = NULL;
	const char *log_level = NULL;
	enum log_level lvl = LOG_LVL_INFO;
	struct cfg *cfg = NULL;
	struct store *store = NULL;
	struct collector *coll = NULL;
	struct http_server *http = NULL;
	struct rollout_task *rollout = NULL;
	struct incidents *incidents = NULL;
	struct dash_task *dashboards = NULL;
	char dash_dir[1024];
	struct state_pub pub;
	struct http_deps deps = { 0 };
	sigset_t sigs;
	char err[512];
	int opt, rc = 1;

	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return report_main(argc - 1, argv + 1);
	while ((opt = getopt_long(argc, argv, "c:t:l:d:Vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 't': return check_config(optarg);
		case 'l': listen = optarg; break;
		case 'd': data_dir = optarg; break;
		case 'L': log_level = optarg; break;
		case 'V': printf("ozgmond %s\n", OZGMON_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	cfg = load_config(config_path);
	if (!cfg)
		return 1;
	if (!log_level)
		log_level = cfg->global.log_level;
	if (log_level && log_level_parse(log_level, &lvl) != 0) {
		fprintf(stderr, "ozgmond: unknown log level '%s'\n", log_level);
		cfg_free(cfg);
		return 2;
	}
	log_init("ozgmond", lvl);
	if (!listen)
		listen = cfg->global.listen;
	if (!data_dir)
		data_dir = cfg->global.data_dir;

	/* Signals are taken synchronously by this thread; every other thread blocks them. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("curl_global_init failed");
		cfg_free(cfg);
		return 1;
	}
	state_pub_init(&pub);

	store = store_new(cfg, data_dir, STORE_QUEUE, err, sizeof err);
	if (!store || store_start(store, err, sizeof err) != 0) {
		log_error("store: %s", err);
		goto out;
	}
	coll = collector_new(cfg, store, &pub, err, sizeof err);
	if (!coll) {
		log_error("collector: %s", err);
		goto out;
	}
	rollout = rollout_task_start(cfg, store, data_dir, ROLLOUT_EVERY_S, err, sizeof err);
	if (!rollout) {
		log_error("rollout: %s", err);
		goto out;
	}
	incidents = incidents_start(cfg, &pub, data_dir, INCIDENT_THRESHOLD, err, sizeof err);
	if (!incidents) {
		log_error("incidents: %s", err);
		goto out;
	}
	/* Dashboards: static pages on a thread of their own (docs/dashboards.md). */
	if (cfg->global.dashboards_dir)
		snprintf(dash_dir, sizeof dash_dir, "%s", cfg->global.dashboards_dir);
	else if ((size_t)snprintf(dash_dir, sizeof dash_dir, "%s/www", data_dir) >= sizeof dash_dir) {
		log_error("dashboards: %s/www: path too long", data_dir);
		goto out;
	}
	dashboards = dash_task_start(cfg, store, &pub, rollout, incidents, data_dir, dash_dir,
				     (cfg->global.dashboards_every_ms + 999) / 1000, DASH_GRAPH_EVERY_S,
				     err, sizeof err);
	if (!dashboards) {
		log_error("dashboards: %s", err);
		goto out;
	}
	deps.dashboards_dir = dash_dir;
	deps.dashboards = dashboards;
	deps.pub = &pub;
	deps.store = store;
	deps.rollout = rollout;
	deps.incidents = incidents;
	deps.language = cfg->global.language;
	deps.start_time_s = (double)state_wall_ms() / 1000.0;
	http = http_start(listen, &deps, err, sizeof err);
	if (!http) {
		log_error("http: %s", err);
		goto out;
	}
	if (collector_start(coll, err, sizeof err) != 0) {
		log_error("collector: %s", err);
		goto out;
	}
	log_info("ozgmond %s: %zu targets from %s; data in %s; listening on http://%s/",
		 OZGMON_VERSION, cfg->n_dienste, config_path, data_dir, listen);

	for (;;) {
		int sig = 0;
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_warn("SIGHUP: this version does not reload its configuration; "
				 "restart ozgmond to apply changes");
			continue;
		}
		log_info("signal %d: stopping", sig);
		break;
	}
	rc = 0;
out:
	http_stop(http);
	dash_task_stop(dashboards);	/* reads the rollout, incidents and the store: stop it first */
	rollout_task_stop(rollout);
	collector_stop(coll);
	if (store) {
		struct store_stats st;
		store_stop(store);
		store_get_stats(store, &st);
		log_info("store: %llu updates written, %llu dropped, %llu stale, %llu errors",
			 (unsigned long long)st.updates, (unsigned long long)st.dropped,
			 (unsigned long long)st.stale, (unsigned long long)st.errors);
	}
	incidents_stop(incidents);	/* after the collector: sees its last snapshot */
	collector_free(coll);
	store_free(store);
	state_pub_destroy(&pub);
	cfg_free(cfg);
	curl_global_cleanup();
	return rc;
}
