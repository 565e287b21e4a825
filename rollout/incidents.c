/* SPDX-License-Identifier: EUPL-1.2 */
/* incidents.c - see incidents.h. */
#include "rollout/incidents.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"

#define JOURNAL_LINE_MAX 4096

struct watch {
	uint64_t probes_seen;	/* target_state.probes at the last look */
	unsigned fails;		/* consecutive failures seen */
	int64_t first_fail_ms;	/* when the first of them ended */
	bool decided;		/* a probe after start was seen (reconciliation done) */
};

struct incidents {
	struct state_cfg *cref;		/* owned reference */
	const struct cfg *cfg;		/* == cref->cfg */
	struct state_pub *pub;
	char *path;
	int fd;				/* journal, O_APPEND */
	uint64_t next_id;
	uint64_t *open_id;		/* per target: id of the open incident, 0 none */
	struct watch *w;
	pthread_mutex_t lock;		/* guards stats and journal_errors */
	struct incident_stats *stats;
	uint64_t journal_errors;
	pthread_mutex_t poll_lock;	/* one poll at a time: guards w, open_id, next_id, fd */
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	bool stop;
	bool running;
	pthread_t thread;
};

static void iso8601(int64_t ms, char *out, size_t n)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	size_t k;

	gmtime_r(&s, &tm);
	k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + k, n - k, ".%03dZ", (int)(ms % 1000));
}

/* Appends one JSON line and fsyncs it.  0 or -1 (counted and logged). */
static int journal_append(struct incidents *in, json_t *obj)
{
	char *line = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	size_t len;
	ssize_t w;
	int rc = 0;

	if (!line)
		return -1;
	len = strlen(line);
	line[len] = '\n';	/* json_dumps' NUL becomes the line end */
	w = write(in->fd, line, len + 1);
	if (w != (ssize_t)(len + 1) || fsync(in->fd) != 0) {
		pthread_mutex_lock(&in->lock);
		if (in->journal_errors++ % 100 == 0)
			log_error("incidents: cannot write %s: %s", in->path,
				  w < 0 ? strerror(errno) : "short write");
		pthread_mutex_unlock(&in->lock);
		rc = -1;
	}
	free(line);
	return rc;
}

static size_t find_target(const struct cfg *cfg, const char *id)
{
	const struct cfg_dienst *d = cfg_find_dienst(cfg, id);
	return d ? (size_t)(d - cfg->dienste) : (size_t)-1;
}

static enum probe_result result_from_name(const char *s)
{
	for (int r = 0; r < PROBE_RESULT_COUNT; r++)
		if (strcmp(probe_result_name((enum probe_result)r), s) == 0)
			return (enum probe_result)r;
	return PROBE_CONNECT;
}

/* Replays one journal line into the totals.  -1 when it is not one of ours. */
static int replay(struct incidents *in, const char *line, size_t len)
{
	json_error_t je;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	const char *ev, *dienst, *reason = NULL;
	json_int_t id = 0, at_ms = 0;
	size_t t;
	int rc = -1;

	if (!o)
		return -1;
	if (json_unpack(o, "{s:s, s:I, s:s, s:I, s?:s}", "event", &ev, "id", &id, "dienst", &dienst,
			"at_ms", &at_ms, "reason", &reason) != 0 || id <= 0)
		goto out;
	if ((uint64_t)id >= in->next_id && strcmp(ev, "first_success") != 0)
		in->next_id = (uint64_t)id + 1;
	t = find_target(in->cfg, dienst);
	rc = 0;
	if (t == (size_t)-1)
		goto out;	/* a target no longer configured: its history stays in the file */
	if (strcmp(ev, "first_success") == 0) {
		if (!in->stats[t].first_success_ms || at_ms < in->stats[t].first_success_ms)
			in->stats[t].first_success_ms = at_ms;
	} else if (strcmp(ev, "open") == 0) {
		in->stats[t].opened++;
		in->stats[t].open = true;
		in->stats[t].open_since_ms = at_ms;
		in->stats[t].open_reason = reason ? result_from_name(reason) : PROBE_CONNECT;
		in->open_id[t] = (uint64_t)id;
	} else if (strcmp(ev, "close") == 0 && in->open_id[t] == (uint64_t)id) {
		in->stats[t].closed++;
		in->stats[t].downtime_s += (double)(at_ms - in->stats[t].open_since_ms) / 1000.0;
		in->stats[t].open = false;
		in->open_id[t] = 0;
	} else {
		rc = -1;
	}
out:
	json_decref(o);
	return rc;
}

static int journal_load(struct incidents *in, char *err, size_t errsz)
{
	FILE *f = fopen(in->path, "r");
	char line[JOURNAL_LINE_MAX];
	unsigned lineno = 0, bad = 0;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errsz, "cannot read %s: %s", in->path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		size_t len = strlen(line);
		lineno++;
		if (len == sizeof line - 1 && line[len - 1] != '\n') {
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;	/* skip the rest of an overlong line */
			bad++;
			log_warn("incidents: %s:%u: line longer than %d bytes skipped", in->path, lineno,
				 JOURNAL_LINE_MAX);
			continue;
		}
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (replay(in, line, len) != 0) {
			bad++;
			/* A crash can cut the last line: say where, keep going. */
			log_warn("incidents: %s:%u: not a journal entry, skipped", in->path, lineno);
		}
	}
	fclose(f);
	in->journal_errors += bad;
	return 0;
}

/* Opens target t's incident; it started with the first failure of the streak, `since_ms`. */
static void open_incident(struct incidents *in, size_t t, const struct target_state *ts,
			  int64_t since_ms)
{
	json_t *o;
	char when[64];
	uint64_t id = in->next_id++;

	iso8601(since_ms, when, sizeof when);
	o = json_pack("{s:s, s:I, s:s, s:I, s:s, s:s, s:i}", "event", "open", "id", (json_int_t)id,
		      "dienst", in->cfg->dienste[t].id, "at_ms", (json_int_t)since_ms, "at", when,
		      "reason", probe_result_name(ts->result), "http_status", ts->http_status);
	if (o) {
		journal_append(in, o);
		json_decref(o);
	}
	in->open_id[t] = id;
	pthread_mutex_lock(&in->lock);
	in->stats[t].opened++;
	in->stats[t].open = true;
	in->stats[t].open_since_ms = since_ms;
	in->stats[t].open_reason = ts->result;
	pthread_mutex_unlock(&in->lock);
	log_info("incident %llu: %s down (%s)", (unsigned long long)id, in->cfg->dienste[t].id,
		 probe_result_name(ts->result));
}

/* Journals target t's first correct answer (once in the journal's life). */
static void first_success(struct incidents *in, size_t t, const struct target_state *ts)
{
	json_t *o;
	char when[64];

	iso8601(ts->last_ms, when, sizeof when);
	o = json_pack("{s:s, s:I, s:s, s:I, s:s}", "event", "first_success", "id", (json_int_t)1,
		      "dienst", in->cfg->dienste[t].id, "at_ms", (json_int_t)ts->last_ms, "at", when);
	if (o) {
		journal_append(in, o);
		json_decref(o);
	}
	pthread_mutex_lock(&in->lock);
	in->stats[t].first_success_ms = ts->last_ms;
	pthread_mutex_unlock(&in->lock);
}

static void close_incident(struct incidents *in, size_t t, const struct target_state *ts,
			   bool reconciled)
{
	json_t *o;
	char when[64];
	double secs;

	pthread_mutex_lock(&in->lock);
	secs = (double)(ts->last_ms - in->stats[t].open_since_ms) / 1000.0;
	if (secs < 0)
		secs = 0;	/* the wall clock stepped back */
	in->stats[t].closed++;
	in->stats[t].downtime_s += secs;
	in->stats[t].open = false;
	pthread_mutex_unlock(&in->lock);
	iso8601(ts->last_ms, when, sizeof when);
	o = json_pack("{s:s, s:I, s:s, s:I, s:s, s:f, s:b}", "event", "close", "id",
		      (json_int_t)in->open_id[t], "dienst", in->cfg->dienste[t].id, "at_ms",
		      (json_int_t)ts->last_ms, "at", when, "duration_s", secs, "reconciled", reconciled);
	if (o) {
		journal_append(in, o);
		json_decref(o);
	}
	log_info("incident %llu: %s up again after %.0f s%s", (unsigned long long)in->open_id[t],
		 in->cfg->dienste[t].id, secs, reconciled ? " (open across a restart)" : "");
	in->open_id[t] = 0;
}

void incidents_poll(struct incidents *in)
{
	struct snapshot *s;

	/*
	 * Taken under the lock: two pollers must not look at two snapshots in
	 * the opposite order of their publication.
	 */
	pthread_mutex_lock(&in->poll_lock);
	s = state_acquire(in->pub);
	if (s && s->cfg != in->cfg) {
		snapshot_release(s);	/* of another configuration (around a reload) */
		s = NULL;
	}
	if (!s) {
		pthread_mutex_unlock(&in->poll_lock);
		return;
	}
	for (size_t t = 0; t < s->n && t < in->cfg->n_dienste; t++) {
		const struct target_state *ts = &s->t[t];
		struct watch *w = &in->w[t];
		bool first;

		/* Probe counts only grow within a process: nothing new, or older news. */
		if (!ts->probed || ts->probes <= w->probes_seen)
			continue;
		first = !w->decided;
		w->decided = true;
		/* Probes finished between two looks count as one: the latest decides. */
		w->probes_seen = ts->probes;
		if (ts->success) {
			w->fails = 0;
			if (!in->stats[t].first_success_ms)
				first_success(in, t, ts);
			if (in->open_id[t])
				close_incident(in, t, ts, first);
		} else {
			if (w->fails++ == 0)
				w->first_fail_ms = ts->last_ms;
			/* Down once the target's retries are used up (the collector decides). */
			if (!in->open_id[t] && ts->down)
				open_incident(in, t, ts, w->first_fail_ms);
		}
	}
	pthread_mutex_unlock(&in->poll_lock);
	snapshot_release(s);
}

static void *watcher(void *arg)
{
	struct incidents *in = arg;

	pthread_setname_np(pthread_self(), "incidents");
	for (;;) {
		struct timespec until;
		bool stop;

		incidents_poll(in);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_mutex_lock(&in->stop_lock);
		if (!in->stop)
			pthread_cond_timedwait(&in->stop_cond, &in->stop_lock, &until);
		stop = in->stop;
		pthread_mutex_unlock(&in->stop_lock);
		if (stop)
			break;
	}
	incidents_poll(in);	/* what the last snapshot says, before the journal closes */
	return NULL;
}

static void incidents_free(struct incidents *in)
{
	if (in->fd >= 0)
		close(in->fd);
	free(in->path);
	free(in->open_id);
	free(in->w);
	free(in->stats);
	state_cfg_release(in->cref);
	pthread_mutex_destroy(&in->lock);
	pthread_mutex_destroy(&in->poll_lock);
	pthread_mutex_destroy(&in->stop_lock);
	pthread_cond_destroy(&in->stop_cond);
	free(in);
}

struct incidents *incidents_start(struct state_cfg *cref, struct state_pub *pub,
				  const char *data_dir, char *err, size_t errsz)
{
	struct incidents *in = calloc(1, sizeof *in);
	const struct cfg *cfg = cref->cfg;
	size_t n = cfg->n_dienste ? cfg->n_dienste : 1;
	size_t pl = strlen(data_dir) + sizeof "/incidents.jsonl";
	int rc;

	if (!in) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	in->cref = state_cfg_ref(cref);
	in->cfg = cfg;
	in->pub = pub;
	in->fd = -1;
	in->next_id = 1;
	pthread_mutex_init(&in->lock, NULL);
	pthread_mutex_init(&in->poll_lock, NULL);
	pthread_mutex_init(&in->stop_lock, NULL);
	pthread_cond_init(&in->stop_cond, NULL);
	in->path = malloc(pl);
	in->open_id = calloc(n, sizeof *in->open_id);
	in->w = calloc(n, sizeof *in->w);
	in->stats = calloc(n, sizeof *in->stats);
	if (!in->path || !in->open_id || !in->w || !in->stats) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	snprintf(in->path, pl, "%s/incidents.jsonl", data_dir);
	if (journal_load(in, err, errsz) != 0)
		goto fail;
	in->fd = open(in->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (in->fd < 0) {
		snprintf(err, errsz, "cannot open %s: %s", in->path, strerror(errno));
		goto fail;
	}
	rc = pthread_create(&in->thread, NULL, watcher, in);
	if (rc != 0) {
		snprintf(err, errsz, "cannot start incident thread: %s", strerror(rc));
		goto fail;
	}
	in->running = true;
	return in;
fail:
	incidents_free(in);
	return NULL;
}

int incidents_view(struct incidents *in, struct incidents_view *v)
{
	v->cfg = in->cfg;
	v->n = in->cfg->n_dienste;
	v->d = malloc((v->n ? v->n : 1) * sizeof *v->d);
	if (!v->d)
		return -1;
	v->cfgref = state_cfg_ref(in->cref);
	pthread_mutex_lock(&in->lock);
	memcpy(v->d, in->stats, v->n * sizeof *v->d);
	v->journal_errors = in->journal_errors;
	pthread_mutex_unlock(&in->lock);
	return 0;
}

void incidents_view_free(struct incidents_view *v)
{
	if (!v)
		return;
	free(v->d);
	state_cfg_release(v->cfgref);
	v->d = NULL;
	v->cfgref = NULL;
	v->n = 0;
}

void incidents_stop(struct incidents *in)
{
	if (!in)
		return;
	if (in->running) {
		pthread_mutex_lock(&in->stop_lock);
		in->stop = true;
		pthread_cond_signal(&in->stop_cond);
		pthread_mutex_unlock(&in->stop_lock);
		pthread_join(in->thread, NULL);
	}
	incidents_free(in);
}

/* ---- the journal's recent incidents --------------------------------------- */

#define RECENT_MAX_SEEN 8192	/* incidents collected from the tail before sorting */

struct recent {
	struct incident_event *v;
	size_t n;
};

static int cmp_recent(const void *pa, const void *pb)
{
	const struct incident_event *a = pa, *b = pb;
	return a->start_ms < b->start_ms ? 1 : a->start_ms > b->start_ms ? -1 : 0;
}

/* Folds one journal line into r; lines that are not incidents of a configured target are skipped. */
static void recent_line(const struct cfg *cfg, struct recent *r, const char *line, size_t len)
{
	json_error_t je;
	json_t *o = json_loadb(line, len, 0, &je);
	const char *ev, *dienst, *reason = NULL;
	json_int_t id = 0, at_ms = 0;
	double dur = -1;
	int rec = 0;
	size_t t, k;

	if (!o)
		return;
	if (json_unpack(o, "{s:s, s:I, s:s, s:I, s?:s, s?:F, s?:b}", "event", &ev, "id", &id, "dienst",
			&dienst, "at_ms", &at_ms, "reason", &reason, "duration_s", &dur,
			"reconciled", &rec) != 0 || id <= 0 ||
	    (t = find_target(cfg, dienst)) == (size_t)-1)
		goto out;
	if (strcmp(ev, "open") == 0) {
		if (r->n >= RECENT_MAX_SEEN)
			goto out;
		r->v[r->n++] = (struct incident_event){ .dienst = t, .id = (uint64_t)id,
			.start_ms = at_ms, .reason = reason ? result_from_name(reason) : PROBE_RESULT_COUNT };
	} else if (strcmp(ev, "close") == 0) {
		for (k = r->n; k-- > 0;)
			if (r->v[k].id == (uint64_t)id && r->v[k].dienst == t && r->v[k].end_ms == 0)
				break;
		if (k == (size_t)-1) {
			/*
			 * Opened before the part read: dated from its duration,
			 * rounded, so that it is the millisecond the open line
			 * had (1.001 * 1000.0 is a hair below 1001): the feeds
			 * derive an incident's id from its start.
			 */
			if (r->n >= RECENT_MAX_SEEN || dur < 0)
				goto out;
			k = r->n++;
			r->v[k] = (struct incident_event){ .dienst = t, .id = (uint64_t)id,
				.start_ms = at_ms - llround(dur * 1000.0), .reason = PROBE_RESULT_COUNT };
		}
		r->v[k].end_ms = at_ms > r->v[k].start_ms ? at_ms : r->v[k].start_ms + 1;
		r->v[k].reconciled = rec != 0;
	}
out:
	json_decref(o);
}

int incidents_recent(struct incidents *in, struct incident_event *out, size_t max, char *err,
		     size_t errsz)
{
	struct recent r = { 0 };
	struct stat st;
	char *data = NULL;
	size_t len = 0, n;
	off_t from;
	int fd = open(in->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errsz, "cannot read %s: %s", in->path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errsz, "cannot read %s: %s", in->path, strerror(errno));
		close(fd);
		return -1;
	}
	from = st.st_size > (off_t)INCIDENTS_RECENT_BYTES ? st.st_size - (off_t)INCIDENTS_RECENT_BYTES : 0;
	data = malloc(INCIDENTS_RECENT_BYTES + 1);
	r.v = malloc(RECENT_MAX_SEEN * sizeof *r.v);
	if (!data || !r.v) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	while (len < INCIDENTS_RECENT_BYTES) {
		ssize_t k = pread(fd, data + len, INCIDENTS_RECENT_BYTES - len, from + (off_t)len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			snprintf(err, errsz, "cannot read %s: %s", in->path, strerror(errno));
			goto fail;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	fd = -1;
	data[len] = '\0';
	{
		size_t i = 0;
		if (from > 0) {	/* the first line is cut: start after it */
			char *nl = memchr(data, '\n', len);
			i = nl ? (size_t)(nl - data) + 1 : len;
		}
		while (i < len) {
			char *nl = memchr(data + i, '\n', len - i);
			if (!nl)
				break;	/* a line still being written */
			if (nl > data + i)
				recent_line(in->cfg, &r, data + i, (size_t)(nl - (data + i)));
			i = (size_t)(nl - data) + 1;
		}
	}
	qsort(r.v, r.n, sizeof *r.v, cmp_recent);
	n = r.n < max ? r.n : max;
	if (n)
		memcpy(out, r.v, n * sizeof *out);
	free(data);
	free(r.v);
	return (int)n;
fail:
	if (fd >= 0)
		close(fd);
	free(data);
	free(r.v);
	return -1;
}
