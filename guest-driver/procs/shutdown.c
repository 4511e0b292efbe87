// SPDX-License-Identifier: GPL-2.0
/*
 * cpc_proc_shutdown.ko - shutdown: power off, halt or reboot the guest
 * cleanly (qemu-ga's guest-shutdown), answering the host first.
 *
 * args[0]: 0 power off, 1 halt, 2 reboot (else -EINVAL). The call checks
 * its arguments and answers; once the answer is sent (the after hook) the
 * guest's init is asked to go down as `poweroff`/`halt`/`reboot` would
 * (/sbin/poweroff, /sbin/halt, /sbin/reboot); if that cannot start, the
 * kernel syncs and powers off or reboots itself (orderly_poweroff(true),
 * orderly_reboot()); halt has no such fallback, so without /sbin/halt the
 * call fails (-ENOENT) before answering. Refused (-EBUSY) while fsfreeze
 * holds filesystems frozen: the shutdown would block on them. ret[0] = the
 * mode.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/namei.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/reboot.h>
#include <linux/umh.h>
#include <linux/workqueue.h>

#include "../cpc_proc.h"

enum {
	CPC_SHUTDOWN_POWEROFF = 0,
	CPC_SHUTDOWN_HALT = 1,
	CPC_SHUTDOWN_REBOOT = 2,
};

static int cpc_shutdown_mode;
static void cpc_shutdown_work_fn(struct work_struct *work);
static DECLARE_WORK(cpc_shutdown_work, cpc_shutdown_work_fn);

static void cpc_shutdown_work_fn(struct work_struct *work)
{
	char **argv, **envp;
	int ret = -ENOMEM;

	switch (cpc_shutdown_mode) {
	case CPC_SHUTDOWN_POWEROFF:
		orderly_poweroff(true);
		break;
	case CPC_SHUTDOWN_REBOOT:
		orderly_reboot();
		break;
	default:
		/* As orderly_poweroff() runs its command. */
		argv = argv_split(GFP_KERNEL, "/sbin/halt", NULL);
		envp = argv_split(GFP_KERNEL, "HOME=/ PATH=/sbin:/bin:/usr/sbin:/usr/bin", NULL);
		if (argv && envp)
			ret = call_usermodehelper(argv[0], argv, envp, UMH_WAIT_EXEC);
		argv_free(envp);
		argv_free(argv);
		if (ret)
			pr_err("/sbin/halt did not start (%d): not halting\n", ret);
		break;
	}
}

static int cpc_shutdown_run(struct cpc_proc_call *call)
{
	struct path path;

	if (call->req->args[0] > CPC_SHUTDOWN_REBOOT)
		return -EINVAL;
	/* Halting has no kernel fallback that syncs: the command must exist. */
	if (call->req->args[0] == CPC_SHUTDOWN_HALT) {
		if (kern_path("/sbin/halt", LOOKUP_FOLLOW, &path))
			return -ENOENT;
		path_put(&path);
	}
	call->ret[0] = call->req->args[0];
	return 0;
}

static void cpc_shutdown_after(const struct cpc_request *req)
{
	static const char *const what[] = { "power off", "halt", "reboot" };

	cpc_shutdown_mode = req->args[0];
	pr_info("the host asked to %s the guest\n", what[cpc_shutdown_mode]);
	schedule_work(&cpc_shutdown_work);
}

static const struct cpc_proc_desc cpc_proc_shutdown = {
	.api = CPC_PROC_API_VERSION,
	.name = "shutdown",
	.opcode = CPC_PROC_DYNAMIC,
	.version = 1,
	.flags = CPC_PROC_F_THAWED,
	.run = cpc_shutdown_run,
	.after = cpc_shutdown_after,
	.owner = THIS_MODULE,
};

static int __init cpc_proc_shutdown_init(void)
{
	int ret = cpc_proc_register(&cpc_proc_shutdown);

	return ret < 0 ? ret : 0;
}

static void __exit cpc_proc_shutdown_exit(void)
{
	cpc_proc_unregister(&cpc_proc_shutdown);
	flush_work(&cpc_shutdown_work);
}

module_init(cpc_proc_shutdown_init);
module_exit(cpc_proc_shutdown_exit);

MODULE_DESCRIPTION("cpc guest procedure: shutdown (power off, halt, reboot)");
MODULE_LICENSE("GPL");
