#!/usr/bin/env bats
# Lesson 01: IP addresses and ports. local_ips, resolve, ip_convert, ports, port_check.
#
# Never asks DNS: names resolved here are in /etc/hosts (localhost, this machine's name),
# the only reverse lookup is 127.0.0.1, and the unknown host is no..such..host, which the
# resolver rejects by itself.

load test_helper

L="$BIN_ROOT/01-ip-and-ports"

# Something for port_check to find open: lesson 01 has no server of its own, so a python3
# one-liner on port 0 (IPv4 and IPv6, one dual-stack socket) that prints its port first.
LISTENER='import socket
s = socket.create_server(("", 0), family=socket.AF_INET6, dualstack_ipv6=True)
print("Listening on port", s.getsockname()[1], flush=True)
while True:
    s.accept()[0].close()'

# start_listener: start the python3 listener (skip the test without python3).
start_listener() {
  command -v python3 >/dev/null || skip "python3 not installed"
  # By the interpreter's real path: a wrapper (pyenv's shim) may fork rather than exec.
  local python
  python=$(python3 -c 'import sys; print(sys.executable)')
  start_server "$BATS_TEST_TMPDIR/listener.log" "$python" -c "$LISTENER"
}

# closed_port: a port nobody listens on: one the listener had, after stopping it.
closed_port() {
  start_listener
  # (|| true: test_helper's stop_pid returns 1 when the process exits during its grace
  # period, which would end the test under bats' errexit.)
  stop_pid "$SERVER_PID" || true
  CLOSED_PORT=$SERVER_PORT
}

# block_of NAME: the lines of local_ips' block for interface NAME (its header up to the
# next header), from $output.
block_of() {
  local line inside=0
  while IFS= read -r line; do
    if [[ $line != " "* ]]; then
      inside=0
      [[ $line == "$1 ("* ]] && inside=1
    fi
    if ((inside)); then printf '%s\n' "$line"; fi
  done <<<"$output"
}

# /etc/hosts' addresses for NAME, each once, sorted.
hosts_addresses() {
  awk -v name="$1" '$1 !~ /^#/ { for (i = 2; i <= NF; i++) if ($i == name) print $1 }' \
    /etc/hosts | sort -u
}

# Is this machine little-endian? (The first byte of the 16-bit number 1 is 1.)
little_endian() {
  [[ $(printf '\001\000' | od -An -tu2 | tr -d ' ') == 1 ]]
}

# readme_shows COMMAND: the lines the lesson README shows after "$ ./COMMAND", up to the
# next "$ " line or the end of the code block.
readme_shows() {
  awk -v cmd="\$ ./$1" '$0 == cmd { on = 1; next }
    on && (/^\$ / || /^```/) { exit }
    on { print }' "$ROOT/01-ip-and-ports/README.md"
}

# ---------------------------------------------------------------- the README

@test "the README's transcripts are what the programs print" {
  little_endian || skip "the README was written on a little-endian machine"
  local command
  local commands=("ip_convert 192.168.1.2 ::1" "ip_convert 1.2.3" "resolve no..such..host"
    "resolve 1.2.3" "ports abc" "ports 70000" "port_check no..such..host 80"
    "port_check localhost 80 -t 0")
  # The README's /etc/hosts maps localhost to 127.0.0.1 alone.
  [[ $(hosts_addresses localhost) != 127.0.0.1 ]] || commands+=("resolve localhost 127.0.0.1")
  for command in "${commands[@]}"; do
    [[ -n $(readme_shows "$command") ]] || { echo "README has no '\$ ./$command'" >&2; return 1; }
    # $command is split into words on purpose: program and arguments.
    # shellcheck disable=SC2086
    run timeout "$T" "$L/"$command
    assert_output "$(readme_shows "$command")"
  done
  if grep -qE '^mysql[[:space:]]+3306/tcp' /etc/services; then
    run -0 timeout "$T" "$L/ports" 22 80 3306 50000 ssh mysql
    assert_output "$(readme_shows "ports 22 80 3306 50000 ssh mysql")"
  fi
}

# ---------------------------------------------------------------- local_ips

@test "local_ips shows lo marked as loopback with 127.0.0.1 and ::1" {
  run -0 timeout "$T" "$L/local_ips"
  output=$(block_of lo)
  assert_line "lo (up, loopback)"
  assert_line "  IPv4 127.0.0.1/8"
  assert_line "  IPv6 ::1/128"
}

@test "local_ips marks only loopback interfaces as loopback, every address with a prefix" {
  run -0 timeout "$T" "$L/local_ips"
  # Headers are "NAME (up|down[, loopback])", addresses "  IPv4|IPv6 ADDRESS/PREFIX".
  local line
  while IFS= read -r line; do
    [[ $line =~ ^[^\ ]+\ \((up|down)(,\ loopback)?\)$ ]] ||
      [[ $line =~ ^\ \ IPv4\ [0-9.]+/[0-9]+$ ]] ||
      [[ $line =~ ^\ \ IPv6\ [0-9a-f:]+(%[^/]+)?/[0-9]+$ ]] ||
      [[ $line == "  no IP address" ]] ||
      { echo "unexpected line: $line" >&2; return 1; }
  done <<<"$output"
  assert_equal 1 "$(grep -c 'loopback)$' <<<"$output")" "loopback interfaces"
}

@test "local_ips -h prints its usage" {
  run -0 --separate-stderr timeout "$T" "$L/local_ips" -h
  assert_equal "Usage: local_ips" "${lines[0]}"
  assert_equal "" "$stderr" "stderr"
}

@test "local_ips rejects an operand and an unknown option" {
  run --separate-stderr timeout "$T" "$L/local_ips" abc
  assert_usage_error local_ips
  assert_equal "local_ips: too many operands (try 'local_ips -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/local_ips" -x
  assert_usage_error local_ips
  assert_equal "local_ips: unknown option '-x' (try 'local_ips -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/local_ips" -1
  assert_usage_error local_ips
  assert_equal "local_ips: unknown option '-1' (try 'local_ips -h')" "$stderr"
}

# ---------------------------------------------------------------- resolve

@test "resolve with no operand prints this machine's name and its addresses" {
  local name
  name=$(hostname)
  # Only a name in /etc/hosts: anything else would send the test to DNS.
  [[ -n $(hosts_addresses "$name") ]] || skip "$name is not in /etc/hosts"
  run -0 timeout "$T" "$L/resolve"
  assert_equal "host name: $name" "${lines[0]}"
  local expected
  expected=$(hosts_addresses "$name" | while IFS= read -r address; do
    if [[ $address == *:* ]]; then echo "$name -> $address (IPv6)"; else echo "$name -> $address (IPv4)"; fi
  done | sort)
  assert_equal "$expected" "$(printf '%s\n' "${lines[@]:1}" | sort)" "addresses"
}

@test "resolve localhost prints each of its addresses once" {
  run -0 timeout "$T" "$L/resolve" localhost
  assert_line "localhost -> 127.0.0.1 (IPv4)"
  # As many lines as /etc/hosts has different addresses for localhost: no repeats.
  assert_equal "$(hosts_addresses localhost | wc -l)" "${#lines[@]}" "number of lines"
  assert_equal "" "$(printf '%s\n' "${lines[@]}" | sort | uniq -d)" "repeated lines"
}

@test "resolve 127.0.0.1 finds its name (reverse lookup)" {
  run -0 timeout "$T" "$L/resolve" 127.0.0.1
  assert_output "127.0.0.1 -> localhost"
}

@test "resolve answers several operands in order" {
  run -0 timeout "$T" "$L/resolve" 127.0.0.1 localhost
  assert_equal "127.0.0.1 -> localhost" "${lines[0]}"
  assert_equal "localhost -> 127.0.0.1 (IPv4)" "${lines[1]}"
}

@test "resolve no..such..host prints the resolver's message and exits 1" {
  run -1 --separate-stderr timeout "$T" "$L/resolve" no..such..host
  assert_equal "" "$output" "stdout"
  assert_equal "resolve: getaddrinfo no..such..host: Name or service not known" "$stderr"
}

@test "resolve goes on after a name that fails, and still exits 1" {
  run -1 --separate-stderr timeout "$T" "$L/resolve" no..such..host localhost
  assert_output "localhost -> 127.0.0.1 (IPv4)"
  assert_equal "resolve: getaddrinfo no..such..host: Name or service not known" "$stderr"
}

@test "resolve rejects numbers that are not addresses: 1.2.3 256.1.1.1 65536 70000" {
  local bad
  for bad in 1.2.3 256.1.1.1 65536 70000; do
    run --separate-stderr timeout "$T" "$L/resolve" "$bad"
    assert_usage_error resolve
    assert_equal "resolve: '$bad' is not an IP address, and a host name cannot end in a number" "$stderr"
  done
}

@test "resolve rejects -1, an unknown option and an empty name" {
  run --separate-stderr timeout "$T" "$L/resolve" -1
  assert_usage_error resolve
  assert_equal "resolve: unknown option '-1' (try 'resolve -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/resolve" localhost -x
  assert_usage_error resolve
  assert_equal "resolve: unknown option '-x' (try 'resolve -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/resolve" ""
  assert_usage_error resolve
  assert_equal "resolve: empty name" "$stderr"
}

@test "resolve -h prints its usage" {
  run -0 timeout "$T" "$L/resolve" -h
  assert_equal "Usage: resolve [NAME|ADDRESS]..." "${lines[0]}"
}

# ---------------------------------------------------------------- ip_convert

@test "ip_convert 192.168.1.2 shows bytes, both byte orders, text and kind" {
  local stored order
  if little_endian; then
    stored=0x0201a8c0 order="little-endian: htonl/ntohl swap the bytes"
  else
    stored=0xc0a80102 order="big-endian: htonl/ntohl change nothing"
  fi
  run -0 timeout "$T" "$L/ip_convert" 192.168.1.2
  assert_output "192.168.1.2
  family:        IPv4 (AF_INET), 4 bytes
  bytes:         c0 a8 01 02 (network byte order: big-endian)
  network order: $stored (s_addr as stored, read as a host integer)
  host order:    0xc0a80102 = 3232235778 (ntohl(s_addr): the address as a number)
  byte order:    this machine is $order
  inet_ntop:     192.168.1.2
  kind:          private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16): not routed on the internet
  if /24:        host .2 of 192.168.1.0/24; .0 is the network, .1 usually the gateway, .255 the broadcast"
}

@test "ip_convert ::1 shows 16 bytes and says loopback" {
  run -0 timeout "$T" "$L/ip_convert" ::1
  assert_output "::1
  family:        IPv6 (AF_INET6), 16 bytes
  bytes:         00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01
  byte order:    16 bytes, always in network order; there is no htonl for them
  inet_ntop:     ::1
  kind:          loopback (::1): this machine itself, never leaves it"
}

@test "ip_convert names the kinds of IPv4 address" {
  run -0 timeout "$T" "$L/ip_convert" 127.0.0.1 0.0.0.0 255.255.255.255 10.1.2.3 \
    169.254.1.1 224.0.0.1 8.8.8.8
  assert_line "  kind:          loopback (127.0.0.0/8): this machine itself, never leaves it"
  assert_line "  kind:          unspecified (0.0.0.0): as a bind address it means every interface"
  assert_line "  kind:          limited broadcast (255.255.255.255): every host on the local network"
  assert_line "  kind:          private (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16): not routed on the internet"
  assert_line "  kind:          link-local (169.254.0.0/16): self-assigned when no DHCP server answered"
  assert_line "  kind:          multicast (224.0.0.0/4): one sender, a group of receivers"
  assert_line "  kind:          public: routed on the internet"
  assert_line "  bytes:         7f 00 00 01 (network byte order: big-endian)"
  assert_line "  host order:    0x7f000001 = 2130706433 (ntohl(s_addr): the address as a number)"
  # The /24 reading is for ordinary unicast only: 10.1.2.3 and 8.8.8.8 get it, 127.0.0.1,
  # 0.0.0.0, 255.255.255.255 and 224.0.0.1 do not (169.254.1.1 does).
  assert_equal 3 "$(grep -c '^  if /24:' <<<"$output")" "if /24 lines"
}

@test "ip_convert explains network, gateway and broadcast of a /24" {
  run -0 timeout "$T" "$L/ip_convert" 192.168.1.0 192.168.1.1 192.168.1.255
  assert_line "  if /24:        the network address of 192.168.1.0/24 (names the network, not a host)"
  assert_line "  if /24:        host .1 of 192.168.1.0/24, by custom the gateway (router)"
  assert_line "  if /24:        the broadcast address of 192.168.1.0/24 (reaches every host on it)"
}

@test "ip_convert names the kinds of IPv6 address" {
  run -0 timeout "$T" "$L/ip_convert" :: 2001:db8::1 fe80::1 fd00::2 ff02::1 ::ffff:127.0.0.1
  assert_line "  kind:          unspecified (::): as a bind address it means every interface"
  assert_line "  kind:          link-local (fe80::/10): valid on one link only, needs %interface to use"
  assert_line "  kind:          unique local (fc00::/7): IPv6's private addresses, not routed on the internet"
  assert_line "  kind:          multicast (ff00::/8): one sender, a group of receivers"
  assert_line "  kind:          IPv4-mapped (::ffff:0:0/96): the IPv4 address 127.0.0.1, loopback (127.0.0.0/8): this machine itself, never leaves it"
  assert_line "  kind:          documentation (2001:db8::/32): for examples"
  assert_line "  bytes:         00 00 00 00 00 00 00 00 00 00 ff ff 7f 00 00 01"
}

@test "ip_convert turns the bytes back into the shortest text (inet_ntop)" {
  run -0 timeout "$T" "$L/ip_convert" FE80:0:0:0:0:0:0:1
  assert_equal "FE80:0:0:0:0:0:0:1" "${lines[0]}"
  assert_line "  inet_ntop:     fe80::1"
}

@test "ip_convert rejects what is not an address: 256.1.1.1 1.2.3 abc -1 65536 70000" {
  local bad
  for bad in 256.1.1.1 1.2.3 abc -1 65536 70000 no..such..host ""; do
    run --separate-stderr timeout "$T" "$L/ip_convert" "$bad"
    assert_usage_error ip_convert
    assert_equal "ip_convert: '$bad' is not an IPv4 or IPv6 address" "$stderr"
  done
}

@test "ip_convert prints nothing when one of several addresses is bad" {
  run --separate-stderr timeout "$T" "$L/ip_convert" 127.0.0.1 1.2.3 ::1
  assert_usage_error ip_convert
  assert_equal "ip_convert: '1.2.3' is not an IPv4 or IPv6 address" "$stderr"
}

@test "ip_convert without an address, or with an unknown option, is a usage error" {
  run --separate-stderr timeout "$T" "$L/ip_convert"
  assert_usage_error ip_convert
  assert_equal "ip_convert: missing operand: ADDRESS... (try 'ip_convert -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/ip_convert" ::1 -x
  assert_usage_error ip_convert
  assert_equal "ip_convert: unknown option '-x' (try 'ip_convert -h')" "$stderr"
}

@test "ip_convert -h prints its usage, also after an address" {
  run -0 timeout "$T" "$L/ip_convert" -h
  assert_equal "Usage: ip_convert ADDRESS..." "${lines[0]}"
  run -0 timeout "$T" "$L/ip_convert" ::1 -h
  assert_equal "Usage: ip_convert ADDRESS..." "${lines[0]}"
}

# ---------------------------------------------------------------- ports

@test "ports puts a number in its class: well-known, registered, dynamic" {
  run -0 timeout "$T" "$L/ports" 0 1023 1024 49151 49152 65535
  assert_line "  port 0 is never used on the wire: bind() to port 0 asks the OS to pick one"
  # class_of N: what the line "port N: CLASS; tcp ...; udp ..." says between ": " and "; tcp".
  class_of() {
    local line
    line=$(grep "^port $1: " <<<"$output")
    line=${line#"port $1: "}
    printf '%s\n' "${line%; tcp *}"
  }
  local registered="registered (1024-49151; dynamic in the notes' two-way split)"
  assert_equal "well-known (0-1023)" "$(class_of 0)" "class of 0"
  assert_equal "well-known (0-1023)" "$(class_of 1023)" "class of 1023"
  assert_equal "$registered" "$(class_of 1024)" "class of 1024"
  assert_equal "$registered" "$(class_of 49151)" "class of 49151"
  assert_equal "dynamic/private (49152-65535)" "$(class_of 49152)" "class of 49152"
  assert_equal "dynamic/private (49152-65535)" "$(class_of 65535)" "class of 65535"
}

@test "ports names the services of the notes' well-known ports" {
  grep -qE '^ssh[[:space:]]+22/tcp' /etc/services || skip "no ssh 22/tcp in /etc/services"
  run -0 timeout "$T" "$L/ports" 21 22 25 80 3306
  assert_line "port 21: well-known (0-1023); tcp ftp; udp fsp"
  assert_line "port 22: well-known (0-1023); tcp ssh; udp none"
  assert_line "port 25: well-known (0-1023); tcp smtp; udp none"
  assert_line "port 80: well-known (0-1023); tcp http; udp none"
  assert_line "port 3306: registered (1024-49151; dynamic in the notes' two-way split); tcp mysql; udp none"
}

@test "ports finds the port of a service name" {
  grep -qE '^ssh[[:space:]]+22/tcp' /etc/services || skip "no ssh 22/tcp in /etc/services"
  run -0 timeout "$T" "$L/ports" ssh domain www
  assert_output "service ssh: port 22 (tcp)
service domain: port 53 (tcp, udp)
service www: port 80 (tcp), official name http"
}

@test "ports mysql gives 3306" {
  grep -qE '^mysql[[:space:]]+3306/tcp' /etc/services || skip "no mysql in /etc/services"
  run -0 timeout "$T" "$L/ports" mysql
  assert_output "service mysql: port 3306 (tcp)"
}

@test "ports -e 3 prints three different ports from the OS's dynamic range" {
  run -0 timeout "$T" "$L/ports" -e 3
  assert_equal "binding 3 TCP sockets to port 0, the OS chose:" "${lines[0]}"
  assert_equal "closed: the ports are free again" "${lines[-1]}"
  local chosen
  chosen=$(grep -oE '^  port [0-9]+$' <<<"$output" | grep -oE '[0-9]+')
  assert_equal 3 "$(wc -l <<<"$chosen")" "ports printed"
  assert_equal 3 "$(sort -u <<<"$chosen" | wc -l)" "different ports"
  # The range: the one the program reports, which must be Linux's own when it has one.
  local range_file=/proc/sys/net/ipv4/ip_local_port_range first last port
  if [[ -r $range_file ]]; then
    read -r first last <"$range_file"
    assert_line "ephemeral range ($range_file): $first-$last"
  else
    first=1024 last=65535
    ! grep -q '^ephemeral range' <<<"$output" || { echo "a range without $range_file" >&2; return 1; }
  fi
  for port in $chosen; do
    ((port >= first && port <= last)) || { echo "port $port not in $first-$last" >&2; return 1; }
  done
}

@test "ports -e alone binds 3 sockets, -e 1 one" {
  run -0 timeout "$T" "$L/ports" -e
  assert_equal 3 "$(grep -cE '^  port [0-9]+$' <<<"$output")" "ports printed"
  run -0 timeout "$T" "$L/ports" 1 -e
  assert_equal "binding 1 TCP socket to port 0, the OS chose:" "${lines[0]}"
  assert_equal 1 "$(grep -cE '^  port [0-9]+$' <<<"$output")" "ports printed"
}

@test "ports -e rejects a count of 0, 101 or abc, and a second count" {
  local bad
  for bad in 0 101 abc -1; do
    run --separate-stderr timeout "$T" "$L/ports" -e "$bad"
    assert_usage_error ports
    assert_equal "ports: bad count '$bad': expected a number from 1 to 100" "$stderr"
  done
  run --separate-stderr timeout "$T" "$L/ports" -e 1 2
  assert_usage_error ports
  assert_equal "ports: too many operands: -e takes one count (try 'ports -h')" "$stderr"
}

@test "ports rejects -1 65536 70000 80x 256.1.1.1 1.2.3 as port numbers" {
  local bad
  for bad in -1 65536 70000 80x 256.1.1.1 1.2.3; do
    run --separate-stderr timeout "$T" "$L/ports" 22 "$bad"
    assert_usage_error ports
    assert_equal "ports: bad port '$bad': expected a number from 0 to 65535" "$stderr"
  done
}

@test "ports abc is an unknown service: exit 1" {
  run -1 --separate-stderr timeout "$T" "$L/ports" abc
  assert_equal "" "$output" "stdout"
  assert_equal "ports: getservbyname abc: unknown service (not in the services database, /etc/services)" "$stderr"
}

@test "ports without an operand, or with an unknown option, is a usage error" {
  run --separate-stderr timeout "$T" "$L/ports"
  assert_usage_error ports
  assert_equal "ports: missing operand: PORT or SERVICE (try 'ports -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/ports" -x
  assert_usage_error ports
  assert_equal "ports: unknown option '-x' (try 'ports -h')" "$stderr"
}

@test "ports -h prints its usage" {
  run -0 timeout "$T" "$L/ports" -h
  assert_equal "Usage: ports [PORT|SERVICE]... | ports -e [N]" "${lines[0]}"
}

# ---------------------------------------------------------------- port_check

@test "port_check says open for a port a listener holds on 127.0.0.1" {
  start_listener
  run -0 --separate-stderr timeout "$T" "$L/port_check" 127.0.0.1 "$SERVER_PORT"
  assert_output "127.0.0.1 port $SERVER_PORT: open"
  assert_equal "" "$stderr" "stderr"
}

@test "port_check says open over IPv6 ::1" {
  start_listener
  run -0 timeout "$T" "$L/port_check" ::1 "$SERVER_PORT"
  assert_output "::1 port $SERVER_PORT: open"
}

@test "port_check says open for localhost" {
  start_listener
  run -0 timeout "$T" "$L/port_check" localhost "$SERVER_PORT"
  # /etc/hosts here maps localhost to 127.0.0.1 only.
  assert_output "127.0.0.1 port $SERVER_PORT: open"
}

@test "port_check says refused for a port nobody listens on, and exits 1" {
  closed_port
  run -1 timeout "$T" "$L/port_check" 127.0.0.1 "$CLOSED_PORT"
  assert_output "127.0.0.1 port $CLOSED_PORT: refused (Connection refused)"
  run -1 timeout "$T" "$L/port_check" ::1 "$CLOSED_PORT"
  assert_output "::1 port $CLOSED_PORT: refused (Connection refused)"
}

@test "port_check says unknown host for no..such..host" {
  run -1 --separate-stderr timeout "$T" "$L/port_check" no..such..host 80
  assert_output "no..such..host port 80: unknown host (Name or service not known)"
  assert_equal "" "$stderr" "stderr"
}

@test "port_check takes -t before or after the operands, fractions too" {
  start_listener
  run -0 timeout "$T" "$L/port_check" -t 5 127.0.0.1 "$SERVER_PORT"
  assert_output "127.0.0.1 port $SERVER_PORT: open"
  run -0 timeout "$T" "$L/port_check" 127.0.0.1 "$SERVER_PORT" -t 0.5
  assert_output "127.0.0.1 port $SERVER_PORT: open"
}

@test "port_check rejects a timeout of 0, -1 or abc" {
  local bad
  for bad in 0 -1 abc 1x; do
    run --separate-stderr timeout "$T" "$L/port_check" 127.0.0.1 80 -t "$bad"
    assert_usage_error port_check
    assert_equal "port_check: bad timeout '$bad': expected seconds, more than 0 and at most 3600" "$stderr"
  done
  run --separate-stderr timeout "$T" "$L/port_check" 127.0.0.1 80 -t
  assert_usage_error port_check
  assert_equal "port_check: option '-t' needs SECONDS (try 'port_check -h')" "$stderr"
}

@test "port_check rejects ports abc -1 65536 70000" {
  local bad
  for bad in abc -1 65536 70000 80x; do
    run --separate-stderr timeout "$T" "$L/port_check" 127.0.0.1 "$bad"
    assert_usage_error port_check
    assert_equal "port_check: bad port '$bad': expected a number from 0 to 65535" "$stderr"
  done
}

@test "port_check rejects hosts 256.1.1.1 1.2.3 70000 without asking the resolver" {
  local bad
  for bad in 256.1.1.1 1.2.3 70000; do
    run --separate-stderr timeout "$T" "$L/port_check" "$bad" 80
    assert_usage_error port_check
    assert_equal "port_check: bad host '$bad': not an IP address, and a host name cannot end in a number" "$stderr"
  done
  run --separate-stderr timeout "$T" "$L/port_check" "" 80
  assert_usage_error port_check
  assert_equal "port_check: empty host (try 'port_check -h')" "$stderr"
}

@test "port_check with a missing or extra operand is a usage error" {
  run --separate-stderr timeout "$T" "$L/port_check" 127.0.0.1
  assert_usage_error port_check
  assert_equal "port_check: missing operand: HOST PORT (try 'port_check -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/port_check" 127.0.0.1 80 90
  assert_usage_error port_check
  assert_equal "port_check: too many operands (try 'port_check -h')" "$stderr"
  run --separate-stderr timeout "$T" "$L/port_check" -x 127.0.0.1 80
  assert_usage_error port_check
  assert_equal "port_check: unknown option '-x' (try 'port_check -h')" "$stderr"
}

@test "port_check -h prints its usage" {
  run -0 timeout "$T" "$L/port_check" -h
  assert_equal "Usage: port_check HOST PORT [-t SECONDS]" "${lines[0]}"
}
