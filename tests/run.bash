#!/usr/bin/env bash
# tests/run.bash FILE.bats...: run bats test files the way `make test` and `make -C NN test`
# do. Prints the name of each file before its results, each result as it arrives, and ends
# with the line CI reads: `N passed, N failed` (plus `, N skipped` when a test skipped).
# Exits 1 when a test failed, or when bats did not report every test it planned.
#
# Environment: JOBS (test files side by side, default 6; 1 runs them one after another),
# BIN_ROOT (where the programs are; default: this checkout), PYTHON3.
#
# Works with bash 3.2 (a stock Mac's /bin/bash): the tests themselves need bash 4.1, and
# test_helper.bash says so when it is older.
set -u
here=$(cd "$(dirname "$0")" && pwd)

missing() { # missing TOOL DEBIAN-PACKAGE BREW-PACKAGE: one line, then stop
  echo "$1 not found: Debian/Ubuntu: apt-get install $2   macOS: brew install $3" >&2
  exit 1
}
command -v bats >/dev/null 2>&1 || missing bats bats bats-core
command -v timeout >/dev/null 2>&1 || command -v gtimeout >/dev/null 2>&1 ||
  missing timeout coreutils coreutils
bash_major=$(bash -c 'echo "${BASH_VERSINFO[0]}${BASH_VERSINFO[1]}"')
[ "$bash_major" -ge 41 ] 2>/dev/null || missing "bash 4.1 or later (first on PATH)" bash bash

# The notes' programs run under python3: find the interpreter once, before HOME changes
# below (a version manager's shim may look for its files under HOME).
if [ -z "${PYTHON3:-}" ]; then
  PYTHON3=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) || PYTHON3=python3
fi
export PYTHON3

# Nothing is written outside the checkout and the temporary folder: GNU parallel keeps
# ~/.parallel, Chromium ~/.config/chromium and ~/.cache, dconf ~/.cache/dconf. The run gets
# a home of its own, removed at the end.
run_home=$(mktemp -d "${TMPDIR:-/tmp}/socket-lessons-home.XXXXXX") || exit 1
trap 'rm -rf "$run_home"' EXIT
export HOME="$run_home" XDG_CONFIG_HOME="$run_home/.config" XDG_CACHE_HOME="$run_home/.cache"
# GNU parallel asks once to be cited unless told it was: say it for this home only.
mkdir -p "$run_home/.parallel" && : >"$run_home/.parallel/will-cite"

# Files side by side when GNU parallel is installed (bats needs it for --jobs); each file's
# tests still run in order. Without it, the same files run one after another.
jobs=()
if [ "${JOBS:-6}" != 1 ] && command -v parallel >/dev/null 2>&1; then
  jobs=(--jobs "${JOBS:-6}" --no-parallelize-within-files)
fi

# bats' own formatter `tap` drops the file names; this one (tests/tap_by_file.bash) keeps
# them as comment lines (`# ---- 03-tcp-server.bats`), and the loop below counts.
passed=0 failed=0 skipped=0 planned=-1
while IFS= read -r line; do
  printf '%s\n' "$line"
  case $line in
    1..*) planned=${line#1..} ;;
    "ok "*" # skip"*) skipped=$((skipped + 1)) ;;
    "ok "*) passed=$((passed + 1)) ;;
    "not ok "*) failed=$((failed + 1)) ;;
  esac
done < <(bats --formatter "$here/tap_by_file.bash" ${jobs[@]+"${jobs[@]}"} "$@" 2>&1)

ran=$((passed + failed + skipped))
if [ "$planned" -lt 0 ]; then
  echo "# bats printed no plan: counting that as a failure"
  failed=$((failed + 1))
elif [ "$ran" -lt "$planned" ]; then
  echo "# only $ran of $planned tests reported"
  failed=$((failed + planned - ran))
fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
