#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build ovl.ko once per test kernel, each in a fresh copy of the source
# tree (build/KVER/src) so that the builds never share objects.  Warnings
# are errors.  With --sparse, sparse checks every file too and any sparse
# finding fails the build.  Result: build/KVER/ovl.ko.
# Usage: build-kmods.sh [--sparse] [KVER...]
set -eu
cd "$(dirname "$0")/.."
top=$PWD

sparse=
if [ "${1:-}" = --sparse ]; then
	sparse=1
	shift
fi
[ $# -gt 0 ] || set -- $(scripts/kernels.sh)
[ $# -gt 0 ] || { echo "build-kmods: no kernel with a build tree is installed" >&2; exit 1; }

for kver in "$@"; do
	kdir=/lib/modules/$kver/build
	src=$top/build/$kver/src
	rm -rf "$src"
	mkdir -p "$src"
	cp -a Kbuild kmod include "$src/"
	echo "ovl: building the module for $kver${sparse:+ (with sparse)}"
	# Debian's header packages ship no vmlinux to take BTF from.
	args=(-s -j"$(nproc)" -C "$kdir" M="$src" W=1 KCFLAGS=-Werror)
	[ -e "$kdir/vmlinux" ] || args+=(CONFIG_DEBUG_INFO_BTF_MODULES=)
	[ -z "$sparse" ] ||
		args+=(C=2 "CHECK=sparse -Wbitwise -Wcast-to-as -Wdefault-bitfield-sign")
	make "${args[@]}" modules 2>"$top/build/$kver/build.log" || {
		cat "$top/build/$kver/build.log" >&2
		exit 1
	}
	if [ -s "$top/build/$kver/build.log" ]; then
		cat "$top/build/$kver/build.log" >&2
		echo "build-kmods: the build for $kver printed warnings" >&2
		exit 1
	fi
	cp "$src/kmod/ovl.ko" "$top/build/$kver/ovl.ko"
done
