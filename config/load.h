/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * load.h - internal interface of the YAML loader, shared by the files that
 * read one part of the schema each:
 *
 *   yaml.c          the YAML file into a tree of positioned nodes
 *   scalar.c        scalar types: null, bool, int, string, duration
 *   schema.c        mappings against key tables; ids, host:port and URLs
 *   global.c        global: (store, rollout, dashboards, shard, privileges)
 *   dienst.c        an Onlinedienst and its probe: checks, TLS, credentials
 *   usage_schema.c  usage: metrics read from a statistics document
 *   maint_schema.c  maintenance windows
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

#define CFG_MAX_FILE (4u << 20)		/* bytes of YAML */
#define CFG_MAX_DEPTH 64		/* nested lists/mappings */
#define CFG_MAX_NODES 1000000u		/* YAML nodes of one file */
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
	unsigned line, col;	/* 1-based start */
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
};

/* Reports an error at a node's place. */
#define err_at(L, node, ...) err_pos((L), (node)->line, (node)->col, __VA_ARGS__)

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

/* config.c: p resolved against the folder of cfgpath (NULL: out of memory). */
char *resolve_path(const char *cfgpath, const char *p);

#endif
