#!/bin/bash
# valgrind.sh — the command-line and format tests with every entente run
# under valgrind memcheck: any invalid access, use of uninitialised memory
# or definite leak makes that run exit 99, which the tests report.
# Usage: tests/valgrind.sh path/to/entente   (make valgrind)
set -u
E=$(realpath "$1")
W=$(mktemp -d /tmp/entente-valgrind-XXXXXX)
trap 'rm -rf "$W"' EXIT
cat >"$W/entente" <<SH
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-origins=no "$E" "\$@"
SH
chmod +x "$W/entente"
cd "$(dirname "$0")/.." || exit 2
tests/cli.sh "$W/entente"
