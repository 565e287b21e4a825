/* SPDX-License-Identifier: EUPL-1.2 */
/*
 * config.h - ozgmon's configuration: YAML file + CSV registers -> inventory.
 *
 * cfg_load() parses a YAML file (libyaml) and the CSV registers it names into
 * a fresh, immutable `struct cfg`.  It validates everything it can (types,
 * unknown keys, duplicate ids, area keys, references) and collects *every*
 * error with its place (file:line:column, 1-based) rather than stopping at the
 * first.  The running daemon swaps a loaded cfg in only when it loaded
 * without errors.
 *
 * Ownership: a struct cfg owns all its strings and arrays; cfg_free() frees
 * them.  Pointers into a cfg stay valid as long as the cfg lives.
 *
 * The file's shape (see docs/configuration.md for every key and default):
 *
 *   global:
 *     listen: "127.0.0.1:9717"
 *     data_dir: /var/lib/ozgmon
 *     interval: 60s            # ms, s, m, h suffixes
 *     timeout: 10s             # must be <= interval
 *     max_concurrency: 512
 *     max_per_host: 4
 *     language: de             # de | en
 *     log_level: info
 *     connect_to: [ "::127.0.0.1:18080" ]          # curl CONNECT_TO entries
 *     resolve:    [ "portal.example.de:443:127.0.0.1" ]  # curl RESOLVE entries
 *   registers:                 # paths relative to the config file's folder
 *     land: { key: "16", name: "Thüringen" }
 *     kreise: ../data/registers/thueringen_kreise_2021-11-30.csv
 *     verbaende: ../data/registers/thueringen_gemeindeverbaende_2021-11-30.csv
 *     gemeinden: ../data/registers/thueringen_gemeinden_2021-11-30.csv
 *     leistungen: ../data/registers/ozg_leistungen.csv
 *     geo: ../data/geo/thueringen.geo   # optional: boundaries for the maps
 *   onlinedienste:
 *     - id: erfurt-wohnsitz    # [a-z0-9][a-z0-9_-]{0,63}
 *       name: "Wohnsitz anmelden"
 *       url: https://service.erfurt.de/wohnsitz
 *       provider: "Stadt Erfurt"
 *       efa: false
 *       interval: 60s          # optional, overrides global
 *       timeout: 10s           # optional, overrides global
 *       probe: { expect_status: [200, "200-299"], body_contains: "Antrag" }
 *   angebote:
 *     - { area: "16051000", ozg_id: "10124", dienst: erfurt-wohnsitz, reifegrad: 3 }
 */
#ifndef OZG_CONFIG_H
#define OZG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where something was written: file (borrowed from the cfg), 1-based line and column. */
/*
 * Bounds on the strings a configuration and its registers may hold: a name,
 * provider, label value or map key at most CFG_MAX_NAME bytes, any other
 * string value at most CFG_MAX_STRING bytes (URLs, body checks, pointers and
 * ids have tighter bounds of their own, docs/configuration.md).
 */
#define CFG_MAX_NAME 256u
#define CFG_MAX_STRING 8192u

struct cfg_mark {
	const char *file;
	unsigned line;
	unsigned col;
};

/* ---- registers --------------------------------------------------------- */

enum area_level { AREA_LAND = 0, AREA_KREIS, AREA_VERBAND, AREA_GEMEINDE };

struct reg_kreis {
	char key[6];		/* 5 digits, e.g. "16051" */
	char *name;
	long population;
};

struct reg_verband {
	char key[10];		/* 9 digits: Kreis + 4-digit Verband */
	char kreis[6];
	char *name;
};

struct reg_gemeinde {
	char ags[9];		/* 8 digits */
	char ars[13];		/* 12 digits */
	char kreis[6];
	char verband[10];
	char *name;
	long population;
};

struct reg_leistung {
	char ozg_id[6];		/* 5 digits */
	char *name;
	int themenfeld_id;
	char *themenfeld;
	unsigned leika_typ;	/* LeiKa-Typen of its LeiKa entries (REG_LEIKA_*); 0: unknown */
	char *lebenslage;	/* the optional column "lebenslage"; NULL without it */
};

/* LeiKa-Typ bits (registers.leika): 1 Bund vollzieht, 2/3 and 4 Land or Kommune, 5 Kommune. */
#define REG_LEIKA_T1 0x01u
#define REG_LEIKA_T2 0x02u
#define REG_LEIKA_T3 0x04u
#define REG_LEIKA_T4 0x08u
#define REG_LEIKA_T5 0x10u
#define REG_LEIKA_T6 0x20u

/*
 * The loaded registers.  Every array is sorted by its key (gemeinden by AGS),
 * so the reg_find_* lookups are binary searches.
 */
struct registers {
	char land_key[3];	/* 2 digits, e.g. "16" */
	char *land_name;
	struct reg_kreis *kreise;		size_t n_kreise;
	struct reg_verband *verbaende;		size_t n_verbaende;
	struct reg_gemeinde *gemeinden;		size_t n_gemeinden;
	struct reg_leistung *leistungen;	size_t n_leistungen;
	char *geo;		/* registers.geo: the map geometry file, resolved; NULL: no maps */
};

/* ---- probe targets ------------------------------------------------------ */

struct cfg_status_range {
	uint16_t lo, hi;	/* inclusive; a single code has lo == hi */
};

/*
 * A regular expression in PCRE2's syntax (what blackbox_exporter's RE2 users
 * write: \d, (?i), \b, ...), compiled once at load, UTF-8, unanchored;
 * `.` does not match a newline and `$` matches only at the end, as in RE2
 * (docs/configuration.md, "Regular expressions").
 */
struct cfg_regex {
	char *src;		/* the expression as written; owned */
	void *code;		/* the compiled pcre2_code; freed by cfg_regex_free */
};

/* Compiles src into *rx: 0, or -1 with PCRE2's message and offset in why. */
int cfg_regex_compile(struct cfg_regex *rx, const char *src, char *why, size_t whysz);
void cfg_regex_free(struct cfg_regex *rx);	/* NULL-safe members; rx stays usable */
/*
 * Whether rx matches s[0..len) (NULs allowed, invalid UTF-8 never matched):
 * 1 it does, 0 it does not, -1 undecided (the match, depth or heap limit that
 * bounds the work on a hostile input was reached, or out of memory).
 */
int cfg_regex_match(const struct cfg_regex *rx, const char *s, size_t len);

/*
 * One response header check: the (last) header `name` of the final response
 * must match `re` (negate false) or must not match it (negate true).  A
 * missing header fails a "must match" check unless allow_missing is set, and
 * never fails a "must not match" check.
 */
struct cfg_header_check {
	char *name;		/* header name as written; owned */
	struct cfg_regex rx;
	bool negate;
	bool allow_missing;
};

enum cfg_ip_protocol { CFG_IP_ANY = 0, CFG_IP_V4, CFG_IP_V6 };
enum cfg_auth { CFG_AUTH_NONE = 0, CFG_AUTH_BASIC, CFG_AUTH_BEARER };
/* probe.min_tls_version: the lowest TLS version a probe accepts. */
enum cfg_tls_version { CFG_TLS_ANY = 0, CFG_TLS_1_2, CFG_TLS_1_3 };
/* The request method of a probe (usage fetches always GET). */
enum cfg_method { CFG_GET = 0, CFG_HEAD, CFG_POST, CFG_PUT, CFG_PATCH, CFG_DELETE, CFG_OPTIONS };

/* "GET", "HEAD", ...: the method's name as sent. */
const char *cfg_method_name(enum cfg_method m);

#define CFG_MAX_REQUEST_BODY CFG_MAX_STRING	/* bytes of probe.body */
#define CFG_MAX_BODY_FILE (1024u * 1024u)	/* bytes of probe.body_file */

#define CFG_BODY_LIMIT_DEFAULT (1024u * 1024u)	/* bytes after decompression */
/* Bytes of one configuration file (YAML or CSV); global.config_max_size. */
#define CFG_MAX_SIZE_DEFAULT ((size_t)256 << 20)
#define CFG_MAX_SIZE_MAX ((size_t)4 << 30)
#define CFG_BODY_LIMIT_MAX (64u * 1024u * 1024u)
#define CFG_MAX_REDIRECTS_DEFAULT 10u

struct cfg_probe {
	struct cfg_status_range *expect_status;	/* empty: 200-299 */
	size_t n_expect_status;
	char *body_contains;			/* NULL: no body check */
	/* ---- probe depth (see docs/configuration.md, "Probe checks") ---- */
	char *body_not_contains;		/* NULL: no check */
	struct cfg_regex *body_matches;		/* every one must match the body */
	size_t n_body_matches;
	struct cfg_regex *body_not_matches;	/* none may match the body */
	size_t n_body_not_matches;
	struct cfg_header_check *header_checks;	/* header_matches, then header_not_matches */
	size_t n_header_checks;
	bool follow_redirects;			/* default true */
	unsigned max_redirects;			/* default 10; 0..50 */
	enum cfg_ip_protocol ip_protocol;	/* preferred address family; default any */
	bool ip_fallback;			/* default true: use the other family when the
						   preferred one has no address */
	char **headers;				/* "Name: value" request headers; owned */
	size_t n_headers;
	char *proxy;				/* proxy URL or NULL */
	enum cfg_auth auth;			/* credentials read from auth.file at load */
	char *auth_user;			/* basic: user name; owned */
	char *auth_secret;			/* basic: password, bearer: token; owned, never logged */
	size_t body_limit;			/* bytes after decompression; default global.body_limit */
	bool insecure_skip_verify;		/* default false: TLS certificates are verified */
	char *ca_file;				/* PEM CA bundle to verify with (resolved path), or
						   NULL for the system's store */
	enum cfg_method method;			/* default GET */
	char *body;				/* request body (POST, PUT, PATCH, DELETE, OPTIONS)
						   or NULL; owned */
	size_t body_len;
	unsigned slower_than_ms;		/* fail_if_slower_than: a probe that took longer is
						   the result too_slow; 0 not set; <= timeout */
	/* ---- TLS of an https probe (see docs/configuration.md, "TLS") ---- */
	char *cert_file;			/* client certificate (PEM, resolved path) or NULL */
	char *key_file;				/* its private key (PEM, resolved path); set together */
	enum cfg_tls_version min_tls_version;	/* default any (curl's default) */
	char *server_name;			/* SNI and certificate name instead of the URL's
						   host, which still names the server to connect
						   to and goes in the Host header; or NULL */
	/* ---- a tcp:// target: connect (and TLS handshake) only ---- */
	bool tcp;				/* the url is tcp://host:port */
	bool tls;				/* tcp: TLS after the connect (probe.tls) */
	char *send;				/* tcp: bytes sent once connected, or NULL; owned */
	size_t send_len;
	struct cfg_regex expect;		/* tcp: must match what the peer sends (read up
						   to CFG_TCP_READ_MAX bytes); src NULL: none */
};

#define CFG_TCP_READ_MAX (64u * 1024u)	/* bytes a tcp probe reads for `expect` */

/* ---- usage statistics (see docs/configuration.md, "Usage metrics") ---- */

enum cfg_usage_type { CFG_USAGE_GAUGE = 0, CFG_USAGE_COUNTER };

/* A string value of the document and the number it stands for. */
struct cfg_usage_map {
	char *key;		/* owned */
	double value;
};

#define CFG_USAGE_NO_WILDCARD ((size_t)-1)

/*
 * One metric read from the statistics document: the value at `pointer`
 * (RFC 6901, split into unescaped segments).  One segment may be "*": it
 * stands for every member of an object or element of an array there, whose
 * key (member name or array index) becomes the value of label `label`.
 */
struct cfg_usage_metric {
	char *name;		/* the family is ozg_usage_<name>; counters end in _total */
	char *pointer;		/* as written, for messages */
	char **seg;		/* unescaped segments; owned */
	size_t n_seg;
	size_t wildcard;	/* index of the "*" segment, or CFG_USAGE_NO_WILDCARD */
	enum cfg_usage_type type;
	char *label;		/* label name for the wildcard key; NULL without wildcard */
	char *title;		/* its name on the pages, in the site's language (at most
				   CFG_USAGE_MAX_TITLE bytes); NULL: the dashboards' own */
	struct cfg_usage_map *map;	/* string values to numbers; may be empty */
	size_t n_map;
	struct cfg_mark mark;	/* of the name */
};

#define CFG_USAGE_STORED 8	/* counters of one dienst kept over time */
#define CFG_USAGE_MAX_TITLE 80	/* bytes of a metric's title */
#define CFG_USAGE_DS_CHARS 19	/* an RRD data source name's length: stored names
				   must differ in their first CFG_USAGE_DS_CHARS
				   characters, '_' standing for any other character */

struct cfg_usage {
	char *url;			/* http or https */
	unsigned interval_ms;		/* default: the dienst's interval */
	unsigned timeout_ms;		/* default: the dienst's timeout */
	struct cfg_usage_metric *metrics;
	size_t n_metrics;
	/*
	 * The counters kept over time in <id>.usage.rrd: the first
	 * CFG_USAGE_STORED counter metrics, in metric order (a wildcard
	 * counter is kept as the sum over its members).  stored_names point
	 * into metrics[].name; stored_metric[k] is the metric index of slot k.
	 */
	const char *stored_names[CFG_USAGE_STORED];
	uint32_t stored_metric[CFG_USAGE_STORED];
	size_t n_stored;
};


/* ---- maintenance windows (Europe/Berlin local time) ---- */

enum cfg_maint_kind { CFG_MAINT_WEEKLY = 0, CFG_MAINT_ONCE };

/*
 * A maintenance window.  Weekly: on the days in `days` from from_min to
 * to_min (minutes of the local day; to_min <= from_min runs past midnight
 * into the next day).  Once: from_local to to_local, local wall-clock time
 * written as seconds since 1970-01-01 00:00 of that local clock (timegm of
 * the local date and time), end exclusive.
 */
struct cfg_maint {
	enum cfg_maint_kind kind;
	unsigned days;			/* weekly: bit 0 Monday ... bit 6 Sunday */
	unsigned from_min, to_min;	/* weekly */
	int64_t from_local, to_local;	/* once */
};

/*
 * One probe target.  cfg.dienste is sorted by id (cfg_find_dienst is a binary
 * search).  `name` defaults to the id and `provider` to "", so neither is NULL
 * in a loaded cfg.  A timeout inherited from global that is longer than this
 * dienst's own interval is shortened to that interval; an explicit timeout
 * longer than the interval is an error.
 */
struct cfg_dienst {
	char *id;		/* short key: label value and file name */
	char *name;
	char *url;		/* http or https only */
	char *provider;
	bool efa;
	unsigned interval_ms;	/* effective (global default applied) */
	unsigned timeout_ms;	/* effective */
	struct cfg_probe probe;
	struct cfg_mark mark;	/* where the entry starts */
	unsigned retries;	/* counts as down after max(retries, 1) consecutive failures */
	struct cfg_usage *usage;	/* usage statistics to read, or NULL; owned */
	struct cfg_maint *maint;	/* its own windows, then those of its host (global); owned */
	size_t n_maint;
};

struct cfg_angebot {
	char area[13];		/* area key as written: 2, 5, 9, 8 or 12 digits */
	enum area_level level;
	char ozg_id[6];
	size_t dienst;		/* index into cfg.dienste */
	int reifegrad;		/* 0..reifegrad_max */
	struct cfg_mark mark;
};

struct cfg_global {
	char *listen;			/* "host:port"; default "127.0.0.1:9717" */
	char *data_dir;			/* default "/var/lib/ozgmon" */
	unsigned interval_ms;		/* default 60000; 1 s .. 24 h */
	unsigned timeout_ms;		/* default 10000; <= interval */
	unsigned max_concurrency;	/* default 512; 1 .. 65536 */
	unsigned max_per_host;		/* default 4; 1 .. 1024 */
	char *language;			/* "de" (default) or "en" */
	char *log_level;		/* "info" default */
	char **connect_to;	size_t n_connect_to;
	char **resolve;		size_t n_resolve;
	int reifegrad_max;		/* default 4 (model 1.1); 7 for the 2025 model */
	/*
	 * rrdcached address for every RRD update: "unix:/abs/path" (also
	 * written "/abs/path") or "host:port"; NULL: ozgmond writes the files
	 * itself.  See docs/storage.md.
	 */
	char *rrdcached;
	size_t body_limit;		/* default probe.body_limit; CFG_BODY_LIMIT_DEFAULT */
	size_t config_max_size;		/* bytes of an included YAML or CSV file */
	/* global.rollout: how the rollout figures count (docs/rollout.md). */
	struct cfg_rollout {
		int online_min;		/* Reifegrad that counts as online; default 2 */
		int fulfilled_min;	/* Reifegrad that counts as OZG-fulfilled; default 3 */
		unsigned reliable_pct;	/* 7-day availability that counts as reliable; default 95 */
		bool unknown_is_reliable;	/* unmeasured Onlinedienste count as reliable; false */
		bool weight_availability;	/* weighting: availability (true) or threshold */
		bool count_federal;	/* federal_leistungen: count (true) or exclude (default) */
	} rollout;
	/* Dashboards (docs/dashboards.md). */
	char *dashboards_dir;		/* NULL: <data_dir>/www, resolved by the daemon */
	unsigned dashboards_every_ms;	/* regeneration period; default 60000; 1 s .. 24 h */
	/*
	 * global.shard "i/n": this instance owns the Onlinedienste d with
	 * cfg_shard_of(d->id, n) == i and cfg_load() keeps only those (and the
	 * Angebote naming them).  0/0: not sharded, every Onlinedienst is kept.
	 * See docs/configuration.md, "Sharding".
	 */
	unsigned shard_index;		/* 1 .. shard_count; 0 when not sharded */
	unsigned shard_count;		/* 1 .. CFG_SHARDS_MAX; 0 when not sharded */
	/*
	 * Least privilege (docs/security.md): the account ozgmond switches to
	 * once its listener is open, before it probes or writes anything.  A
	 * name or a numeric id, checked for syntax here and looked up by the
	 * daemon.  NULL: it keeps the account it was started as.
	 */
	char *user;
	char *group;			/* NULL: the user's primary group */
	/*
	 * The civil time of maintenance windows, reports and pages: a zone of
	 * the tz database (common/clock.h); default "Europe/Berlin".
	 */
	char *timezone;
};

struct cfg {
	char *path;			/* the file loaded */
	struct cfg_global global;
	struct registers reg;
	struct cfg_dienst *dienste;	size_t n_dienste;
	struct cfg_angebot *angebote;	size_t n_angebote;
	/* Before the shard filter: every Onlinedienst and Angebot of the file. */
	size_t n_dienste_file;
	size_t n_angebote_file;
	/* Paths of the included YAML and CSV files (marks point into them). */
	char **files;			size_t n_files;
};

/* ---- errors ------------------------------------------------------------- */

struct cfg_error {
	char *file;	/* owned copy */
	unsigned line, col;	/* 0 when the place is a whole file */
	char *msg;
};

/*
 * Errors of cfg_load(), sorted by file (the YAML file first) and position.  At
 * most 1000 are kept per load; the last then says that more were dropped.
 */
struct cfg_errors {
	struct cfg_error *v;
	size_t n, cap;
};

void cfg_errors_free(struct cfg_errors *e);	/* NULL-safe; leaves e empty */
/* Formats one error as "file:line:col: msg" (or "file: msg") into out. */
void cfg_error_format(const struct cfg_error *err, char *out, size_t outsz);

/* ---- API ---------------------------------------------------------------- */

/*
 * Loads and validates `path`.  Returns a new cfg (free with cfg_free) when no
 * error was found, else NULL with every error appended to `errs` (which the
 * caller initialises to {0} and frees with cfg_errors_free).
 *
 * Limits on hostile input: the YAML file at most CFG_MAX_SIZE_DEFAULT (256 MiB;
 * included YAML and CSV files at most global.config_max_size), 64 levels of
 * nesting, 8,000,000 nodes per file, one document per file, include: at most
 * 8 levels deep and 4096 files; anchors, aliases and tags are refused; a
 * UTF-8 byte order mark is skipped.  Register CSV files at most 64 MiB, 4 KiB
 * per field.  A null value for global, onlinedienste, angebote, connect_to,
 * resolve or expect_status counts as empty.  Out of memory is reported as an
 * error "out of memory" (if even that cannot be stored, errs stays as it was
 * and NULL is returned).
 */
struct cfg *cfg_load(const char *path, struct cfg_errors *errs);
/*
 * Process-wide bounds of later cfg_load() calls: bytes of the main file and
 * the default of global.config_max_size (0: CFG_MAX_SIZE_DEFAULT), YAML
 * nodes per file (0: 8,000,000).  Call before loading, from one thread.
 */
void cfg_set_limits(size_t max_file, unsigned max_nodes);
void cfg_free(struct cfg *c);	/* NULL-safe */

/* Parses "500ms", "10s", "5m", "1h" into milliseconds; -1 on bad syntax or overflow. */
int cfg_parse_duration(const char *s, unsigned *ms);

/* Lookups; NULL when absent. */
const struct cfg_dienst *cfg_find_dienst(const struct cfg *c, const char *id);
/* reg_find_gemeinde takes an 8-digit AGS or a 12-digit ARS. */
const struct reg_gemeinde *reg_find_gemeinde(const struct registers *r, const char *ags);
const struct reg_kreis *reg_find_kreis(const struct registers *r, const char *key);
const struct reg_verband *reg_find_verband(const struct registers *r, const char *key);
const struct reg_leistung *reg_find_leistung(const struct registers *r, const char *ozg_id);
/* The register name of the area an Angebot is made for; its key when the registers lack it. */
const char *cfg_angebot_area_name(const struct cfg *c, const struct cfg_angebot *a);

/* ---- sharding (docs/configuration.md, "Sharding") ------------------------ */

#define CFG_SHARDS_MAX 1024u

/*
 * The stable 64-bit hash that assigns an Onlinedienst to a shard: FNV-1a
 * (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over the bytes of
 * its id, without a terminator.  It depends on the id alone, never on the
 * order of the file, so other tools can reproduce it.
 */
uint64_t cfg_shard_hash(const char *id);
/* The 1-based shard (1 .. n) that owns `id` among n shards: hash mod n, plus 1. */
unsigned cfg_shard_of(const char *id, unsigned n);

/* One-line summary for --check-config ("1 Land, 22 Kreise, ..."). */
void cfg_summary(const struct cfg *c, char *out, size_t outsz);

#endif
