// SPDX-License-Identifier: GPL-2.0
/*
 * cpc_proc_time.ko - the guest clock (qemu-ga's guest-get-time and
 * guest-set-time), e.g. to fix it after the VM was paused or migrated.
 *
 * time-get: ret[0] = CLOCK_REALTIME in ns since the epoch, ret[1] =
 * CLOCK_BOOTTIME in ns.
 *
 * time-set: steps CLOCK_REALTIME to args[0] ns since the epoch. Bounded:
 * a step larger than max_step_s either way is refused (-ERANGE), as is a
 * time before 2000-01-01 or after 2200-01-01 (-EINVAL); every step is
 * logged. ret[0] = the time before, ret[1] = the step in ns (two's
 * complement).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>

#include "../cpc_proc.h"

#define CPC_TIME_MIN_NS	(946684800ull * NSEC_PER_SEC)	/* 2000-01-01 */
#define CPC_TIME_MAX_NS	(7258118400ull * NSEC_PER_SEC)	/* 2200-01-01 */

static unsigned int max_step_s = 7 * 24 * 3600;
module_param(max_step_s, uint, 0644);
MODULE_PARM_DESC(max_step_s, "largest step time-set makes, seconds (default a week)");

static int cpc_time_get_run(struct cpc_proc_call *call)
{
	call->ret[0] = ktime_get_real_ns();
	call->ret[1] = ktime_get_boottime_ns();
	return 0;
}

static int cpc_time_set_run(struct cpc_proc_call *call)
{
	u64 want = call->req->args[0];
	struct timespec64 ts;
	s64 now, step;
	int ret;

	if (want < CPC_TIME_MIN_NS || want > CPC_TIME_MAX_NS)
		return -EINVAL;
	now = ktime_get_real_ns();
	step = (s64)want - now;
	if (abs(step) > (s64)READ_ONCE(max_step_s) * NSEC_PER_SEC)
		return -ERANGE;
	ts = ns_to_timespec64(want);
	ret = do_settimeofday64(&ts);
	if (ret)
		return ret;
	pr_info("the host stepped the clock by %lld.%03lld s\n", step / NSEC_PER_SEC,
		abs(step % NSEC_PER_SEC) / NSEC_PER_MSEC);
	call->ret[0] = now;
	call->ret[1] = step;
	return 0;
}

static const struct cpc_proc_desc cpc_proc_time_get = {
	.api = CPC_PROC_API_VERSION,
	.name = "time-get",
	.opcode = CPC_PROC_DYNAMIC,
	.version = 1,
	.run = cpc_time_get_run,
	.owner = THIS_MODULE,
};

static const struct cpc_proc_desc cpc_proc_time_set = {
	.api = CPC_PROC_API_VERSION,
	.name = "time-set",
	.opcode = CPC_PROC_DYNAMIC,
	.version = 1,
	.run = cpc_time_set_run,
	.owner = THIS_MODULE,
};

static int __init cpc_proc_time_init(void)
{
	int ret = cpc_proc_register(&cpc_proc_time_get);

	if (ret < 0)
		return ret;
	ret = cpc_proc_register(&cpc_proc_time_set);
	if (ret < 0) {
		cpc_proc_unregister(&cpc_proc_time_get);
		return ret;
	}
	return 0;
}

static void __exit cpc_proc_time_exit(void)
{
	cpc_proc_unregister(&cpc_proc_time_set);
	cpc_proc_unregister(&cpc_proc_time_get);
}

module_init(cpc_proc_time_init);
module_exit(cpc_proc_time_exit);

MODULE_DESCRIPTION("cpc guest procedures: time-get, time-set");
MODULE_LICENSE("GPL");
