#!/bin/bash
# crash.sh — crash safety: imports, private matches (either end) and the log
# appends they make are killed with SIGKILL at random moments, ROUNDS times
# (default 100). After each kill: both stores open, `log verify` passes,
# everything acknowledged before the kill is there, an import is all or
# nothing, and the responder's policy budget was not reset. Prints TAP.
# Usage: tests/crash.sh path/to/entente [ROUNDS]
set -u
E=$(realpath "$1")
ROUNDS=${2:-100}
T=$(mktemp -d /tmp/entente-crash-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
n=0; failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed+1)); fi; }
A="$T/a" B="$T/b" I="$T/i"
RANDOM=20161229		# the same moments every run

serve() {
	# as root (CI): the server gives root up, to the home's owner
	if [ "$(id -u)" = 0 ]; then chmod 711 "$T"; chown -R nobody: "$B"; fi
	"$E" --home "$B" serve --listen 127.0.0.1:0 --handshake-timeout 2 --timeout 3 2>"$T/b.log" &
	SPID=$!; pids+=($SPID); disown $SPID
	for _ in $(seq 200); do
		PORT=$(sed -n 's/.*serving on port \([0-9]*\).*/\1/p' "$T/b.log")
		[ -n "$PORT" ] && return 0
		sleep 0.02
	done
	return 1
}

"$E" --home "$A" init --name ministry.example >/dev/null 2>&1
"$E" --home "$B" init --name cert.example >/dev/null 2>&1
"$E" --home "$I" init --name importer.example >/dev/null 2>&1
"$E" --home "$A" import --tlp green tests/data/grizzly-steppe/JAR-16-20296A.csv >/dev/null
"$E" --home "$B" import --tlp green tests/data/zeek-intel/tor-exit.intel tests/data/zeek-intel/gru-aa25.intel >/dev/null
serve || { ok 1 "the server starts"; exit 1; }
"$E" --home "$A" peer add cert.example "$("$E" --home "$B" id)" "127.0.0.1:$PORT" >/dev/null
"$E" --home "$B" peer add ministry.example "$("$E" --home "$A" id)" "127.0.0.1:1" >/dev/null
"$E" --home "$B" peer policy ministry.example min-interval=0 daily-budget=100000000 max-set=100000 >/dev/null
python3 -c '
import random
r = random.Random(7)
for i in range(60000):
    print("%d.%d.%d.%d" % (r.randint(1, 223), r.randint(0, 255), r.randint(0, 255), r.randint(1, 254)))' >"$T/big.txt"

used() { sqlite3 "$B/store.db" "PRAGMA busy_timeout=5000; SELECT coalesce(sum(used), 0) FROM budget" | tail -1; }
total() { "$E" --home "$I" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["indicators"])'; }

# healthy HOME WHAT: the store opens and its log verifies
healthy() { "$E" --home "$1" stats >/dev/null 2>&1 && "$E" --home "$1" log verify >/dev/null 2>&1; }

# how long each takes here, to kill at a moment within it
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
"$E" --home "$I" import --tlp green --source big "$T/big.txt" >/dev/null
T_IMPORT=$(ms "$E" --home "$I" import --tlp green --source big "$T/big.txt")
T_MATCH=$(ms "$E" --home "$A" match cert.example)
echo "# an import of the 60,000 takes $T_IMPORT ms here, a match $T_MATCH ms"
before_all=$(total)

bad_store=0 bad_marker=0 bad_atomic=0 bad_budget=0 kills=0 imported=0
for r in $(seq "$ROUNDS"); do
	case $((r % 3)) in
	0) span=$((T_IMPORT * 3 / 4 + 1)) ;;
	*) span=$((T_MATCH * 3 / 4 + 1)) ;;
	esac
	delay=$(printf '%d.%03d' $(((RANDOM % span) / 1000)) $(((RANDOM % span) % 1000)))
	case $((r % 3)) in
	0)	# an import, with its log entry, killed
		"$E" --home "$I" add --tlp green "m$r.example.com" >/dev/null || bad_marker=$((bad_marker+1))
		"$E" --home "$I" import --tlp green --source "r$r" "$T/big.txt" >/dev/null 2>&1 &
		p=$!; sleep "$delay"; kill -9 $p 2>/dev/null && kills=$((kills+1)); wait $p 2>/dev/null
		healthy "$I" || bad_store=$((bad_store+1))
		"$E" --home "$I" check "m$r.example.com" >/dev/null 2>&1 || bad_marker=$((bad_marker+1))
		# all or nothing: a fresh source on all 60,000, or on none
		tagged=$(sqlite3 "$I/store.db" "PRAGMA busy_timeout=5000; SELECT count(*) FROM indicator WHERE sources LIKE '%,' || (SELECT id FROM source WHERE name = 'r$r') || ',%'" | tail -1)
		[ "$tagged" = 0 ] || [ "$tagged" -ge 50000 ] || bad_atomic=$((bad_atomic+1))
		[ "$tagged" = 0 ] || imported=$((imported+1))
		;;
	1)	# the initiator killed mid-session
		u0=$(used)
		"$E" --home "$A" match cert.example >/dev/null 2>&1 &
		p=$!; sleep "$delay"; kill -9 $p 2>/dev/null && kills=$((kills+1)); wait $p 2>/dev/null
		sleep 0.1
		healthy "$A" || bad_store=$((bad_store+1))
		[ "$(used)" -ge "$u0" ] || bad_budget=$((bad_budget+1))
		;;
	2)	# the responder killed mid-session, then restarted
		u0=$(used)
		"$E" --home "$A" match cert.example >/dev/null 2>&1 &
		p=$!; sleep "$delay"; kill -9 $SPID 2>/dev/null && kills=$((kills+1))
		while kill -0 $SPID 2>/dev/null; do sleep 0.01; done
		wait $p 2>/dev/null
		healthy "$B" || bad_store=$((bad_store+1))
		healthy "$A" || bad_store=$((bad_store+1))
		[ "$(used)" -ge "$u0" ] || bad_budget=$((bad_budget+1))
		serve || { bad_store=$((bad_store+1)); break; }
		"$E" --home "$A" peer remove cert.example >/dev/null
		"$E" --home "$A" peer add cert.example "$("$E" --home "$B" id)" "127.0.0.1:$PORT" >/dev/null
		;;
	esac
done
echo "# $kills kills in $ROUNDS rounds; $imported killed imports had committed first; the responder charged $(used) elements to the budget"
[ "$(total)" -ge "$before_all" ]
ok $? "no indicator was lost"
ok $([ $kills -ge $((ROUNDS * 9 / 10)) ]; echo $?) "at least 90% of $ROUNDS rounds killed a running process ($kills)"
ok $bad_store "after every kill both stores open and their logs verify ($bad_store failures)"
ok $bad_marker "everything acknowledged before a kill is still there ($bad_marker missing)"
ok $bad_atomic "a killed import is all or nothing ($bad_atomic partial)"
ok $bad_budget "a kill never resets the responder's budget ($bad_budget resets)"
"$E" --home "$A" match cert.example >/dev/null 2>&1
ok $? "a match completes after it all"
healthy "$A" && healthy "$B" && healthy "$I"
ok $? "every log verifies at the end"
echo "1..$n"
[ "$failed" = 0 ]
