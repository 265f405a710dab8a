#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kernel-side lint: checkpatch --strict on every module source and the uAPI
# header, then a -Werror W=1 build with sparse for every test kernel.  Any
# finding fails.
set -eu
cd "$(dirname "$0")/.."
ksrc=$(scripts/ksrc.sh)
status=0

# Our sources only: an in-tree "make" leaves kbuild's generated ovl.mod.c.
srcs=$(ls kmod/*.[ch] | grep -v '\.mod\.c$')
# checkpatch looks for spelling.txt and const_structs.checkpatch beside itself.
# shellcheck disable=SC2086
if ! perl "$ksrc/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	-f $srcs include/uapi/linux/ovl.h >build/checkpatch.log 2>&1; then
	cat build/checkpatch.log
	echo "lint: checkpatch found problems"
	status=1
fi
scripts/build-kmods.sh --sparse || status=1

[ $status = 0 ] && echo "lint: checkpatch --strict and sparse are clean"
exit $status
