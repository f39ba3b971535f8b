#!/bin/bash
# peer.sh — two (and three) nodes on loopback: private matches under
# policy, mutual matches, withdrawal, and a hostile network. Prints TAP.
# Usage: tests/peer.sh path/to/entente path/to/hostile
set -u
E=$(realpath "$1"); HOSTILE=$(realpath "$2")
T=$(mktemp -d /tmp/entente-peer-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
n=0; failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed+1)); fi; }
GRIZZLY=tests/data/grizzly-steppe/JAR-16-20296A.csv
A="$T/a" B="$T/b" C="$T/c"

# serve HOME LOG: starts a server on a free port; sets PORT and adds the pid
serve() {
	# as root (CI): the server gives root up, to the home's owner
	if [ "$(id -u)" = 0 ]; then chmod 711 "$(dirname "$1")"; chown -R nobody: "$1"; fi
	"$E" --home "$1" serve --listen 127.0.0.1:0 --handshake-timeout 2 --timeout 3 2>"$2" &
	pids+=($!)
	PORT=
	for _ in $(seq 100); do
		PORT=$(sed -n 's/.*serving on port \([0-9]*\).*/\1/p' "$2")
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	echo "# server did not start: $(cat "$2")"
	return 1
}
# has LOG TEXT: the log gets TEXT within 5 s
has() { for _ in $(seq 100); do grep -qF -- "$2" "$1" && return 0; sleep 0.05; done; return 1; }

"$E" --home "$A" init --name ministry.example >/dev/null 2>&1
"$E" --home "$B" init --name cert.example >/dev/null 2>&1
"$E" --home "$C" init --name rogue.example >/dev/null 2>&1
VA=$("$E" --home "$A" id) VB=$("$E" --home "$B" id) VC=$("$E" --home "$C" id)

# A: GRIZZLY STEPPE, plus one red and one revoked indicator.
"$E" --home "$A" import "$GRIZZLY" >/dev/null
"$E" --home "$A" add secret.example.com --tlp red >/dev/null
"$E" --home "$A" add gone.example.com --tlp clear >/dev/null
"$E" --home "$A" revoke gone.example.com >/dev/null
# B: seven of GRIZZLY's, the two A must never share, and its own; 8.8.4.4
# is on the public-dns-v4 warninglist: on hold, so never sent.
"$E" --home "$B" add --tlp green 167.114.35.70 185.12.46.178 46.102.152.132 \
    ritsoperrol.ru www.cderlearn.com 8f154d23ac2071d7f179959aaba37ad5 \
    efax.pfdregistry.net/eFax/37486.ZIP secret.example.com gone.example.com \
    8.8.4.4 election-office.example.org >/dev/null

serve "$B" "$T/b.log"; PB=$PORT
serve "$A" "$T/a.log"; PA=$PORT
serve "$C" "$T/c.log"; PC=$PORT
# A reaches B through a recording proxy (for the replay test below)
python3 - "$PB" "$T/proxy.port" "$T/recording" <<'PY' &
import socket, sys, threading
up, portfile, rec = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(8)
open(portfile, "w").write(str(ls.getsockname()[1]))
first = [True]
def pipe(a, b, f):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            if f: f.write(d); f.flush()
            b.sendall(d)
    except OSError: pass
    finally:
        try: b.shutdown(socket.SHUT_WR)
        except OSError: pass
while True:
    c, _ = ls.accept()
    s = socket.create_connection(("127.0.0.1", up))
    f = open(rec, "wb") if first[0] else None
    first[0] = False
    threading.Thread(target=pipe, args=(c, s, f), daemon=True).start()
    threading.Thread(target=pipe, args=(s, c, None), daemon=True).start()
PY
pids+=($!)
for _ in $(seq 100); do [ -s "$T/proxy.port" ] && break; sleep 0.05; done
PP=$(cat "$T/proxy.port")

"$E" --home "$A" peer add cert.example "$VB" "127.0.0.1:$PP" >/dev/null
"$E" --home "$B" peer add ministry.example "$VA" "127.0.0.1:$PA" >/dev/null
"$E" --home "$C" peer add cert.example "$VB" "127.0.0.1:$PB" >/dev/null
"$E" --home "$A" peer policy cert.example min-interval=0 >/dev/null
"$E" --home "$B" peer policy ministry.example min-interval=0 >/dev/null

# --- matching -----------------------------------------------------------
"$E" --home "$A" match cert.example --json >"$T/m1" 2>"$T/e1"; rc=$?
python3 - "$T/m1" >"$T/m1.txt" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
print(o["peer"], o["mode"], o["sent"], o["peer_set"])
for m in sorted((m["type"], m["value"]) for m in o["matches"]): print(*m)
PY
cat >"$T/m1.want" <<'W'
cert.example intersect 892 10
domain ritsoperrol.ru
domain www.cderlearn.com
ipv4 167.114.35.70
ipv4 185.12.46.178
ipv4 46.102.152.132
md5 8f154d23ac2071d7f179959aaba37ad5
url http://efax.pfdregistry.net/eFax/37486.ZIP
W
ok "$([ $rc = 0 ] && diff -u "$T/m1.want" "$T/m1.txt" >&2; echo $?)" "intersect: exactly the seven shared indicators (red and revoked never sent)"
"$E" --home "$A" match cert.example --count --json >"$T/m2" 2>&1; rc=$?
ok "$([ $rc = 0 ] && grep -q '"count":7' "$T/m2"; echo $?)" "count mode: 7"
ok "$("$E" --home "$A" matches --peer cert.example | grep -c . | grep -qx 7; echo $?)" "seven corroborations recorded"
"$E" --home "$B" match ministry.example --json >"$T/m3" 2>&1; rc=$?
ok "$([ $rc = 0 ] && grep -q '"peer_set":892' "$T/m3" && ! grep -q 'secret\|gone' "$T/m3" && python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); sys.exit(len(o["matches"])!=7)' "$T/m3"; echo $?)" "from B: A offers its 892 (not the red, not the revoked); 7 match; never secret or gone"
"$E" --home "$A" match cert.example --mutual >"$T/m4" 2>&1; rc=$?
ok "$([ $rc = 0 ] && grep -q 'ran its query back' "$T/m4" && has "$T/b.log" "role=initiator outcome=completed mode=intersect ours=10 theirs=892 matches=7"; echo $?)" "--mutual: B queries A back in the same session"

# --- who may connect ----------------------------------------------------
"$E" --home "$C" match cert.example >"$T/o" 2>"$T/e"; rc=$?
ok "$([ $rc = 1 ] && grep -q "not pinned" "$T/e" && has "$T/b.log" 'outcome=rejected reason="unknown key"'; echo $?)" "a node with an unknown key is refused"
"$E" --home "$A" peer add mitm.example "$VB" "127.0.0.1:$PC" >/dev/null 2>&1
"$E" --home "$A" peer remove cert.example >/dev/null
"$E" --home "$A" peer add cert.example "$VB" "127.0.0.1:$PC" >/dev/null
"$E" --home "$A" match cert.example >"$T/o" 2>"$T/e"; rc=$?
ok "$([ $rc = 2 ] && grep -q "not the one pinned" "$T/e"; echo $?)" "a node presenting another key for a pinned name is refused"
"$E" --home "$A" peer remove cert.example >/dev/null
"$E" --home "$A" peer add cert.example "$VB" "127.0.0.1:$PB" >/dev/null

# --- policy ---------------------------------------------------------------
"$E" --home "$B" peer policy ministry.example max-set=100 >/dev/null
"$E" --home "$A" match cert.example >"$T/o" 2>"$T/e"; rc=$?
ok "$([ $rc = 1 ] && grep -q "over max-set 100" "$T/e" && has "$T/b.log" "outcome=refused mode=intersect theirs=892"; echo $?)" "a set over max-set is refused, with the reason on both sides"
"$E" --home "$B" peer policy ministry.example max-set=10000 modes=count >/dev/null
"$E" --home "$A" match cert.example >"$T/o" 2>"$T/e"; rc=$?
ok "$([ $rc = 1 ] && grep -q "intersect mode is not allowed" "$T/e"; echo $?)" "a mode the policy does not allow is refused"
"$E" --home "$B" peer policy ministry.example modes=intersect,count min-interval=3600 >/dev/null
"$E" --home "$A" match cert.example >"$T/o" 2>"$T/e"; rc=$?
ok "$([ $rc = 1 ] && grep -q "min-interval is 3600" "$T/e"; echo $?)" "the minimum interval holds"
"$E" --home "$B" peer policy ministry.example min-interval=0 daily-budget=1000 >/dev/null
"$E" --home "$A" match cert.example >/dev/null 2>&1 # 892 of 1000: fine... or already spent today
"$E" --home "$A" match cert.example >"$T/o" 2>"$T/e"; rc=$?
ok "$([ $rc = 1 ] && grep -q "daily-budget 1000" "$T/e"; echo $?)" "an exhausted daily budget is refused"
kill -TERM "${pids[0]}"; wait "${pids[0]}" 2>/dev/null; rc=$?
ok "$([ $rc = 0 ] && grep -q "stopped" "$T/b.log"; echo $?)" "SIGTERM stops the server cleanly"
serve "$B" "$T/b2.log"; PB=$PORT; BPID=${pids[-1]}
"$E" --home "$A" peer remove cert.example >/dev/null; "$E" --home "$A" peer add cert.example "$VB" "127.0.0.1:$PB" >/dev/null
"$E" --home "$A" match cert.example >"$T/o" 2>"$T/e"; rc=$?
ok "$([ $rc = 1 ] && grep -q "daily-budget 1000" "$T/e"; echo $?)" "the budget stays spent after a restart"
"$E" --home "$B" peer policy ministry.example daily-budget=1000000 >/dev/null
legit() { "$E" --home "$A" match cert.example --count >/dev/null 2>&1; }

# --- a hostile network ------------------------------------------------------
exec 3<>"/dev/tcp/127.0.0.1/$PB"; printf 'GET / HTTP/1.0\r\n\r\n' >&3; timeout 5 cat <&3 >/dev/null 2>&1; exec 3<&-
ok "$(has "$T/b2.log" "outcome=rejected reason=\"TLS handshake failed"; legit; echo $?)" "garbage instead of TLS is refused; a legitimate session follows"
timeout 10 openssl s_client -connect "127.0.0.1:$PB" -tls1_2 </dev/null >"$T/o" 2>&1; rc=$?
ok "$([ $rc != 0 ] && grep -q 'alert protocol version' "$T/o" && has "$T/b2.log" "unsupported protocol" && legit; echo $?)" "TLS 1.2 is refused; a legitimate session follows"
for sc in oversize unknown-type bad-version truncated identity too-many early-end; do
	out=$("$HOSTILE" "$A" "127.0.0.1:$PB" "$sc" 2>&1); rc=$?
	ok "$([ $rc = 0 ] && legit; echo $?)" "hostile peer ($sc) is cut off: $out; a legitimate session follows"
done
has "$T/b2.log" "over its cap"; ok $? "the log names the oversized frame"
has "$T/b2.log" "unknown frame type 99"; ok $? "the log names the unknown frame type"
has "$T/b2.log" "not a valid ristretto255 point"; ok $? "the log names the invalid point"
has "$T/b2.log" "more elements than the 1 announced"; ok $? "the log names the extra elements"
( exec 3<>"/dev/tcp/127.0.0.1/$PB"; for i in 1 2 3 4 5; do printf '\x16' >&3 2>/dev/null || break; sleep 1; done ) &
slow=$!
has "$T/b2.log" "not done within 2000 ms"; r=$?; wait $slow 2>/dev/null
ok "$([ $r = 0 ] && legit; echo $?)" "a client sending a byte a second is timed out; a legitimate session follows"
exec 3<>"/dev/tcp/127.0.0.1/$PB"; cat "$T/recording" >&3; timeout 5 cat <&3 >/dev/null 2>&1; exec 3<&-
ok "$([ -s "$T/recording" ] && legit; echo $?)" "a replayed recording of an earlier session is refused; a legitimate session follows"
ok "$(grep -c 'outcome=rejected' "$T/b2.log" | awk '{exit !($1 >= 3)}'; echo $?)" "each refusal has a log line"

# --- the joint record -----------------------------------------------------
ok "$("$E" --home "$A" log verify >/dev/null && "$E" --home "$B" log verify >/dev/null; echo $?)" "both logs verify"
ok "$("$E" --home "$A" log peers | grep -q '^cert.example *consistent *ours cosigned at [1-9]'; echo $?)" "A's checkpoints are cosigned by B"
ok "$("$E" --home "$B" log peers | grep -q '^ministry.example *consistent *ours cosigned at [1-9]'; echo $?)" "B's checkpoints are cosigned by A"
ta=$("$E" --home "$A" log show --json | grep '"role":"initiator"' | tail -1 | sed 's/.*"transcript":"\([0-9a-f]*\)".*/\1/')
tb=$("$E" --home "$B" log show --json | grep '"role":"responder"' | grep '"kind":"session-completed"' | tail -1 | sed 's/.*"transcript":"\([0-9a-f]*\)".*/\1/')
ok "$([ ${#ta} = 64 ] && [ "$ta" = "$tb" ]; echo $?)" "both sides record the same transcript hash of the session"
ok "$("$E" --home "$B" log show | grep -q 'kind=session-opened .* role=responder mode=intersect theirs=892'; echo $?)" "every request is on the responder's record before it is decided"
ok "$("$E" --home "$B" log show | grep -q 'kind=session-refused .*reason=policy: a set of 892 is over max-set 100' && "$E" --home "$B" log show | grep -q 'kind=session-aborted .*by=us reason=element 0 of a chunk'; echo $?)" "refusals and aborts are recorded with who and why"
"$E" --home "$A" log prove 1 >"$T/proof"
ok "$("$E" log verify-proof "$T/proof" --key "$VA" --key "$VB" >/dev/null; echo $?)" "an inclusion proof verifies offline with A's key and B's cosignature"
"$E" log verify-proof "$T/proof" --key "$VA" --key "$VC" >/dev/null 2>&1; r=$?
ok "$([ $r = 1 ]; echo $?)" "... and not with a key that never cosigned it"
sed -i 's/^index 1$/index 0/' "$T/proof"
"$E" log verify-proof "$T/proof" --key "$VA" >/dev/null 2>&1; r=$?
ok "$([ $r = 1 ]; echo $?)" "a proof edited to claim another index fails"
# concurrent sessions between the same two nodes are not a fork
conc=()
for i in 1 2 3 4 5 6; do ( "$E" --home "$A" match cert.example --count >/dev/null 2>&1; echo $? >"$T/conc$i" ) & conc+=($!); done
wait "${conc[@]}"	# not a bare wait: the servers run in the background too
ok "$([ "$(cat "$T"/conc* | sort -u)" = 0 ] && "$E" --home "$A" log peers | grep -q '^cert.example *consistent' && "$E" --home "$B" log peers | grep -q '^ministry.example *consistent'; echo $?)" "six concurrent sessions all complete and both logs stay consistent"
# B rewinds its log: a snapshot from before its last cosigned session
kill -TERM "$BPID"; wait "$BPID" 2>/dev/null
cp -a "$B" "$T/b-old"
serve "$B" "$T/b3.log"; PB=$PORT; BPID=${pids[-1]}
"$E" --home "$A" peer remove cert.example >/dev/null; "$E" --home "$A" peer add cert.example "$VB" "127.0.0.1:$PB" >/dev/null
legit
kill -TERM "$BPID"; wait "$BPID" 2>/dev/null
rm -rf "$B"; mv "$T/b-old" "$B"
serve "$B" "$T/b4.log"; PB=$PORT; BPID=${pids[-1]}
"$E" --home "$A" peer remove cert.example >/dev/null; "$E" --home "$A" peer add cert.example "$VB" "127.0.0.1:$PB" >/dev/null
"$E" --home "$A" match cert.example --count >"$T/o" 2>"$T/e"; rc=$?
ok "$([ $rc = 2 ] && grep -q "does not extend\|went back\|forked" "$T/e"; echo $?)" "a peer that rewinds its log is caught: $(head -c 160 "$T/e")"
ok "$("$E" --home "$A" log peers | grep -q '^cert.example *INCONSISTENT.*evidence kept'; echo $?)" "log peers shows it as inconsistent, with the evidence kept"
ok "$("$E" --home "$A" log show --json | grep -q '"kind":"peer-inconsistent"'; echo $?)" "the inconsistency is on A's record"

# --- withdrawal -------------------------------------------------------------
"$E" --home "$A" withdraw cert.example --reason "the partnership ended" >"$T/o" 2>&1; rc=$?
ok "$([ $rc = 0 ] && grep -q "signed statement" "$T/o"; echo $?)" "withdrawal delivered"
ok "$("$E" --home "$A" peer list | grep -q "withdrawn-by-us"; echo $?)" "A lists cert.example as withdrawn by us"
ok "$("$E" --home "$B" peer list --json | grep -q '"state":"withdrawn-by-them".*"reason":"the partnership ended"'; echo $?)" "B lists ministry.example as withdrawn by them, with the reason"
"$E" --home "$A" match cert.example >/dev/null 2>&1; r1=$?
"$E" --home "$B" match ministry.example >/dev/null 2>&1; r2=$?
ok "$([ $r1 = 1 ] && [ $r2 = 1 ]; echo $?)" "both sides refuse sessions after the withdrawal"
"$E" --home "$A" peer add cert.example "$VB" "127.0.0.1:$PB" >/dev/null 2>&1; r1=$?
"$E" --home "$A" peer add --force cert.example "$VB" "127.0.0.1:$PB" >/dev/null 2>&1; r2=$?
ok "$([ $r1 = 2 ] && [ $r2 = 0 ] && "$E" --home "$A" peer list | grep -q active; echo $?)" "re-adding a withdrawn peer needs --force"

echo "1..$n"
[ "$failed" = 0 ]
