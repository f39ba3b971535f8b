#!/bin/bash
# cli.sh — command-line tests: each runs entente, checks its exit status and
# compares its standard output with tests/data/cli/NAME.out (timestamps and
# the node key replaced by placeholders). REGEN=1 rewrites the .out files.
# Prints TAP. Usage: tests/cli.sh path/to/entente
set -u
E=$(realpath "$1")
EXP=tests/data/cli
T=$(mktemp -d /tmp/entente-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0; failed=0
GRIZZLY=tests/data/grizzly-steppe/JAR-16-20296A.csv

ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed+1)); fi; }

normalise() {
	sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g' \
	    -e 's/\+[0-9a-f]{8}\+[A-Za-z0-9+\/=]{44}/+KEYID+KEY/g' -e "s|$T|TMP|g"
}

# t NAME RC CMD... : runs CMD, checks status RC and stdout against NAME.out
t() {
	local name=$1 rc=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"; local got=$?
	normalise <"$T/out" >"$T/out.n"
	if [ "${REGEN:-0}" = 1 ]; then cp "$T/out.n" "$EXP/$name.out"; fi
	if [ "$got" != "$rc" ]; then
		ok 1 "$name: exit $rc (got $got; stderr: $(head -c 300 "$T/err"))"
		return
	fi
	if [ -f "$EXP/$name.out" ] && cmp -s "$T/out.n" "$EXP/$name.out"; then
		ok 0 "$name"
	else
		ok 1 "$name: output differs from $EXP/$name.out"
		diff "$EXP/$name.out" "$T/out.n" | head -20 | sed 's/^/# /'
	fi
}

# e NAME RC TEXT CMD... : runs CMD, checks status RC and that stderr has TEXT
e() {
	local name=$1 rc=$2 text=$3; shift 3
	"$@" >"$T/out" 2>"$T/err"; local got=$?
	if [ "$got" = "$rc" ] && grep -qF -- "$text" "$T/err"; then
		ok 0 "$name"
	else
		ok 1 "$name: exit $rc with '$text' (got $got: $(head -c 300 "$T/err"))"
	fi
}

H="$T/home"
t help 0 "$E" --help
t init 0 "$E" --home "$H" init --name ministry.example
t id 0 "$E" --home "$H" id
ok "$([ "$(stat -c %a "$H")" = 700 ] && [ "$(stat -c %a "$H/node.key")" = 600 ]; echo $?)" "home 0700, key 0600"
e init-again 2 "nothing was changed" "$E" --home "$H" init --name other
t id-unchanged 0 "$E" --home "$H" id
ENTENTE_HOME="$H" t id-env 0 "$E" id
e no-node 2 "init --name NAME" "$E" --home "$T/none" stats
t import-grizzly 0 "$E" --home "$H" import "$GRIZZLY"
t stats-json 0 "$E" --home "$H" stats --json
t stats 0 "$E" --home "$H" stats
t import-again 0 "$E" --home "$H" import --json "$GRIZZLY"
t check-held 0 "$E" --home "$H" check 167.114.35.70 WWW.CDERLEARN.COM. a.b.ritsoperrol.ru "efax.pfdregistry.net/eFax/../eFax/37486.ZIP"
t check-some 1 "$E" --home "$H" check 1.1.1.1 ritsoperrol.ru notritsoperrol.ru 167.114.35.7
t check-json 1 "$E" --home "$H" check --json sub.wilcarobbe.com 8.8.8.8
e check-invalid 2 "not a valid IPv4" "$E" --home "$H" check 256.1.1.1
t list-url 0 "$E" --home "$H" list --type url --json
e add-invalid 2 "nothing was added" "$E" --home "$H" add good.example.com 10.1.2.3/8
e add-invalid-names-network 2 "the network is 10.0.0.0/8" "$E" --home "$H" add 10.1.2.3/8
t add 0 "$E" --home "$H" add 10.0.0.0/8 bücher.de --source analyst --tlp green --tag apt28 --confidence 80 --allow-warninglisted
t check-net 0 "$E" --home "$H" check 10.20.30.40 WWW.BÜCHER.DE
t list-added 0 "$E" --home "$H" list --type ipv4-net --json
t revoke 0 "$E" --home "$H" revoke 10.0.0.0/8
t revoke-missing 1 "$E" --home "$H" revoke 10.0.0.0/8 9.9.9.9
t check-revoked 1 "$E" --home "$H" check 10.20.30.40
t stats-after 0 "$E" --home "$H" stats --json
printf 'value\nstdin.example.com\n' | t import-stdin 0 "$E" --home "$H" import --format csv --source pipe -
printf 'a,b\n"x.example.com,1\n' >"$T/bad.csv"
e import-broken 2 "never closed" "$E" --home "$H" import "$T/bad.csv"
t stats-unchanged 0 "$E" --home "$H" stats --json
e unknown-command 2 "unknown command" "$E" --home "$H" frobnicate
e unknown-option 2 "see 'entente add --help'" "$E" --home "$H" add --bogus x.com
e bad-tlp 2 "unknown TLP" "$E" --home "$H" add --tlp purple x.example.com
t add-help 0 "$E" add --help
chmod 644 "$H/node.key"
e key-perms 2 "chmod 600" "$E" --home "$H" id
chmod 600 "$H/node.key"

echo "1..$n"
[ "$failed" = 0 ]
