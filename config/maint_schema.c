/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * maint_schema.c - maintenance windows of an Onlinedienst and of a host.
 */
#include "config/load.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- maintenance windows ------------------------------------------------------ */

#define CFG_MAX_MAINT 32u	/* windows of one dienst or one global entry list */

/* "HH:MM" (00:00 .. 23:59) -> minutes of the day; -1 when malformed. */
static int parse_hhmm(const char *s)
{
	if (strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	return h < 24 && m < 60 ? h * 60 + m : -1;
}

/* "YYYY-MM-DD HH:MM" (or with 'T') -> local seconds (timegm of the fields); -1 when malformed. */
static int64_t parse_local_datetime(const char *s)
{
	struct tm tm, chk;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (strlen(s) != 16 || (s[10] != ' ' && s[10] != 'T'))
		return -1;
	end = strptime(s, s[10] == 'T' ? "%Y-%m-%dT%H:%M" : "%Y-%m-%d %H:%M", &tm);
	if (!end || *end || tm.tm_year < 70 || tm.tm_year > 1100)
		return -1;
	chk = tm;
	t = timegm(&tm);
	/* timegm normalises 31 February: refuse what it had to change. */
	if (tm.tm_mday != chk.tm_mday || tm.tm_mon != chk.tm_mon)
		return -1;
	return (int64_t)t;
}

/* One window: { days: [mon, ...], from: "HH:MM", to: "HH:MM" } or { from: DATETIME, to: DATETIME }. */
static bool load_maint_window(struct ld *L, const struct ynode *m, const struct ynode *const *v,
			      int k_days, int k_from, int k_to, struct cfg_maint *w)
{
	static const char *const dn[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
	const char *from, *to;
	char q[64];
	bool empty;

	if (!v[k_from] || !v[k_to] || !(from = want_str(L, v[k_from], "from")) ||
	    !(to = want_str(L, v[k_to], "to")))
		return false;
	if (v[k_days]) {
		int f = parse_hhmm(from), t = parse_hhmm(to);
		w->kind = CFG_MAINT_WEEKLY;
		if (f < 0)
			err_at(L, v[k_from], "from: '%s' is not a time HH:MM", cfg_quote(from, q, sizeof q));
		if (t < 0)
			err_at(L, v[k_to], "to: '%s' is not a time HH:MM", cfg_quote(to, q, sizeof q));
		if (!want_seq(L, v[k_days], "days", &empty))
			return false;
		for (size_t i = 0; !empty && i < v[k_days]->n; i++) {
			const struct ynode *d = v[k_days]->kid[i];
			size_t j = 7;
			if (d->kind == Y_SCALAR)
				for (j = 0; j < 7 && strcmp(d->s, dn[j]) != 0; j++)
					;
			if (j == 7)
				err_at(L, d, "days: '%s' is not one of mon, tue, wed, thu, fri, sat, sun",
				       cfg_quote(d->kind == Y_SCALAR ? d->s : "", q, sizeof q));
			else
				w->days |= 1u << j;
		}
		if (empty || v[k_days]->n == 0) {
			err_at(L, v[k_days], "days: name at least one day");
			return false;
		}
		if (w->days == 0)
			return false;	/* every day was reported */
		if (f < 0 || t < 0)
			return false;
		w->from_min = (unsigned)f;
		w->to_min = (unsigned)t;
		return true;
	}
	w->kind = CFG_MAINT_ONCE;
	w->from_local = parse_local_datetime(from);
	w->to_local = parse_local_datetime(to);
	if (w->from_local < 0)
		err_at(L, v[k_from], "from: '%s' is not a date and time YYYY-MM-DD HH:MM (or a weekly "
		       "window: add days:)", cfg_quote(from, q, sizeof q));
	if (w->to_local < 0)
		err_at(L, v[k_to], "to: '%s' is not a date and time YYYY-MM-DD HH:MM",
		       cfg_quote(to, q, sizeof q));
	if (w->from_local < 0 || w->to_local < 0)
		return false;
	if (w->to_local <= w->from_local) {
		err_at(L, m, "maintenance: the window ends before it starts");
		return false;
	}
	return true;
}

/* maintenance: [ window, ... ] of an onlinedienst. */
void load_maint(struct ld *L, const struct ynode *lst, struct cfg_dienst *d)
{
	enum { K_DAYS, K_FROM, K_TO, K_N };
	static const struct keydef kd[K_N] = { { "days", false }, { "from", true }, { "to", true } };
	bool empty;

	if (!lst || !want_seq(L, lst, "maintenance", &empty) || empty || lst->n == 0)
		return;
	if (lst->n > CFG_MAX_MAINT) {
		err_at(L, lst, "maintenance: more than %u windows", CFG_MAX_MAINT);
		return;
	}
	d->maint = calloc(lst->n, sizeof *d->maint);
	if (!d->maint) {
		L->oom = true;
		return;
	}
	for (size_t i = 0; i < lst->n; i++) {
		const struct ynode *v[K_N];
		if (!want_map(L, lst->kid[i], "maintenance entry"))
			continue;
		map_fields(L, lst->kid[i], "maintenance window", kd, K_N, v);
		if (load_maint_window(L, lst->kid[i], v, K_DAYS, K_FROM, K_TO, &d->maint[d->n_maint]))
			d->n_maint++;
	}
}

/* The host of an http(s) URL, lower case, into out (at most outsz-1 bytes). */
static void url_host(const char *url, char *out, size_t outsz)
{
	const char *h = strstr(url, "://"), *e;
	size_t n;

	h = h ? h + 3 : url;
	e = h + strcspn(h, ":/?#");
	n = (size_t)(e - h) < outsz - 1 ? (size_t)(e - h) : outsz - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] - 'A' + 'a' : h[i]);
	out[n] = '\0';
}

/*
 * global.maintenance: [ { hosts: [HOST, ...], days?, from, to } ]: each
 * window is added to every onlinedienst whose URL names one of the hosts.
 * Runs after the dienste are loaded.
 */
void load_host_maint(struct ld *L, const struct ynode *lst)
{
	enum { K_DAYS, K_FROM, K_TO, K_HOSTS, K_N };
	static const struct keydef kd[K_N] = { { "days", false }, { "from", true }, { "to", true },
					       { "hosts", true } };
	struct cfg *c = L->c;
	bool empty;

	if (!lst || !want_seq(L, lst, "maintenance", &empty) || empty)
		return;
	if (lst->n > CFG_MAX_MAINT) {
		err_at(L, lst, "maintenance: more than %u windows", CFG_MAX_MAINT);
		return;
	}
	for (size_t i = 0; i < lst->n && !L->oom; i++) {
		const struct ynode *v[K_N];
		struct cfg_maint w;
		bool hempty;

		memset(&w, 0, sizeof w);
		if (!want_map(L, lst->kid[i], "maintenance entry"))
			continue;
		map_fields(L, lst->kid[i], "maintenance window", kd, K_N, v);
		if (!load_maint_window(L, lst->kid[i], v, K_DAYS, K_FROM, K_TO, &w) || !v[K_HOSTS] ||
		    !want_seq(L, v[K_HOSTS], "hosts", &hempty) || hempty)
			continue;
		for (size_t h = 0; h < v[K_HOSTS]->n; h++) {
			const struct ynode *hn = v[K_HOSTS]->kid[h];
			const char *name = want_name(L, hn, "hosts");
			size_t hits = 0;
			char host[256], q[64];
			if (!name)
				continue;
			for (size_t t = 0; t < c->n_dienste; t++) {
				struct cfg_dienst *d = &c->dienste[t];
				struct cfg_maint *nv;
				if (!d->url)
					continue;
				url_host(d->url, host, sizeof host);
				if (strcasecmp(host, name) != 0)
					continue;
				nv = realloc(d->maint, (d->n_maint + 1) * sizeof *nv);
				if (!nv) {
					L->oom = true;
					return;
				}
				d->maint = nv;
				d->maint[d->n_maint++] = w;
				hits++;
			}
			if (hits == 0)
				err_at(L, hn, "hosts: no onlinedienst has a URL on host '%s'",
				       cfg_quote(name, q, sizeof q));
		}
	}
}

