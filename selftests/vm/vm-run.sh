#!/bin/bash
# Boot a Debian kernel under QEMU and run one command in it, on a writable
# tmpfs overlay of the host's root (shared read-only over 9p), so the guest
# runs the host's binaries and sees the repo at the same path.
#
# usage: vm-run.sh -k KVER -m PATH/ovl.ko [-t TIMEOUT_S] [-i] -- CMD [ARGS...]
#
#   -k KVER   kernel to boot: /boot/vmlinuz-KVER with /lib/modules/KVER
#   -m PATH   ovl.ko to install as /lib/modules/KVER/extra/ovl.ko (not loaded)
#   -t SECS   give up on the VM after SECS seconds (default 900)
#   -i        interactive shell instead of CMD (no timeout)
#
# CMD runs as root from the repo root with OVL_IN_VM=1 and KVER set; its
# output is streamed to stdout. Exit status: CMD's, 1 if CMD passed but the
# kernel health check failed (Oops, WARNING, new taint, ...), 2 if the VM
# did not boot, timed out or died (the last console lines go to stderr).
# A VM that dies or hangs before CMD starts (a TCG boot flake) is booted
# once more, and the output says so; once CMD has started nothing is
# retried.
#
# Environment:
#   OVL_BUILD_DIR  build directory (default <repo>/build); this script keeps
#                  its files in the vm/ subdirectory: initramfs-KVER.cpio.gz,
#                  modules-KVER/ (module index), console-KVER.log (the whole
#                  console of the last run) and accel (the KVM verdict)
#   OVL_VM_ACCEL   tcg, kvm, icount or auto (default): auto tries KVM once
#                  with a short boot and caches the verdict, falling back to
#                  TCG.  icount is single-threaded TCG whose clock counts
#                  instructions (-icount shift=2, 4 ns each, sleep=off):
#                  guest time, and so a throughput measured in the guest,
#                  no longer depends on how busy the host is (bench A/B)
#   OVL_VM_BOOT_TIMEOUT  seconds from power-on to CMD's start (default 300)
#                  after which a boot counts as failed
#   OVL_VM_INJECT_BOOT_FAILURE  if set, the first boot crashes the kernel
#                  before CMD starts (tests of the retry)
set -eu

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
vm_dir=${OVL_BUILD_DIR:-$repo/build}/vm
# Modules the initramfs needs for the 9p root and the overlay, in load order;
# those a kernel has built in (or lacks, like fscache on 6.12) are skipped.
INITRAMFS_MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev
	virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"
KVM_PROBE_TIMEOUT=20

die() {
	echo "vm-run: $*" >&2
	exit 2
}

usage() {
	sed -n '5,/^set -eu$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

# build_initramfs KVER OUT: busybox-static, the modules and init.sh as /init.
build_initramfs() {
	local kver=$1 out=$2 stage mod file
	stage=$(mktemp -d "$vm_dir/initramfs.XXXXXX")
	mkdir -p "$stage"/{bin,dev,host,lib/modules,newroot,tmp}
	cp /bin/busybox "$stage/bin/busybox"
	cp "$here/init.sh" "$stage/init"
	for mod in $INITRAMFS_MODULES; do
		file=$(sed -En "s@^(.*/$mod\\.ko(\\.xz)?):.*@\\1@p" "/lib/modules/$kver/modules.dep")
		[ -n "$file" ] || continue
		case $file in
		*.xz) xz -dc "/lib/modules/$kver/$file" ;;
		*) cat "/lib/modules/$kver/$file" ;;
		esac >"$stage/lib/modules/$mod.ko"
		echo "$mod" >>"$stage/lib/modules/load-order"
	done
	(cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$stage"
}

# index_modules KVER KO TREE: module tree TREE/lib/modules/KVER with KVER's
# modules (symlinked), KO as extra/ovl.ko and the depmod index for both;
# guest.sh installs ovl.ko and the index. depmod takes a second or two here
# and minutes under TCG, so it runs on the host and only when KO changed.
index_modules() {
	local kver=$1 ko=$2 dir=$3/lib/modules/$1 file
	if cmp -s "$ko" "$dir/extra/ovl.ko" &&
		[ "$dir/modules.dep" -nt "/lib/modules/$kver/modules.dep" ]; then
		return
	fi
	rm -rf "$3"
	mkdir -p "$dir/extra"
	ln -s "/lib/modules/$kver/kernel" "$dir/kernel"
	for file in modules.order modules.builtin modules.builtin.modinfo; do
		cp "/lib/modules/$kver/$file" "$dir/"
	done
	cp "$ko" "$dir/extra/ovl.ko"
	depmod -b "$3" "$kver"
}

# pick_accel KVER KO: prints the -accel argument.
pick_accel() {
	local verdict_file=$vm_dir/accel verdict=tcg
	case ${OVL_VM_ACCEL:-auto} in
	tcg) verdict=tcg ;;
	icount) echo icount; return ;;
	kvm) verdict=kvm ;;
	auto)
		if [ -s "$verdict_file" ]; then
			verdict=$(cat "$verdict_file")
		else
			echo "vm-run: probing KVM (once, verdict cached in $verdict_file)" >&2
			if [ -w /dev/kvm ] && OVL_VM_ACCEL=kvm "${BASH_SOURCE[0]}" \
				-k "$1" -m "$2" -t "$KVM_PROBE_TIMEOUT" -- true >/dev/null 2>&1; then
				verdict=kvm
			fi
			echo "vm-run: using $verdict" >&2
			echo "$verdict" >"$verdict_file"
		fi
		;;
	*) die "OVL_VM_ACCEL must be tcg, kvm, icount or auto" ;;
	esac
	if [ "$verdict" = kvm ]; then echo kvm; else echo tcg,thread=multi; fi
}

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	if [ -n "${vm_pid:-}" ]; then
		kill "$vm_pid" 2>/dev/null || true # timeout passes it on to QEMU
		wait                                # for the output to drain
	fi
	rm -rf "${run_dir:-}"
}

kver="" ko="" timeout_s=900 interactive=0
while getopts k:m:t:ih opt; do
	case $opt in
	k) kver=$OPTARG ;;
	m) ko=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	i) interactive=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
cmd=("$@")

if [ -z "$kver" ] || [ -z "$ko" ]; then usage; fi
[ "$interactive" = 1 ] || [ "${#cmd[@]}" -gt 0 ] || usage
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "-t wants a number of seconds"
[ -f "/boot/vmlinuz-$kver" ] || die "no kernel /boot/vmlinuz-$kver"
[ -f "/lib/modules/$kver/modules.dep" ] || die "no modules in /lib/modules/$kver"
[ -f "$ko" ] || die "no module $ko"
mkdir -p "$vm_dir"
vm_dir=$(realpath "$vm_dir")
# Paths on the kernel command line cannot contain blanks.
[[ $here$vm_dir != *[[:space:]]* ]] || die "paths with blanks are not supported: $here $vm_dir"

initramfs=$vm_dir/initramfs-$kver.cpio.gz
for source in "${BASH_SOURCE[0]}" "$here/init.sh" "/lib/modules/$kver/modules.dep"; do
	if [ ! -s "$initramfs" ] || [ "$source" -nt "$initramfs" ]; then
		build_initramfs "$kver" "$initramfs"
	fi
done
accel=$(pick_accel "$kver" "$ko")
modtree=$vm_dir/modules-$kver
index_modules "$kver" "$ko" "$modtree"
modtree=$modtree/lib/modules/$kver

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
run_dir=$(mktemp -d "$vm_dir/run.XXXXXX")
# The run file tells guest.sh what to do; the guest reads it over 9p.
path=$PATH tty_size=""
if [ "$interactive" = 1 ]; then
	cmd=()
	tty_size=$(stty size 2>/dev/null) || true
fi
declare -p kver modtree repo path tty_size cmd >"$run_dir/env"

if [ "$accel" = icount ]; then
	accel=(-accel tcg -icount shift=2,sleep=off)
else
	accel=(-accel "$accel")
fi
qemu=(qemu-system-x86_64 -m 2048 -smp 2 -nographic -no-reboot -nic none
	"${accel[@]}" -cpu max
	-kernel "/boot/vmlinuz-$kver" -initrd "$initramfs"
	-virtfs 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap')
append="console=ttyS0 panic=-1 quiet loglevel=3 log_buf_len=4M ovl_guest=$here/guest.sh ovl_run=$run_dir/env"

if [ "$interactive" = 1 ]; then
	"${qemu[@]}" -append "$append"
	exit
fi

# boot_and_run ATTEMPT: one VM, from boot to power-off; its status is
# QEMU's (124 or 137 when timeout stopped it).  QEMU writes the whole
# console to the log; tail follows it and sed shows what the guest prints
# between its start and exit markers.  A VM that has not reached the start
# marker after boot_timeout_s is stopped: a hung boot must not eat the
# whole time limit.
boot_and_run() {
	local extra="" status=0
	if [ "$1" = 1 ] && [ -n "${OVL_VM_INJECT_BOOT_FAILURE:-}" ]; then
		extra=" ovl_boot_fail=1"
	fi
	: >"$log"
	timeout -k 10 "$timeout_s" "${qemu[@]}" -append "$append$extra" \
		</dev/null >>"$log" 2>&1 &
	vm_pid=$!
	(
		for ((i = 0; i < boot_timeout_s; i++)); do
			grep -q 'OVL-VM-START' "$log" && exit
			kill -0 "$vm_pid" 2>/dev/null || exit
			sleep 1
		done
		echo "vm-run: the VM did not start the command within ${boot_timeout_s}s of booting" >>"$log"
		kill "$vm_pid" 2>/dev/null
	) &
	tail -n +1 -f --pid="$vm_pid" "$log" | sed -un '
		s/\r$//
		/OVL-VM-START$/,/^OVL-VM-EXIT: / {
			/OVL-VM-START$/d
			/^OVL-VM-EXIT: /d
			p
		}' &
	wait $! || true
	wait "$vm_pid" || status=$?
	vm_pid=""
	wait
	return "$status"
}

# Multi-threaded TCG sometimes dies while the kernel boots ("Oops: int3" in
# early boot, before any module is loaded; docs/testing.md).  A VM that
# died or hung before the command started ran nothing, so it is booted
# once more; once the command has started, whatever happens is its result
# and nothing is retried.
log=$vm_dir/console-$kver.log
boot_timeout_s=${OVL_VM_BOOT_TIMEOUT:-300}
[ "$boot_timeout_s" -lt "$timeout_s" ] || boot_timeout_s=$timeout_s
for attempt in 1 2; do
	status=0
	boot_and_run "$attempt" || status=$?
	code=$(sed -n 's/^OVL-VM-EXIT: \([0-9]*\)\r*$/\1/p' "$log" | tail -n 1)
	if [ -n "$code" ]; then
		exit "$code"
	fi
	if [ "$attempt" = 1 ] && ! grep -q 'OVL-VM-START' "$log"; then
		cp "$log" "$log.boot-failed"
		echo "# vm-run: the VM died or hung while booting, before the command started (console: $log.boot-failed); booting it once more"
		echo "vm-run: last 20 lines of the failed boot:" >&2
		tail -n 20 "$log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g; s/\r$//; s/^/| /' >&2
		continue
	fi
	break
done

if [ "$status" = 124 ] || [ "$status" = 137 ]; then
	echo "vm-run: TIMEOUT: the VM did not finish within ${timeout_s}s" >&2
elif ! grep -q 'OVL-VM-START' "$log"; then
	echo "vm-run: the VM died twice while booting" >&2
else
	echo "vm-run: the VM died without reporting an exit code (kernel panic?)" >&2
fi
echo "vm-run: last 50 lines of $log:" >&2
# Prefixed, so that they do not pass for results, and without the firmware's
# terminal control sequences (one resets the terminal).
tail -n 50 "$log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g; s/\r$//; s/^/| /' >&2
exit 2
