#!/bin/bash
# interop.sh — Go's golang.org/x/mod/sumdb/{note,tlog} check our log of
# 10,000 entries, its checkpoint, cosignature and proofs (tests/interop/).
# Built offline from Debian's golang-golang-x-mod-dev. Prints TAP.
# Usage: tests/interop.sh path/to/logdump
set -u
D=$(mktemp -d /tmp/entente-interop-XXXXXX)
trap 'rm -rf "$D"' EXIT
if ! command -v go >/dev/null 2>&1 || [ ! -d /usr/share/gocode/src/golang.org/x/mod ]; then
	echo "not ok 1 - Go and golang-golang-x-mod-dev are needed (scripts/install-deps installs them)"
	exit 1
fi
"$1" "$D" 10000 || { echo "not ok 1 - logdump failed"; exit 1; }
cd tests/interop && GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off \
    GOFLAGS= GOCACHE="$D/cache" go run verify.go "$D"
