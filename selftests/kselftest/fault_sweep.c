// SPDX-License-Identifier: GPL-2.0
/*
 * fault_sweep - the allocation-failure paths of both modules' load, driven
 * by the kernel's own fault injection: failslab through
 * /proc/thread-self/fail-nth (the Nth slab allocation of this thread
 * fails), N = K+1, K+2, ... (K: the module loader's allocations before it
 * parses the parameters, see before_params_allocs()) until a load
 * completes without reaching N. Each
 * load that met its failure must either fail with an errno and leave no
 * module behind, or (a failure it absorbs) load and unload again (or be
 * refused as it is without failures: slice_info= naming no info page).
 * The test bed then checks the kernel log and, on the debug kernel, kmemleak after
 * unloading both modules. Needs CONFIG_FAILSLAB and
 * CONFIG_FAULT_INJECTION_DEBUG_FS (selftests/kselftest/config); skips
 * without them (Debian's kernel).
 */
#include "cpc_test.h"
#include "fail_nth.h"
#include "kselftest_harness.h"


/*
 * One load of @mod with its Nth slab allocation failing. Returns the load's
 * result (0 or -errno); *@injected tells whether the Nth allocation came.
 */
static int load_failing_nth(const char *mod, const char *params, unsigned int n,
			    bool *injected)
{
	char path[256];
	int ko, nth, ret = 0;
	long left;

	snprintf(path, sizeof(path), "%s/%s.ko", cpc_module_dir(), mod);
	ko = open(path, O_RDONLY | O_CLOEXEC);
	if (ko < 0)
		return -errno;
	nth = fail_nth_arm(n);
	if (nth < 0) {
		close(ko);
		return nth;
	}
	if (syscall(__NR_finit_module, ko, params, 0) < 0)
		ret = -errno;
	left = fail_nth_disarm(nth);
	*injected = left == 0;
	if (left < 0 && ret == 0)
		ret = -EIO;
	close(ko);
	return ret;
}

/*
 * How many slab allocations finit_module() makes before the module's
 * parameters are parsed: reading the image, laying the module out in
 * module_alloc()'s vmalloc, relocating it. Failing those is the kernel's
 * business, not cpc's, and vmalloc's failure report carries a call trace
 * the test bed rightly fails on. Counted with a load whose @bad_param has
 * a value its type refuses (parse_args() fails the load with EINVAL just
 * before sysfs setup and the module's init) and a fail-nth too large to be
 * reached.
 */
static int before_params_allocs(const char *mod, const char *bad_param, unsigned int *count)
{
	char path[256];
	int ko, nth, ret = 0;
	long left;
	const unsigned int big = 1000000;

	snprintf(path, sizeof(path), "%s/%s.ko", cpc_module_dir(), mod);
	ko = open(path, O_RDONLY | O_CLOEXEC);
	if (ko < 0)
		return -errno;
	nth = fail_nth_arm(big);
	if (nth < 0) {
		close(ko);
		return nth;
	}
	if (syscall(__NR_finit_module, ko, bad_param, 0) == 0 || errno != EINVAL)
		ret = -EPROTO;
	left = fail_nth_disarm(nth);
	if (left < 0 && !ret)
		ret = -EIO;
	if (!ret)
		*count = big - left;
	close(ko);
	return ret;
}

/*
 * Sweeps @mod's load from the first allocation after its parameters are
 * parsed (see before_params_allocs(); @bad_param: one of its parameters
 * with a value of the wrong type); returns how many loads met their failure.
 * @want: what a load with @params returns without failures (0, or the
 * errno of parameters it refuses only in its init).
 */
static unsigned int sweep(struct __test_metadata *_metadata, const char *mod,
			  const char *params, const char *bad_param, int want)
{
	unsigned int n, first = 0, failed = 0, absorbed = 0;
	bool injected;
	int ret;

	ASSERT_EQ(0, before_params_allocs(mod, bad_param, &first));
	TH_LOG("%s: %u allocations before its parameters (not swept)", mod, first);
	for (n = first + 1; n < first + 20000; n++) {
		injected = false;
		ret = load_failing_nth(mod, params, n, &injected);
		if (!injected) {
			ASSERT_EQ(want, ret) TH_LOG("%s: load with no failure left: %d", mod, ret);
			break;
		}
		if (ret == 0) {
			ASSERT_EQ(0, want) TH_LOG("%s: failure %u: loaded with %s", mod, n, params);
			absorbed++;
			ASSERT_EQ(0, cpc_module_unload(mod)) TH_LOG("%s: unload after absorbed failure %u", mod, n);
		} else if (ret == want) {
			/* absorbed, and refused as without the failure */
			absorbed++;
			ASSERT_FALSE(cpc_module_loaded(mod)) TH_LOG("%s: failed load %u (%d) left the module", mod, n, ret);
		} else {
			failed++;
			ASSERT_FALSE(cpc_module_loaded(mod)) TH_LOG("%s: failed load %u (%d) left the module", mod, n, ret);
			ASSERT_TRUE(ret == -ENOMEM || ret == -ENODEV || ret == -EINVAL || ret == -EBUSY ||
				    ret == -EEXIST || ret == -ENOSPC || ret == -EFAULT)
				TH_LOG("%s: failure %u: unexpected %d", mod, n, ret);
		}
	}
	ASSERT_LT(n, first + 20000);
	TH_LOG("%s: %u allocations swept: %u loads failed cleanly, %u absorbed the failure",
	       mod, n - 1 - first, failed, absorbed);
	return n - 1 - first;
}

FIXTURE(fault) {
	char host_args[512];
};

FIXTURE_SETUP(fault)
{
	if (!cpc_path_exists(FAILSLAB) || !cpc_path_exists(FAIL_NTH))
		SKIP(return, "no failslab / fail-nth (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)");
	/* GFP_KERNEL allocations too (the default skips them); no dumps. */
	ASSERT_EQ(0, fail_knob(FAILSLAB "/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, fail_knob(FAILSLAB "/verbose", "0"));
	snprintf(self->host_args, sizeof(self->host_args), "%s", cpc_boot_modargs());
	if (cpc_module_loaded("cpc_guest"))
		ASSERT_EQ(0, cpc_module_unload("cpc_guest"));
	if (cpc_module_loaded("cpc_host"))
		ASSERT_EQ(0, cpc_module_unload("cpc_host"));
}

FIXTURE_TEARDOWN(fault)
{
	if (!cpc_module_loaded("cpc_host"))
		cpc_module_load("cpc_host", self->host_args);
}

/*
 * cpc_host without the loopback transport: its region is a vzalloc(), whose
 * failure report has a call trace too (the guest's sweep below runs on it).
 */
TEST_F_TIMEOUT(fault, host_load, 1800)
{
	/* This harness runs the test after a SKIP in its setup. */
	if (_metadata->skip)
		return;
	EXPECT_GT(sweep(_metadata, "cpc_host", "", "doorbell_cpu=x", 0), 0);
	ASSERT_TRUE(cpc_module_loaded("cpc_host"));
	ASSERT_EQ(0, cpc_module_unload("cpc_host"));
}

/* cpc_guest on cpc_host's loopback device: its probe and channel. */
TEST_F_TIMEOUT(fault, guest_load_on_loopback, 1800)
{
	/* This harness runs the test after a SKIP in its setup. */
	if (_metadata->skip)
		return;
	ASSERT_EQ(0, cpc_module_load("cpc_host", "loopback_mib=4"));
	EXPECT_GT(sweep(_metadata, "cpc_guest", "loopback=1 maint_cpu=3", "maint_cpu=x", 0), 0);
	ASSERT_TRUE(cpc_module_loaded("cpc_guest"));
	ASSERT_EQ(0, cpc_module_unload("cpc_guest"));
	ASSERT_EQ(0, cpc_module_unload("cpc_host"));
}

/*
 * cpc_guest as a Linux slice's kernel loads it (slice_info=: the info page
 * cpc_host names), here with an address where the host VM has nothing: in
 * its memory hot-plug window above the DIMM, no RAM and no device (reads
 * as zeros). Without failures the load is EINVAL (no info page there);
 * with one, ENOMEM or that EINVAL: the info page's copy and its mapping.
 */
TEST_F_TIMEOUT(fault, guest_load_slice_info, 1800)
{
	/* This harness runs the test after a SKIP in its setup. */
	if (_metadata->skip)
		return;
	EXPECT_GT(sweep(_metadata, "cpc_guest", "slice_info=0x180000000 maint_cpu=3", "maint_cpu=x",
			-EINVAL), 0);
	ASSERT_FALSE(cpc_module_loaded("cpc_guest"));
}

TEST_HARNESS_MAIN
