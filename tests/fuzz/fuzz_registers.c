/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * fuzz_registers.c - the CSV reader (config/csv.h) and the register loader
 * (config/registers.h).
 *
 * The input holds up to four register files separated by lines "%%"
 * (Kreise, Verbände, Gemeinden, Leistungen, in that order).  The first part
 * is also read record by record with csv_next().  Checked for every input:
 * - every field is NUL-terminated with the length given, and lies at a
 *   1-based line and column; every error has a reason and a line;
 * - the loaded registers hold only well-formed keys (digits of the right
 *   length), sorted, with a Gemeinde's Kreis and Verband consistent with its
 *   keys, and every error names one of the four files.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/csv.h"
#include "config/registers.h"
#include "tests/fuzz/harness.h"

static void read_records(const char *p, size_t n)
{
	struct csv c;
	int rc, budget = 100000;

	if (csv_open_mem(&c, p, n, 256) != 0)
		return;
	while ((rc = csv_next(&c)) != 0 && budget-- > 0) {
		if (rc < 0) {
			must(c.err[0] != '\0' && c.err_line >= 1 && c.err_col >= 1);
			continue;
		}
		must(c.nf >= 1 && c.nf <= CSV_MAX_FIELDS);
		for (size_t i = 0; i < c.nf; i++) {
			must(strlen(c.f[i].s) == c.f[i].len && c.f[i].len <= 256);
			must(c.f[i].line >= 1 && c.f[i].col >= 1 && c.f[i].line >= c.rec_line);
		}
	}
	must(budget > 0);	/* every call makes progress */
	csv_close(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char paths[REG_NFILES][64];
	int fds[REG_NFILES];
	struct reg_source src[REG_NFILES];
	struct registers r;
	struct cfg_errors e = { 0 };
	bool ok[REG_NFILES];

	if (size > 256 * 1024)
		return 0;
	for (int i = 0; i < REG_NFILES; i++) {
		const char *sep = p < end ? memmem(p, (size_t)(end - p), "\n%%\n", 4) : NULL;
		size_t n = sep ? (size_t)(sep - p) + 1 : (size_t)(end - p);

		if (i == 0)
			read_records(p, n);
		fds[i] = fuzz_memfile("ozgmon-fuzz.csv", p, n, paths[i], sizeof paths[i]);
		if (fds[i] < 0)
			abort();
		src[i] = (struct reg_source){ .path = paths[i], .line = 3, .col = 5,
					      .cfg_file = "ozgmon.yml" };
		p = sep ? sep + 4 : end;
	}
	memset(&r, 0, sizeof r);
	if (reg_load(&r, src, ok, &e) == 0) {
		for (size_t i = 0; i < e.n; i++) {
			int named = strcmp(e.v[i].file, "ozgmon.yml") == 0;
			for (int k = 0; k < REG_NFILES; k++)
				named |= strcmp(e.v[i].file, paths[k]) == 0;
			must(named && e.v[i].msg[0]);
		}
		for (size_t i = 0; i < r.n_kreise; i++) {
			must(reg_is_digits(r.kreise[i].key, 5) && r.kreise[i].name);
			must(i == 0 || strcmp(r.kreise[i - 1].key, r.kreise[i].key) < 0);
			must(reg_find_kreis(&r, r.kreise[i].key) == &r.kreise[i]);
		}
		for (size_t i = 0; i < r.n_verbaende; i++) {
			must(reg_is_digits(r.verbaende[i].key, 9));
			must(strncmp(r.verbaende[i].key, r.verbaende[i].kreis, 5) == 0);
			must(i == 0 || strcmp(r.verbaende[i - 1].key, r.verbaende[i].key) < 0);
		}
		for (size_t i = 0; i < r.n_gemeinden; i++) {
			const struct reg_gemeinde *g = &r.gemeinden[i];
			must(reg_is_digits(g->ags, 8) && reg_is_digits(g->ars, 12));
			must(strncmp(g->ags, g->kreis, 5) == 0);
			must(i == 0 || strcmp(r.gemeinden[i - 1].ags, g->ags) < 0);
			must(reg_find_gemeinde(&r, g->ags) == g && reg_find_gemeinde(&r, g->ars) == g);
		}
		for (size_t i = 0; i < r.n_leistungen; i++) {
			must(reg_is_digits(r.leistungen[i].ozg_id, 5));
			must(i == 0 || strcmp(r.leistungen[i - 1].ozg_id, r.leistungen[i].ozg_id) < 0);
		}
	}
	reg_free(&r);
	cfg_errors_free(&e);
	for (int i = 0; i < REG_NFILES; i++)
		close(fds[i]);
	return 0;
}
