/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * load.h - internal interface of the YAML loader, shared by the files that
 * read one part of the schema each:
 *
 *   yaml.c          the YAML file into a tree of positioned nodes
 *   scalar.c        scalar types: null, bool, int, string, duration, word
 *   schema.c        mappings against key tables; ids, host:port and URLs
 *   global.c        global: (store, rollout, dashboards, shard, privileges)
 *   dienst.c        an Onlinedienst and its probe: checks, TLS, credentials
 *   usage_schema.c  usage: metrics read from a statistics document
 *   maint_schema.c  maintenance windows
 *   sources.c       include: of further YAML files, Onlinedienste/Angebote from CSV
 *   config.c        the loader: document, registers, Angebote, lookups
 *
 * Only the config module includes it.
 */
#ifndef OZG_CONFIG_LOAD_H
#define OZG_CONFIG_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "config/errors.h"

#define CFG_MAX_DEPTH 64		/* nested lists/mappings */
#define CFG_MAX_NODES 8000000u		/* YAML nodes of one file, by default */
/* The bounds in force (cfg_set_limits). */
extern size_t cfg_max_file;
extern unsigned cfg_max_nodes;
#define CFG_MAX_INCLUDE_DEPTH 8		/* include: chain, the main file being depth 0 */
#define CFG_MAX_INCLUDE_FILES 4096u	/* YAML and CSV files read besides the main file */
#define CFG_MAX_URL 2048u		/* bytes of one URL */
#define CFG_MAX_BODY_MATCH 4096u	/* bytes of probe.body_contains */
#define CFG_MAX_ID 64u

#define MIN_INTERVAL_MS 1000u
#define MAX_INTERVAL_MS (24u * 3600u * 1000u)
#define MIN_TIMEOUT_MS 100u

/* ---- the YAML tree (yaml.c) ---- */

enum ykind { Y_SCALAR = 0, Y_SEQ, Y_MAP };

struct ynode {
	enum ykind kind;
	bool plain;		/* scalar written without quotes (may be null/bool/int) */
	bool borrowed;		/* kid[] points into another tree: only the array is owned */
	unsigned line, col;	/* 1-based start */
	const char *file;	/* the file it was read from (owned by the cfg) */
	char *s;		/* scalar text, NUL-terminated; owned */
	size_t len;
	struct ynode **kid;	/* Y_SEQ: items; Y_MAP: key, value, key, value, ...; owned */
	size_t n, cap;
};

/* The loader's state for one cfg_load(). */
struct ld {
	const char *file;	/* the config path (owned by the cfg) */
	struct cfg_errors *e;
	struct cfg *c;
	bool oom;
	const struct ynode *global_maint;	/* global.maintenance, applied after the dienste */
	struct ld_src *src;	/* include: and CSV state (sources.c) */
};

/* Reports an error at a node's place, in the file the node was read from. */
#define err_at(L, node, ...) err_file((L), (node)->file, (node)->line, (node)->col, __VA_ARGS__)

struct keydef {
	const char *name;
	bool required;
};

#define KEYS_MAX 32

/* Per-entry state of an onlinedienst kept until the end of the load. */
struct dienst_src {
	const struct ynode *id;		/* the id value (NULL when bad) */
	unsigned line;			/* of the id value */
};

/* Frees a tree (NULL-safe). */
void ynode_free(struct ynode *y);
/* Appends an error at line:col of the config file; sets L->oom when memory ran out. */
__attribute__((format(printf, 4, 5)))
void err_pos(struct ld *L, unsigned line, unsigned col, const char *fmt, ...);
/* err_pos in another file (NULL: L->file). */
__attribute__((format(printf, 5, 6)))
void err_file(struct ld *L, const char *file, unsigned line, unsigned col, const char *fmt, ...);
/*
 * Reads buf[0..len) into a tree; reports syntax errors and refused
 * constructs.  NULL with *bad set when the tree must not be walked.
 */
struct ynode *yaml_tree(struct ld *L, const char *buf, size_t len, bool *bad);

/* ---- scalar types (scalar.c) ---- */

const char *fmt_dur(unsigned ms, char *out, size_t outsz);
bool is_null(const struct ynode *y);
bool is_int(const struct ynode *y);
const char *describe(const struct ynode *y, char *out, size_t outsz);
bool want_map(struct ld *L, const struct ynode *y, const char *key);
bool want_seq(struct ld *L, const struct ynode *y, const char *key, bool *empty);
const char *want_str(struct ld *L, const struct ynode *y, const char *key);
const char *want_text(struct ld *L, const struct ynode *y, const char *key);
const char *want_name(struct ld *L, const struct ynode *y, const char *key);
void set_str(struct ld *L, char **dst, const char *s);
bool want_int(struct ld *L, const struct ynode *y, const char *key, long lo, long hi,
		     long *out);
bool want_bool(struct ld *L, const struct ynode *y, const char *key, bool *out);
bool want_dur(struct ld *L, const struct ynode *y, const char *key, unsigned lo,
		     unsigned hi, unsigned *out);
/* A word a setting may be and the value it stands for (want_word). */
struct word {
	const char *word;	/* NULL: the end of a table */
	int value;
};
/*
 * want_text that is one of the words of the table w (letter for letter): its
 * value into *out.  Any other text is reported as "KEY: 'TEXT' is not A, B or
 * C", the words in the table's order.
 */
bool want_word(struct ld *L, const struct ynode *y, const char *key, const struct word *w,
	       int *out);

/* ---- key tables and value checks (schema.c) ---- */

void map_fields(struct ld *L, const struct ynode *m, const char *what,
		       const struct keydef *kd, size_t nkd, const struct ynode **val);
bool valid_id(const char *s);
const char *check_hostport(const char *s, size_t n, bool need_port);
const char *check_url(const char *url);

/* ---- sections ---- */

/* global.c */
void apply_shard(struct ld *L);
void load_global(struct ld *L, const struct ynode *m);

/* dienst.c */
void load_global_probe(struct ld *L, const struct ynode *body_limit);
void free_probe_depth(struct cfg_probe *p);
void load_dienste(struct ld *L, const struct ynode *lst);

/* usage_schema.c */
void load_usage(struct ld *L, const struct ynode *m, struct cfg_dienst *d);
void check_usage_names(struct ld *L);
void free_usage(struct cfg_usage *u);

/* maint_schema.c */
void load_maint(struct ld *L, const struct ynode *lst, struct cfg_dienst *d);
void load_host_maint(struct ld *L, const struct ynode *lst);

/* sources.c: include: of YAML files, Onlinedienste and Angebote from CSV. */
struct src_idref {
	const struct ynode *id;	/* the id value of an onlinedienste entry */
	size_t idx;		/* its place in ld_src.dienste before dropping */
};
struct ld_src {
	struct ynode **roots;		size_t n_roots, cap_roots;	/* owned trees */
	const struct ynode **dienste;	size_t n_dienste, cap_dienste;	/* entries, borrowed */
	const struct ynode **angebote;	size_t n_angebote, cap_angebote;
	const struct ynode *profiles;	/* probe_profiles: of the main file */
	char **real;			size_t n_real, cap_real;	/* realpath of each file */
	bool *open;			size_t cap_open;	/* being read (cycle check) */
	struct src_idref *ids;		size_t n_ids;	/* sorted by id, then order */
	unsigned depth;
	size_t files;
};
/* Starts collecting for the main file L->file. */
void src_begin(struct ld *L, struct ld_src *S, const struct ynode *profiles);
/*
 * Collects the entries of one file's onlinedienste: and angebote: values,
 * then reads its onlinedienste_csv:, angebote_csv: and include: (any may be
 * NULL), recursively, so entries come in file order, the main file first.
 */
void src_collect(struct ld *L, const struct ynode *dienste, const struct ynode *angebote,
		 const struct ynode *include, const struct ynode *dcsv, const struct ynode *acsv);
/* Reports ids defined in two files and drops the later entries. */
void src_dedupe_dienste(struct ld *L);
/* Sets each loaded dienst's mark.file to the file its entry came from. */
void src_fix_marks(struct ld *L);
void src_free(struct ld_src *S);

/* config.c: p resolved against the folder of cfgpath (NULL: out of memory). */
char *resolve_path(const char *cfgpath, const char *p);

#endif
