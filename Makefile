# ozgmon - build, run and test.
#
#   make            build bin/ozgmond and bin/ozgmon-sim
#   make run        install what is missing, build, start the demo
#   make test       install what is missing, build, run every test
#   make SAN=1 test the same with AddressSanitizer + UBSan (build-san/)
#   make valgrind   unit tests and a short daemon run under valgrind
#
# Variables: LISTEN=host:port DATA_DIR=dir (make run), CC, EXTRA_CFLAGS.

CC ?= cc
PKGS := libcurl librrd libmicrohttpd jansson yaml-0.1 zlib libcrypt

ifeq ($(SAN),1)
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
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CPPFLAGS += -D_GNU_SOURCE -DOZGMON_VERSION='"$(VERSION)"' -I. -MMD -MP
CFLAGS := -std=c11 $(OPT) $(WARN) $(SANFLAGS) -pthread $(EXTRA_CFLAGS)
LDFLAGS := $(SANFLAGS) -pthread

# pkg-config is asked only when building, so `make help`/`clean` work without it.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

LIB_SRCS := $(wildcard common/*.c config/*.c collector/*.c store/*.c rollout/*.c exporter/*.c dashboards/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
SIM_SRCS := $(wildcard sim/*.c)
SIM_OBJS := $(SIM_SRCS:%.c=$(BUILD)/%.o)
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test-deps run test unit integration valgrind clean help
.DEFAULT_GOAL := all

all: deps $(BIN)/ozgmond $(BIN)/ozgmon-sim

deps:
	@tools/deps.sh build

test-deps:
	@tools/deps.sh test

$(BUILD)/libozgmon.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BIN)/ozgmond: $(BUILD)/daemon/ozgmond.o $(BUILD)/libozgmon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BIN)/ozgmon-sim: $(SIM_OBJS) $(BUILD)/libozgmon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libozgmon.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -MF $@.d -o $@ $< $(BUILD)/libozgmon.a $(CHECK_LIBS) $(PKG_LIBS) -lm

run: all
	@tools/run-demo.sh "$(BIN)"

test: test-deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit integration

unit: $(TEST_BINS)
	@fail=0; for t in $(TEST_BINS); do \
		CK_TIMEOUT_MULTIPLIER=4 ./$$t || fail=1; \
	done; exit $$fail

integration: $(BIN)/ozgmond $(BIN)/ozgmon-sim
	@BIN_DIR=$(BIN) tests/integration/run.sh

valgrind: $(TEST_BINS) $(BIN)/ozgmond $(BIN)/ozgmon-sim
	@BUILD=$(BUILD) BIN_DIR=$(BIN) tests/valgrind.sh

clean:
	rm -rf build build-san bin

help:
	@sed -n '1,12p' Makefile

-include $(LIB_OBJS:.o=.d) $(SIM_OBJS:.o=.d) $(BUILD)/daemon/ozgmond.d $(TEST_BINS:=.d)
