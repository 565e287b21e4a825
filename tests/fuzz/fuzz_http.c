/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * fuzz_http.c - request path canonicalisation and routing of the exporter
 * (exporter/http.h): http_canon_path, http_route, http_file_path.
 *
 * Input: the raw request target as a client sends it (NUL bytes included,
 * which libmicrohttpd would cut the target at).  Checked for every input:
 * - a path that passes canonicalisation starts with '/', holds no NUL or
 *   control byte, no backslash, no "." or ".." segment and no "//";
 * - canonicalising it again (after escaping '%', '?' and '#') is a no-op;
 * - a dashboards file it names lies strictly below the directory, made of
 *   the allowed characters, with no dot-leading or empty segment;
 * - routes are what the path spells (the API only under /api/v1/).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporter/http.h"
#include "tests/fuzz/harness.h"

#define DIR "/srv/ozgmon/www"

/* True when s has a segment equal to "." or "..", or an empty inner segment. */
static int bad_segments(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p != '/')
			continue;
		if (p[1] == '/')
			return 1;
		if (p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
			return 1;
		if (p[1] == '.' && p[2] == '.' && (p[3] == '/' || p[3] == '\0'))
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *raw, out[HTTP_URI_MAX + 1], again[HTTP_URI_MAX + 1], esc[3 * HTTP_URI_MAX + 1];
	char file[1280];
	const char *type;
	int rc;

	if (size > 3 * HTTP_URI_MAX)
		return 0;
	raw = malloc(size + 1);
	if (!raw)
		return 0;
	memcpy(raw, data, size);
	raw[size] = '\0';	/* what the server sees: the target up to the first NUL */
	rc = http_canon_path(raw, out, sizeof out);
	must(rc == 0 || rc == 400 || rc == 404 || rc == 414);
	if (strlen(raw) > HTTP_URI_MAX)
		must(rc == 414);
	if (rc != 0) {
		free(raw);
		return 0;
	}
	must(out[0] == '/');
	for (const char *p = out; *p; p++)
		must((unsigned char)*p >= 0x20 && *p != 0x7f && *p != '\\');
	must(!bad_segments(out) || strcmp(out, "/") == 0);

	/* Idempotent: the canonical path, re-escaped, canonicalises to itself. */
	{
		size_t n = 0;
		for (const char *p = out; *p; p++) {
			if (*p == '%' || *p == '?' || *p == '#') {
				static const char hex[] = "0123456789ABCDEF";
				esc[n++] = '%';
				esc[n++] = hex[(unsigned char)*p >> 4];
				esc[n++] = hex[(unsigned char)*p & 15];
			} else {
				esc[n++] = *p;
			}
		}
		esc[n] = '\0';
		if (n <= HTTP_URI_MAX) {
			must(http_canon_path(esc, again, sizeof again) == 0);
			must(strcmp(again, out) == 0);
		}
	}

	switch (http_route(out)) {
	case HTTP_ROUTE_API:
		must(strncmp(out, "/api/v1/", 8) == 0);
		break;
	case HTTP_ROUTE_METRICS:
		must(strcmp(out, "/metrics") == 0);
		break;
	case HTTP_ROUTE_STATUS_PAGE:
		must(strcmp(out, "/") == 0);
		break;
	case HTTP_ROUTE_RELOAD:
	case HTTP_ROUTE_HEALTHY:
	case HTTP_ROUTE_READY:
		must(strncmp(out, "/-/", 3) == 0);
		break;
	case HTTP_ROUTE_FILE:
		if (http_file_path(DIR, out, file, sizeof file, &type)) {
			const char *rel = file + strlen(DIR) + 1;
			must(type != NULL);
			must(strncmp(file, DIR "/", strlen(DIR) + 1) == 0);
			must(strcmp(rel, out + 1) == 0);
			must(rel[0] != '.' && rel[0] != '/' && !strstr(rel, "/.") &&
			     !strstr(rel, "//") && rel[strlen(rel) - 1] != '/');
			must(strspn(rel, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				    "0123456789._/-") == strlen(rel));
		} else {
			must(type == NULL);
		}
		must(!http_file_path(NULL, out, file, sizeof file, &type));
		break;
	}
	free(raw);
	return 0;
}
