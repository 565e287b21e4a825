/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * ozgmond - the ozgmon daemon: wires config -> collector -> store -> exporter.
 *
 * Threads: the collector (curl multi event loop), the store (librrd writer),
 * the HTTP server's pool, under systemd's watchdog one that pings it; this
 * main thread only waits for signals.
 * SIGHUP (and POST /-/reload) reloads the configuration (d_reload).
 * systemd (Type=notify, docs/deployment.md) hears READY=1 once the listener,
 * store and collector run, RELOADING=1 and READY=1 around every reload with
 * a STATUS= saying how it went, and STOPPING=1 at the stop.
 * Stop order on SIGINT/SIGTERM: collector (no new probes, running ones
 * finish: bounded), HTTP (no new readers), store (writes what is queued,
 * flushes rrdcached), then memory.
 */
#include <crypt.h>
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector/collector.h"
#include "collector/sched.h"
#include "common/notify.h"
#include "model/seed.h"
#include "model/state.h"
#include "common/clock.h"
#include "common/log.h"
#include "config/config.h"
#include "exporter/http.h"
#include "exporter/webcfg.h"
#include "rollout/incidents.h"
#include "rollout/demo_past.h"
#include "rollout/report.h"
#include "rollout/task.h"
#include "store/history.h"
#include "dashboards/map.h"
#include "dashboards/status_page.h"
#include "dashboards/task.h"
#include "store/store.h"

#define DEFAULT_CONFIG "/etc/ozgmon/ozgmon.yml"
#define STORE_QUEUE 65536
#define STORE_SPILL 262144	/* behind the queue: e.g. while rrdcached restarts */
#define ROLLOUT_EVERY_S 60		/* recompute the rollout figures every minute */
#define RELOAD_DRAIN_MS 2000	/* a reload waits this long at most for running probes */
#define RELOAD_WAIT_S 120	/* POST /-/reload waits this long at most for the outcome */
#define RELOAD_OUTCOMES 8	/* outcomes kept for POST /-/reload requests still waking up */
#define DASH_GRAPH_EVERY_S 300		/* redraw the dashboards' graphs at most every 5 minutes */
#define MAIN_BEAT_MS 1000		/* the main thread's signal wait wakes at least this often */

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
		"      --web-config FILE    TLS and basic auth (exporter-toolkit format, docs/api.md)\n"
		"      --hash-password      read a password on stdin, print its bcrypt hash\n"
		"  -V, --version            print the version and exit\n"
		"  -h, --help               this text\n"
		"\n"
		"       ozgmond report --month YYYY-MM (--gemeinde AGS | --kreis KEY | --dienst ID)\n"
		"                      [--config FILE] [--data-dir DIR] [--format csv|json|html]\n"
		"                      [--sla PERCENT]\n"
		"  a month's availability report (Europe/Berlin months) from the RRD files\n"
		"  (ozgmond report --help)\n"
		"       ozgmond demo-past [--config FILE] [--data-dir DIR]\n"
		"  a simulated past for the demo (ozgmond demo-past --help)\n");
}

/*
 * registers.geo, when set, read and held against the registers as the
 * dashboards will at their start: --check-config and a reload refuse a
 * file the dashboards would refuse, before anything runs on it.
 */
static int check_geo(const struct cfg *c, char *err, size_t errsz)
{
	struct geo g = { 0 };
	int rc;

	if (!c->reg.geo)
		return 0;
	rc = geo_load(&g, c->reg.geo, err, errsz) != 0 ||
	     geo_check(&g, &c->reg, c->reg.geo, err, errsz) != 0 ? -1 : 0;
	geo_free(&g);
	return rc;
}

/* Loads path; prints every error to stderr.  NULL when it has errors. */
static struct cfg *load_config(const char *path)
{
	struct cfg_errors errs = { 0 };
	struct cfg *c = cfg_load(path, &errs);
	char line_err[256];

	for (size_t i = 0; i < errs.n; i++) {
		char line[1024];
		cfg_error_format(&errs.v[i], line, sizeof line);
		fprintf(stderr, "%s\n", line);
	}
	if (!c)
		fprintf(stderr, "%s: %zu error%s\n", path, errs.n, errs.n == 1 ? "" : "s");
	cfg_errors_free(&errs);
	if (c && check_geo(c, line_err, sizeof line_err) != 0) {
		fprintf(stderr, "%s: registers.geo: %s\n", path, line_err);
		cfg_free(c);
		return NULL;
	}
	/* Every command runs in the configured zone; set before any thread starts. */
	if (c && clock_use_zone(c->global.timezone, line_err, sizeof line_err) != 0) {
		fprintf(stderr, "%s: global.timezone: %s\n", path, line_err);
		cfg_free(c);
		return NULL;
	}
	return c;
}

/* ---- the running pipeline and its reload ---------------------------------- */

/*
 * What runs: one configuration, its store and collector.  `reload_lock`
 * serialises reloads (SIGHUP in the main thread, POST /-/reload in an HTTP
 * thread); `lock` guards the fields read by HTTP threads (store, base,
 * reload status) and is held only to read or swap them.
 */
/*
 * The threads that read the pipeline's results: started together for one
 * configuration and store, stopped together (analytics_start/_stop).
 */
struct analytics {
	struct model_seeder *seed;	/* fills cfg's availability model from the RRD files once */
	struct rollout_task *rollout;	/* rollout figures of cfg, from its availability model */
	struct incidents *incidents;	/* incident journal of cfg's targets */
	struct dash_task *dashboards;	/* static pages of all of these */
};

struct daemon {
	pthread_mutex_t reload_lock;
	pthread_mutex_t lock;
	const char *config_path;
	char *data_dir;			/* fixed at start; owned */
	char *rrdcached;		/* fixed at start; owned; NULL: librrd writes directly */
	bool stopping;			/* set under reload_lock when the stop begins */
	struct state_pub pub;
	struct state_cfg *cfg;		/* the daemon's reference */
	struct store *store;
	struct collector *coll;
	struct analytics an;		/* what is computed from cfg, store and snapshots */
	char dash_dir[1024];		/* where they go; fixed at start */
	struct store_stats base;	/* counters of stores replaced by reloads */
	bool reload_ok;
	double reload_success_s;
	/* The watchdog's view (sched_now_ms() clock): what must keep moving. */
	_Atomic uint64_t main_beat_ms;	/* the main thread's latest turn */
	_Atomic uint64_t reload_since_ms;	/* a reload runs since then; 0: none */
	/*
	 * POST /-/reload hands the reload to the main thread (http_reload):
	 * the HTTP threads run at a lower priority, which the threads a
	 * reload creates would inherit.  Requests are numbered; the main
	 * thread serves every request asked before its reload began.
	 */
	pthread_t main_thread;
	pthread_mutex_t rq_lock;
	pthread_cond_t rq_cond;		/* on CLOCK_MONOTONIC */
	uint64_t rq_asked, rq_served;
	bool rq_closed;			/* the main loop has ended: no reload is served */
	/*
	 * The outcomes of the latest reloads that served requests, each with
	 * the request numbers it served (from..upto): a waiter takes its own,
	 * however many reloads ran before it woke, while it is kept.
	 */
	struct reload_outcome {
		uint64_t from, upto;
		int rc;
		char err[1024];
	} rq_out[RELOAD_OUTCOMES];
	unsigned rq_next;
};

static bool d_store_stats(void *ctx, struct store_stats *out)
{
	struct daemon *d = ctx;

	pthread_mutex_lock(&d->lock);
	if (!d->store) {
		pthread_mutex_unlock(&d->lock);
		return false;
	}
	store_get_stats(d->store, out);
	store_stats_add_counters(out, &d->base);
	pthread_mutex_unlock(&d->lock);
	return true;
}

static void d_reload_status(void *ctx, bool *ok, double *success_s)
{
	struct daemon *d = ctx;

	pthread_mutex_lock(&d->lock);
	*ok = d->reload_ok;
	*success_s = d->reload_success_s;
	pthread_mutex_unlock(&d->lock);
}

static struct rollout_ref *d_rollout(void *ctx)
{
	struct daemon *d = ctx;
	struct rollout_ref *r;

	pthread_mutex_lock(&d->lock);
	r = d->an.rollout ? rollout_task_acquire(d->an.rollout) : NULL;
	pthread_mutex_unlock(&d->lock);
	return r;
}

static bool d_dash_stats(void *ctx, struct dash_stats *out)
{
	struct daemon *d = ctx;
	bool ok;

	pthread_mutex_lock(&d->lock);
	ok = d->an.dashboards != NULL;
	if (ok)
		dash_task_stats(d->an.dashboards, out);
	pthread_mutex_unlock(&d->lock);
	return ok;
}

static bool d_incidents(void *ctx, struct incidents_view *out)
{
	struct daemon *d = ctx;
	bool ok;

	pthread_mutex_lock(&d->lock);
	ok = d->an.incidents && incidents_view(d->an.incidents, out) == 0;
	pthread_mutex_unlock(&d->lock);
	return ok;
}

/*
 * Stops what analytics_start started, the dashboards first (they read the
 * rollout figures, the incidents and the store), and clears *a.  NULL-safe
 * members.
 */
static void analytics_stop(struct analytics *a)
{
	dash_task_stop(a->dashboards);
	incidents_stop(a->incidents);	/* after the collector: sees its last snapshot */
	rollout_task_stop(a->rollout);
	model_seed_stop(a->seed);
	*a = (struct analytics){ 0 };
}

/*
 * Starts the rollout task, the incident watcher and the dashboards generator
 * for cref's configuration and store into *a.  0, or -1 with a reason in err
 * (nothing left running, *a cleared).
 */
static int analytics_start(struct daemon *d, struct state_cfg *cref, struct store *store,
			   struct analytics *a, char *err, size_t errsz)
{
	const struct cfg *cfg = cref->cfg;
	char why[512];

	*a = (struct analytics){ 0 };
	/* Targets the model does not know yet (all at start) get their history once. */
	a->seed = model_seed_start(cref->model, d->data_dir, why, sizeof why);
	if (!a->seed) {
		snprintf(err, errsz, "model: %s", why);
		return -1;
	}
	a->rollout = rollout_task_start(cref, d->data_dir, ROLLOUT_EVERY_S, why, sizeof why);
	if (!a->rollout) {
		snprintf(err, errsz, "rollout: %s", why);
		analytics_stop(a);
		return -1;
	}
	a->incidents = incidents_start(cref, &d->pub, d->data_dir, why, sizeof why);
	if (!a->incidents) {
		snprintf(err, errsz, "incidents: %s", why);
		analytics_stop(a);
		return -1;
	}
	a->dashboards = dash_task_start(cfg, store, &d->pub, a->rollout, a->incidents, d->data_dir,
					d->dash_dir, (cfg->global.dashboards_every_ms + 999) / 1000,
					DASH_GRAPH_EVERY_S, why, sizeof why);
	if (!a->dashboards) {
		snprintf(err, errsz, "dashboards: %s", why);
		analytics_stop(a);
		return -1;
	}
	return 0;
}

/* READY=1 with "reload failed: WHY" for systemd, WHY forced onto one line. */
static void notify_status_failed(const char *why)
{
	char status[512];	/* one line: a newline in it would start another field */
	size_t i;

	for (i = 0; why[i] && i < sizeof status - 1; i++)
		status[i] = (unsigned char)why[i] < 0x20 ? ' ' : why[i];
	status[i] = '\0';
	notify_sendf("READY=1\nSTATUS=reload failed: %s", status);
}

static void reload_failed(struct daemon *d)
{
	pthread_mutex_lock(&d->lock);
	d->reload_ok = false;
	pthread_mutex_unlock(&d->lock);
}

/*
 * Reloads d->config_path.  An invalid file (every error is logged) or a
 * failure to build the new pipeline leaves the running one untouched and
 * sets the reload status to failed.  Otherwise: the old collector stops
 * (publishing its last snapshot), the old store writes what is queued, the
 * new collector adopts the state of unchanged targets, and the new pipeline
 * starts.  RRD files are per target id, so unchanged targets continue theirs.
 */
static int d_reload(void *ctx, char *err, size_t errsz)
{
	struct daemon *d = ctx;
	struct cfg_errors errs = { 0 };
	struct cfg *nc;
	struct state_cfg *nref = NULL, *oref;
	struct store *ns = NULL, *os;
	struct collector *ncoll = NULL, *ocoll;
	struct analytics new_an, old_an;
	struct snapshot *last;
	struct store_stats st;
	unsigned aborted;
	char why[512];

	pthread_mutex_lock(&d->reload_lock);
	if (d->stopping) {
		snprintf(err, errsz, "ozgmond is stopping");
		pthread_mutex_unlock(&d->reload_lock);
		return -1;
	}
	{
		struct timespec mono;
		clock_gettime(CLOCK_MONOTONIC, &mono);
		notify_sendf("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading %s",
			     (unsigned long long)mono.tv_sec * 1000000ULL +
				     (unsigned long long)mono.tv_nsec / 1000ULL,
			     d->config_path);
	}
	atomic_store(&d->reload_since_ms, sched_now_ms());
	log_info("reloading %s", d->config_path);
	nc = cfg_load(d->config_path, &errs);
	for (size_t i = 0; i < errs.n; i++) {
		char line[1024];
		cfg_error_format(&errs.v[i], line, sizeof line);
		log_error("reload: %s", line);
	}
	if (!nc) {
		snprintf(err, errsz, "%s: %zu error%s; the running configuration stays",
			 d->config_path, errs.n, errs.n == 1 ? "" : "s");
		cfg_errors_free(&errs);
		goto fail;
	}
	cfg_errors_free(&errs);
	if (check_geo(nc, why, sizeof why) != 0) {
		snprintf(err, errsz, "registers.geo: %s; the running configuration stays", why);
		cfg_free(nc);
		goto fail;
	}
	nref = state_cfg_new(nc);
	if (!nref) {
		cfg_free(nc);
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	if (strcmp(nc->global.data_dir, d->cfg->cfg->global.data_dir) != 0 ||
	    strcmp(nc->global.listen, d->cfg->cfg->global.listen) != 0 ||
	    !nc->global.rrdcached != !d->rrdcached ||
	    (d->rrdcached && strcmp(nc->global.rrdcached, d->rrdcached) != 0))
		log_warn("reload: global.listen, global.data_dir and global.rrdcached take effect "
			 "at the next start");
	if (strcmp(nc->global.timezone, clock_zone()) != 0)
		log_warn("reload: global.timezone %s takes effect at the next start; times stay in %s",
			 nc->global.timezone, clock_zone());
	ns = store_new2(nc, d->data_dir, STORE_QUEUE, STORE_SPILL, d->rrdcached, why, sizeof why);
	if (!ns) {
		snprintf(err, errsz, "store: %s", why);
		goto fail;
	}
	ncoll = collector_new(nc, ns, &d->pub, why, sizeof why);
	if (!ncoll) {
		snprintf(err, errsz, "collector: %s", why);
		goto fail;
	}

	/* Point of no return: stop the old pipeline, hand its state over. */
	ocoll = d->coll;
	os = d->store;
	oref = d->cfg;
	pthread_mutex_lock(&d->lock);
	old_an = d->an;
	d->an = (struct analytics){ 0 };
	pthread_mutex_unlock(&d->lock);
	/* The incident watcher writes what the old collector's last probes showed, then goes. */
	aborted = collector_drain(ocoll, RELOAD_DRAIN_MS);	/* running probes may finish */
	if (aborted)
		log_info("reload: %u probes or usage fetches still running after %d ms were aborted "
			 "(ozgmon_probes_aborted_total, no sample)", aborted, RELOAD_DRAIN_MS);
	analytics_stop(&old_an);
	store_stop(os);
	last = state_acquire(&d->pub);
	collector_adopt(ncoll, last);
	snapshot_release(last);
	/* No writer is left on the old model: its windows continue in the new one. */
	model_adopt(nref->model, oref->model);
	collector_set_model(ncoll, nref->model);
	state_pub_set_cfg(&d->pub, nref);
	/*
	 * Past the point of no return a part that does not start is still a
	 * failed reload: the status says so (metric, systemd, the HTTP answer)
	 * instead of "reloaded" over a pipeline that runs without it.
	 */
	err[0] = '\0';
	if (store_start(ns, why, sizeof why) != 0) {
		log_error("reload: store: %s", why);
		snprintf(err, errsz, "store: %s", why);
	}
	if (collector_start(ncoll, why, sizeof why) != 0) {
		log_error("reload: collector: %s", why);
		snprintf(err, errsz, "collector: %s", why);
	}
	/* The journal is read again for the new targets; incidents of unchanged ones stay open. */
	if (analytics_start(d, nref, ns, &new_an, why, sizeof why) != 0) {
		log_error("reload: %s", why);
		snprintf(err, errsz, "%s", why);
	}
	store_get_stats(os, &st);
	pthread_mutex_lock(&d->lock);
	store_stats_add_counters(&d->base, &st);
	d->store = ns;
	d->coll = ncoll;
	d->cfg = nref;
	d->an = new_an;
	d->reload_ok = err[0] == '\0';
	if (d->reload_ok)
		d->reload_success_s = (double)state_wall_ms() / 1000.0;
	pthread_mutex_unlock(&d->lock);
	collector_free(ocoll);
	store_free(os);
	state_cfg_release(oref);	/* freed when the last snapshot naming it goes */
	malloc_trim(0);		/* what the old pipeline freed in the heap goes back */
	atomic_store(&d->reload_since_ms, 0);
	if (err[0]) {
		log_error("reload: %s: applied, but not every part started: %s", d->config_path, err);
		notify_status_failed(err);
		pthread_mutex_unlock(&d->reload_lock);
		return -1;
	}
	log_info("reloaded %s: %zu targets", d->config_path, nc->n_dienste);
	notify_sendf("READY=1\nSTATUS=reloaded %s: %zu targets", d->config_path, nc->n_dienste);
	pthread_mutex_unlock(&d->reload_lock);
	return 0;
fail:
	collector_free(ncoll);
	store_free(ns);
	state_cfg_release(nref);
	reload_failed(d);
	log_error("reload: %s", err);
	notify_status_failed(err);
	atomic_store(&d->reload_since_ms, 0);
	pthread_mutex_unlock(&d->reload_lock);
	return -1;
}

/* ---- systemd's watchdog ----------------------------------------------------- */

/*
 * Pings WATCHDOG=1 every half period, but only while the daemon works: the
 * main thread turned within the period, and so did the probe loop (or a
 * reload, bounded by the period as well, is swapping it).  A stuck process
 * stops pinging and systemd restarts it.
 */
struct watchdog {
	struct daemon *d;
	uint64_t period_ms;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	bool started;
};

/* Why the daemon is not alive, or NULL when it is. */
static const char *d_stalled(struct daemon *d, uint64_t period_ms)
{
	uint64_t now = sched_now_ms(), reload = atomic_load(&d->reload_since_ms);
	uint64_t main_beat = atomic_load(&d->main_beat_ms), coll_beat;
	bool reloading = reload != 0 && now - reload < period_ms;

	if (!reloading && now - main_beat >= period_ms)
		return reload ? "a reload runs too long" : "the main thread is stuck";
	pthread_mutex_lock(&d->lock);
	coll_beat = collector_beat_ms(d->coll);
	pthread_mutex_unlock(&d->lock);
	if (!reloading && (coll_beat == 0 || now - coll_beat >= period_ms))
		return "the probe loop is stuck";
	return NULL;
}

static void *watchdog_thread(void *arg)
{
	struct watchdog *w = arg;
	const char *was = NULL;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		struct timespec until;
		const char *why;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (time_t)(w->period_ms / 2 / 1000);
		until.tv_nsec += (long)(w->period_ms / 2 % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!w->stop && pthread_cond_timedwait(&w->cond, &w->lock, &until) == 0)
			;
		if (w->stop)
			break;
		pthread_mutex_unlock(&w->lock);
		why = d_stalled(w->d, w->period_ms);
		if (!why)
			notify_send("WATCHDOG=1");
		else if (why != was)
			log_error("watchdog: %s: no ping to systemd", why);
		was = why;
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Starts pinging when systemd asked for it (WATCHDOG_USEC); 0, or -1 with a reason. */
static int watchdog_start(struct watchdog *w, struct daemon *d, char *err, size_t errsz)
{
	uint64_t usec = notify_enabled() ? notify_watchdog_usec() : 0;
	pthread_condattr_t ca;
	int rc;

	*w = (struct watchdog){ .d = d, .period_ms = usec / 1000 };
	if (w->period_ms < 2)
		return 0;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&w->thread, NULL, watchdog_thread, w);
	if (rc != 0) {
		snprintf(err, errsz, "watchdog: cannot start thread: %s", strerror(rc));
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		return -1;
	}
	w->started = true;
	log_info("watchdog: pinging systemd every %llu ms while the daemon works",
		 (unsigned long long)(w->period_ms / 2));
	return 0;
}

static void watchdog_stop(struct watchdog *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	w->started = false;
}

/*
 * Reads a password from stdin (one line) and prints its bcrypt hash, for
 * basic_auth_users in a web config file.
 */
static int hash_password(void)
{
	char pw[1024], salt[64];
	struct crypt_data *cd = calloc(1, sizeof *cd);
	const char *h;
	size_t n;

	if (!cd || !fgets(pw, sizeof pw, stdin)) {
		fprintf(stderr, "ozgmond: expected a password on standard input\n");
		free(cd);
		return 1;
	}
	n = strcspn(pw, "\r\n");
	pw[n] = '\0';
	if (!crypt_gensalt_rn("$2b$", 10, NULL, 0, salt, sizeof salt) ||
	    !(h = crypt_r(pw, salt, cd)) || h[0] != '$') {
		fprintf(stderr, "ozgmond: bcrypt is not available in this libcrypt\n");
		free(cd);
		return 1;
	}
	printf("%s\n", h);
	explicit_bzero(pw, sizeof pw);
	free(cd);
	return 0;
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

/*
 * SIGHUP in the main thread: one reload, which serves every POST /-/reload
 * asked before it began (a request asked during it sends SIGHUP again).
 */
static void main_reload(struct daemon *d)
{
	char err[1024];
	uint64_t asked;
	int rc;

	pthread_mutex_lock(&d->rq_lock);
	asked = d->rq_asked;
	pthread_mutex_unlock(&d->rq_lock);
	rc = d_reload(d, err, sizeof err);	/* logs and notifies its own outcome */
	atomic_store(&d->main_beat_ms, sched_now_ms());
	pthread_mutex_lock(&d->rq_lock);
	if (asked > d->rq_served) {
		struct reload_outcome *o = &d->rq_out[d->rq_next++ % RELOAD_OUTCOMES];

		o->from = d->rq_served + 1;
		o->upto = asked;
		d->rq_served = asked;
		o->rc = rc;
		snprintf(o->err, sizeof o->err, "%s", rc ? err : "");
		pthread_cond_broadcast(&d->rq_cond);
	}
	pthread_mutex_unlock(&d->rq_lock);
}

/* The main loop has ended: requests still waiting are refused, none is taken. */
static void reload_requests_close(struct daemon *d)
{
	pthread_mutex_lock(&d->rq_lock);
	d->rq_closed = true;
	pthread_cond_broadcast(&d->rq_cond);
	pthread_mutex_unlock(&d->rq_lock);
}

/*
 * POST /-/reload (an HTTP thread): asks the main thread for a reload and
 * waits for its outcome, at most RELOAD_WAIT_S.  The reload then runs at the
 * daemon's own priority, not at the HTTP threads' lower one.
 */
static int http_reload(void *ctx, char *err, size_t errsz)
{
	struct daemon *d = ctx;
	const struct reload_outcome *mo = NULL;
	struct timespec until;
	uint64_t mine;
	int rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += RELOAD_WAIT_S;
	pthread_mutex_lock(&d->rq_lock);
	if (d->rq_closed) {
		pthread_mutex_unlock(&d->rq_lock);
		snprintf(err, errsz, "the daemon is stopping");
		return -1;
	}
	mine = ++d->rq_asked;
	pthread_kill(d->main_thread, SIGHUP);
	while (d->rq_served < mine && !d->rq_closed)
		if (pthread_cond_timedwait(&d->rq_cond, &d->rq_lock, &until) == ETIMEDOUT)
			break;
	/* The reload that served this request, if its outcome is still kept. */
	for (unsigned i = 0; i < RELOAD_OUTCOMES; i++)
		if (d->rq_out[i].from <= mine && mine <= d->rq_out[i].upto)
			mo = &d->rq_out[i];
	if (mo && d->rq_served >= mine) {
		rc = mo->rc;
		snprintf(err, errsz, "%s", mo->err);
	} else if (d->rq_served >= mine) {
		snprintf(err, errsz, "reloaded, but its outcome was overtaken by %d later reloads; "
			 "see the log", RELOAD_OUTCOMES);
	} else if (d->rq_closed) {
		snprintf(err, errsz, "the daemon is stopping");
	} else {
		snprintf(err, errsz, "no outcome within %d s; the reload goes on (see the log)",
			 RELOAD_WAIT_S);
	}
	pthread_mutex_unlock(&d->rq_lock);
	return rc;
}

/*
 * Clean stop of the probe loop: no new probes, running ones get up to
 * min(longest timeout, 10 s) to finish, so every completed probe's sample
 * reaches the store.  Logs the account since the start, reloads included:
 * every probe started either completed (its sample went to the store) or
 * was aborted, still running at a reload or now.
 */
static void stop_collector(struct collector *coll, const struct cfg *cfg, struct state_pub *pub)
{
	unsigned wait_ms = 0, abandoned;
	struct snapshot *snap;
	uint64_t done = 0, started = 0, aborted = 0;

	if (!coll)
		return;
	for (size_t i = 0; i < cfg->n_dienste; i++)
		if (cfg->dienste[i].timeout_ms > wait_ms)
			wait_ms = cfg->dienste[i].timeout_ms;
	if (wait_ms > 10000)
		wait_ms = 10000;
	abandoned = collector_drain(coll, wait_ms);
	snap = state_acquire(pub);
	if (snap) {
		for (int r = 0; r < PROBE_RESULT_COUNT; r++)
			done += snap->stats.results[r];
		started = snap->stats.started;
		aborted = snap->stats.aborted;
	}
	snapshot_release(snap);
	log_info("collector: %llu probes completed, %llu aborted (%u at the stop), %llu started",
		 (unsigned long long)done, (unsigned long long)aborted, abandoned,
		 (unsigned long long)started);
}

/* ---- least privilege (docs/security.md) ----------------------------------- */

/* A numeric id below 2^32 - 1 ((uid_t)-1 means "unchanged"), or -1 when s is none. */
static long long numeric_id(const char *s)
{
	size_t n = strspn(s, "0123456789");
	long long v = n > 0 && n <= 10 && s[n] == '\0' ? strtoll(s, NULL, 10) : -1;
	return v < 4294967295LL ? v : -1;
}

/*
 * Opens the listener on `listen` first (a port below 1024 needs root), then
 * becomes global.user / global.group when they are set: supplementary groups
 * (initgroups: the user's, e.g. ssl-cert; none for a bare numeric id), then
 * the group, then the user, each real, effective and saved, and checks that
 * root cannot be regained.  Runs before any thread, probe or file write.
 * Started without root, it only accepts the account it already runs as.
 * Returns the listening socket, or -1 with a reason in err (the caller
 * stops: a half-dropped process must not go on).
 */
static int open_listener_drop_privileges(const struct cfg_global *g, const char *listen,
					 char *err, size_t errsz)
{
	char pwbuf[4096], grbuf[4096];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	uid_t uid, ru, eu, su;
	gid_t gid, rg, eg, sg;
	long long id;
	int fd = http_listen(listen, err, errsz);

	if (fd < 0 || !g->user)
		return fd;
	id = numeric_id(g->user);
	if (id >= 0)
		getpwuid_r((uid_t)id, &pw, pwbuf, sizeof pwbuf, &pwp);
	else
		getpwnam_r(g->user, &pw, pwbuf, sizeof pwbuf, &pwp);
	if (!pwp && id < 0) {
		snprintf(err, errsz, "global.user: no such user '%s'", g->user);
		goto fail;
	}
	uid = pwp ? pwp->pw_uid : (uid_t)id;
	if (g->group) {
		id = numeric_id(g->group);
		if (id >= 0)
			getgrgid_r((gid_t)id, &gr, grbuf, sizeof grbuf, &grp);
		else
			getgrnam_r(g->group, &gr, grbuf, sizeof grbuf, &grp);
		if (!grp && id < 0) {
			snprintf(err, errsz, "global.group: no such group '%s'", g->group);
			goto fail;
		}
		gid = grp ? grp->gr_gid : (gid_t)id;
	} else if (pwp) {
		gid = pwp->pw_gid;
	} else {
		snprintf(err, errsz, "global.user: uid %s has no account: set global.group as well",
			 g->user);
		goto fail;
	}
	if (uid == 0) {
		snprintf(err, errsz, "global.user: '%s' is root; name an unprivileged account",
			 g->user);
		goto fail;
	}
	if (geteuid() != 0) {
		if (geteuid() == uid && getegid() == gid)
			return fd;	/* already that account (e.g. systemd's User=) */
		snprintf(err, errsz, "global.user: switching to '%s' needs root (running as uid %u)",
			 g->user, (unsigned)geteuid());
		goto fail;
	}
	if ((pwp ? initgroups(pwp->pw_name, gid) : setgroups(0, NULL)) != 0 ||
	    setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) {
		snprintf(err, errsz, "cannot become user '%s' (uid %u, gid %u): %s", g->user,
			 (unsigned)uid, (unsigned)gid, strerror(errno));
		goto fail;
	}
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
	    ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid ||
	    setuid(0) == 0 || seteuid(0) == 0) {
		snprintf(err, errsz, "dropping privileges to '%s' did not hold: root could be regained",
			 g->user);
		goto fail;
	}
	log_info("running as user %s (uid %u, gid %u)", pwp ? pwp->pw_name : g->user,
		 (unsigned)uid, (unsigned)gid);
	return fd;
fail:
	close(fd);
	return -1;
}

static void report_usage(FILE *f)
{
	fprintf(f,
		"usage: ozgmond report --month YYYY-MM (--gemeinde AGS | --kreis KEY | --dienst ID)\n"
		"                      [--config FILE] [--data-dir DIR] [--format csv|json|html]\n"
		"                      [--sla PERCENT]\n"
		"  A month's availability report (calendar months in Europe/Berlin time) from the\n"
		"  RRD files and the incident journal: per Onlinedienst serving the Gemeinde or\n"
		"  Kreis (or the one Dienst), its Leistungen, availability against the SLA target,\n"
		"  downtime, response times; the month's incidents and their causes (json, html).\n"
		"  --month YYYY-MM     the month; the running month counts up to now, a month that\n"
		"                      has not begun is an error\n"
		"  --gemeinde AGS      a Gemeinde by AGS (8 digits) or ARS (12)\n"
		"  --kreis KEY         a Kreis or kreisfreie Stadt (5 digits)\n"
		"  --dienst ID         one Onlinedienst\n"
		"  --format FORMAT     csv (default), json, or html (German, prints on A4)\n"
		"  --sla PERCENT       availability target, e.g. 99.5 (default 99)\n"
		"  --config FILE       configuration (default " DEFAULT_CONFIG ")\n"
		"  --data-dir DIR      data directory (default: global.data_dir)\n"
		"  -h, --help          this text\n"
		"Exit status: 0 written, 1 error, 2 usage.\n");
}

/* ozgmond report ...: prints a monthly SLA report; exit 0, 1 (error) or 2 (usage). */
static int report_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "month", required_argument, NULL, 'm' },
		{ "gemeinde", required_argument, NULL, 'g' },
		{ "kreis", required_argument, NULL, 'k' },
		{ "dienst", required_argument, NULL, 'D' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "sla", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_request rq = { .format = REPORT_CSV };
	const char *config_path = DEFAULT_CONFIG;
	struct cfg *cfg;
	char err[512];
	int opt, rc;
	double pct;
	char *end;

	while ((opt = getopt_long(argc, argv, "c:d:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'm': rq.month = optarg; break;
		case 'g': rq.gemeinde = optarg; break;
		case 'k': rq.kreis = optarg; break;
		case 'D': rq.dienst = optarg; break;
		case 'd': rq.data_dir = optarg; break;
		case 'h': report_usage(stdout); return 0;
		case 's':
			pct = strtod(optarg, &end);
			if (end == optarg || *end || !(pct > 0 && pct <= 100)) {
				fprintf(stderr, "ozgmond report: --sla: '%s' is not a percentage in (0, 100]\n",
					optarg);
				return 2;
			}
			rq.sla = pct / 100.0;
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0) {
				rq.format = REPORT_CSV;
			} else if (strcmp(optarg, "json") == 0) {
				rq.format = REPORT_JSON;
			} else if (strcmp(optarg, "html") == 0) {
				rq.format = REPORT_HTML;
			} else {
				fprintf(stderr, "ozgmond report: --format is csv, json or html\n");
				return 2;
			}
			break;
		default: report_usage(stderr); return 2;
		}
	}
	if (!rq.month || optind != argc) {
		report_usage(stderr);
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

/*
 * ozgmond demo-past ...: writes the demo's simulated past (rollout/demo_past.h)
 * before the daemon starts; exit 0 (written or already there), 1 (refused or
 * failed) or 2 (usage).
 */
static int demo_past_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "days", required_argument, NULL, 'n' },
		{ "trend-days", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct demo_past_opts o = { .now = time(NULL) };
	const char *config_path = DEFAULT_CONFIG;
	struct cfg *cfg;
	char err[1024];
	int opt, rc;
	long v;
	char *end;

	while ((opt = getopt_long(argc, argv, "c:d:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'd': o.data_dir = optarg; break;
		case 'n':
		case 'T':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > (opt == 'n' ? 93 : 3650)) {
				fprintf(stderr, "ozgmond demo-past: --%s: '%s' is not a number of days "
					"(1..%d)\n", opt == 'n' ? "days" : "trend-days", optarg,
					opt == 'n' ? 93 : 3650);
				return 2;
			}
			if (opt == 'n')
				o.probe_days = (unsigned)v;
			else
				o.trend_days = (unsigned)v;
			break;
		case 'h':
			printf("usage: ozgmond demo-past [--config FILE] [--data-dir DIR] [--days N] "
			       "[--trend-days N]\n"
			       "  writes a simulated past (N days of probe history, default 90; a year of\n"
			       "  rollout steps) for the demo into an empty data directory, marked by\n"
			       "  DIR/SIMULATED; refuses a configuration that does not route every portal\n"
			       "  to a local simulator\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "ozgmond demo-past: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	cfg = load_config(config_path);
	if (!cfg)
		return 1;
	if (!o.data_dir)
		o.data_dir = cfg->global.data_dir;
	rc = demo_past_write(cfg, &o, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "ozgmond demo-past: %s\n", err);
	cfg_free(cfg);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 't' },
		{ "listen", required_argument, NULL, 'l' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "web-config", required_argument, NULL, 'W' },
		{ "hash-password", no_argument, NULL, 'H' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = DEFAULT_CONFIG, *listen = NULL, *data_dir = NULL;
	const char *log_level = NULL, *web_path = NULL;
	enum log_level lvl = LOG_LVL_INFO;
	struct cfg *cfg = NULL;
	struct webcfg *web = NULL;
	struct http_server *http = NULL;
	struct daemon d = { 0 };
	struct watchdog wd = { 0 };
	char ready[512];
	struct http_deps deps = { 0 };
	sigset_t sigs;
	char err[1024];
	int opt, rc = 1, started;

	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return report_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "demo-past") == 0)
		return demo_past_main(argc - 1, argv + 1);
	/*
	 * A fixed mmap threshold: glibc otherwise raises it to the size of the
	 * largest block freed (up to 32 MiB), and every reload frees and
	 * reallocates the store's queue and spill (tens of MB).  Blocks of that
	 * size then come from the heap, whose freed middle is never returned:
	 * RSS stepped from 21 to 95 MB over five reloads of the demo.  With a
	 * fixed threshold they are mapped and unmapped whole.
	 */
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
	while ((opt = getopt_long(argc, argv, "c:t:l:d:Vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 't': return check_config(optarg);
		case 'l': listen = optarg; break;
		case 'd': data_dir = optarg; break;
		case 'L': log_level = optarg; break;
		case 'W': web_path = optarg; break;
		case 'H': return hash_password();
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
	if (web_path) {
		web = webcfg_load(web_path, err, sizeof err);
		if (!web) {
			fprintf(stderr, "%s\n", err);
			cfg_free(cfg);
			return 1;
		}
	}
	if (!log_level)
		log_level = cfg->global.log_level;
	if (log_level && log_level_parse(log_level, &lvl) != 0) {
		fprintf(stderr, "ozgmond: unknown log level '%s'\n", log_level);
		cfg_free(cfg);
		webcfg_free(web);
		return 2;
	}
	log_init("ozgmond", lvl);
	if (notify_init(err, sizeof err) != 0)
		log_warn("systemd notification off: %s", err);
	d.config_path = config_path;
	d.data_dir = strdup(data_dir ? data_dir : cfg->global.data_dir);
	d.rrdcached = cfg->global.rrdcached ? strdup(cfg->global.rrdcached) : NULL;
	d.cfg = state_cfg_new(cfg);
	if (!d.data_dir || !d.cfg || (cfg->global.rrdcached && !d.rrdcached)) {
		fprintf(stderr, "ozgmond: out of memory\n");
		free(d.data_dir);
		free(d.rrdcached);
		if (d.cfg)
			state_cfg_release(d.cfg);	/* frees cfg */
		else
			cfg_free(cfg);
		webcfg_free(web);
		return 1;
	}
	if (!listen)
		listen = cfg->global.listen;
	pthread_mutex_init(&d.reload_lock, NULL);
	pthread_mutex_init(&d.lock, NULL);
	pthread_mutex_init(&d.rq_lock, NULL);
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);	/* a clock step changes no wait */
		pthread_cond_init(&d.rq_cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	d.main_thread = pthread_self();
	d.reload_ok = true;
	d.reload_success_s = (double)state_wall_ms() / 1000.0;

	/* Signals are taken synchronously by this thread; every other thread blocks them. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("curl_global_init failed");
		goto cleanup;
	}
	state_pub_init(&d.pub);
	state_pub_set_cfg(&d.pub, d.cfg);
	deps.listen_fd = open_listener_drop_privileges(&cfg->global, listen, err, sizeof err);
	if (deps.listen_fd < 0) {
		log_error("%s", err);
		goto out;
	}
	deps.listen_fd_set = true;
	if (geteuid() == 0)
		log_warn("running as root: set global.user to drop privileges (docs/security.md)");

	d.store = store_new2(cfg, d.data_dir, STORE_QUEUE, STORE_SPILL, d.rrdcached, err, sizeof err);
	if (!d.store || store_start(d.store, err, sizeof err) != 0) {
		log_error("store: %s", err);
		goto out;
	}
	if (d.rrdcached) {
		char base[4096];
		snprintf(base, sizeof base, "%s/rrd", d.data_dir);
		if (history_set_rrdcached(d.rrdcached, base) != 0) {
			log_error("store: out of memory");
			goto out;
		}
		log_info("store: updates through rrdcached %s", d.rrdcached);
	}
	d.coll = collector_new(cfg, d.store, &d.pub, err, sizeof err);
	if (!d.coll) {
		log_error("collector: %s", err);
		goto out;
	}
	collector_set_model(d.coll, d.cfg->model);
	/* Dashboards: static pages on a thread of their own (docs/dashboards.md). */
	if (cfg->global.dashboards_dir)
		snprintf(d.dash_dir, sizeof d.dash_dir, "%s", cfg->global.dashboards_dir);
	else if ((size_t)snprintf(d.dash_dir, sizeof d.dash_dir, "%s/www", d.data_dir) >=
		 sizeof d.dash_dir) {
		log_error("dashboards: %s/www: path too long", d.data_dir);
		goto out;
	}
	if (analytics_start(&d, d.cfg, d.store, &d.an, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	deps.pub = &d.pub;
	deps.data_dir = d.data_dir;
	deps.start_time_s = (double)state_wall_ms() / 1000.0;
	deps.web = web;
	deps.ctx = &d;
	deps.store_stats = d_store_stats;
	deps.reload_status = d_reload_status;
	deps.reload = http_reload;
	deps.rollout = d_rollout;
	deps.incidents = d_incidents;
	deps.dash_stats = d_dash_stats;
	deps.status_page = status_page_render;
	deps.dashboards_dir = d.dash_dir;
	http = http_start(listen, &deps, err, sizeof err);
	if (!http) {
		log_error("http: %s", err);
		goto out;
	}
	/*
	 * Under reload_lock: the HTTP server already takes POST /-/reload,
	 * which must not drain a collector that is still being started, and
	 * whose swap frees the first configuration (cfg, and listen unless
	 * overridden) that the start line below reads.
	 */
	pthread_mutex_lock(&d.reload_lock);
	started = collector_start(d.coll, err, sizeof err);
	if (started == 0) {
		log_info("ozgmond %s: %zu targets from %s; data in %s; listening on %s://%s/%s",
			 OZGMON_VERSION, cfg->n_dienste, config_path, d.data_dir,
			 web && web->cert_pem ? "https" : "http", listen,
			 web && web->n_users ? " (basic auth)" : "");
		/* The READY=1 status names them too: written while they live. */
		snprintf(ready, sizeof ready, "READY=1\nSTATUS=probing %zu targets; listening on %s",
			 cfg->n_dienste, listen);
	}
	pthread_mutex_unlock(&d.reload_lock);
	if (started != 0) {
		log_error("collector: %s", err);
		goto out;
	}
	atomic_store(&d.main_beat_ms, sched_now_ms());
	/* READY=1 first, then the pings: no WATCHDOG=1 precedes readiness. */
	notify_send(ready);
	if (watchdog_start(&wd, &d, err, sizeof err) != 0)
		log_error("%s", err);

	for (;;) {
		const struct timespec beat = { MAIN_BEAT_MS / 1000, (MAIN_BEAT_MS % 1000) * 1000000L };
		int sig = sigtimedwait(&sigs, NULL, &beat);

		atomic_store(&d.main_beat_ms, sched_now_ms());
		if (sig < 0)
			continue;	/* EAGAIN: the beat; EINTR */
		if (sig == SIGHUP) {
			main_reload(&d);
			continue;
		}
		log_info("signal %d: stopping", sig);
		break;
	}
	rc = 0;
out:
	reload_requests_close(&d);	/* a waiting POST /-/reload is answered now */
	/* The pings end before STOPPING=1: a ping after it would tell systemd we run on. */
	watchdog_stop(&wd);
	notify_send("STOPPING=1\nSTATUS=stopping: writing the last samples");
	/* No reload may start once the stop begins; one running now finishes first. */
	pthread_mutex_lock(&d.reload_lock);
	d.stopping = true;
	stop_collector(d.coll, d.cfg->cfg, &d.pub);
	pthread_mutex_unlock(&d.reload_lock);
	http_stop(http);	/* waits for handlers (a refused reload among them) */
	analytics_stop(&d.an);
	if (d.store) {
		struct store_stats st;
		store_stop(d.store);
		store_get_stats(d.store, &st);
		/* Since the start, like ozgmon_rrd_updates_total: the stores replaced by reloads too. */
		store_stats_add_counters(&st, &d.base);
		log_info("store: %llu updates written, %llu dropped, %llu stale, %llu errors",
			 (unsigned long long)st.updates, (unsigned long long)st.dropped,
			 (unsigned long long)st.stale, (unsigned long long)st.errors);
	}
	collector_free(d.coll);
	store_free(d.store);
	history_set_rrdcached(NULL, NULL);
	state_pub_destroy(&d.pub);
	curl_global_cleanup();
cleanup:
	state_cfg_release(d.cfg);
	webcfg_free(web);
	free(d.data_dir);
	free(d.rrdcached);
	pthread_mutex_destroy(&d.lock);
	pthread_mutex_destroy(&d.reload_lock);
	pthread_cond_destroy(&d.rq_cond);
	pthread_mutex_destroy(&d.rq_lock);
	notify_close();
	return rc;
}
