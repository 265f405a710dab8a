#!/bin/bash
# shellcheck disable=SC2154 # kver, modtree, repo, path, tty_size, cmd: run file
# Guest stage of vm-run.sh. Runs as PID 1 inside the VM, on a writable tmpfs
# overlay of the host's root: prepares the system, runs the command, checks
# the kernel's health and powers off. $1 is the run file written by vm-run.sh
# (kver, modtree, repo, path, tty_size and the cmd array; no cmd means an
# interactive shell).
set -eu
# shellcheck source=/dev/null
source "$1"
export PATH=$path HOME=/root KVER=$kver OVL_IN_VM=1
unset ovl_guest ovl_run

# dmesg patterns that mean the kernel went wrong while the command ran.
BAD_DMESG='Oops|BUG:|WARNING:|general protection|Call Trace|kernel BUG|refcount_t|UBSAN|unreferenced object'
# Taint bits tolerated on top of those set at boot: out-of-tree module (12)
# and unsigned module (13), which loading ovl.ko sets.
OK_TAINT=$(((1 << 12) | (1 << 13)))
# Written to the kernel log right before the command; the check starts there.
KMSG_MARK='ovl-vm: command starts'

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# Install ovl.ko and the module index built by vm-run.sh before /tmp and /run
# are covered, in case the build directory lives there.
mkdir -p "/lib/modules/$kver/extra"
cp "$modtree/extra/ovl.ko" "/lib/modules/$kver/extra/"
cp "$modtree"/modules.* "/lib/modules/$kver/"
# Fresh /tmp and /run, but for one that holds the repository (a clone in
# /tmp, say): that one stays the overlay of the host's.
for dir in /tmp /run; do
	case $repo/ in
	"$dir"/*) ;;
	*) mount -t tmpfs tmpfs "$dir" ;;
	esac
done
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
mkdir -p /run/netns
hostname ovl-vm
ip link set lo up

# Kernel log since KMSG_MARK (all of it if the mark scrolled out), plus the
# kmemleak report where the kernel has kmemleak.
kernel_log() {
	dmesg | awk -v mark="$KMSG_MARK" '
		index($0, mark) { n = NR }
		{ line[NR] = $0 }
		END { for (i = n + 1; i <= NR; i++) print line[i] }'
	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo scan >/sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak
	fi
}

# Prints why the kernel is unhealthy (KTAP diagnostic lines) and fails, or
# succeeds silently.
health_check() {
	local bad_lines taint bad_taint bits="" bit status=0
	bad_lines=$(kernel_log | grep -E -A 20 "$BAD_DMESG") || true
	if [ -n "$bad_lines" ]; then
		echo "# ovl-vm: kernel health check FAILED: kernel log reports problems:"
		printf '# dmesg: %s\n' "${bad_lines//$'\n'/$'\n'# dmesg: }"
		status=1
	fi
	taint=$(cat /proc/sys/kernel/tainted)
	bad_taint=$((taint & ~(boot_taint | OK_TAINT)))
	if [ "$bad_taint" -ne 0 ]; then
		for bit in {0..31}; do
			if (((bad_taint >> bit) & 1)); then bits+=" $bit"; fi
		done
		echo "# ovl-vm: kernel health check FAILED: tainted=$taint (at boot $boot_taint), unexpected taint bits:$bits (see Documentation/admin-guide/tainted-kernels.rst)"
		status=1
	fi
	return "$status"
}

# Hold on, for the whole run, the static keys the tests would otherwise
# turn on and off under traffic. Each turn rewrites jump labels in code the
# other vCPU may be running in softirq, which multi-threaded TCG does not
# survive: "Oops: int3" one byte past the receive-timestamp key's label in
# __netif_receive_skb_core killed a CI run, and loops under traffic do it
# within seconds (docs/testing.md). Each key is held by one user that lasts
# the whole run, so its count never drops to zero:
# - receive timestamps: every ping turns them on and off; a ping that
#   does not end;
# - the forward hooks: the relay tests and the demo cut paths by adding
#   and deleting nftables forward chains (inet, bridge); empty ones in the
#   root namespace; the same for the inet prerouting and input hooks,
#   which flood.sh's scrub test uses;
# - UDP encap: the module tests close ovl's sockets under a flood; a
#   foo-over-UDP socket on IPv6 (which holds the IPv4 and IPv6 keys).
# So these labels are rewritten once, here, before any traffic.
ping -q -i 3600 127.0.0.1 >/dev/null &
if command -v nft >/dev/null; then
	for family in inet bridge; do
		nft add table $family ovl_vm_keys &&
			nft add chain $family ovl_vm_keys forward \
				'{ type filter hook forward priority 0; }' ||
			echo "# ovl-vm: could not hold the $family forward hooks on"
	done
	for hook in prerouting input; do
		nft add chain inet ovl_vm_keys $hook \
			"{ type filter hook $hook priority 0; }" ||
			echo "# ovl-vm: could not hold the inet $hook hooks on"
	done
fi
modprobe fou && ip fou add port 65000 ipproto 4 -6 ||
	echo "# ovl-vm: could not hold the UDP encap keys on"

boot_taint=$(cat /proc/sys/kernel/tainted)
echo "$KMSG_MARK" >/dev/kmsg
cd "$repo"
echo "OVL-VM-START"
rc=0
if [ "${#cmd[@]}" -eq 0 ]; then
	if [ -n "$tty_size" ]; then
		read -r rows cols <<<"$tty_size"
		stty -F /dev/ttyS0 rows "$rows" cols "$cols"
	fi
	echo "ovl-vm: interactive shell, exit it to power off"
	setsid -c -w bash -l <>/dev/ttyS0 >&0 2>&0 || rc=$?
else
	"${cmd[@]}" </dev/null || rc=$?
fi
if ! health_check && [ "$rc" -eq 0 ]; then
	echo "# ovl-vm: the command passed but the kernel health check failed: exit code 1"
	rc=1
fi
echo "OVL-VM-EXIT: $rc"
exec busybox poweroff -f
