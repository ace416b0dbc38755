# socket lessons in C: the top-level build. `make help` lists what it can do.
#
# CC and CFLAGS can be overridden (make CC=clang, make CFLAGS=-O0); WERROR=1 adds -Werror.
# LESSONS="03-tcp-server 04-multithread-server" limits test and check to those lessons.
# Written for GNU make 3.81 and later (a Mac's make) and bash 3.2 or later: each recipe
# line is a shell of its own (no .ONESHELL), nothing newer than 3.81 is used.

SHELL   := bash
CC      ?= cc
CFLAGS  ?= -std=c11 -Wall -Wextra -pedantic -O2 -g
ifdef WERROR
override CFLAGS += -Werror
endif

ALL_LESSONS := $(patsubst %/,%,$(sort $(wildcard 0[1-9]-*/)))
LESSONS     ?= $(ALL_LESSONS)
LESSON_TESTS = $(addprefix tests/,$(addsuffix .bats,$(ALL_LESSONS)))
# The cross-cutting files (interop, robustness...) run when every lesson is selected.
EXTRA_TESTS  = $(filter-out $(LESSON_TESTS),$(wildcard tests/*.bats))
SELECTED     = $(wildcard $(addprefix tests/,$(addsuffix .bats,$(LESSONS)))) \
               $(if $(filter-out $(LESSONS),$(ALL_LESSONS)),,$(EXTRA_TESTS))
# The longest files first (measured: serial seconds of each), so that when files run side
# by side the short ones fill the gaps at the end instead of a long one starting last.
# leaks.bats after 02: its 40,000 connections leave as many TIME_WAIT entries for 60 s, and
# tcp_states (02) reads /proc/net/tcp, which lists them all (1.5 s of CPU when they meet).
SLOW_FIRST   = $(addprefix tests/,robustness.bats 03-tcp-server.bats interop-tools.bats \
                 06-chat.bats interop.bats 02-tcp-client.bats leaks.bats)
TEST_FILES   = $(filter $(SLOW_FIRST),$(SELECTED)) $(filter-out $(SLOW_FIRST),$(SELECTED))
# make test builds with one job per core (the lessons' outputs are independent).
NPROC       := $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)

# Sanitizer builds go to their own folders, so a check never overwrites the normal build.
CHECK_DIR    := $(CURDIR)/.check
ASAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSAN_FLAGS   := -fsanitize=thread
# The lessons whose programs start threads get the extra ThreadSanitizer pass.
TSAN_LESSONS  = $(sort $(foreach l,$(LESSONS),$(if $(shell grep -l pthread_create $(l)/*.c 2>/dev/null),$(l))))

.PHONY: all help demo test timing check bench clean tools-demo tools-test $(ALL_LESSONS)

all: $(ALL_LESSONS)

help:
	@echo "make               build every lesson (each lesson's own Makefile does the work)"
	@echo "make demo          build, then play each lesson's programs once, output labelled"
	@echo "make test          build, then run the whole test suite; ends with 'N passed, N failed'"
	@echo "make -C NN-lesson test   one lesson's tests (and make -C NN-lesson help)"
	@echo "make check         the suite against builds with ASan+UBSan (and TSan for threads)"
	@echo "make lint          cppcheck, clang --analyze, shellcheck, and the shared helpers' copies"
	@echo "make memcheck      each program's normal run under valgrind"
	@echo "make check-musl    the suite against builds with musl-gcc -static"
	@echo "make timing        make test from make clean, as a ratio to bats' own cost"
	@echo "make bench         the servers of lessons 04 and 06 under load (about a minute)"
	@echo "make clean         remove everything built"
	@echo "Options: CC=clang, CFLAGS=..., WERROR=1, LESSONS=\"03-tcp-server ...\", JOBS=1"

# need TOOL DEBIAN-PACKAGE MAC-INSTALL: stop at once with one line naming what is missing
# and how to install it, instead of a "command not found" in the middle of a run.
need = command -v $(1) >/dev/null 2>&1 || { echo "$(1) not found: Debian/Ubuntu: apt-get install $(2); macOS: $(3)" >&2; exit 1; }

tools-demo:
	@$(call need,$(firstword $(CC)),build-essential,xcode-select --install)

tools-test: tools-demo
	@$(call need,bats,bats,brew install bats-core)
	@command -v timeout >/dev/null 2>&1 || $(call need,gtimeout,coreutils,brew install coreutils)

$(ALL_LESSONS):
	@$(MAKE) --no-print-directory -C $@ CC='$(CC)' CFLAGS='$(CFLAGS)'

demo: tools-demo
	@$(MAKE) --no-print-directory all
	@bold=""; plain=""; if [ -t 1 ]; then bold=$$'\033[1m'; plain=$$'\033[0m'; fi; \
	for lesson in $(ALL_LESSONS); do \
	  printf '\n%s===== %s =====%s\n' "$$bold" "$$lesson" "$$plain"; \
	  $(MAKE) -s --no-print-directory -C "$$lesson" demo || exit 1; \
	done


# tests/run.bash runs the files: side by side (JOBS at a time, default 6) when GNU parallel
# is installed, each file's tests in order; the name of each file before its results; a
# home of its own under the temporary folder; the closing `N passed, N failed` line.
# A version manager's python3 shim can cost 200 ms per start: find the interpreter once.
export PYTHON3 ?= $(shell python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
RUN_TESTS    = bash tests/run.bash
export JOBS ?= 6

test: tools-test
	@$(MAKE) --no-print-directory -j$(NPROC) all
	@$(RUN_TESTS) $(TEST_FILES)

# make timing: `make test` from `make clean`, timed, as a ratio to what bats itself needs
# for as many trivial tests (`@test "tN" { run true; }`, timed just before and just after,
# one after another), so a busy machine slows both sides alike. Issue 12's target: <= 2.8.
timing: tools-test
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	n=$$(bats --count $(TEST_FILES)); \
	for ((i = 1; i <= n; i++)); do printf '@test "t%d" { run true; }\n' "$$i"; done >"$$tmp/trivial.bats"; \
	ms() { if [ -n "$${EPOCHREALTIME:-}" ]; then local t=$${EPOCHREALTIME/[.,]/}; echo $$((10#$${t:0:$${#t}-3})); \
	  else perl -MTime::HiRes=time -e 'printf "%d\n", time * 1000'; fi; }; \
	a=$$(ms); bats "$$tmp/trivial.bats" >/dev/null; b=$$(ms); \
	$(MAKE) -s --no-print-directory clean; \
	$(MAKE) -s --no-print-directory test >"$$tmp/test.log" 2>&1 || { cat "$$tmp/test.log"; exit 1; }; c=$$(ms); \
	bats "$$tmp/trivial.bats" >/dev/null; d=$$(ms); \
	base=$$(( (b - a + d - c) / 2 )); \
	tail -n 1 "$$tmp/test.log"; \
	printf 'make test from make clean: %d.%02d s; bats for %d trivial tests: %d.%02d s (before %d.%02d, after %d.%02d); ratio %d.%02d\n' \
	  $$(((c - b) / 1000)) $$(((c - b) % 1000 / 10)) "$$n" $$((base / 1000)) $$((base % 1000 / 10)) \
	  $$(((b - a) / 1000)) $$(((b - a) % 1000 / 10)) $$(((d - c) / 1000)) $$(((d - c) % 1000 / 10)) \
	  $$(((c - b) / base)) $$(((c - b) * 100 / base % 100))

check: tools-test
	@rm -rf $(CHECK_DIR) && mkdir -p $(CHECK_DIR)/logs
	@echo "== building with $(ASAN_FLAGS)"
	@for lesson in $(LESSONS); do \
	  $(MAKE) -s --no-print-directory -C "$$lesson" OUT=$(CHECK_DIR)/asan/$$lesson \
	    CC='$(CC)' CFLAGS='$(CFLAGS) $(ASAN_FLAGS)' || exit 1; \
	done
	@echo "== running the suite under ASan + UBSan"
	@export BIN_ROOT=$(CHECK_DIR)/asan \
	  ASAN_OPTIONS=log_path=$(CHECK_DIR)/logs/asan:detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=log_path=$(CHECK_DIR)/logs/ubsan:print_stacktrace=1; \
	  $(RUN_TESTS) $(TEST_FILES) || touch $(CHECK_DIR)/failed
	@if [ -n "$(TSAN_LESSONS)" ]; then \
	  echo "== building $(TSAN_LESSONS) (and what their tests use) with $(TSAN_FLAGS)"; \
	  for lesson in $(LESSONS); do \
	    $(MAKE) -s --no-print-directory -C "$$lesson" OUT=$(CHECK_DIR)/tsan/$$lesson \
	      CC='$(CC)' CFLAGS='$(CFLAGS) $(TSAN_FLAGS)' || exit 1; \
	  done; \
	  echo "== running $(TSAN_LESSONS) under ThreadSanitizer"; \
	  export BIN_ROOT=$(CHECK_DIR)/tsan TSAN_OPTIONS=log_path=$(CHECK_DIR)/logs/tsan:second_deadlock_stack=1; \
	  $(RUN_TESTS) $(addprefix tests/,$(addsuffix .bats,$(TSAN_LESSONS))) || touch $(CHECK_DIR)/failed; \
	fi
	@if compgen -G '$(CHECK_DIR)/logs/*' >/dev/null; then \
	  echo "Sanitizer reports:"; head -n 60 $(CHECK_DIR)/logs/*; \
	  echo "make check: sanitizer reports found (above)"; exit 1; \
	fi; echo "make check: no sanitizer reports"
	@if [ -e $(CHECK_DIR)/failed ]; then echo "make check: tests failed (above)"; exit 1; fi

# Lessons with something to measure have a `bench` target of their own.
bench: all
	@for lesson in $(ALL_LESSONS); do \
	  if grep -q '^bench:' "$$lesson/Makefile"; then \
	    $(MAKE) -s --no-print-directory -C "$$lesson" bench || exit 1; \
	  fi; \
	done

clean:
	@for lesson in $(ALL_LESSONS); do $(MAKE) -s --no-print-directory -C "$$lesson" clean; done
	@rm -rf $(CHECK_DIR)

# ---------------------------------------------------------------- hardening (issue 11)
#   make lint        cppcheck and clang's static analyzer on every .c, shellcheck on the
#                    test helpers, and the shared helpers' copies compared (lint_copies):
#                    fails on anything any of them reports
#   make memcheck    each program's normal run (servers with one client, the one-shot
#                    tools) under valgrind: fails on any memory error or leak
#   make check-musl  every lesson built with musl-gcc -static into .check/musl/, and the
#                    suite run against those binaries (another C library, other words)

CPPCHECK    ?= cppcheck
CLANG       ?= clang
SHELLCHECK  ?= shellcheck
VALGRIND    ?= valgrind
MUSL_CC     ?= musl-gcc
LINT_SOURCES = $(sort $(wildcard $(addsuffix /*.c,$(LESSONS))))

.PHONY: lint memcheck check-musl


lint:
	@$(call need,$(CPPCHECK),cppcheck,brew install cppcheck)
	@$(call need,$(CLANG),clang,xcode-select --install)
	@$(call need,$(SHELLCHECK),shellcheck,brew install shellcheck)
	@echo "== cppcheck --enable=warning,portability,performance (each file alone: one program each)"
	@failed=0; for f in $(LINT_SOURCES); do \
	  $(CPPCHECK) -q --std=c11 --enable=warning,portability,performance --error-exitcode=1 \
	    "$$f" || failed=1; \
	done; [ "$$failed" -eq 0 ]
	@echo "== clang --analyze (each file alone, as it compiles)"
	@failed=0; for f in $(LINT_SOURCES); do \
	  out=$$($(CLANG) --analyze -Xanalyzer -analyzer-output=text -std=c11 -Wall -Wextra \
	    -pedantic -o /dev/null "$$f" 2>&1); \
	  if [ -n "$$out" ]; then printf '%s\n' "$$out"; failed=1; fi; \
	done; [ "$$failed" -eq 0 ]
	@echo "== shellcheck tests/*.bash"
	@$(SHELLCHECK) tests/*.bash
	@echo "== the shared helpers' copies, one text each (tests/lint_copies.bash)"
	@bash tests/lint_copies.bash $(wildcard 0[1-9]-*/Makefile) $(wildcard 0[1-9]-*/*.c)
	@echo "make lint: nothing to report"

# The normal build, with -g already in the default CFLAGS, so reports name the lines.
memcheck: all
	@$(call need,$(VALGRIND),valgrind,not available (Linux only))
	@$(call need,bats,bats,brew install bats-core)
	@export BIN_ROOT=$(CURDIR) VALGRIND='$(VALGRIND)'; \
	  JOBS=1 $(RUN_TESTS) tests/memcheck/memcheck.bats

# Every lesson is built (the tests of one lesson use another's programs as peers); the
# files run are the same as make test's, LESSONS included.
check-musl:
	@$(call need,$(MUSL_CC),musl-tools,not available (Linux only))
	@$(call need,bats,bats,brew install bats-core)
	@rm -rf $(CHECK_DIR)/musl
	@echo "== building with $(MUSL_CC) -static into $(CHECK_DIR)/musl"
	@for lesson in $(ALL_LESSONS); do \
	  $(MAKE) -s --no-print-directory -C "$$lesson" OUT=$(CHECK_DIR)/musl/$$lesson \
	    CC='$(MUSL_CC) -static' CFLAGS='$(CFLAGS)' || exit 1; \
	done
	@echo "== running the suite against the musl builds"
	@export BIN_ROOT=$(CHECK_DIR)/musl; \
	  $(RUN_TESTS) $(TEST_FILES)
