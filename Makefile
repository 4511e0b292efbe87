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

.PHONY: all modules modules-testing user testbed check demo bench lint bootstrap clean

all: modules user testbed

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
	@mkdir -p $(KMOD_TESTING)
	@cp -asf $(CURDIR)/Kbuild $(addprefix $(CURDIR)/,$(KMOD_DIRS)) $(KMOD_TESTING)/
	$(MAKE) -C $(KDIR) M=$(KMOD_TESTING) W=1 CPC_TESTING=1 modules

user:
	@test -f $(CMAKE_BUILD)/CMakeCache.txt || cmake -S . -B $(CMAKE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(CMAKE_BUILD) -j$(JOBS)

# The VMs' kernel (uncompressed, for PVH) and base initramfs.
testbed: modules modules-testing user
	@mkdir -p $(TESTBED)/bin
	@test -f $(TESTBED)/vmlinux.$(KVER) || testbed/extract-vmlinux $(KVER) $(TESTBED)/vmlinux.$(KVER)
	@ln -sf vmlinux.$(KVER) $(TESTBED)/vmlinux
	@rm -f $(TESTBED)/bin/*
	@cp $(CMAKE_BUILD)/userlib/cpcctl $(CMAKE_BUILD)/vm-bin/* $(TESTBED)/bin/
	testbed/mkinitramfs $(KVER) $(TESTBED)/initramfs.cpio.gz $(TESTBED)/bin $(KMOD_TESTING)
	@test -f $(TESTBED)/qga.cpio.gz -a $(TESTBED)/qga.cpio.gz -nt /usr/sbin/qemu-ga || \
		testbed/mkqga $(TESTBED)/qga.cpio.gz

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

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)/cmake $(TESTBED) $(KMOD_TESTING)
