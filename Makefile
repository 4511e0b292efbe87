# SPDX-License-Identifier: GPL-2.0
# cpc - top-level build. `make` builds everything; `make check` runs every
# test suite; `make demo` boots host + guest and shows what cpc does.
# Both check and demo run scripts/bootstrap first, so a fresh Debian 12
# machine needs nothing else.

KVER  ?= $(shell scripts/kver 2>/dev/null)
KDIR  ?= /lib/modules/$(KVER)/build
BUILD := $(CURDIR)/build
CMAKE_BUILD := $(BUILD)/cmake
TESTBED := $(BUILD)/testbed
JOBS  ?= $(shell nproc)
KMOD_DIRS := host-module guest-driver transport proto uapi
# mirror-sources DIR: DIR becomes a tree of symlinks to the modules' sources
# only. The source tree also holds the product build's objects and .cmd
# files: linked too, kbuild would read the product's commands (rebuilding
# everything each time) and write its own through the links (so the product
# rebuilt next time), and a rebuilt debug build invalidates all gcov data.
mirror-sources = mkdir -p $(1) && find $(1) -type l ! -name '*.[chS]' ! -name Kbuild -delete && \
	cd $(CURDIR) && find Kbuild $(KMOD_DIRS) -type f \( -name '*.[chS]' -o -name Kbuild \) | \
	while read -r f; do mkdir -p $(1)/$$(dirname $$f) && ln -sfn $(CURDIR)/$$f $(1)/$$f; done

.PHONY: all modules modules-testing user payload testbed fuzz fuzz-long testbed-debug check check-debug coverage coverage-user demo bench lint \
	bootstrap clean dist install dkms-src dkms-install dkms-uninstall

all: modules user payload testbed fuzz dist

bootstrap:
	@scripts/bootstrap

# The product: both modules without any test hook, in the source tree (what
# DKMS builds too).
modules:
	@test -n "$(KVER)" || { echo "no Debian kernel installed: run scripts/bootstrap" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

# The test bed's modules: CPC_TESTING=1 adds the test hooks (fault injection,
# hostile peers, raw memory in debugfs). Built in $(KMOD_TESTING), a tree of
# symlinks to the sources, so the product's objects stay untouched.
KMOD_TESTING := $(BUILD)/kmod-testing
modules-testing:
	@test -n "$(KVER)" || { echo "no Debian kernel installed: run scripts/bootstrap" >&2; exit 1; }
	@$(call mirror-sources,$(KMOD_TESTING))
	$(MAKE) -C $(KDIR) M=$(KMOD_TESTING) W=1 CPC_TESTING=1 modules

user:
	@test -f $(CMAKE_BUILD)/CMakeCache.txt || cmake -S . -B $(CMAKE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(CMAKE_BUILD) -j$(JOBS)

# The bare-metal slice payload (a freestanding image with proto/ inside):
# /usr/lib/cpc/slice-echo in the test bed's host VM.
PAYLOAD := $(BUILD)/slice-payload/slice-echo
payload:
	slice-payload/build $(PAYLOAD)

# The VMs' kernel (uncompressed, for PVH) and base initramfs.
testbed: modules modules-testing user payload
	@mkdir -p $(TESTBED)/bin
	@test -f $(TESTBED)/vmlinux.$(KVER) || testbed/extract-vmlinux $(KVER) $(TESTBED)/vmlinux.$(KVER)
	@ln -sf vmlinux.$(KVER) $(TESTBED)/vmlinux
	@rm -f $(TESTBED)/bin/*
	@cp $(CMAKE_BUILD)/userlib/cpcctl $(CMAKE_BUILD)/vm-bin/* $(TESTBED)/bin/
	testbed/mkinitramfs $(KVER) $(TESTBED)/initramfs.cpio.gz $(TESTBED)/bin $(KMOD_TESTING) $(PAYLOAD)
	testbed/mkslice $(KVER) $(TESTBED)/slice.cpio.gz $(KMOD_TESTING) $(TESTBED)/bin
	@test -f $(TESTBED)/qga.cpio.gz -a $(TESTBED)/qga.cpio.gz -nt /usr/sbin/qemu-ga || \
		testbed/mkqga $(TESTBED)/qga.cpio.gz

# The libFuzzer harnesses (fuzz/, Debian's clang, ASan + UBSan) in
# build/fuzz; make check runs each for FUZZ_SECONDS (suite "fuzz"),
# make fuzz-long for FUZZ_RUNS executions each (Documentation/results.md).
FUZZ_RUNS ?= 1000000
fuzz:
	scripts/fuzz build

fuzz-long: bootstrap fuzz
	scripts/fuzz long $(FUZZ_RUNS)

# The debug kernel (testbed/debug-kernel/build: KASAN, lockdep, kmemleak,
# UBSAN, gcov; built once, cached outside the clone), the test build of the
# modules against it with GCOV_PROFILE, and its initramfs: build/testbed-debug
# is what testbed/run --kernel boots.
KMOD_DEBUG := $(BUILD)/kmod-debug
TESTBED_DEBUG := $(BUILD)/testbed-debug
testbed-debug: user payload
	@testbed/debug-kernel/build >/dev/null
	@mkdir -p $(TESTBED_DEBUG)
	@$(call mirror-sources,$(KMOD_DEBUG))
	$(MAKE) -C $$(testbed/debug-kernel/build --dir)/build M=$(KMOD_DEBUG) W=1 CPC_TESTING=1 GCOV_PROFILE=y modules
	@ln -sf $$(testbed/debug-kernel/build --dir)/vmlinux $(TESTBED_DEBUG)/vmlinux
	@ln -sf $$(testbed/debug-kernel/build --dir)/bzImage $(TESTBED_DEBUG)/bzImage
	@cp testbed/debug-kernel/cmdline $(TESTBED_DEBUG)/cmdline
	@mkdir -p $(TESTBED_DEBUG)/bin && rm -f $(TESTBED_DEBUG)/bin/*
	@cp $(CMAKE_BUILD)/userlib/cpcctl $(CMAKE_BUILD)/vm-bin/* $(TESTBED_DEBUG)/bin/
	testbed/mkinitramfs builtin $(TESTBED_DEBUG)/initramfs.cpio.gz $(TESTBED_DEBUG)/bin $(KMOD_DEBUG) $(PAYLOAD)

# The kselftest scenarios on the debug kernel (DEBUG_SUITES: run-tests name
# filters, default all), then the modules' coverage (lcov) in build/coverage.
# A full run starts from no gcov data; DEBUG_SUITES=... replaces only the
# data of the scenarios it runs, so groups run one after the other add up
# (make coverage: the report over whatever build/gcov holds).
DEBUG_SUITES ?=
DEBUG_TIMEOUT ?= 2400
check-debug: bootstrap
	@$(MAKE) --no-print-directory all testbed-debug
	$(if $(DEBUG_SUITES),,rm -rf $(BUILD)/gcov)
	CPC_DEBUG_KERNEL=$(TESTBED_DEBUG) CPC_DEBUG_TIMEOUT=$(DEBUG_TIMEOUT) CPC_GCOV_DIR=$(BUILD)/gcov \
		scripts/run-tests $(DEBUG_SUITES)
	scripts/coverage $(BUILD)/gcov $(KMOD_DEBUG) $(BUILD)/coverage

coverage:
	scripts/coverage $(BUILD)/gcov $(KMOD_DEBUG) $(BUILD)/coverage

# userlib/'s coverage over the unit tests (a --coverage build of its own in
# build/cmake-cov): build/coverage-user.
coverage-user: bootstrap
	scripts/coverage-user $(BUILD)/coverage-user

check: bootstrap
	@$(MAKE) --no-print-directory all
	scripts/run-tests

demo: bootstrap
	@$(MAKE) --no-print-directory all
	testbed/demo

bench: bootstrap
	@$(MAKE) --no-print-directory all
	scripts/run-bench $(BENCH)

# CAMELCASE is ignored: with --no-tree checkpatch cannot see that names like
# __SetPageOffline are the kernel's own API; cpc's identifiers are snake_case.
lint: bootstrap
	@scripts/lint

# Installation (Documentation/install.md). `make install` builds a
# second CMake tree without static linking and without tests (libcpc.so,
# libcpc.a, the tools) and installs it under $(DESTDIR)$(PREFIX).
VERSION := $(shell cat $(CURDIR)/VERSION)
PREFIX ?= /usr/local
DIST_BUILD := $(BUILD)/cmake-dist
dist:
	cmake -S . -B $(DIST_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPC_STATIC=OFF -DCPC_TESTS=OFF \
		-DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --build $(DIST_BUILD) -j$(JOBS)

install: dist
	DESTDIR=$(DESTDIR) cmake --install $(DIST_BUILD)

# DKMS: the module sources (only them) in $(DKMS_SRC); dkms-install (root)
# copies them to /usr/src/cpc-$(VERSION) and builds and installs both
# modules for the running kernel (and, AUTOINSTALL, every later one).
DKMS_SRC := $(BUILD)/dkms/cpc-$(VERSION)
dkms-src:
	@grep -qx 'PACKAGE_VERSION="$(VERSION)"' dkms.conf || { echo "dkms.conf: PACKAGE_VERSION is not $(VERSION) (VERSION)" >&2; exit 1; }
	rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)
	cp dkms.conf Kbuild VERSION $(DKMS_SRC)/
	cp --parents $$(find $(KMOD_DIRS) -name '*.[chS]' ! -name '*.mod.c') $(DKMS_SRC)/

dkms-install: dkms-src
	rm -rf /usr/src/cpc-$(VERSION) && cp -r $(DKMS_SRC) /usr/src/cpc-$(VERSION)
	dkms add -m cpc -v $(VERSION)
	dkms install -m cpc -v $(VERSION)

dkms-uninstall:
	dkms remove -m cpc -v $(VERSION) --all
	rm -rf /usr/src/cpc-$(VERSION)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)/cmake $(DIST_BUILD) $(BUILD)/dkms $(BUILD)/install-check $(TESTBED) $(KMOD_TESTING) \
		$(KMOD_DEBUG) $(TESTBED_DEBUG) $(BUILD)/fuzz
