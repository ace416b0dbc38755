# Shared helpers for the lesson tests (bats-core 1.8.2). Load with `load test_helper`.
#
# What they take care of (see ../shared/TESTING.md for the measurements behind each):
# - servers start on port 0 in the background with every fd above 2 closed (bats waits on
#   fd 3: a server holding it open hangs the whole run), in their own session (setsid) so a
#   kill reaches their children too, with stdout/stderr in a log file;
# - the port is read from the server's first line ("... port N") with a deadline, no sleep;
# - teardown stops everything a test started: TERM, a short grace period, then KILL;
# - assert helpers print what was expected next to what happened.
#
# Needs bash 4.1 or later (`exec {fd}<>...` in nap and in the lesson tests); a stock Mac has
# bash 3.2: `brew install bash` (bats runs the first bash on PATH). Where GNU `timeout` or
# `setsid` is missing (macOS), the portability block below supplies them.
#
# Variables set here are read by the test files, and bats' `run` sets output/status/stderr:
# shellcheck disable=SC2034,SC2154

bats_require_minimum_version 1.5.0

if ((BASH_VERSINFO[0] < 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] < 1))); then
  echo "these tests need bash 4.1 or later, this is $BASH_VERSION (macOS: brew install bash)" >&2
  return 1
fi

# ---- Portability: GNU timeout and setsid where the system lacks them (macOS) ----
# Both are used by name everywhere (`run timeout ...`, `bash -c '... timeout ...'`, exec), so
# stand-ins go in a folder put first on PATH, made once per run and only when needed:
# - timeout: coreutils from Homebrew installs GNU timeout as `gtimeout`;
# - setsid (util-linux, Linux only): the same call from perl (part of macOS) or python3.
#   Both exec the program, so its PID stays the one the test started.
portable_bin() {
  local dir="${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/portable-bin"
  if ! command -v timeout >/dev/null && command -v gtimeout >/dev/null; then
    mkdir -p "$dir" && ln -sf "$(command -v gtimeout)" "$dir/timeout"
  fi
  if ! command -v setsid >/dev/null; then
    mkdir -p "$dir"
    if command -v perl >/dev/null; then
      printf '%s\n' '#!/bin/sh' \
        "exec perl -MPOSIX -e 'POSIX::setsid(); exec { \$ARGV[0] } @ARGV or die \"setsid: \$ARGV[0]: \$!\\n\"' \"\$@\"" \
        >"$dir/setsid"
    else
      printf '%s\n' '#!/bin/sh' \
        "exec python3 -c 'import os, sys; os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' \"\$@\"" \
        >"$dir/setsid"
    fi
    chmod +x "$dir/setsid"
  fi
  if [[ -d $dir && :$PATH: != *":$dir:"* ]]; then PATH="$dir:$PATH"; fi
  return 0
}
portable_bin

# (The parent folder by name when the path is absolute, as bats makes it: no fork per test.)
case $BATS_TEST_DIRNAME in
  /?*/*) ROOT=${BATS_TEST_DIRNAME%/*} ;;
  *) ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)" ;;
esac
# Where the programs are: the normal build, or the sanitizer build that `make check` made.
BIN_ROOT="${BIN_ROOT:-$ROOT}"
# How long a server may take to say it is listening, and the default client timeout.
# Sanitizer builds start more slowly, so both are generous; they are deadlines, not sleeps.
READY_SECONDS="${READY_SECONDS:-10}"
T="${CLIENT_TIMEOUT:-10}"
# The Python interpreter itself (the top Makefile resolves a version manager's shim once),
# started through a two-line wrapper that adds -S: the peers and the notes' programs use
# only the standard library, and setting up site-packages can cost more than the rest of a
# start (measured here: 87 ms a start, 18 ms with -S, because a .pth file there imports
# certifi; a run starts python about 120 times). The wrapper execs, so its PID is python's.
# Without python3, PYTHON3 stays a name that `command -v` does not find: those tests skip.
PYTHON3="${PYTHON3:-python3}"
python_without_site() {
  local real wrapper="${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/python3-S"
  if [[ ! -x $wrapper ]]; then
    real=$(command -v "$PYTHON3") || return 0
    # Written beside and renamed: test files running side by side may race to make it.
    printf '#!/bin/sh\nexec %q -S "$@"\n' "$real" >"$wrapper.$$" &&
      chmod +x "$wrapper.$$" && mv -f "$wrapper.$$" "$wrapper" || return 0
  fi
  PYTHON3=$wrapper
}
python_without_site

# ---- `localhost` is either family ----
# A client given `localhost` tries the addresses getaddrinfo returns, in order, and says
# the one it reached. /etc/hosts decides which comes first: where it maps localhost to
# 127.0.0.1 alone, that one; Debian's and macOS's stock files list ::1 as well, and RFC
# 6724 puts ::1 first. LOCALHOST_IP is that first address, so a test expects what this
# machine does. (getent where the C library has it, else python3, else 127.0.0.1.)
LOCALHOST_IP=${LOCALHOST_IP:-}
if [[ -z $LOCALHOST_IP ]]; then
  if command -v getent >/dev/null; then
    read -r LOCALHOST_IP _ < <(getent ahosts localhost)
  elif command -v "$PYTHON3" >/dev/null; then
    LOCALHOST_IP=$("$PYTHON3" -c 'import socket
print(socket.getaddrinfo("localhost", 1, 0, socket.SOCK_STREAM)[0][4][0])' 2>/dev/null)
  fi
  LOCALHOST_IP=${LOCALHOST_IP:-127.0.0.1}
  export LOCALHOST_IP
fi
# readme_localhost: stdin to stdout with "LOCALHOST_IP port" written as the READMEs show
# it, "127.0.0.1 port" (each README says that ::1 may stand there instead).
readme_localhost() {
  if [[ $LOCALHOST_IP == 127.0.0.1 ]]; then cat; else sed "s/${LOCALHOST_IP//./\\.} port/127.0.0.1 port/g"; fi
}

# ---- Speed: bats' per-command trap ----
# Before every command of a test, bats 1.8 runs a DEBUG trap that records where the test is,
# so that a failure can name its line. Measured here it costs about 0.3 ms a command, and
# a polling loop runs thousands of them: switching it off in the helpers below alone took
# the suite from 120 s of CPU time to 90 s. `untraced FUNCTION ARGS...` runs FUNCTION with
# the trap off, then puts back what was there before: nothing when called from another
# untraced helper, nor after a test has failed (bats removes the trap then, so that the
# failing line stays the one reported). A failure inside is reported at the line that
# called the helper, and every helper below says what it expected on stderr.
# Helpers run this way must not rely on `set -e` (they return their own status).
untraced() {
  # The first two commands still go through the trap: the trap as it is now goes to a file
  # (a builtin writing a file: no fork), then off.
  trap -p DEBUG >"${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}}/.debug-trap.$BASHPID"
  trap - DEBUG
  local rc=0 restore=
  IFS= read -r -d '' restore <"${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}}/.debug-trap.$BASHPID" || true
  "$@" || rc=$?
  [[ -z $restore ]] || eval "$restore"
  return "$rc"
}

# bats 1.8's DEBUG trap itself, doing the same work with two calls fewer per command: the
# Windows path normalisation (which changes nothing but a "C:..." path) and the --trace
# printer (which prints nothing unless --trace is given: it is still called then). Half
# the cost, the same stack traces. Any other bats version keeps its own trap.
if [[ ${BATS_VERSION:-} == 1.8.* && $OSTYPE != cygwin && $OSTYPE != msys ]] &&
  declare -F bats_debug_trap bats_capture_stack_trace >/dev/null; then
  bats_debug_trap() {
    local path
    for path in "${BATS_DEBUG_EXCLUDE_PATHS[@]}"; do [[ ${1%/*} == "$path"* ]] && return 0; done
    if [[ ${BATS_INTERRUPTED-NOTSET} == NOTSET && ${BATS_TIMED_OUT-NOTSET} == NOTSET ]]; then
      BATS_DEBUG_LASTLAST_STACK_TRACE=(${BATS_DEBUG_LAST_STACK_TRACE[@]+"${BATS_DEBUG_LAST_STACK_TRACE[@]}"})
      BATS_DEBUG_LAST_LINENO=(${BASH_LINENO[@]+"${BASH_LINENO[@]}"})
      BATS_DEBUG_LAST_SOURCE=(${BASH_SOURCE[@]+"${BASH_SOURCE[@]}"})
      bats_capture_stack_trace
      if ((${BATS_TRACE_LEVEL:-0} > 0)); then bats_emit_trace; fi
    fi
  }
fi

# bats' own `run` goes through about 40 commands of its own around the program, each of
# them through that trap: 6.6 ms a call traced, 2.7 ms untraced (measured), and the suite
# calls it about 1,700 times. So `run` is bats' function, renamed, called untraced. A
# `run -N` that fails is still reported at the test's line, with bats' own message.
if declare -F run >/dev/null && ! declare -F bats_original_run >/dev/null; then
  # (Through a file, not $(...): a fork per test saved.)
  declare -f run >"${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}}/.run.$BASHPID"
  IFS= read -r -d '' BATS_RUN_DEFINITION <"${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}}/.run.$BASHPID" || true
  eval "bats_original_run${BATS_RUN_DEFINITION#run}"
  run() { untraced bats_original_run "$@"; }
fi

STARTED_PIDS=()

# start_bg LOG CMD [ARGS...]: run CMD in the background, stdin from /dev/null, stdout and
# stderr to LOG. Sets BG_PID (the program's own PID: the subshell execs it).
start_bg() {
  local log=$1
  shift
  start_bg_from /dev/null "$log" "$@"
}

# start_bg_from INPUT LOG CMD [ARGS...]: as start_bg, reading stdin from INPUT (a FIFO, say).
# LOG is emptied here, before the background starts: a test that runs a second server with
# the same LOG would otherwise find the first one's "Listening" line until the background's
# own redirection empties it, and read the old port (CI saw it: the port line gone between
# the wait and the read). A FIFO is left alone (opening it would wait for a reader).
start_bg_from() {
  local input=$1 log=$2
  shift 2
  [[ -p $log ]] || : >"$log"
  (
    trap - DEBUG # this subshell only: its loop below need not be traced
    # Close every inherited descriptor above 2 (bats' fd 3 among them).
    for fd in /dev/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null; fi
    done
    exec setsid "$@" <"$input" >"$log" 2>&1
  ) &
  BG_PID=$!
  STARTED_PIDS+=("$BG_PID")
  remember_start "$BG_PID"
}

# ---- Is it still ours? ----
# `kill -0 PID` alone cannot tell: once bash has reaped a child that exited, its PID is free,
# and here (pid_max 32768, the load tests start thousands of threads a second) another
# process, maybe another test file's, can take it within seconds. Then a wait would see our
# program "still running", and a stop would signal a stranger. On Linux a process's start
# time (field 22 of /proc/PID/stat, the same across exec) tells the two apart: it is taken
# when a process starts (remember_start) and compared by `alive`. Elsewhere (no /proc),
# kill -0 alone, where PIDs are rarely reused so soon.
declare -gA START_TIMES=()
# proc_start PID: set PROC_START to PID's start time and PROC_STATE to its state, or return 1.
proc_start() {
  local stat fields
  [[ -r /proc/$1/stat ]] && IFS= read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  read -ra fields <<<"${stat##*) }" # after "PID (command) ": the state is field 3
  PROC_STATE=${fields[0]} PROC_START=${fields[19]}
}
remember_start() {
  if proc_start "$1"; then START_TIMES[$1]=$PROC_START; fi
  return 0
}
# alive PID: PID is a process this test started (the same one) and has not exited (a zombie,
# exited but not yet reaped, counts as exited).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [[ -n ${START_TIMES[$1]:-} ]] || return 0
  proc_start "$1" && [[ $PROC_START == "${START_TIMES[$1]}" && $PROC_STATE != Z ]]
}

# interrupt SIGNAL PID: send SIGNAL (TERM, INT) once PID waits in the kernel (state S in
# /proc; $T at most, then anyway). A server checks its stop flag and *then* calls accept():
# a signal landing between the two is only seen at the next client (03's README, "The
# window the flag leaves open"). Just after printing a line, a server may be in that gap.
interrupt() {
  if [[ -d /proc/$2 ]]; then
    deadline_in "$T"
    while proc_start "$2" && [[ $PROC_STATE != S ]] && before_deadline; do nap; done
  fi
  kill -"$1" "$2"
}

# pause PID: SIGSTOP, then wait ($T at most) until PID has really stopped (state T in /proc).
# A process acts on the signal only when it next runs, which on a busy machine can be after
# the test's next step: a server that was to find all of it queued reads part of it first.
# Fails, saying so, if it has not stopped. (Without /proc it cannot look, and goes on.)
pause() {
  kill -STOP "$1"
  [[ -d /proc/$1 ]] || return 0
  deadline_in "$T"
  until proc_start "$1" && [[ $PROC_STATE == T ]]; do
    before_deadline || { echo "process $1 did not stop within $T s" >&2; return 1; }
    nap
  done
}

# start_server LOG CMD [ARGS...]: start a server and wait until its first line ends with
# its port. Sets SERVER_PID, SERVER_PORT and SERVER_LOG. Fails (showing the log) if the
# server exits first or says nothing within READY_SECONDS.
start_server() { untraced _start_server "$@"; }
_start_server() {
  SERVER_LOG=$1
  start_bg "$@"
  SERVER_PID=$BG_PID
  wait_for_line "$SERVER_LOG" 'port [0-9]+$' "$READY_SECONDS" "$SERVER_PID" || return 1
  local first=
  IFS= read -r first <"$SERVER_LOG"
  [[ $first =~ port\ ([0-9]+)$ ]] || { echo "first line has no port: $first" >&2; return 1; }
  SERVER_PORT=${BASH_REMATCH[1]}
}

# Time, to the tenth of a second and better. Bash's $SECONDS counts whole seconds, so a
# "1 s" window built on it lasts 1-2 s; EPOCHREALTIME (bash 5) has microseconds. Older bash
# (a stock Mac has 3.2) falls back to counting naps, which can only make a window longer.
# now_ms: milliseconds since the epoch (or since the file began, without EPOCHREALTIME).
if [[ -n ${EPOCHREALTIME:-} ]]; then
  now_ms() { local t=${EPOCHREALTIME/[.,]/}; NOW_MS=$((10#${t:0:${#t}-3})); }
else
  NAP_CLOCK_MS=0
  now_ms() { NOW_MS=$NAP_CLOCK_MS; }
fi

# deadline_in SECONDS: set DEADLINE_MS to now + SECONDS (decimals allowed: 0.3, 2.5).
deadline_in() {
  local whole=${1%%.*} part=0
  [[ $1 == *.* ]] && part=${1#*.}
  part=${part}000
  now_ms
  DEADLINE_MS=$((NOW_MS + 10#${whole:-0} * 1000 + 10#${part:0:3}))
}

# before_deadline: true while DEADLINE_MS has not passed.
before_deadline() {
  now_ms
  ((NOW_MS <= DEADLINE_MS))
}

# nap: wait 20 ms without starting a process (a read with a timeout on a private FIFO that
# nobody writes to), so polling costs no fork. Falls back to sleep where that fails.
NAP_FD=
nap() {
  if [[ -z $NAP_FD ]]; then
    local fifo
    fifo=$(mktemp -u "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/nap.XXXXXX")
    if mkfifo "$fifo" 2>/dev/null && exec {NAP_FD}<>"$fifo"; then rm -f "$fifo"; else NAP_FD=none; fi
  fi
  if [[ $NAP_FD == none ]]; then sleep 0.02; else read -r -t 0.02 -u "$NAP_FD" _ || true; fi
  [[ -n ${NAP_CLOCK_MS+set} ]] && NAP_CLOCK_MS=$((NAP_CLOCK_MS + 20))
  return 0
}

# file_has_line FILE REGEX: some line of FILE matches the extended REGEX.
# count_lines FILE REGEX: set LINE_COUNT to the number of lines of FILE matching REGEX.
# A file of up to 256 lines (a server's log, usually) is read in bash, untraced: that
# starts no process (0.5 ms against 2 ms for a grep, and the polls call these thousands of
# times a run). A longer file goes to grep, faster there. Both are POSIX extended regexes.
LINES_IN_BASH=256
file_has_line() { untraced _file_has_line "$@"; }
_file_has_line() {
  local -a lines_=()
  local line_
  [[ -r $1 ]] || return 1
  mapfile -t -n $((LINES_IN_BASH + 1)) lines_ <"$1"
  if ((${#lines_[@]} > LINES_IN_BASH)); then grep -qE -- "$2" "$1" 2>/dev/null; return; fi
  for line_ in "${lines_[@]}"; do [[ $line_ =~ $2 ]] && return 0; done
  return 1
}

count_lines() { untraced _count_lines "$@"; }
_count_lines() {
  local -a lines_=()
  local line_
  LINE_COUNT=0
  [[ -r $1 ]] || return 0
  mapfile -t -n $((LINES_IN_BASH + 1)) lines_ <"$1"
  if ((${#lines_[@]} > LINES_IN_BASH)); then
    LINE_COUNT=$(grep -cE -- "$2" "$1" 2>/dev/null) || true # grep -c exits 1 on no match
    LINE_COUNT=${LINE_COUNT:-0}
    return 0
  fi
  for line_ in "${lines_[@]}"; do [[ $line_ =~ $2 ]] && LINE_COUNT=$((LINE_COUNT + 1)); done
  return 0
}

# wait_for_line FILE REGEX [SECONDS] [PID]: poll FILE every 20 ms until a line matches the
# extended REGEX, the deadline passes, or PID (if given) has exited. Shows FILE on failure.
wait_for_line() { untraced _wait_for_line "$@"; }
_wait_for_line() {
  local file=$1 regex=$2 seconds=${3:-$READY_SECONDS} pid=${4:-}
  deadline_in "$seconds"
  while before_deadline; do
    file_has_line "$file" "$regex" && return 0
    if [[ -n $pid ]] && ! alive "$pid"; then
      file_has_line "$file" "$regex" && return 0
      echo "process $pid exited before printing /$regex/; $file holds:" >&2
      cat "$file" >&2 2>/dev/null
      return 1
    fi
    nap
  done
  file_has_line "$file" "$regex" && return 0
  echo "no line matching /$regex/ in $file within ${seconds}s; it holds:" >&2
  cat "$file" >&2 2>/dev/null
  return 1
}

# wait_for_count FILE REGEX N [SECONDS]: poll until at least N lines of FILE match REGEX.
wait_for_count() { untraced _wait_for_count "$@"; }
_wait_for_count() {
  local file=$1 regex=$2 want=$3 seconds=${4:-$READY_SECONDS}
  deadline_in "$seconds"
  while before_deadline; do
    count_lines "$file" "$regex"
    ((LINE_COUNT >= want)) && return 0
    nap
  done
  count_lines "$file" "$regex"
  ((LINE_COUNT >= want)) && return 0
  echo "expected $want lines matching /$regex/ in $file within ${seconds}s, found $LINE_COUNT:" >&2
  cat "$file" >&2 2>/dev/null
  return 1
}

# still_quiet FILE REGEX SECONDS: true if no line of FILE matches REGEX for SECONDS (the
# "nothing arrives" window of a test: exact to the hundredth, never shorter than asked).
still_quiet() { untraced _still_quiet "$@"; }
_still_quiet() {
  deadline_in "$3"
  while before_deadline; do
    if file_has_line "$1" "$2"; then
      echo "did not expect a line matching /$2/ in $1 within $3 s; it holds:" >&2
      cat "$1" >&2 2>/dev/null
      return 1
    fi
    nap
  done
  ! file_has_line "$1" "$2"
}

# wait_for_exit PID [SECONDS]: wait until PID (started by this test) exits; its exit status
# becomes this function's status. Returns 124 (like timeout) if it is still running.
wait_for_exit() { untraced _wait_for_exit "$@"; }
_wait_for_exit() {
  local pid=$1 seconds=${2:-$READY_SECONDS}
  deadline_in "$seconds"
  while alive "$pid"; do
    if ! before_deadline; then
      echo "process $pid still running after ${seconds}s" >&2
      return 124
    fi
    nap
  done
  wait "$pid"
}

# stop_pid PID: TERM its process group, give it up to 2 s, then KILL, then reap it.
stop_pid() { untraced _stop_pid "$@"; }
_stop_pid() {
  local pid=$1
  # `wait` returns the signal's status (143 for TERM): under bats' set -e that would fail
  # the test, so it is ignored on purpose.
  # Only while it is still the process we started (see alive): never a stranger.
  alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  deadline_in 2
  while alive "$pid" && before_deadline; do nap; done
  if alive "$pid"; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}

# stop_all: stop every process this test started (the default teardown).
stop_all() { ((${#STARTED_PIDS[@]} == 0)) || untraced _stop_all; }
_stop_all() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid"; done
  STARTED_PIDS=()
}

teardown() {
  stop_all
}

# assert_equal EXPECTED ACTUAL [WHAT]
assert_equal() {
  if [[ "$1" != "$2" ]]; then
    printf '%s differs\n  expected: %q\n  actual:   %q\n' "${3:-value}" "$1" "$2" >&2
    return 1
  fi
}

# assert_line LINE: $output (from `run`) has LINE as one whole line.
assert_line() { untraced _assert_line "$@"; }
_assert_line() {
  local line
  while IFS= read -r line; do [[ $line == "$1" ]] && return 0; done <<<"$output"
  printf 'expected the line:\n  %s\nin the output:\n%s\n' "$1" "$output" >&2
  return 1
}

# refute_line LINE: $output has no such whole line.
refute_line() { untraced _refute_line "$@"; }
_refute_line() {
  local line
  while IFS= read -r line; do
    if [[ $line == "$1" ]]; then
      printf 'did not expect the line:\n  %s\nin the output:\n%s\n' "$1" "$output" >&2
      return 1
    fi
  done <<<"$output"
}

# assert_output_matches REGEX: some line of $output matches the extended regex.
assert_output_matches() {
  grep -qE -- "$1" <<<"$output" && return 0
  printf 'expected a line matching /%s/ in the output:\n%s\n' "$1" "$output" >&2
  return 1
}

# assert_output EXPECTED: $output is exactly EXPECTED (all lines).
assert_output() {
  [[ "$output" == "$1" ]] && return 0
  printf 'output differs\n--- expected\n%s\n--- actual\n%s\n' "$1" "$output" >&2
  return 1
}

# assert_file_line FILE LINE: FILE has LINE as one whole line.
assert_file_line() {
  grep -qxF -- "$2" "$1" 2>/dev/null && return 0
  printf 'expected the line:\n  %s\nin %s, which holds:\n' "$2" "$1" >&2
  cat "$1" >&2 2>/dev/null
  return 1
}

# assert_usage_error PROGRAM: the last `run --separate-stderr` exited 2 with one stderr
# line that names PROGRAM, and printed nothing on stdout.
assert_usage_error() { untraced _assert_usage_error "$@"; }
_assert_usage_error() {
  assert_equal 2 "$status" "exit status" || return 1
  assert_equal "" "$output" "stdout" || return 1
  # (Lines counted in bash: BSD wc pads its count with spaces.)
  local -a stderr_lines
  mapfile -t stderr_lines <<<"$stderr"
  assert_equal 1 "${#stderr_lines[@]}" "number of stderr lines" || return 1
  [[ $stderr == "$1: "* ]] || { printf 'stderr should start with "%s: ", got: %s\n' "$1" "$stderr" >&2; return 1; }
}

# readme_transcript LESSON_DIR NAME [FILE]: print the lines of the README block marked
# `<!-- transcript: NAME -->` (the fenced block right after the marker, fences excluded).
# FILE is the lesson's README.md unless given (README.zh.md: the Chinese guide).
# Fails if there is no such block, so a renamed or deleted transcript fails its test.
readme_transcript() { untraced _readme_transcript "$@"; }
_readme_transcript() {
  awk -v marker="<!-- transcript: $2 -->" '
    state == 0 && $0 == marker { state = 1; next }
    state == 1 && /^```/ { state = 2; next }
    state == 2 && /^```/ { found = 1; exit }
    state == 2 { print }
    END { exit !found }' "$ROOT/$1/${3:-README.md}" ||
    { echo "no transcript '$2' in $ROOT/$1/${3:-README.md}" >&2; return 1; }
}

# listening_port PID: PORT is the port of PID's listening TCP socket, read from /proc
# (Linux; the test skips elsewhere): a server whose stdout is /dev/null cannot tell it.
listening_port() {
  [[ -d /proc/$1/fd ]] || skip "needs /proc (Linux)"
  local fd link hex
  deadline_in "$T"
  while before_deadline; do
    for fd in /proc/"$1"/fd/*; do
      link=$(readlink "$fd" 2>/dev/null) || continue
      [[ $link == socket:* ]] || continue
      link=${link#socket:[} link=${link%]}
      hex=$(listening_port_of_inode "$link")
      [[ -n $hex ]] && PORT=$((16#$hex)) && return 0
    done
    nap
  done
  echo "no listening socket of $1 within $T s" >&2
  return 1
}

# listening_port_of_inode INODE: print, in hex, the port of the listening TCP socket with
# that inode (/proc/net/tcp and tcp6: sl local_address rem_address st ... inode, field 10),
# or nothing. One awk, not a bash loop: after leaks.bats the tables hold some 40,000
# TIME_WAIT lines, and reading them line by line in bash took a test 50 s.
listening_port_of_inode() {
  awk -v inode="$1" '$10 == inode && $4 == "0A" { n = split($2, a, ":"); print a[n]; exit }' \
    /proc/net/tcp6 /proc/net/tcp 2>/dev/null
}
