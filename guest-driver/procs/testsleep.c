// SPDX-License-Identifier: GPL-2.0
/*
 * cpc_proc_testsleep.ko - test builds only (make CPC_TESTING=1): a
 * procedure module whose one procedure, testsleep, sleeps args[0] ms (at
 * most until the call's deadline: -ETIMEDOUT then) and returns ret[0] =
 * the ms slept. Lets the tests unload a procedure module while its call
 * runs, call a procedure with a dynamic id by name, and see it refused
 * while filesystems are frozen (CPC_PROC_F_THAWED). Its parameters make
 * it register as something else, for the registration API's errors:
 * name=, opcode= (-1: dynamic), api=, arg_min=, out_min=.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/module.h>

#include "../cpc_proc.h"

static int cpc_testsleep_run(struct cpc_proc_call *call)
{
	unsigned long end = jiffies + msecs_to_jiffies(min_t(u64, call->req->args[0], 60000));

	while (time_before(jiffies, end)) {
		if (time_after(jiffies, call->deadline))
			return -ETIMEDOUT;
		msleep(20);
	}
	call->ret[0] = call->req->args[0];
	return 0;
}

static char *name = "testsleep";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "name to register");
static int opcode = -1;
module_param(opcode, int, 0444);
MODULE_PARM_DESC(opcode, "opcode to register (-1: dynamic)");
static uint api = CPC_PROC_API_VERSION;
module_param(api, uint, 0444);
MODULE_PARM_DESC(api, "API version to claim");
static uint arg_min;
module_param(arg_min, uint, 0444);
MODULE_PARM_DESC(arg_min, "smallest argument buffer");
static uint out_min;
module_param(out_min, uint, 0444);
MODULE_PARM_DESC(out_min, "smallest result buffer");

static struct cpc_proc_desc cpc_proc_testsleep = {
	.version = 3,
	.flags = CPC_PROC_F_THAWED,
	.arg_max = 16,
	.deadline_max_ms = 5000,
	.run = cpc_testsleep_run,
	.owner = THIS_MODULE,
};

static int __init cpc_testsleep_init(void)
{
	int ret;

	cpc_proc_testsleep.api = api;
	cpc_proc_testsleep.name = name;
	cpc_proc_testsleep.opcode = opcode < 0 ? CPC_PROC_DYNAMIC : opcode;
	cpc_proc_testsleep.arg_min = arg_min;
	cpc_proc_testsleep.out_min = out_min;
	ret = cpc_proc_register(&cpc_proc_testsleep);
	return ret < 0 ? ret : 0;
}

static void __exit cpc_testsleep_exit(void)
{
	cpc_proc_unregister(&cpc_proc_testsleep);
}

module_init(cpc_testsleep_init);
module_exit(cpc_testsleep_exit);

MODULE_DESCRIPTION("cpc guest procedure: testsleep (test builds only)");
MODULE_LICENSE("GPL");
