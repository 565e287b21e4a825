# SPDX-License-Identifier: EUPL-1.2
# ozgmon - build, run and test.
#
#   make            build bin/ozgmond and bin/ozgmon-sim
#   make run        install what is missing, build, start the demo
#   make test       install what is missing, build, run every test
#   make SAN=1 test the same with AddressSanitizer + UBSan (build-san/)
#   make TSAN=1 test the same with ThreadSanitizer (build-tsan/)
#   make fuzz       libFuzzer harnesses (clang, build-fuzz/), FUZZ_SECONDS each
#   make valgrind   unit tests and a short daemon run under valgrind
#
# Variables: LISTEN=host:port DATA_DIR=dir (make run), CC, EXTRA_CFLAGS, EXTRA_LDFLAGS.

CC ?= cc
PKGS := libcurl librrd libmicrohttpd jansson yaml-0.1 zlib libcrypt gnutls libpcre2-8

ifeq ($(TSAN),1)
BUILD := build-tsan
BIN := build-tsan/bin
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
OPT := -O1 -g
# Every process of the run (unit tests, daemon, simulator) writes its reports
# to build-tsan/reports/ and goes on; `make TSAN=1 test` fails when any exists.
TSAN_REPORTS := $(CURDIR)/build-tsan/reports
export TSAN_OPTIONS ?= suppressions=$(CURDIR)/tests/tsan.supp log_path=$(TSAN_REPORTS)/tsan exitcode=66 second_deadlock_stack=1
else ifeq ($(SAN),1)
BUILD := build-san
BIN := build-san/bin
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT := -O1 -g
else
BUILD := build
BIN := bin
SANFLAGS :=
OPT := -O2 -g
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2 -Wwrite-strings -Wvla -Wcast-qual -Wundef \
	-Wold-style-definition -Wmissing-declarations -Wnull-dereference
# Debian's hardening flags in every build (each OPT has the -O that
# _FORTIFY_SOURCE needs), so a plain `make test` meets what the package build
# (dpkg-buildflags, debian/rules) asks; debian/rules sets HARDEN= and passes
# dpkg-buildflags' own.
HARDEN ?= -D_FORTIFY_SOURCE=2 -fstack-protector-strong
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CPPFLAGS += -D_GNU_SOURCE -DOZGMON_VERSION='"$(VERSION)"' -I. -MMD -MP
CFLAGS := -std=c11 $(OPT) $(WARN) $(SANFLAGS) $(HARDEN) -pthread $(EXTRA_CFLAGS)
LDFLAGS := $(SANFLAGS) -pthread $(EXTRA_LDFLAGS)

# pkg-config is asked only when building, so `make help`/`clean` work without it.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

LIB_SRCS := $(wildcard common/*.c config/*.c model/*.c collector/*.c store/*.c rollout/*.c exporter/*.c dashboards/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
SIM_SRCS := $(wildcard sim/*.c)
SIM_OBJS := $(SIM_SRCS:%.c=$(BUILD)/%.o)
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# Helpers every unit test links (tests/unit/testutil.h).
TESTUTIL_OBJ := $(BUILD)/tests/unit/testutil.o
.SECONDARY: $(TESTUTIL_OBJ)

.PHONY: all deps test-deps run test unit integration valgrind clean help fuzz fuzz-replay
.DEFAULT_GOAL := all

all: deps $(BIN)/ozgmond $(BIN)/ozgmon-sim

deps:
	@tools/deps.sh build

test-deps:
	@tools/deps.sh test

$(BUILD)/libozgmon.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# Under make -j the packages are installed before anything compiles.
$(LIB_OBJS) $(SIM_OBJS) $(BUILD)/daemon/ozgmond.o: | deps

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BIN)/ozgmond: $(BUILD)/daemon/ozgmond.o $(BUILD)/libozgmon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BIN)/ozgmon-sim: $(SIM_OBJS) $(BUILD)/libozgmon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/tests/%: tests/unit/%.c $(TESTUTIL_OBJ) $(BUILD)/libozgmon.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -MF $@.d -o $@ $< $(TESTUTIL_OBJ) $(BUILD)/libozgmon.a \
		$(CHECK_LIBS) $(PKG_LIBS) -lm

run: all
	@tools/run-demo.sh "$(BIN)"

ifeq ($(TSAN),1)
# Every check is judged as in the other builds (the integration scripts
# stretch their waits under ThreadSanitizer, tests/integration/lib.sh), and
# any race report fails the run even where the process itself went on.
test: test-deps
	@rm -rf $(TSAN_REPORTS) && mkdir -p $(TSAN_REPORTS)
	@$(MAKE) --no-print-directory all
	@fail=0; $(MAKE) --no-print-directory unit fuzz-replay integration || fail=1; \
	if ls $(TSAN_REPORTS)/tsan.* >/dev/null 2>&1; then \
		cat $(TSAN_REPORTS)/tsan.*; echo "tsan: $$(ls $(TSAN_REPORTS) | wc -l) reports"; fail=1; \
	else echo "tsan: no race reported"; fi; exit $$fail
else
test: test-deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit fuzz-replay integration
endif

unit: $(TEST_BINS)
	@fail=0; for t in $(TEST_BINS); do \
		CK_TIMEOUT_MULTIPLIER=4 ./$$t || fail=1; \
	done; exit $$fail

integration: $(BIN)/ozgmond $(BIN)/ozgmon-sim
	@BIN_DIR=$(BIN) tests/integration/run.sh

valgrind: $(TEST_BINS) $(BIN)/ozgmond $(BIN)/ozgmon-sim
	@BUILD=$(BUILD) BIN_DIR=$(BIN) tests/valgrind.sh

# ---- fuzzing (tests/fuzz/README.md) ----------------------------------------
# The harnesses are also linked with a small replay main and the normal
# compiler: `make test` feeds every corpus file through them.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
REPLAY_BINS := $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay_%)
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_BINS := $(FUZZ_NAMES:%=build-fuzz/fuzz_%)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=build-fuzz/%.o)

$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(BUILD)/libozgmon.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -MF $@.d -o $@ $< tests/fuzz/replay.c \
		$(BUILD)/libozgmon.a $(PKG_LIBS) -lm

fuzz-replay: $(REPLAY_BINS)
	@fail=0; for n in $(FUZZ_NAMES); do \
		./$(BUILD)/fuzz/replay_$$n tests/fuzz/corpus/$$n || fail=1; \
	done; exit $$fail

build-fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 -O1 -g $(WARN) -Wno-unused-command-line-argument \
		-fsanitize=fuzzer-no-link $(FUZZ_SAN) -pthread $(PKG_CFLAGS) -c -o $@ $<

build-fuzz/libozgmon.a: $(FUZZ_LIB_OBJS)
	$(AR) rcs $@ $^

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libozgmon.a
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 -O1 -g $(WARN) -fsanitize=fuzzer $(FUZZ_SAN) -pthread \
		$(PKG_CFLAGS) -MF $@.d -o $@ $< build-fuzz/libozgmon.a $(PKG_LIBS) -lm

# Runs every harness for FUZZ_SECONDS on a scratch copy of its corpus (new
# inputs stay out of the repository); a crash stops with the input saved in
# build-fuzz/artifacts/.
fuzz: deps $(FUZZ_BINS)
	@mkdir -p build-fuzz/artifacts
	@for n in $(FUZZ_NAMES); do \
		echo "=== fuzz_$$n ($(FUZZ_SECONDS) s)"; \
		rm -rf build-fuzz/work/$$n && mkdir -p build-fuzz/work/$$n && \
		cp tests/fuzz/corpus/$$n/* build-fuzz/work/$$n/ && \
		./build-fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=build-fuzz/artifacts/$$n- \
			$$([ -f tests/fuzz/$$n.dict ] && echo -dict=tests/fuzz/$$n.dict) build-fuzz/work/$$n 2>build-fuzz/fuzz_$$n.log || \
			{ tail -n 60 build-fuzz/fuzz_$$n.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' build-fuzz/fuzz_$$n.log | tail -n 2; \
	done

clean:
	rm -rf build build-san build-tsan build-fuzz bin

help:
	@sed -n '1,14p' Makefile

# ---- installation and packages (docs/deployment.md) ------------------------
#
#   make install [PREFIX=/usr/local] [DESTDIR=]   binaries, man pages, registers,
#                                                 example config, systemd unit,
#                                                 Prometheus rules and scrape examples
#   make uninstall                                the same files (never the data)
#   make deb [DEB_OUT=..]                         the Debian packages ozgmon and ozgmon-sim,
#                                                 from a clean copy, unit tests on; installs
#                                                 the packaging tools first (tools/deps.sh package)
#   make package-test                             build (the same way), lintian, install, run, purge
#
# The configuration goes to $(SYSCONFDIR)/ozgmon/ozgmon.yml only when there is
# none yet: an operator's file is never overwritten.  The example is always
# installed under $(DOCDIR)/examples/.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/ozgmon
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
INSTALL ?= install
DEB_OUT ?= $(CURDIR)/build/deb

REGISTER_FILES := $(wildcard data/registers/*.csv) data/registers/SOURCES.md
DOC_FILES := README.md $(wildcard docs/*.md)
# Prometheus rules and example scrape configurations (docs/alerts.md, docs/scaling.md).
PROM_FILES := $(filter-out %.test.yml,$(wildcard config/prometheus/*.yml))
# The shipped files name installed paths: filled in here.
DIST_SED := sed -e 's|/usr/share/ozgmon/registers|$(DATADIR)/ozgmon/registers|g' \
	-e 's|/etc/ozgmon|$(SYSCONFDIR)/ozgmon|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g'

.PHONY: install install-files uninstall deb package-test

# The files only once the programs are built (also under make -j).
install: $(BIN)/ozgmond $(BIN)/ozgmon-sim
	@$(MAKE) --no-print-directory install-files

# The files alone, from binaries already built (debian/rules builds them first).
install-files:
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DATADIR)/ozgmon/registers $(DESTDIR)$(DATADIR)/ozgmon/prometheus \
		$(DESTDIR)$(DOCDIR)/examples \
		$(DESTDIR)$(SYSCONFDIR)/ozgmon $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	$(INSTALL) -m 0755 $(BIN)/ozgmond $(DESTDIR)$(SBINDIR)/ozgmond
	$(INSTALL) -m 0755 $(BIN)/ozgmon-sim $(DESTDIR)$(BINDIR)/ozgmon-sim
	$(INSTALL) -m 0644 docs/man/ozgmon-sim.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 docs/man/ozgmon.yml.5 $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 0644 docs/man/ozgmond.8 $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 $(REGISTER_FILES) $(DESTDIR)$(DATADIR)/ozgmon/registers/
	$(INSTALL) -m 0644 $(PROM_FILES) $(DESTDIR)$(DATADIR)/ozgmon/prometheus/
	$(INSTALL) -m 0644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/
	$(DIST_SED) dist/ozgmon.yml > $(DESTDIR)$(DOCDIR)/examples/ozgmon.yml
	chmod 0644 $(DESTDIR)$(DOCDIR)/examples/ozgmon.yml
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/ozgmon/ozgmon.yml ]; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/ozgmon/ozgmon.yml; the shipped one is $(DOCDIR)/examples/ozgmon.yml"; \
	else \
		echo "$(INSTALL) -m 0644 $(DESTDIR)$(DOCDIR)/examples/ozgmon.yml $(DESTDIR)$(SYSCONFDIR)/ozgmon/ozgmon.yml"; \
		$(INSTALL) -m 0644 $(DESTDIR)$(DOCDIR)/examples/ozgmon.yml $(DESTDIR)$(SYSCONFDIR)/ozgmon/ozgmon.yml; \
	fi
	$(DIST_SED) dist/ozgmond.service.in > $(DESTDIR)$(UNITDIR)/ozgmond.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/ozgmond.service
	$(INSTALL) -m 0644 dist/sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/ozgmon.conf

# Removes what install put there.  The configuration goes only when it is the
# shipped one unchanged; the data directory (/var/lib/ozgmon) always stays.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ozgmond $(DESTDIR)$(BINDIR)/ozgmon-sim \
		$(DESTDIR)$(MANDIR)/man1/ozgmon-sim.1 $(DESTDIR)$(MANDIR)/man5/ozgmon.yml.5 \
		$(DESTDIR)$(MANDIR)/man8/ozgmond.8 $(DESTDIR)$(UNITDIR)/ozgmond.service \
		$(DESTDIR)$(SYSUSERSDIR)/ozgmon.conf
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/ozgmon/registers/,$(notdir $(REGISTER_FILES)))
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/ozgmon/prometheus/,$(notdir $(PROM_FILES)))
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/ozgmon/ozgmon.yml ] && \
	    ! cmp -s $(DESTDIR)$(SYSCONFDIR)/ozgmon/ozgmon.yml $(DESTDIR)$(DOCDIR)/examples/ozgmon.yml; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/ozgmon/ozgmon.yml: it was changed"; \
	else \
		rm -f $(DESTDIR)$(SYSCONFDIR)/ozgmon/ozgmon.yml; \
	fi
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOC_FILES))) $(DESTDIR)$(DOCDIR)/examples/ozgmon.yml
	rmdir $(DESTDIR)$(DATADIR)/ozgmon/registers $(DESTDIR)$(DATADIR)/ozgmon/prometheus \
		$(DESTDIR)$(DATADIR)/ozgmon \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/ozgmon 2>/dev/null || true

# The Debian package (dpkg-buildpackage -us -uc -b) of a clean copy of this
# tree, so that the build never touches the working tree; .deb into $(DEB_OUT).
deb:
	@tools/deps.sh package
	@tools/build-deb.sh "$(DEB_OUT)"

package-test:
	@tools/deps.sh package
	@tests/package/test_deb.sh

-include $(LIB_OBJS:.o=.d) $(SIM_OBJS:.o=.d) $(BUILD)/daemon/ozgmond.d $(TEST_BINS:=.d) $(TESTUTIL_OBJ:.o=.d)
-include $(REPLAY_BINS:=.d) $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_BINS:=.d)
