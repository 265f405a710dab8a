#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what building, testing and the demo need, on Debian 12.  The two
# kernels are Debian 12's 6.1 and 6.12; they are only booted under QEMU, so
# no initramfs is generated for them (INITRD=No).
set -eu
export DEBIAN_FRONTEND=noninteractive INITRD=No

packages=(
	# build: module, tool, unit tests
	build-essential pkg-config libmnl-dev libjson-c-dev libcmocka-dev
	libsodium-dev libinih-dev libsystemd-dev
	# TCP tunnels: TLS on the listener (tool/tunnel/tls.c), the openssl
	# CLI makes the tests' certificates, HAProxy for bench/tunnel.sh
	libssl-dev openssl haproxy
	# the registry (tool/registry/): HTTP server and client, its two
	# storage backends, and the PostgreSQL server its suite starts
	libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev libpq-dev
	postgresql
	# libFuzzer harnesses (tool/fuzz/)
	clang libclang-rt-14-dev
	# kernels to build for and boot, their headers, and the kernel source
	# (checkpatch, ynl, kselftest_harness.h)
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12
	sparse perl dkms kmod xz-utils
	# the VM and what the selftests and demo run inside it
	qemu-system-x86 busybox-static cpio
	iproute2 iputils-ping netcat-openbsd iperf3 nftables jq ethtool
	util-linux procps python3 python3-yaml python3-jsonschema
	wireguard-tools groff-base
)

apt-get update
apt-get install -y --no-install-recommends "${packages[@]}"
