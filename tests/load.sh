#!/bin/bash
# load.sh — 200 hostile or slow connections and 20 legitimate sessions at
# once, on loopback: every legitimate session completes, the server's memory
# stays bounded (its peak is reported), no descriptor leaks, and it answers
# afterwards. Prints TAP. Usage: tests/load.sh path/to/entente
set -u
E=$(realpath "$1")
T=$(mktemp -d /tmp/entente-load-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
n=0; failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed+1)); fi; }
A="$T/a" B="$T/b"
# under AddressSanitizer, a small quarantine: the peak should be the server's
export ASAN_OPTIONS="quarantine_size_mb=8${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
"$E" --home "$A" init --name ministry.example >/dev/null 2>&1
"$E" --home "$B" init --name cert.example >/dev/null 2>&1
"$E" --home "$A" import --tlp green tests/data/grizzly-steppe/JAR-16-20296A.csv >/dev/null
"$E" --home "$B" import --tlp green tests/data/zeek-intel/gru-aa25.intel >/dev/null
if [ "$(id -u)" = 0 ]; then chmod 711 "$T"; chown -R nobody: "$B"; fi
"$E" --home "$B" serve --listen 127.0.0.1:0 --max-sessions 24 --handshake-timeout 5 --timeout 10 2>"$T/b.log" &
SPID=$!; pids+=($SPID)
for _ in $(seq 100); do
	PORT=$(sed -n 's/.*serving on port \([0-9]*\).*/\1/p' "$T/b.log"); [ -n "$PORT" ] && break; sleep 0.05
done
"$E" --home "$A" peer add cert.example "$("$E" --home "$B" id)" "127.0.0.1:$PORT" >/dev/null
"$E" --home "$B" peer add ministry.example "$("$E" --home "$A" id)" "127.0.0.1:1" >/dev/null
"$E" --home "$B" peer policy ministry.example min-interval=0 daily-budget=10000000 >/dev/null
"$E" --home "$A" match cert.example --count >/dev/null 2>&1
fds() { ls "/proc/$SPID/fd" | wc -l; }
fd0=$(fds)

# 200 hostile connections at once, for 15 seconds: silent ones, ones that
# trickle garbage a byte a second, ones that send a TLS-looking start and
# stall; each reconnects when cut off (at most 3,000 connections in all)
python3 - "$PORT" >"$T/hostile.out" 2>&1 <<'PY' &
import socket, sys, time, random, select
port, deadline, made = int(sys.argv[1]), time.time() + 15, 0
rng = random.Random(1)
def connect(i):
    global made
    made += 1
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    return [s, i % 3, 0.0]
conns = [connect(i) for i in range(200)]
while time.time() < deadline:
    for c in conns:
        s, kind, last = c
        try:
            if kind == 1 and time.time() - last >= 1:
                s.send(bytes([rng.randrange(256)])); c[2] = time.time()
            elif kind == 2 and last == 0:
                s.send(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"); c[2] = 1
        except (BlockingIOError, OSError):
            pass
    r, _, _ = select.select([c[0] for c in conns], [], [], 0.2)
    for s in r:
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data and made < 3000:   # cut off: come back
            i = [c[0] for c in conns].index(s)
            s.close(); conns[i] = connect(i)
print(made)
PY
HPID=$!; pids+=($HPID)
sleep 2
# 20 legitimate sessions at once, while the 200 are there
legit=()
for i in $(seq 20); do
	( "$E" --home "$A" match cert.example --count >"$T/m$i" 2>&1; echo $? >"$T/rc$i" ) & legit+=($!)
done
wait "${legit[@]}"
ok "$([ "$(cat "$T"/rc* | sort -u)" = 0 ]; echo $?)" "all 20 legitimate sessions complete under 200 hostile connections ($(grep -c . <(cat "$T"/rc* | grep -vx 0)) failed)"
for i in $(seq 20); do
	[ "$(cat "$T/rc$i")" = 0 ] || echo "# session $i: $(tr '\n' ' ' <"$T/m$i" | head -c 300)"
done
wait $HPID
made=$(tail -1 "$T/hostile.out")
echo "# the hostile side made $made connections"
peak=$(awk '/^VmHWM/ { print $2 }' "/proc/$SPID/status")
threads=$(awk '/^Threads/ { print $2 }' "/proc/$SPID/status")
echo "# the server's peak resident memory: $((peak / 1024)) MiB"
ok "$([ "$peak" -lt 262144 ]; echo $?)" "the server's memory stays bounded: peak $((peak / 1024)) MiB (< 256 MiB)"
# the hostile connections are gone after the handshake timeout
sleep 6
fd1=$(fds)
ok "$([ "$fd1" -le "$fd0" ]; echo $?)" "no descriptor leaks: $fd0 open before, $fd1 after"
"$E" --home "$A" match cert.example --count >/dev/null 2>&1
ok $? "the server answers afterwards"
grep -q 'outcome=rejected' "$T/b.log"
ok $? "the hostile connections were refused with log lines ($(grep -c 'outcome=rejected' "$T/b.log"))"
echo "1..$n"
[ "$failed" = 0 ]
