/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * replay.c - a main for the fuzz harnesses without libFuzzer: feeds every
 * file named on the command line (directories: every regular file in them,
 * in name order) to LLVMFuzzerTestOneInput once.  `make test` builds each
 * harness with it and the normal compiler, so the corpora under
 * tests/fuzz/corpus/ are regression tests; a failing check aborts.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/harness.h"

#define REPLAY_MAX_INPUT (16u << 20)

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	size_t n;

	if (!f) {
		perror(path);
		return -1;
	}
	data = malloc(REPLAY_MAX_INPUT);
	if (!data) {
		fclose(f);
		return -1;
	}
	n = fread(data, 1, REPLAY_MAX_INPUT, f);
	fclose(f);
	/* A copy of exactly n bytes, so reads past the end are caught by ASan. */
	{
		uint8_t *exact = malloc(n ? n : 1);
		if (!exact) {
			free(data);
			return -1;
		}
		memcpy(exact, data, n);
		free(data);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			rc |= replay_file(argv[i]) != 0;
			count++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		char **names = NULL;
		size_t n = 0, cap = 0;
		if (!d) {
			perror(argv[i]);
			return 1;
		}
		while ((e = readdir(d))) {
			char path[4096], **nn;
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
			if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				nn = realloc(names, cap * sizeof *names);
				if (!nn)
					return 1;
				names = nn;
			}
			names[n] = strdup(path);
			if (!names[n])
				return 1;
			n++;
		}
		closedir(d);
		qsort(names, n, sizeof *names, by_name);
		for (size_t k = 0; k < n; k++) {
			rc |= replay_file(names[k]) != 0;
			free(names[k]);
		}
		free(names);
		count += n;
	}
	printf("fuzz replay %s: %zu inputs%s\n", argc > 1 ? argv[1] : "", count,
	       rc ? ", some unreadable" : ", no failure");
	return rc;
}
