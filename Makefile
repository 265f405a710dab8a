# SPDX-License-Identifier: GPL-2.0
#
# make               build kmod/ovl.ko, tool/ovlctl, tool/registry/ovl-registry
#                    and tool/beacon/ovl-beacon
# make check         userspace unit tests, lint, then the VM selftests on
#                    every installed kernel that has a build tree
# make demo          a user's first minutes with ovl, inside the test VM
# make bench         throughput against WireGuard and veth, in the test VM;
#                    the TCP tunnel against HAProxy on the host's loopback;
#                    ovl-registry's req/s on one core (bench/registry.sh)
# make install       install module (modules_install + depmod), tools, man
#
# The module is built against KDIR if given, else /lib/modules/KVER/build
# if KVER is given, else the running kernel's build tree, else the newest
# installed one (a build host whose own kernel has no headers).

KVER ?= $(shell uname -r)
ifeq ($(origin KDIR),undefined)
  ifneq ($(wildcard /lib/modules/$(KVER)/build/Makefile),)
    KDIR := /lib/modules/$(KVER)/build
  else
    KDIR := $(shell ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1)
  endif
endif

# Debian's header packages ship no vmlinux to take BTF from.
KBUILD_ARGS := -C $(KDIR) M=$(CURDIR) \
	$(if $(wildcard $(KDIR)/vmlinux),,CONFIG_DEBUG_INFO_BTF_MODULES=)

PREFIX ?= /usr/local
export PREFIX DESTDIR

.PHONY: all module tool install install-module install-tool check demo \
	bench clean

all: module tool

module:
	@test -n "$(KDIR)" || { echo "ovl: no kernel build tree found; install linux-headers-$(KVER) or set KDIR" >&2; exit 1; }
	@echo "ovl: building the module against $(KDIR)"
	$(MAKE) $(KBUILD_ARGS) modules

tool:
	$(MAKE) -C tool
	$(MAKE) -C tool/beacon

install: install-module install-tool

install-module: module
	$(MAKE) $(KBUILD_ARGS) modules_install
	depmod -a $(notdir $(patsubst %/build,%,$(KDIR)))

install-tool: tool
	$(MAKE) -C tool install
	$(MAKE) -C tool/beacon install

# The whole suite; its last line is "N passed, N failed[, N skipped]".
check:
	@scripts/check.sh

# Both run on the newest kernel that has a build tree.
VM_KVER = $$(scripts/kernels.sh | tail -n 1)
VM_RUN = selftests/vm/vm-run.sh -k "$(VM_KVER)" -m "build/$(VM_KVER)/ovl.ko" --

demo: tool
	@scripts/build-kmods.sh "$(VM_KVER)"
	@$(VM_RUN) scripts/demo.sh

# make bench BENCH_BASE_KO=path/ovl.ko: A/B of that module against this
# tree's, in one VM boot (bench/throughput.sh); BENCH_ROUNDS, BENCH_SECS,
# BENCH_100K=0; OVL_VM_ACCEL=icount for figures the host's load cannot move.
BENCH_ENV = $(foreach v,BENCH_ROUNDS BENCH_SECS BENCH_100K,$(if $($(v)),$(v)=$($(v)))) \
	$(if $(BENCH_BASE_KO),BENCH_BASE_KO=$(abspath $(BENCH_BASE_KO)))

bench: tool
	@$(MAKE) -s -C tool bench
	@$(MAKE) -s -C tool/beacon all bench
	@scripts/build-kmods.sh "$(VM_KVER)"
	@$(VM_RUN) env $(BENCH_ENV) bench/throughput.sh
	@$(if $(BENCH_BASE_KO),,$(VM_RUN) env $(BENCH_ENV) bench/relay.sh)
	@$(if $(BENCH_BASE_KO),,$(VM_RUN) env $(BENCH_ENV) bench/rekey.sh)
	@bench/tunnel.sh
	@$(MAKE) -s -C tool/registry bench

clean:
	$(if $(KDIR),-$(MAKE) $(KBUILD_ARGS) clean)
	$(MAKE) -C tool clean
	$(MAKE) -C tool/beacon clean
	rm -rf build
