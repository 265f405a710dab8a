#!/bin/bash
# Run the ovl selftests and report KTAP like the kernel's kselftest runner.
# Meant to run as root inside the test VM (see vm/vm-run.sh, vm/run-all.sh);
# the tests load and unload the ovl module themselves.
#
# usage: run_kselftest.sh [TEST...]
#
# TEST is a path relative to selftests/; by default every test listed by
# "make list-tests" (TEST_PROGS in selftests/Makefile). A test runs from its
# directory with no input; its output is shown prefixed with "# ". It passes
# with exit code 0, is skipped with 4 and fails otherwise. It is stopped after
# 300 seconds, or after timeout=N from a "settings" file in its directory
# (0: no limit). Exits 1 if any test failed.
set -eu

KSFT_SKIP=4
DEFAULT_TIMEOUT=300

# test_timeout TEST: the time limit of TEST in seconds.
test_timeout() {
	local settings limit=""
	settings=$(dirname "$1")/settings
	if [ -f "$settings" ]; then
		limit=$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' "$settings")
	fi
	echo "${limit:-$DEFAULT_TIMEOUT}"
}

cd "$(dirname "${BASH_SOURCE[0]}")"
if [ $# -gt 0 ]; then
	tests=("$@")
else
	list=$(make -s --no-print-directory list-tests)
	read -r -d '' -a tests <<<"$list" || true
fi

echo "TAP version 13"
echo "1..${#tests[@]}"
n=0 pass=0 fail=0 skip=0
for test in "${tests[@]}"; do
	n=$((n + 1))
	name="selftests: ovl: $test"
	limit=$(test_timeout "$test")
	echo "# $name"
	if [ -x "$test" ]; then
		start=$SECONDS
		(cd "$(dirname "$test")" && timeout -k 10 "$limit" "./$(basename "$test")") \
			</dev/null 2>&1 | sed -u 's/^/# /'
		rc=${PIPESTATUS[0]}
		echo "# $test took $((SECONDS - start)) s"
	else
		echo "# Warning: file $test is missing or not executable"
		rc=1
	fi
	case $rc in
	0)
		echo "ok $n $name"
		pass=$((pass + 1))
		;;
	"$KSFT_SKIP")
		echo "ok $n $name # SKIP"
		skip=$((skip + 1))
		;;
	124 | 137)
		echo "not ok $n $name # TIMEOUT $limit seconds"
		fail=$((fail + 1))
		;;
	*)
		echo "not ok $n $name # exit=$rc"
		fail=$((fail + 1))
		;;
	esac
done
echo "# Totals: pass:$pass fail:$fail skip:$skip"
[ "$fail" -eq 0 ]
