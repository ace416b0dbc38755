#!/usr/bin/env bash
# A bats formatter (bats --formatter /absolute/path/tap_by_file.bash): TAP, as bats' own
# `tap` formatter prints it, with the name of each test file on a comment line before its
# tests, so that whoever watches a run can tell which lesson a result belongs to:
#   # ---- 03-tcp-server.bats
#   ok 61 tcp_server prints the client's message and answers it
# bats hands a formatter its extended stream: `suite FILE` before each file's tests,
# `begin N NAME` as a test starts, then the TAP line itself.
trap '' INT
while IFS= read -r line; do
  case $line in
    "suite "*) printf '# ---- %s\n' "${line##*/}" ;;
    "begin "*) ;;
    *) printf '%s\n' "$line" ;;
  esac
done
