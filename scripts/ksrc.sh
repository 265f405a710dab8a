#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Extract the parts of Debian's linux-source-6.12 that our checks use
# (checkpatch, ynl, the kselftest harness, the netlink schemas) into
# build/ksrc, once.  Prints the directory.  Nothing from it is committed.
set -eu
cd "$(dirname "$0")/.."
dest=$PWD/build/ksrc
tarball=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | tail -n 1)
[ -n "$tarball" ] || { echo "ksrc: install linux-source-6.12" >&2; exit 1; }

if [ ! -f "$dest/.done" ] || [ "$tarball" -nt "$dest/.done" ]; then
	rm -rf "$dest"
	mkdir -p "$dest"
	top=$(basename "$tarball" .tar.xz)
	tar -xJf "$tarball" -C "$dest" --strip-components=1 \
		"$top/scripts/checkpatch.pl" \
		"$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch" \
		"$top/tools/net/ynl" \
		"$top/tools/testing/selftests/kselftest_harness.h" \
		"$top/tools/testing/selftests/kselftest.h" \
		"$top/Documentation/netlink"
	# ynl-gen-c finds the tree's root by its MAINTAINERS file.
	touch "$dest/MAINTAINERS" "$dest/.done"
fi
echo "$dest"
