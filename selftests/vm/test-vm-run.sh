#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tests of vm-run.sh's boot retry, on the host: a VM that dies before its
# command starts is booted once more and says so; a command that fails, or
# a kernel that dies once the command has started, is never retried.
#
# usage: test-vm-run.sh KVER KO    (prints KTAP; exit 0 pass, 1 fail)
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kver=$1 ko=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
n=0 failed=0

# vm [ENV=VALUE...] -- CMD...: run CMD in a VM; output in $out, exit in $rc.
vm() {
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	rc=0
	env "${envs[@]}" "$here/vm-run.sh" -k "$kver" -m "$ko" -t 300 -- "$@" \
		>"$out" 2>&1 || rc=$?
	sed 's/^/# | /' "$out"
}

# check NAME COND...: one KTAP result.
check() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		failed=$((failed + 1))
	fi
}

count() { grep -c -- "$1" "$out" || true; }

echo "TAP version 13"
echo "1..7"

vm OVL_VM_INJECT_BOOT_FAILURE=1 -- echo command-ran
check "a boot that dies is retried and the command then runs" \
	test "$rc" = 0 -a "$(count '^command-ran$')" = 1
check "the retry is said, once" \
	[ "$(count 'hung while booting, before the command started')" = 1 ]

vm -- sh -c 'echo command-ran; exit 3'
check "a failing command is not retried" \
	test "$rc" = 3 -a "$(count '^command-ran$')" = 1
check "no retry is said for it" [ "$(count 'booting it once more')" = 0 ]

vm -- sh -c 'echo command-ran; echo c >/proc/sysrq-trigger; sleep 60'
check "a kernel that dies after the command started is not retried" \
	test "$rc" = 2 -a "$(count '^command-ran$')" = 1 -a \
	"$(count 'booting it once more')" = 0

vm OVL_VM_BOOT_TIMEOUT=1 -- echo command-ran
check "a boot that never reaches the command is given up after two tries" \
	test "$rc" = 2 -a "$(count '^command-ran$')" = 0
check "and says so" [ "$(count 'died twice while booting')" = 1 ]

echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
