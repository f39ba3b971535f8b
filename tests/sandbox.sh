#!/bin/bash
# sandbox.sh — the confinement of entente serve: started as root it becomes
# an unprivileged user (never root), sets no_new_privs, resource limits and
# a seccomp filter, and a forbidden system call kills it. Prints TAP.
# Usage: tests/sandbox.sh path/to/entente
set -u
E=$(realpath "$1")
T=$(mktemp -d /tmp/entente-sandbox-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
n=0; failed=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed+1)); fi; }
skip() { n=$((n+1)); echo "ok $n - # SKIP $1"; }
H="$T/node"
"$E" --home "$H" init --name guard.example >/dev/null 2>&1
root=0; [ "$(id -u)" = 0 ] && root=1
[ $root = 1 ] && chmod 711 "$T"

# start HOME LOG [ARGS]: a server on a free port; sets PID and PORT
start() {
	local h=$1 log=$2; shift 2
	"$E" --home "$h" serve --listen 127.0.0.1:0 "$@" 2>"$log" & PID=$!; pids+=($PID)
	for _ in $(seq 100); do
		PORT=$(sed -n 's/.*serving on port \([0-9]*\).*/\1/p' "$log")
		[ -n "$PORT" ] && return 0
		kill -0 $PID 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
status() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

if [ $root = 1 ]; then
	"$E" --home "$H" serve --listen 127.0.0.1:0 2>"$T/refused.log"; rc=$?
	[ $rc = 2 ] && grep -q "refusing to serve as root" "$T/refused.log"
	ok $? "as root with a home root owns, serve refuses to run as root"
	chown -R nobody: "$H"
	start "$H" "$T/a.log"
	ok $? "as root with a home nobody owns, serve starts"
	[ "$(status $PID Uid)" = "$(id -u nobody)" ] && [ "$(status $PID Gid)" = "$(id -g nobody)" ] && grep -q " as nobody, sandboxed" "$T/a.log"
	ok $? "it runs as nobody (uid $(status $PID Uid)), groups dropped"
	kill $PID; wait $PID 2>/dev/null
	chown -R root: "$H"
	start "$H" "$T/b.log" --user nobody
	[ $? = 0 ] && [ "$(status $PID Uid)" = "$(id -u nobody)" ]
	ok $? "--user names the user to become"
	kill $PID; wait $PID 2>/dev/null
	chown -R nobody: "$H"
else
	skip "not root: the switch of user is not tested"
	skip "not root"; skip "not root"; skip "not root"
fi

start "$H" "$T/c.log"
ok $? "the server starts"
[ "$(status $PID NoNewPrivs)" = 1 ] && [ "$(status $PID Seccomp)" = 2 ]
ok $? "no_new_privs is set and a seccomp filter is installed (Seccomp: $(status $PID Seccomp))"
grep -q "^Max core file size *0 *0" "/proc/$PID/limits" && [ "$(awk '/^Max open files/ { print $4 }' "/proc/$PID/limits")" -le 320 ]
ok $? "no core files; open files bounded ($(awk '/^Max open files/ { print $4 }' "/proc/$PID/limits"))"
kill $PID; wait $PID 2>/dev/null

ENTENTE_SANDBOX_SELFTEST=1 "$E" --home "$H" serve --listen 127.0.0.1:0 2>"$T/d.log"; rc=$?
[ $rc = $((128 + 31)) ] && ! grep -q "let execve through" "$T/d.log"
ok $? "a forbidden system call (execve) kills the server with SIGSYS (exit $rc)"

echo "1..$n"
[ "$failed" = 0 ]
