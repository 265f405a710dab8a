#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make check": the whole suite.  Host stages first (userspace unit tests,
# spec/uAPI agreement, checkpatch and sparse with -Werror builds for every
# test kernel, DKMS), then the selftests inside a VM for every installed
# kernel with a build tree.  Each host stage counts as one test; the last
# line adds them to the VM's and reads "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
mkdir -p build

passed=0 failed=0 skipped=0 n=0

# stage NAME CMD...: run CMD, its output indented as KTAP diagnostics.
stage()
{
	local name=$1 rc start=$SECONDS
	shift
	n=$((n + 1))
	echo "# --- $name: $*"
	"$@" 2>&1 | sed 's/^/# /'
	rc=${PIPESTATUS[0]}
	# Where CI's time goes (docs/testing.md): each stage says how long.
	echo "# ($((SECONDS - start)) s)"
	case $rc in
	0) echo "ok $n host: $name"; passed=$((passed + 1)) ;;
	4) echo "ok $n host: $name # SKIP"; skipped=$((skipped + 1)) ;;
	*) echo "not ok $n host: $name"; failed=$((failed + 1)) ;;
	esac
	return "$rc"
}

echo "TAP version 13"
stage "build ovlctl" make -s -j"$(nproc)" -C tool
stage "ovlctl unit tests" make -s -C tool check
stage "kernel logic unit tests (allowed-ips, replay, path, wire)" make -s -C kmod/tests check
stage "build ovl-beacon" make -s -j"$(nproc)" -C tool/beacon
stage "ovl-beacon unit and integration tests" make -s -C tool/beacon check
stage "netlink spec matches uAPI header" scripts/spec-check.sh
stage "checkpatch, sparse, -Werror builds" scripts/lint.sh
stage "dkms add/build/remove" scripts/dkms-check.sh
vm_kver=$(scripts/kernels.sh | tail -n 1)
stage "VM harness retries a failed boot, never a test" \
	selftests/vm/test-vm-run.sh "$vm_kver" "build/$vm_kver/ovl.ko"
stage "build C selftests" make -s -C selftests
echo "# host: $passed passed, $failed failed, $skipped skipped"

# The VM selftests need the module builds of the lint stage.
vm_log=build/vm-selftests.log
selftests/vm/run-all.sh | tee "$vm_log"
vm=$(tail -n 1 "$vm_log")
read -r vp vf vs < <(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\1 \2 \4/p' <<<"$vm")
if [ -z "${vp:-}" ]; then
	echo "not ok host: VM selftests did not report"
	failed=$((failed + 1))
else
	passed=$((passed + vp)) failed=$((failed + vf)) skipped=$((skipped + ${vs:-0}))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
