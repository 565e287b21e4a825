/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * fuzz_config.c - the YAML configuration loader (config/config.h).
 *
 * The input is the configuration file, handed to cfg_load() through a
 * memory file (memfd) so nothing is written to disk.  Register paths in it
 * resolve below /proc/self/fd and find nothing, which is itself an error
 * path.  Checked for every input:
 * - cfg_load returns a configuration exactly when it reported no error;
 * - every error names a file, and an error in the YAML file carries a line
 *   within the input (YAML counts CR, NEL, LS and PS as line breaks too)
 *   and a column (file:line:col), and a non-empty message;
 * - a loaded configuration's dienste are sorted and findable by id.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "tests/fuzz/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_errors errs = { 0 };
	struct cfg *c;
	char path[64], line[2048];
	unsigned lines = 1;
	int fd;

	if (size > 256 * 1024)
		return 0;
	fd = fuzz_memfile("ozgmon-fuzz.yml", data, size, path, sizeof path);
	if (fd < 0)
		return 0;
	/* YAML line breaks: LF, CR, NEL (C2 85), LS and PS (E2 80 A8/A9): an upper bound. */
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n' || data[i] == '\r' || data[i] == 0x85 ||
			 (data[i] == 0xe2 && i + 2 < size && data[i + 1] == 0x80 &&
			  (data[i + 2] == 0xa8 || data[i + 2] == 0xa9));
	c = cfg_load(path, &errs);
	must((c != NULL) == (errs.n == 0));
	for (size_t i = 0; i < errs.n; i++) {
		const struct cfg_error *e = &errs.v[i];
		must(e->file && e->file[0] && e->msg && e->msg[0]);
		if (strcmp(e->file, path) == 0 && e->line > 0)
			must(e->line <= lines + 1 && e->col > 0);
		cfg_error_format(e, line, sizeof line);
		must(strncmp(line, e->file, strlen(e->file) < 64 ? strlen(e->file) : 64) == 0);
	}
	if (c) {
		for (size_t i = 0; i < c->n_dienste; i++) {
			must(c->dienste[i].id && c->dienste[i].url && c->dienste[i].name);
			must(cfg_find_dienst(c, c->dienste[i].id) == &c->dienste[i]);
			if (i > 0)
				must(strcmp(c->dienste[i - 1].id, c->dienste[i].id) < 0);
			must(c->dienste[i].timeout_ms <= c->dienste[i].interval_ms);
		}
		for (size_t i = 0; i < c->n_angebote; i++)
			must(c->angebote[i].dienst < c->n_dienste);
	}
	cfg_free(c);
	cfg_errors_free(&errs);
	close(fd);
	return 0;
}
