/* SPDX-License-Identifier: EUPL-1.2 */
/* graph.c - see graph.h. */
#include "dashboards/graph.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <rrd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "dashboards/svgslim.h"

#define GRAPH_ARGS 80
#define GRAPH_SVG_LIMIT (1024u * 1024u)	/* bytes of one slimmed graph */
#define GRAPH_ARG_LEN 512

static pthread_mutex_t graph_lock = PTHREAD_MUTEX_INITIALIZER;

struct gargs {
	int n;
	char v[GRAPH_ARGS][GRAPH_ARG_LEN];
	char *argv[GRAPH_ARGS];
	int overflow;
};

static void add(struct gargs *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct gargs *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (a->n >= GRAPH_ARGS) {
		a->overflow = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(a->v[a->n], GRAPH_ARG_LEN, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= GRAPH_ARG_LEN)
		a->overflow = 1;
	a->argv[a->n] = a->v[a->n];
	a->n++;
}

/*
 * The options every graph shares: size, SVG, sober gray colours, the window.
 * The image is drawn into memory ("-": librrd returns it as the "image"
 * blob) and slimmed before it is written (svgslim.h).  The title is not drawn:
 * every page names the graph in its caption and alt text, and a title costs
 * a set of glyph outlines of its own.
 */
static void common(struct gargs *a, time_t start, time_t end, const char *axis_format,
		   const char *x_grid)
{
	add(a, "graph");
	add(a, "-");
	add(a, "--imgformat");
	add(a, "SVG");
	add(a, "--start");
	add(a, "%lld", (long long)start);
	add(a, "--end");
	add(a, "%lld", (long long)end);
	add(a, "--width");
	add(a, "560");
	add(a, "--height");
	add(a, "140");
	/*
	 * The unit goes with every axis label instead of a vertical label: rotated
	 * text needs a second set of glyph outlines (some 6 KB).
	 */
	add(a, "--left-axis-format");
	add(a, "%s", axis_format);
	add(a, "--color");
	add(a, "BACK#FFFFFF");
	add(a, "--color");
	add(a, "CANVAS#FFFFFF");
	add(a, "--color");
	add(a, "FONT#000000");
	add(a, "--color");
	add(a, "SHADEA#FFFFFF");
	add(a, "--color");
	add(a, "SHADEB#FFFFFF");
	add(a, "--color");
	add(a, "GRID#BBBBBB");
	add(a, "--color");
	add(a, "MGRID#777777");
	add(a, "--color");
	add(a, "ARROW#000000");
	add(a, "--border");
	add(a, "0");
	add(a, "--font");
	add(a, "DEFAULT:8:sans-serif");
	add(a, "--slope-mode");
	/* Every graph counts from zero, with its window's grid. */
	add(a, "--lower-limit");
	add(a, "0");
	add(a, "--x-grid");
	add(a, "%s", x_grid);
}

/*
 * A legend text as librrd takes it in a LINE or AREA: one space in front,
 * ':' escaped (librrd's field separator) and '\\' (its formatting marks)
 * replaced by '/'.  librrd draws the swatch 1.2 times the width of an "o"
 * and starts the text two spaces right of the swatch's left edge, which
 * suits the monospaced font it defaults to; in a proportional font (the
 * sans-serif these graphs use, where a space is about half an "o") two
 * spaces are narrower than the swatch and the text ran into it.  The third
 * space leaves a gap of about a third of the font size between swatch and
 * text.
 */
static const char *legend(char *out, size_t outsz, const char *text)
{
	size_t o = 0;

	if (outsz < 2) {
		if (outsz)
			out[0] = '\0';
		return out;
	}
	out[o++] = ' ';
	for (const char *p = text ? text : ""; *p && o + 2 < outsz; p++) {
		if (*p == ':')
			out[o++] = '\\';
		out[o++] = *p == '\\' ? '/' : *p;
	}
	out[o] = '\0';
	return out;
}

int dash_write_file(const char *path, const char *data, size_t len, char *err, size_t errsz)
{
	char tmp[1100];
	int fd;
	size_t off = 0;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
		snprintf(err, errsz, "%s: path too long", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errsz, "%s: %s", tmp, n < 0 ? strerror(errno) : "short write");
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)n;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Runs librrd on a's arguments, slims the image and writes it to out (dash_write_file). */
static int run(struct gargs *a, const char *out, char *err, size_t errsz)
{
	rrd_info_t *info, *i;
	struct buf svg;
	char why[256];
	int rc = 0;

	if (a->overflow) {
		snprintf(err, errsz, "%s: graph arguments too long", out);
		return -1;
	}
	buf_init(&svg, GRAPH_SVG_LIMIT);
	pthread_mutex_lock(&graph_lock);
	rrd_clear_error();
	info = rrd_graph_v(a->n, a->argv);
	if (!info || rrd_test_error()) {
		snprintf(err, errsz, "%s: %s", out, rrd_test_error() ? rrd_get_error() : "rrd_graph failed");
		rc = -1;
	}
	for (i = info; rc == 0 && i; i = i->next)
		if (i->type == RD_I_BLO && strcmp(i->key, "image") == 0)
			break;
	if (rc == 0 && !i) {
		snprintf(err, errsz, "%s: librrd returned no image", out);
		rc = -1;
	}
	if (rc == 0 && dash_svg_slim((const char *)i->value.u_blo.ptr, i->value.u_blo.size, &svg,
				     why, sizeof why) != 0) {
		snprintf(err, errsz, "%s: %s", out, why);
		rc = -1;
	}
	rrd_info_free(info);
	rrd_clear_error();
	pthread_mutex_unlock(&graph_lock);
	if (rc == 0)
		rc = dash_write_file(out, svg.data, svg.len, err, errsz);
	buf_free(&svg);
	return rc;
}

/* The RRD path must not contain ':' (librrd's separator) and must be readable. */
static int prepare(const char *rrd, char *err, size_t errsz)
{
	if (strchr(rrd, ':')) {
		snprintf(err, errsz, "%s: a ':' in the path cannot be graphed", rrd);
		return -1;
	}
	if (access(rrd, R_OK) != 0) {
		snprintf(err, errsz, "%s: %s", rrd, strerror(errno));
		return -1;
	}
	return 0;
}

/* What the file's archives offer for a band: MIN and MAX, MAX only, or neither. */
static enum dash_band band_of(const char *rrd)
{
	rrd_info_t *info, *i;
	bool mn = false, mx = false;

	rrd_clear_error();
	info = rrd_info_r(rrd);
	for (i = info; i; i = i->next) {
		size_t kl = strlen(i->key);
		if (i->type != RD_I_STR || kl < 3 || strcmp(i->key + kl - 3, ".cf") != 0)
			continue;
		mn |= strcmp(i->value.u_str, "MIN") == 0;
		mx |= strcmp(i->value.u_str, "MAX") == 0;
	}
	rrd_info_free(info);
	rrd_clear_error();
	return mn && mx ? DASH_BAND_MINMAX : mx ? DASH_BAND_MAX : DASH_BAND_NONE;
}

int dash_graph_latency(const char *rrd, const char *out, time_t end, const struct dash_lang *L,
		       enum dash_band *band, char *err, size_t errsz)
{
	/* The phases in probe order, stacked from dark to light: grays a grayscale print tells apart. */
	static const char *const ds[5] = { "resolve", "connect", "tls", "processing", "transfer" };
	static const char *const shade[5] = { "#333333", "#666666", "#999999", "#BBBBBB", "#DDDDDD" };
	struct gargs a = { 0 };
	char lg[160];

	if (prepare(rrd, err, errsz) != 0)
		return -1;
	if (*band == DASH_BAND_UNKNOWN)
		*band = band_of(rrd);
	common(&a, end - 86400, end, "%.0lf ms", L->g_xgrid_24h);
	/* At least 0..10 ms (not rigid): whole milliseconds stay distinct on the axis. */
	add(&a, "--upper-limit");
	add(&a, "10");
	add(&a, "--units-exponent");
	add(&a, "0");
	for (int i = 0; i < 5; i++) {
		add(&a, "DEF:p%d=%s:%s:AVERAGE:step=3600", i, rrd, ds[i]);
		add(&a, "CDEF:m%d=p%d,1000,*", i, i);
		add(&a, "AREA:m%d%s:%s%s", i, shade[i], legend(lg, sizeof lg, L->phase_names[i]),
		    i ? ":STACK" : "");
	}
	add(&a, "DEF:avg=%s:duration:AVERAGE", rrd);
	add(&a, "CDEF:mavg=avg,1000,*");
	if (*band == DASH_BAND_MINMAX) {
		add(&a, "DEF:mn=%s:duration:MIN", rrd);
		add(&a, "CDEF:mmn=mn,1000,*");
		add(&a, "LINE1:mmn#000000:%s:dashes=1,2", legend(lg, sizeof lg, "Min"));
	}
	if (*band == DASH_BAND_MINMAX || *band == DASH_BAND_MAX) {
		add(&a, "DEF:mx=%s:duration:MAX", rrd);
		add(&a, "CDEF:mmx=mx,1000,*");
		add(&a, "LINE1:mmx#000000:%s:dashes=4,3", legend(lg, sizeof lg, L->g_max));
	}
	add(&a, "LINE2:mavg#000000:%s", legend(lg, sizeof lg, L->g_avg));
	return run(&a, out, err, errsz);
}

int dash_graph_avail(const char *rrd, const char *out, time_t end, const struct dash_lang *L,
		     char *err, size_t errsz)
{
	struct gargs a = { 0 };
	char lg[160];

	if (prepare(rrd, err, errsz) != 0)
		return -1;
	common(&a, end - 7 * 86400, end, L->pct_sep[0] ? "%.0lf %%" : "%.0lf%%", L->g_xgrid_7d);
	add(&a, "--upper-limit");
	add(&a, "100");
	add(&a, "--rigid");
	add(&a, "--step");
	add(&a, "3600");
	add(&a, "DEF:up=%s:up:AVERAGE", rrd);
	add(&a, "CDEF:pct=up,100,*");
	add(&a, "AREA:pct#DDDDDD");
	add(&a, "LINE2:pct#000000:%s", legend(lg, sizeof lg, L->availability));
	return run(&a, out, err, errsz);
}

int dash_graph_trend(const char *rrd, const char *out, time_t end, const struct dash_lang *L,
		     char *err, size_t errsz)
{
	struct gargs a = { 0 };
	char lg[160];

	if (prepare(rrd, err, errsz) != 0)
		return -1;
	common(&a, end - 30 * 86400, end, "%.0lf", L->g_xgrid_30d);
	add(&a, "DEF:on=%s:online:AVERAGE", rrd);
	add(&a, "DEF:fd=%s:flaechendeckend:AVERAGE", rrd);
	add(&a, "DEF:fu=%s:fulfilled:AVERAGE", rrd);
	add(&a, "LINE2:on#000000:%s", legend(lg, sizeof lg, L->online));
	add(&a, "LINE2:fd#444444:%s:dashes=8,4", legend(lg, sizeof lg, L->online_all));
	add(&a, "LINE2:fu#000000:%s:dashes=2,3", legend(lg, sizeof lg, L->fulfilled));
	return run(&a, out, err, errsz);
}

int dash_graph_usage(const char *rrd, const char *out, time_t end, const struct dash_lang *L,
		     const char *const *ds, const char *const *legends, size_t n, char *err,
		     size_t errsz)
{
	/* Up to eight lines told apart by width and dash pattern, not by colour. */
	static const char *const width[8] = { "LINE2", "LINE2", "LINE2", "LINE1", "LINE1", "LINE1",
					      "LINE3", "LINE1" };
	static const char *const colour[8] = { "#000000", "#444444", "#000000", "#000000",
					       "#444444", "#000000", "#888888", "#000000" };
	static const char *const dash[8] = { "", ":dashes=8,4", ":dashes=2,3", "", ":dashes=8,4",
					     ":dashes=2,3", "", ":dashes=12,3,2,3" };
	struct gargs a = { 0 };
	char lg[160];

	if (n == 0 || n > 8) {
		snprintf(err, errsz, "%s: %zu counters to draw (1 to 8)", rrd, n);
		return -1;
	}
	if (prepare(rrd, err, errsz) != 0)
		return -1;
	common(&a, end - 7 * 86400, end, "%.0lf", L->g_xgrid_7d);
	/* At least 0..10 per hour (not rigid): whole counts stay distinct on the axis. */
	add(&a, "--upper-limit");
	add(&a, "10");
	add(&a, "--units-exponent");
	add(&a, "0");
	for (size_t i = 0; i < n; i++) {
		add(&a, "DEF:u%zu=%s:%s:AVERAGE:step=3600", i, rrd, ds[i]);
		add(&a, "CDEF:h%zu=u%zu,3600,*", i, i);
		add(&a, "%s:h%zu%s:%s%s", width[i], i, colour[i], legend(lg, sizeof lg, legends[i]), dash[i]);
	}
	return run(&a, out, err, errsz);
}

/*
 * LeakSanitizer (make SAN=1) calls this hook when the program defines it.
 * librrd 1.7's graph code leaves small strings of every call behind
 * (sprintf_alloc, i.e. vasprintf), and fontconfig, which it loads, keeps its
 * caches for the life of the process; neither is ours to free.  ozgmon itself
 * never calls asprintf.  Without a sanitizer the function is never called.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:librrd.so\n"
	       "leak:libfontconfig.so\n"
	       "leak:libpango\n"
	       "leak:libcairo\n"
	       "leak:__vasprintf_internal\n";
}
