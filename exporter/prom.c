/* SPDX-License-Identifier: EUPL-1.2 */
/* prom.c - see prom.h. */
#include "exporter/prom.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporter/prom_dashboards.h"
#include "exporter/prom_probe.h"
#include "exporter/prom_rollout.h"
#include "exporter/prom_shard.h"

void prom_render(struct buf *b, const struct snapshot *s, const struct prom_self *self)
{
	const struct prom_out o = { .b = b, .om = self->openmetrics };

	prom_render_daemon(&o, self->reload_ok, self->reload_success_s, self->ready);
	prom_render_process(&o, &self->proc, self->start_time_s);
	prom_render_dashboards(&o, self->dashboards);
	if (self->store)
		prom_render_store(&o, self->store);
	if (s)
		prom_render_probes(&o, s, self->cache);
	prom_render_http(&o, self->http);
	prom_render_rollout(&o, self->rollout);
	prom_render_incidents(&o, self->incidents);
	prom_render_shard(&o, s, self->rollout, self->cache);
	prom_end(&o);
}

/* ---- content negotiation ------------------------------------------------ */

/* Copies the next ';'- or ','-free token of s (trimmed) into out; returns the stop. */
static const char *token(const char *s, char *out, size_t outsz)
{
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	while (*s && *s != ';' && *s != ',') {
		if (n + 1 < outsz)
			out[n++] = (char)tolower((unsigned char)*s);
		s++;
	}
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		n--;
	out[n] = '\0';
	return s;
}

bool prom_accept_openmetrics(const char *accept)
{
	double q_om = -1, q_text = -1;
	const char *s = accept;

	if (!s)
		return false;
	while (*s) {
		char type[96], param[96];
		const char *version = NULL;
		char vbuf[96] = "";
		double q = 1;

		s = token(s, type, sizeof type);
		while (*s == ';') {
			s = token(s + 1, param, sizeof param);
			if (strncmp(param, "q=", 2) == 0) {
				q = strtod(param + 2, NULL);
			} else if (strncmp(param, "version=", 8) == 0) {
				snprintf(vbuf, sizeof vbuf, "%s", param + 8);
				version = vbuf;
			}
		}
		if (*s == ',')
			s++;
		if (!(q > 0))
			continue;
		if (strcmp(type, "application/openmetrics-text") == 0) {
			if ((!version || strcmp(version, "1.0.0") == 0) && q > q_om)
				q_om = q;
		} else if (strcmp(type, "text/plain") == 0) {
			if ((!version || strcmp(version, "0.0.4") == 0) && q > q_text)
				q_text = q;
		} else if (strcmp(type, "*/*") == 0 || strcmp(type, "text/*") == 0) {
			if (q > q_text)
				q_text = q;
		}
	}
	return q_om > 0 && q_om > q_text;
}
