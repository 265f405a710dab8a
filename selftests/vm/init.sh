#!/bin/busybox sh
# shellcheck shell=dash disable=SC2154 # ovl_guest, ovl_run, ovl_boot_fail
# /init of the test VM's initramfs, packed by vm-run.sh with a static busybox
# and the modules listed in /lib/modules/load-order.
#
# Mounts the host's root (9p, read-only) under a writable tmpfs overlay and
# switches into it to run the guest stage script. The kernel hands us
# ovl_guest= (stage script) and ovl_run= (run file) from its command line as
# environment variables.
/bin/busybox --install -s /bin
export PATH=/bin

fail() {
	echo "ovl-vm init: $*"
	poweroff -f
}

# vm-run.sh's test of its boot retry: die as a boot flake would.
if [ -n "${ovl_boot_fail:-}" ]; then
	mkdir -p /proc && mount -t proc proc /proc
	echo "ovl-vm init: crashing the kernel as asked (ovl_boot_fail)"
	echo c >/proc/sysrq-trigger
fi

while read -r mod; do
	insmod "/lib/modules/$mod.ko" || fail "insmod $mod failed"
done </lib/modules/load-order

mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose \
	hostroot /host || fail "cannot mount the host root (9p)"
# Nothing here needs /proc, /sys or /dev: the guest stage mounts those.
mount -t tmpfs tmpfs /tmp
mkdir /tmp/upper /tmp/work
mount -t overlay overlay \
	-o lowerdir=/host,upperdir=/tmp/upper,workdir=/tmp/work /newroot ||
	fail "cannot mount the overlay root"

# switch_root rather than chroot, so user namespaces work in the guest.
exec switch_root /newroot /bin/bash "$ovl_guest" "$ovl_run"
