#!/bin/bash
# Run the ovl selftests in a VM for each kernel and tally the results.
#
# usage: run-all.sh [KVER...]
#
# By default every kernel with both /boot/vmlinuz-KVER and
# /lib/modules/KVER/build. Each needs its module already built at
# ${OVL_BUILD_DIR:-build}/KVER/ovl.ko; the programs the tests run (ovlctl,
# ovl-beacon, the C selftests) are built here first, on the host, whose
# root the VMs share.
#
# Per kernel, prints "# kernel KVER" and the KTAP output of
# run_kselftest.sh in the VM (kept in build/vm/selftests-KVER.log); a VM
# gets OVL_VM_TIMEOUT seconds (default 1800: the tests' own limits,
# selftests/settings, bound each test). A VM that did not boot, timed out
# or failed the kernel health check counts as one failed test "KVER:
# boot/health", a missing module as one failed test "KVER: ovl.ko
# missing". The last line is "N passed, N failed, N skipped"; exits 1 if a
# test failed or none ran (passed or failed).
set -eu

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${OVL_BUILD_DIR:-$repo/build}

kernels=("$@")
if [ $# -eq 0 ]; then
	for vmlinuz in /boot/vmlinuz-*; do
		kver=${vmlinuz#/boot/vmlinuz-}
		if [ -d "/lib/modules/$kver/build" ]; then kernels+=("$kver"); fi
	done
fi

mkdir -p "$build/vm"
for dir in tool tool/beacon selftests; do
	make -s -C "$repo/$dir"
done
passed=0 failed=0 skipped=0 failures=()
for kver in "${kernels[@]}"; do
	echo "# kernel $kver"
	ko=$build/$kver/ovl.ko
	log=$build/vm/selftests-$kver.log
	if [ ! -f "$ko" ]; then
		echo "# kernel $kver: FAILED: $ko is missing, build the module first" | tee "$log"
		failed=$((failed + 1))
		failures+=("$kver: ovl.ko missing")
		continue
	fi

	# Every kernel but the last (the newest) runs the short form
	# (OVL_SMOKE, docs/testing.md): daemon.sh's smoke cases only (the
	# daemon is userspace, what it asks of the kernel runs on every
	# kernel in ctrl.sh and keylife.sh), soaks of 20 s instead of 60 s
	# (relay.sh, path.sh, nat.sh) and no ynl.sh (the spec drives the same
	# policies netlink.sh checks there).  CI's 45 minutes allow no more.
	smoke=()
	[ "$kver" = "${kernels[-1]}" ] ||
		smoke=(env OVL_SMOKE=1 OVL_DAEMON_SMOKE=1)
	"$here/vm-run.sh" -k "$kver" -m "$ko" -t "${OVL_VM_TIMEOUT:-1800}" -- "${smoke[@]}" selftests/run_kselftest.sh 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}

	# Top-level KTAP results; test output is indented with "# ".
	ok=$(grep -cE '^ok [0-9]+ ' "$log") || true
	skip=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log") || true
	mapfile -t bad < <(sed -nE 's/^not ok [0-9]+ (.*)/\1/p' "$log")
	passed=$((passed + ok - skip))
	skipped=$((skipped + skip))
	failed=$((failed + ${#bad[@]}))
	for name in "${bad[@]}"; do failures+=("$kver: $name"); done

	# The runner exits 1 exactly when a test failed: any other outcome, no
	# totals (the VM died or timed out) or a health report is the kernel's.
	expected_rc=0
	if [ "${#bad[@]}" -gt 0 ]; then expected_rc=1; fi
	if [ "$rc" != "$expected_rc" ] || ! grep -q '^# Totals: ' "$log" ||
		grep -q 'kernel health check FAILED' "$log"; then
		echo "# kernel $kver: boot/health FAILED (vm-run exit $rc, console: $build/vm/console-$kver.log)"
		failed=$((failed + 1))
		failures+=("$kver: boot/health")
	fi
	echo "# kernel $kver: pass:$((ok - skip)) fail:${#bad[@]} skip:$skip"
done

for name in "${failures[@]}"; do echo "# FAILED: $name"; done
status=0
if [ "$failed" -gt 0 ]; then status=1; fi
if [ $((passed + failed)) -eq 0 ]; then
	echo "# no test ran"
	status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
