#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernels the test suite runs on: every installed kernel image that has
# a matching build tree, oldest first, one release per line.
set -eu
for build in /lib/modules/*/build; do
	kver=$(basename "$(dirname "$build")")
	[ -f "$build/Makefile" ] && [ -f "/boot/vmlinuz-$kver" ] && echo "$kver"
done | sort -V
