#!/bin/bash
# formats.sh — the analysts' formats: real fixtures import to exact expected
# indicator sets (tests/data/formats/NAME.set: type, value and warninglist of
# every stored indicator), exports round-trip through import, an exported
# STIX bundle validates against the OASIS schemas, malformed inputs are
# refused without changing the store, and warninglists flag and hold.
# REGEN=1 rewrites the .set files. Prints TAP.
# Usage: tests/formats.sh path/to/entente
set -u
E=$(realpath "$1")
EXP=tests/data/formats
T=$(mktemp -d /tmp/entente-formats-XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0; failed=0
GRIZZLY=tests/data/grizzly-steppe/JAR-16-20296A.csv
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3   # Debian's jsonschema

ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed+1)); fi; }

fresh() { rm -rf "$T/$1"; "$E" --home "$T/$1" init --name "$1.example" >/dev/null 2>&1; }

# The indicator set of a home: "type value [warninglist]" lines, sorted.
set_of() {
	"$E" --home "$T/$1" list --all --json | $PY -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print(r["type"], r["value"], *([r["warninglist"]] if r["warninglist"] else []))' | LC_ALL=C sort
}
# The same with TLP, for formats that carry it.
set_tlp() {
	"$E" --home "$T/$1" list --all --json | $PY -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l); print(r["type"], r["value"], r["tlp"])' | LC_ALL=C sort
}

# expect NAME HOME : the home's set is tests/data/formats/NAME.set
expect() {
	set_of "$2" >"$T/got"
	if [ "${REGEN:-0}" = 1 ]; then cp "$T/got" "$EXP/$1.set"; fi
	if cmp -s "$T/got" "$EXP/$1.set"; then ok 0 "$1: the expected set ($(wc -l <"$T/got") indicators)"
	else ok 1 "$1: set differs from $EXP/$1.set"; diff "$EXP/$1.set" "$T/got" | head -10 | sed 's/^/# /'; fi
}

# imp NAME ARGS... : a fresh home, import ARGS, compare with NAME.set
imp() {
	local name=$1; shift
	fresh "$name"
	if "$E" --home "$T/$name" import "$@" >"$T/$name.out" 2>"$T/$name.err"; then
		expect "$name" "$name"
	else
		ok 1 "$name: import failed: $(head -c 300 "$T/$name.err")"
	fi
}

# --- real fixtures, each to its exact set ---------------------------------
for f in tests/data/stix/*.json; do
	imp "stix-$(basename "$f" .json)" "$f"
done
imp stix-dir tests/data/stix
imp stix-stdin --format stix - < tests/data/stix/indicators-for-C2-with-COA.json
imp stix-all --format stix tests/data/stix/indicator-for-c2-ip-address.json tests/data/stix/indicators-for-C2-with-COA.json
imp misp-event tests/data/misp/feed/57c4445b-c548-4654-af0b-4be3950d210f.json
imp misp-feed tests/data/misp/feed
imp misp-links --misp-links tests/data/misp/feed
for f in tests/data/zeek-intel/*.intel; do
	imp "zeek-$(basename "$f" .intel)" "$f"
done
imp grizzly-text --format text "$GRIZZLY"
imp grizzly-csv "$GRIZZLY"

# what the reports say, in the words a user reads
grep -q "indicator--8cf9236f-1b96-493d-98be-0c1c1e8b62d7: the pattern compares email-message:subject, which Entente does not keep" "$T/stix-malicious-email-indicator-with-attachment.out"
ok $? "stix: a pattern outside the subset is skipped with the reason"
grep -q "MISP type link is not a type Entente keeps (import links as URLs with --misp-links)" "$T/misp-event.out"
ok $? "misp: link attributes are skipped with the reason, unless --misp-links"
cat >"$T/misp-kinds.json" <<'JSON'
{"response": [{"Event": {"info": "kinds", "Orgc": {"name": "CERT-X"}, "Tag": [{"name": "tlp:green"}], "Attribute": [
 {"type": "ip-dst|port", "value": "185.86.148.227|443", "to_ids": true},
 {"type": "domain|ip", "value": "ballot-check.example.com|185.86.151.11", "to_ids": true, "Tag": [{"name": "tlp:red"}, {"name": "apt28"}]},
 {"type": "filename|sha256", "value": "x.exe|9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "to_ids": true},
 {"type": "email-src", "value": "phish@mail.example.net", "to_ids": true},
 {"type": "ip-src", "value": "185.86.148.228", "to_ids": false},
 {"type": "ip-src", "value": "not-an-ip", "to_ids": true},
 {"type": "hostname", "value": "deleted.example.com", "to_ids": true, "deleted": true}],
 "Object": [{"name": "file", "Attribute": [{"type": "md5", "value": "0749bae92ca336a02c83d126e04ec628", "to_ids": true}]}]}}]}
JSON
imp misp-kinds "$T/misp-kinds.json"
grep -q "ip-src 185.86.148.228: to_ids is false (context, not for detection)" "$T/misp-kinds.out" && grep -q "a deleted attribute" "$T/misp-kinds.out" && grep -q "'not-an-ip'" "$T/misp-kinds.out"
ok $? "misp: to_ids false, deleted attributes and bad values are skipped with the reason"
"$E" --home "$T/misp-kinds" list --json | grep -q '"value":"ballot-check.example.com","sources":\["CERT-X"\],"tlp":"red","confidence":null,"tags":\["apt28"\]'
ok $? "misp: attribute tags (TLP and others) over the event's, the organisation as source"
grep -q "1 on warninglists (rfc1918 1): held" "$T/stix-indicator-for-c2-ip-address.out"
ok $? "stix: 10.0.0.0 is flagged by the RFC 1918 warninglist"
"$E" --home "$T/grizzly-text" check 9cb7716d83c0d06ab356bdfa52def1af64bc5210 >/dev/null
ok $? "text: the SHA-1 in GRIZZLY STEPPE's COMMENT column is found"
! "$E" --home "$T/grizzly-text" check fhyge.rtf >/dev/null 2>&1
ok $? "text: a file name (fhyge.rtf) is not taken for a domain"

# sources and TLP from the input
"$E" --home "$T/misp-event" list --json | grep -q '"sources":\["CIRCL"\],"tlp":"clear"'
ok $? "misp: the creating organisation is the source, tlp:white is clear"
"$E" --home "$T/zeek-gru-aa25" list --json | grep -q '"value":"192.162.174.94","sources":\["[^"]*"\],"tlp":"amber","confidence":null,"tags":\["[^"]*"\]'
ok $? "zeek: meta.source is the source, meta.desc a tag"

# STIX pattern forms: quoted and unquoted hash keys, escapes, OR, CIDR,
# markings (TLP 1.0 and 2.0), labels, confidence, revoked, valid_until
cat >"$T/forms.json" <<'JSON'
{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
 {"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--00000000-0000-4000-8000-000000000001", "created": "2020-01-01T00:00:00Z", "definition_type": "tlp", "definition": {"tlp": "red"}},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000002", "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z", "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z",
  "pattern": "[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427F'] OR [file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709' OR file:hashes.SHA256 = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08']",
  "labels": ["apt28", "elections"], "confidence": 85, "object_marking_refs": ["marking-definition--00000000-0000-4000-8000-000000000001"]},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000003", "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z", "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z",
  "pattern": "([ipv4-addr:value = '185.86.151.0/24'] OR [ipv6-addr:value = '2a03:b0c0:3:d0::1']) OR [url:value = 'http://example.com/it\\'s'] OR [email-addr:value = 'x@example.org'] OR [domain-name:value = 'Evil.Example.COM']",
  "object_marking_refs": ["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"], "created_by_ref": "identity--00000000-0000-4000-8000-000000000009"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000004", "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z", "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z",
  "pattern": "[ipv4-addr:value = '203.0.113.7'] AND [domain-name:value = 'and.example.com']"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000005", "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z", "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z",
  "pattern": "[ipv4-addr:value = '203.0.113.8'] WITHIN 300 SECONDS"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000006", "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z", "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z",
  "pattern": "[ipv4-addr:value = '185.86.149.9' OR ipv4-addr:value = '185.86.149.999']"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000007", "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z", "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z",
  "pattern": "[domain-name:value = 'revoked.example.com']", "revoked": true},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000008", "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z", "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z",
  "pattern": "[domain-name:value = 'expired.example.com']", "valid_until": "2021-01-01T00:00:00.000Z"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-00000000000a", "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z", "pattern_type": "snort", "valid_from": "2020-01-01T00:00:00Z",
  "pattern": "alert tcp any any -> any any"},
 {"type": "domain-name", "spec_version": "2.1", "id": "domain-name--00000000-0000-4000-8000-00000000000b", "value": "sco.example.net"},
 {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--00000000-0000-4000-8000-00000000000c", "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z", "first_observed": "2020-01-01T00:00:00Z", "last_observed": "2020-01-01T00:00:00Z", "number_observed": 1,
  "objects": {"0": {"type": "ipv4-addr", "value": "185.86.148.227"}, "1": {"type": "file", "hashes": {"SHA-256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}}}
]}
JSON
imp stix-forms "$T/forms.json"
"$E" --home "$T/stix-forms" list --all --json >"$T/forms.list"
grep -q '"value":"d41d8cd98f00b204e9800998ecf8427f","sources":\["forms.json"\],"tlp":"red","confidence":85,"tags":\["apt28","elections"\]' "$T/forms.list"
ok $? "stix: a TLP 1.0 marking definition met in the bundle, labels and confidence are kept"
grep -q '"value":"evil.example.com","sources":\["identity--00000000-0000-4000-8000-000000000009"\],"tlp":"amber+strict"' "$T/forms.list"
ok $? "stix: the TLP 2.0 amber+strict marking and created_by_ref are kept"
grep -q '"value":"revoked.example.com".*"revoked":true' "$T/forms.list" && grep -q '"value":"expired.example.com".*"valid_until":"2021-01-01T00:00:00Z"' "$T/forms.list"
ok $? "stix: revoked and valid_until are kept (neither is active)"
grep -q "uses AND, which Entente does not import" "$T/stix-forms.out" && grep -q "uses WITHIN" "$T/stix-forms.out" && grep -q "185.86.149.999" "$T/stix-forms.out"
ok $? "stix: AND, qualifiers and an invalid value skip the whole indicator, with the reason"

# --- round trips: import -> export -> import --------------------------------
fresh src
"$E" --home "$T/src" import "$GRIZZLY" >/dev/null
"$E" --home "$T/src" import "$T/forms.json" >/dev/null
"$E" --home "$T/src" add --tlp green --tag t1 --confidence 70 2001:db8::/32 http://vote.example.org/ballot?id=7 >/dev/null
# the active ones: not flagged (two fields), not revoked or expired
set_of src | awk 'NF == 2' | grep -v "revoked.example.com\|expired.example.com" >"$T/src.set"
awk 'NR == FNR { a[$1 " " $2]; next } ($1 " " $2) in a' "$T/src.set" <(set_tlp src) >"$T/src.tlp"
for fmt in stix misp zeek csv list; do
	"$E" --home "$T/src" export --format $fmt -o "$T/export.$fmt" 2>/dev/null
	fresh "rt-$fmt"
	"$E" --home "$T/rt-$fmt" import --format $fmt "$T/export.$fmt" >/dev/null 2>"$T/rt.err"
	set_of "rt-$fmt" >"$T/rt.set"
	if cmp -s "$T/rt.set" "$T/src.set"; then
		ok 0 "round trip through $fmt: the same $(wc -l <"$T/rt.set") indicators"
	else
		ok 1 "round trip through $fmt"; diff "$T/src.set" "$T/rt.set" | head -5 | sed 's/^/# /'
	fi
done
for fmt in stix misp csv; do
	if cmp -s <(set_tlp "rt-$fmt") "$T/src.tlp"; then
		ok 0 "round trip through $fmt keeps TLP"
	else
		ok 1 "round trip through $fmt keeps TLP"
	fi
done
$PY tests/stix_validate.py "$T/export.stix" >"$T/valid.out" 2>&1
ok $? "the exported STIX bundle validates against the OASIS STIX 2.1 schemas ($(cat "$T/valid.out" | tail -1))"
sed 's/"pattern_type":"stix",//' "$T/export.stix" >"$T/bad.stix"
! $PY tests/stix_validate.py "$T/bad.stix" >/dev/null 2>&1
ok $? "the schema check fails a bundle without pattern_type"
"$E" --home "$T/src" export --format stix --tlp-max clear 2>/dev/null | grep -c '"type":"indicator"' >"$T/c"
[ "$(cat "$T/c")" = "$(grep -c ' clear$' "$T/src.tlp")" ] && [ "$(cat "$T/c")" -gt 800 ]
ok $? "export --tlp-max clear leaves out everything above clear ($(cat "$T/c"))"
"$E" --home "$T/src" export --format suricata -o "$T/suri" 2>/dev/null
grep -qx "ZWZheC5wZmRyZWdpc3RyeS5uZXQ=" "$T/suri/domain.lst" && grep -qx "$(awk '$1 == "ipv4" { print $2; exit }' "$T/src.set")" "$T/suri/ipv4.lst" && grep -q "type: md5" "$T/suri/datasets.yaml" && [ ! -e "$T/suri/ipv6-net.lst" ]
ok $? "suricata datasets: base64 string sets, plain address sets, datasets.yaml"
"$E" --home "$T/src" export --format iprep -o "$T/iprep" 2>/dev/null
grep -qx "2001:db8::/32,1,70" "$T/iprep/entente.list" && grep -q "^1,entente," "$T/iprep/categories.txt"
ok $? "suricata iprep: categories file and reputation file with CIDRs and scores"

# --- malformed inputs: a clear error, the store unchanged ------------------
fresh bad
"$E" --home "$T/bad" import "$GRIZZLY" >/dev/null
set_of bad >"$T/bad.before"
refuse() {
	local name=$1 text=$2; shift 2
	"$E" --home "$T/bad" import "$@" >/dev/null 2>"$T/err" </dev/stdin; local rc=$?
	if [ $rc = 2 ] && grep -qF -- "$text" "$T/err" && cmp -s "$T/bad.before" <(set_of bad); then
		ok 0 "malformed: $name"
	else
		ok 1 "malformed: $name (exit $rc; $(head -c 300 "$T/err"))"
	fi
}
printf '{"type": "bundle", "objects": [{"type": "indicator", "pattern": "[ipv4-addr:value = ' >"$T/trunc.json"
refuse "truncated STIX" "trunc.json: line 1, column" --format stix "$T/trunc.json"
head -c 300 tests/data/misp/feed/57c4445b-c548-4654-af0b-4be3950d210f.json >"$T/trunc-misp.json"
refuse "truncated MISP" "trunc-misp.json: line 1" "$T/trunc-misp.json"
echo '{"type": "bundle", "objects": 5}' >"$T/wrong.json"
refuse "objects of the wrong type" "the bundle's \"objects\" is not an array" --format stix "$T/wrong.json"
$PY -c 'print("[" * 100000 + "]" * 100000)' >"$T/deep.json"
refuse "deeply nested arrays" "deep.json: line 1" --format stix "$T/deep.json"
printf '{"type": "bundle", "objects": [{"type": "domain-name", "value": "\xff\xfe.example.com"}]}' >"$T/utf8.json"
refuse "invalid UTF-8" "utf8.json: line 1" --format stix "$T/utf8.json"
printf '{"Event": {"Attribute": [{"type": "ip-dst", "value": "192.0.2.1", "to_ids": true}' >"$T/misp-cut.json"
refuse "MISP cut off inside an array" "misp-cut.json" --format misp "$T/misp-cut.json"
# (input from process substitution: refuse must count in this shell)
refuse "a 2 GB STIX string" "stdin: line 1: a JSON value longer than" --format stix - < <(printf '{"objects": ["'; head -c 2147483648 /dev/zero | tr '\0' a)
refuse "a 2 GB line of free text" "line 1 is longer than" --format text - < <(head -c 2147483648 /dev/zero | tr '\0' a)
refuse "a 2 GB Zeek line" "line 2 is longer than" --format zeek - < <(echo '#fields	indicator	indicator_type'; head -c 2147483648 /dev/zero | tr '\0' a)
refuse "a 2 GB CSV record" "longer than" --format csv - < <(echo 'value,comment'; printf '176.31.112.10,"'; head -c 2147483648 /dev/zero | tr '\0' a)
echo '{"Event": {"info": "x", "Attribute": {"type": "ip-dst", "value": "176.31.112.10"}}}' >"$T/misp-type.json"
refuse "MISP attributes of the wrong type" "misp-type.json: line 1: the event's Attribute or Object is not an array" "$T/misp-type.json"
printf '176.31.112.10\n' >"$T/ok.txt"
refuse "a good file then a bad one: neither is imported" "trunc.json" "$T/ok.txt" "$T/trunc.json"

# --- warninglists -------------------------------------------------------------
fresh wl
printf '8.8.8.8\n10.0.0.1\n176.31.112.10\n' >"$T/feed.txt"
"$E" --home "$T/wl" import "$T/feed.txt" >"$T/wl.out"
grep -q "2 on warninglists (public-dns-v4 1, rfc1918 1): held, not active" "$T/wl.out"
ok $? "warninglists: 8.8.8.8 and 10.0.0.1 are flagged by public-dns-v4 and rfc1918"
"$E" --home "$T/wl" check 8.8.8.8 >"$T/wl.check"; rc=$?
[ $rc = 1 ] && grep -q "8.8.8.8: not active: on the warninglist public-dns-v4" "$T/wl.check"
ok $? "warninglists: check says a flagged value is on hold, and why"
"$E" --home "$T/wl" stats --json | grep -q '"on_hold":2' && "$E" --home "$T/wl" stats | grep -q "^on hold (warninglists) 2"
ok $? "warninglists: stats counts what is on hold"
"$E" --home "$T/wl" list --all | grep -q "^ipv4     10.0.0.1 .*warninglist=rfc1918 on-hold"
ok $? "warninglists: list shows the flag"
"$E" --home "$T/wl" export --format list 2>/dev/null | grep -qx "176.31.112.10" && ! "$E" --home "$T/wl" export --format list 2>/dev/null | grep -q "8.8.8.8\|10.0.0.1"
ok $? "warninglists: on-hold values are not exported"
"$E" --home "$T/wl" add --allow-warninglisted 8.8.8.8 | grep -q "on the warninglist public-dns-v4: allowed, active" && "$E" --home "$T/wl" check 8.8.8.8 >/dev/null
ok $? "warninglists: --allow-warninglisted makes a flagged value active"
"$E" --home "$T/wl" add wikipedia.org >/dev/null
"$E" --home "$T/wl" warninglist import tests/data/warninglists/tranco10k >"$T/wl.imp"
grep -q "warninglist tranco10k, 10000 entries" "$T/wl.imp" && ! "$E" --home "$T/wl" check wikipedia.org >/dev/null
ok $? "warninglists: importing a hostname list flags what is already stored"
"$E" --home "$T/wl" warninglist list | grep -q "^tranco10k .*hostname .*10000 imported" && "$E" --home "$T/wl" warninglist list | grep -q "^rfc1918 .*cidr .*built-in"
ok $? "warninglists: list shows built-in and imported lists"
"$E" --home "$T/wl" warninglist remove tranco10k >/dev/null && "$E" --home "$T/wl" check wikipedia.org >/dev/null
ok $? "warninglists: removing the list releases what it held"
printf '{"name": "x", "type": "glob", "list": ["a"]}' >"$T/glob.json"
"$E" --home "$T/wl" warninglist import "$T/glob.json" 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q "warninglist type 'glob' is not one of" "$T/err"
ok $? "warninglists: an unknown list type is refused"
"$E" --home "$T/wl" check --json 10.0.0.1 | grep -q '"held":false,"matches":\[\],"inactive":\[{"type":"ipv4","value":"10.0.0.1".*"warninglist":"rfc1918","on_hold":true'
ok $? "warninglists: check --json gives the flag"

echo "1..$n"
[ "$failed" = 0 ]
