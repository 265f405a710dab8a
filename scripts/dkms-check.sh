#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dkms add / build / remove for every test kernel, from a source tree laid
# out as a distribution package would ship it (/usr/src/ovl-VERSION).
# Needs root; leaves no trace in DKMS.
set -eu
cd "$(dirname "$0")/.."
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
src=$PWD/build/dkms/ovl-$ver

[ "$(id -u)" = 0 ] || { echo "dkms-check: needs root"; exit 4; }
command -v dkms >/dev/null || { echo "dkms-check: dkms is not installed"; exit 4; }

cleanup()
{
	dkms remove -m ovl -v "$ver" --all >/dev/null 2>&1 || true
	rm -rf "/usr/src/ovl-$ver" build/dkms
}
trap cleanup EXIT
cleanup

mkdir -p "$src"
cp -a Kbuild kmod include dkms.conf "$src/"
dkms add "$src"
for kver in $(scripts/kernels.sh); do
	dkms build -m ovl -v "$ver" -k "$kver"
	ls "/var/lib/dkms/ovl/$ver/$kver/x86_64/module/"ovl.ko*
done
dkms status -m ovl
dkms remove -m ovl -v "$ver" --all
if dkms status -m ovl | grep -q .; then
	echo "dkms-check: ovl still registered after remove"
	exit 1
fi
echo "dkms-check: add, build for $(scripts/kernels.sh | xargs) and remove all work"
