#!/bin/bash
# scan.sh — the guard on the election-office log set (tests/data/logs),
# every format, against expected outputs (tests/data/cli/scan-*.out; REGEN=1
# rewrites them); gzip, threads, binary files, sightings; and a cross-check
# against an independent reference scan (tests/scan_ref.py) on a generated
# corpus with thousands of planted hits. Prints TAP.
# Usage: tests/scan.sh path/to/entente
set -u
E=$(realpath "$1")
T=$(mktemp -d /tmp/entente-scan-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
n=0; failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed+1)); fi; }
L=tests/data/logs
G="$T/g"
"$E" --home "$G" init --name office.example >/dev/null 2>&1
"$E" --home "$G" import --source jar-16-20296a tests/data/grizzly-steppe/JAR-16-20296A.csv >/dev/null
"$E" --home "$G" add --source analyst --tlp green 185.86.148.0/24 2001:db8::1 >/dev/null
# a past match: cert.example also holds ritsoperrol.ru
sqlite3 "$G/store.db" "INSERT INTO corroboration VALUES (5, 'ritsoperrol.ru', 'cert.example', 1795780000, 1795780000)"
"$E" --home "$G" add --source analyst touch.example.com >/dev/null	# rebuild after it

for f in dns.log conn.log http.log files.log dns.json named.log access.log fw.cef firewall.csv notes.txt; do
	name=scan-${f//./-}
	"$E" --home "$G" scan --json --threads 1 --no-record "$L/$f" >"$T/out" 2>"$T/err"; rc=$?
	sed "s|$L/||" "$T/out" >"$T/out.n"
	[ "${REGEN:-0}" = 1 ] && cp "$T/out.n" "tests/data/cli/$name.out"
	if [ $rc = 1 ] && cmp -s "$T/out.n" "tests/data/cli/$name.out"; then
		ok 0 "$f: the planted hits, exactly ($(grep -c . "$T/out.n") hits)"
	else
		ok 1 "$f: exit $rc, output differs from tests/data/cli/$name.out: $(head -c 300 "$T/err")"
		diff "tests/data/cli/$name.out" "$T/out.n" | head -10 | sed 's/^/# /'
	fi
done
"$E" --home "$G" scan --no-record "$L/dns.log" "$L/access.log" "$L/dns.json" >/dev/null 2>"$T/err"
ok "$(grep -q '3 malformed lines skipped' "$T/err"; echo $?)" "malformed lines are counted and skipped: $(head -1 "$T/err" | cut -c1-120)"
ok "$(! grep -h '"value":"notritsoperrol.ru"\|"value":"11.2.3.45"\|150.2.64.140\|185.12.46.1789' tests/data/cli/scan-*.out >/dev/null; echo $?)" "no substring false hits (notritsoperrol.ru, 11.2.3.45, 150.2.64.140, 185.12.46.1789)"
ok "$(grep -q '"corroborated_by":\["cert.example"\]' tests/data/cli/scan-dns-log.out; echo $?)" "a hit names the peers that corroborated it"
gzip -c "$L/dns.log" >"$T/dns.log.gz"
"$E" --home "$G" scan --json --no-record "$T/dns.log.gz" 2>/dev/null | sed "s|$T/dns.log.gz|dns.log|" >"$T/gz.out"
ok "$(cmp -s "$T/gz.out" tests/data/cli/scan-dns-log.out; echo $?)" "gzip is read transparently"
"$E" --home "$G" scan --json --no-record - <"$L/named.log" 2>/dev/null | sed 's|"file":"-"|"file":"named.log"|' >"$T/stdin.out"
ok "$(cmp -s "$T/stdin.out" tests/data/cli/scan-named-log.out; echo $?)" "standard input is read (format detected)"
# CSV: a quoted field holds commas; a short line has no timestamp, and its
# last field is scanned (the look-ups take whole lines, fields found after)
printf 'src,note,dst,time\n"185.86.148.7, x",ok,10.0.0.1,2026-11-27\n192.0.2.1,"a,b",185.86.148.9\n' >"$T/q.csv"
"$E" --home "$G" scan --json --no-record "$T/q.csv" 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    print(o["line"], o["field"], o["value"], o.get("ts", "-"))' >"$T/q.out"
ok "$(printf '2 src 185.86.148.7 2026-11-27\n3 dst 185.86.148.9 -\n' | cmp -s - "$T/q.out"; echo $?)" "CSV: quoted commas, and a short line's last field: $(tr '\n' ';' <"$T/q.out")"
# Zeek TSV and CSV without quotes go to the matcher a run of lines at a
# time, hits placed after: the same hits as line by line (a separator that
# does not end tokens, a quote) in lines of every kind: malformed, '#',
# empty, CRLF, unset, the indicator in the timestamp's field
{
	printf '#separator \\x09\n#unset_field\t-\n#empty_field\t(empty)\n#fields\tts\tuid\tsrc\tquery\tanswers\n'
	printf 'ritsoperrol.ru\tC1\t185.86.148.7\ttouch.example.com\t-\n'
	printf '1795780801.1\tC2\t-\t(empty)\t2001:db8::1\r\n'
	printf '1795780801.2\tC3\t185.86.148.8\ttouch.example.com\n'
	printf '\n#close\t185.86.148.9\tb\tc\td\nx\n'
	printf '1795780801.3\tC4\t185.86.148.10\tx.ritsoperrol.ru\t-\textra\n'
	printf '2026-11-27T10:04:59Z\tC5\t[2001:db8::1]:53\tritsoperrol.ru.\t185.86.148.11,185.86.148.12'
} >"$T/run.log"
sed 's/\t/~/g; s/\\x09/\\x7e/' "$T/run.log" >"$T/line.log"
{
	printf 'ts,src,note\n'
	printf 'ritsoperrol.ru,185.86.148.7,touch.example.com\r\n\n'
	printf '2026-11-27T10:04:59Z,185.86.148.8\n'
	printf '1,185.86.148.9,a b 2001:db8::1,extra 185.86.148.10\n'
	printf '2,[2001:db8::1]:53,http://ritsoperrol.ru/x'
} >"$T/run.csv"
{ cat "$T/run.csv"; printf '\n3,"x, y",185.86.148.13\n'; } >"$T/line.csv"
for f in run.log line.log run.csv line.csv; do
	"$E" --home "$G" scan --json --no-record "$T/$f" 2>"$T/$f.err" |
	    sed 's/"file":"[^"]*",//' | grep -v 185.86.148.13 >"$T/$f.out"
	sed -i -n '1s/.*: \([0-9]* hits\).*, \([0-9]* malformed\).*/\1 \2/p' "$T/$f.err"
done
ok "$(cmp -s "$T/run.log.out" "$T/line.log.out" && cmp -s "$T/run.log.err" "$T/line.log.err" && [ "$(cat "$T/run.log.err")" = "7 hits 3 malformed" ]; echo $?)" "Zeek: a run of lines gives what line by line does: $(cat "$T/run.log.err")"
ok "$(cmp -s "$T/run.csv.out" "$T/line.csv.out" && [ "$(cat "$T/run.csv.err")" = "7 hits 2 malformed" ] && [ "$(cat "$T/line.csv.err")" = "8 hits 2 malformed" ]; echo $?)" "CSV: a run of lines gives what line by line does: $(cat "$T/run.csv.err")"
# a Zeek JSON timestamp too long to keep is cut (it was said to be as long
# as it was: read past its buffer, under ASan an error)
printf '{"ts":"%0100d","query":"c2.WILCAROBBE.com"}\n' 7 >"$T/longts.json"
"$E" --home "$G" scan --json --no-record "$T/longts.json" >"$T/longts.out" 2>/dev/null
ok "$([ $? = 1 ] && grep -q "\"ts\":\"$(printf '%047d' 0)\"" "$T/longts.out"; echo $?)" "Zeek JSON: a 100-byte timestamp is cut to 47 bytes in a hit"
# a run of many short lines (their starts kept as the run is tallied, more
# than at first there is room for): each hit on its line, as line by line
awk 'BEGIN { print "n,src"; for (i = 1; i <= 30000; i++)
	print i "," (i % 997 == 0 ? "185.86.148.7" : "10.0.0.1") }' >"$T/many.csv"
{ cat "$T/many.csv"; printf '3,"x, y",185.86.148.13\n'; } >"$T/manyq.csv"
for f in many.csv manyq.csv; do
	"$E" --home "$G" scan --json --no-record --threads 1 "$T/$f" 2>/dev/null |
	    sed 's/"file":"[^"]*",//' | grep -v 185.86.148.13 >"$T/$f.out"
done
ok "$(cmp -s "$T/many.csv.out" "$T/manyq.csv.out" && [ "$(wc -l <"$T/many.csv.out")" = 30 ] && grep -q '"line":29911,' "$T/many.csv.out"; echo $?)" "CSV: 30,000 short lines in runs: 30 hits, each on its line (the last on line 29,911), as line by line"
# lines longer than ENT_LINE_MAX (one longer than a thread's buffer, one
# at the end without '\n') are counted malformed and passed over, read
# from the file or streamed through gzip
{
	printf 'a 185.86.148.1\n'
	head -c 1500000 /dev/zero | tr '\0' x; printf ' 185.86.148.2\n'
	printf 'b 185.86.148.3\n'
	head -c 3000000 /dev/zero | tr '\0' y; printf ' 185.86.148.4\n'
	printf 'c 185.86.148.5\n'
	head -c 1100000 /dev/zero | tr '\0' z; printf ' 185.86.148.6'
} >"$T/long.txt"
gzip -c "$T/long.txt" >"$T/long.txt.gz"
for f in long.txt long.txt.gz; do
	"$E" --home "$G" scan --json --no-record --threads 2 "$T/$f" 2>"$T/$f.err" |
	    sed 's/"file":"[^"]*",//' >"$T/$f.out"
	sed -i -n '1s/.*scanned \([0-9]* lines\).*: \([0-9]* hits\).*, \([0-9]* malformed\).*/\1 \2 \3/p' "$T/$f.err"
done
ok "$(cmp -s "$T/long.txt.out" "$T/long.txt.gz.out" && [ "$(cat "$T/long.txt.err")" = "6 lines 3 hits 3 malformed" ] && [ "$(cat "$T/long.txt.gz.err")" = "6 lines 3 hits 3 malformed" ] && [ "$(grep -o '"line":[0-9]*' "$T/long.txt.out" | tr '\n' ' ')" = '"line":1 "line":3 "line":5 ' ]; echo $?)" "lines longer than ENT_LINE_MAX are counted malformed and passed over: $(cat "$T/long.txt.err")"
printf 'abc\0def 1.2.3.4\n' >"$T/bin"
"$E" --home "$G" scan --no-record "$T/bin" >/dev/null 2>"$T/err"; rc=$?
ok "$([ $rc = 2 ] && grep -q 'looks binary' "$T/err"; echo $?)" "a binary file is refused with a message"
"$E" --home "$G" scan --no-record --format text "$T/bin" >/dev/null 2>"$T/err"; rc=$?
ok "$([ $rc = 0 ]; echo $?)" "... and scanned with --format text (no hit: exit 0): $(head -c 200 "$T/err")"
"$E" --home "$G" scan "$L/dns.log" >/dev/null 2>&1
ok "$([ "$(sqlite3 "$G/store.db" "SELECT count FROM sighting WHERE value = 'ritsoperrol.ru'")" = 1 ]; echo $?)" "sightings are recorded"

# the cross-check: a generated corpus, the reference scanner, ours
"$E" --home "$G" list --json | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o["type"] in ("ipv4", "ipv4-net", "domain"): print(o["type"], o["value"])
' >"$T/ind"
python3 tests/scan_ref.py gen "$T/ind" "$T/corpus" 30000
python3 tests/scan_ref.py scan "$T/ind" "$T/corpus" | sort >"$T/ref"
for t in 1 2; do
	"$E" --home "$G" scan --json --no-record --format text --threads $t "$T/corpus" 2>/dev/null >"$T/raw$t"
	python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    print(o["line"], o["indicator"]["type"], o["indicator"]["value"])' <"$T/raw$t" | sort >"$T/ours$t"
done
ok "$([ "$(wc -l <"$T/ref")" -gt 3000 ] && cmp -s "$T/ref" "$T/ours1"; echo $?)" "cross-check: the same $(wc -l <"$T/ref") hits as the reference scan, line for line"
ok "$([ "$(stat -c %s "$T/corpus")" -gt 131072 ] && cmp -s "$T/raw1" "$T/raw2"; echo $?)" "two threads (eight parts of the $(stat -c %s "$T/corpus")-byte file) find exactly what one does, in the same order"
echo "1..$n"
[ "$failed" = 0 ]
