#!/usr/bin/env bats
# Portability that a Linux machine cannot see by compiling: macOS hides every name that
# POSIX.1-2008 does not define when a file asks for strict _POSIX_C_SOURCE, unless the file
# also defines _DARWIN_C_SOURCE (glibc's counterpart is _DEFAULT_SOURCE). glibc shows most
# of these names anyway, so a missing macro only fails on a Mac: this test finds it here.

load test_helper

# Names our programs use that POSIX.1-2008 does not define.
NON_POSIX='INADDR_LOOPBACK|MSG_DONTWAIT|NI_MAXHOST|NI_MAXSERV|getifaddrs|TCP_INFO|AF_PACKET|AF_LINK|TCP_CONNECTION_INFO'

@test "every file that uses a non-POSIX name defines _DEFAULT_SOURCE and _DARWIN_C_SOURCE before its includes" {
  local file first_include bad=()
  for file in "$ROOT"/0[1-9]-*/*.c; do
    grep -qE "\\b($NON_POSIX)\\b" "$file" || continue
    first_include=$(grep -n '^#include' "$file" | head -n 1 | cut -d: -f1)
    for macro in _POSIX_C_SOURCE _DEFAULT_SOURCE _DARWIN_C_SOURCE; do
      local at
      at=$(grep -nE "^#define $macro\\b" "$file" | head -n 1 | cut -d: -f1)
      if [[ -z $at ]] || ((at > first_include)); then
        bad+=("${file#"$ROOT"/}: $macro missing or after the first #include")
      fi
    done
  done
  ((${#bad[@]} == 0)) || { printf '%s\n' "${bad[@]}" >&2; return 1; }
}

# One Usage style everywhere (README, "How every program behaves"): -h and --help work in
# every program and are said once in the description, not in the Usage line; a version 1
# file has no options at all.
@test "every Usage line has one style: no [-h] in it" {
  local bad
  bad=$(grep -nE 'Usage: .*\[-h' "$ROOT"/0[1-9]-*/*.c) || true
  assert_equal "" "$bad" "Usage lines with [-h]"
}
