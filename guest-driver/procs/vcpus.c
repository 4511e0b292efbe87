// SPDX-License-Identifier: GPL-2.0
/*
 * cpc_proc_vcpus.ko - the guest's vCPUs (qemu-ga's guest-get-vcpus and
 * guest-set-vcpus).
 *
 * vcpus: every present vCPU as a JSON array of {"cpu","online",
 * "can_offline","maintenance"}; ret[0] = entries, ret[1] = online ones.
 *
 * vcpu-set: args[0] = CPU, args[1] = 1 to bring it online, 0 to take it
 * offline (through the kernel's CPU hotplug, as writing .../cpuN/online
 * does). ret[0] = 1 if it changed, 0 if it already was so. Never the
 * maintenance vCPU (-EBUSY), nor a CPU the kernel cannot unplug (-EINVAL);
 * -ERANGE for a CPU number out of range, -ENOENT for one not present,
 * -EINVAL for args[1] other than 0 or 1.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/module.h>

#include "../cpc_proc.h"

static int cpc_vcpus_run(struct cpc_proc_call *call)
{
	int maint = cpc_proc_maint_cpu();
	u64 n = 0, online = 0;
	struct cpc_buf b;
	unsigned int cpu;
	int ret;

	ret = cpc_buf_init(&b, call->out_cap);
	if (ret)
		return ret;
	cpc_buf_printf(&b, "[");
	cpus_read_lock();
	for_each_present_cpu(cpu) {
		bool on = cpu_online(cpu);

		cpc_buf_printf(&b, "%s{\"cpu\":%u,\"online\":%s,", n++ ? "," : "", cpu,
			       on ? "true" : "false");
		cpc_buf_printf(&b, "\"can_offline\":%s,\"maintenance\":%s}",
			       cpu_is_hotpluggable(cpu) && cpu != maint ? "true" : "false",
			       cpu == maint ? "true" : "false");
		online += on;
	}
	cpus_read_unlock();
	cpc_buf_printf(&b, "]\n");
	ret = cpc_buf_finish(&b, call);
	if (!ret) {
		call->ret[0] = n;
		call->ret[1] = online;
	}
	return ret;
}

static int cpc_vcpu_set_run(struct cpc_proc_call *call)
{
	u64 cpu = call->req->args[0], on = call->req->args[1];
	int ret;

	if (on > 1)
		return -EINVAL;
	if (cpu >= nr_cpu_ids)
		return -ERANGE;
	if (!cpu_present(cpu))
		return -ENOENT;
	if (cpu == cpc_proc_maint_cpu())
		return -EBUSY;
	if (!cpu_is_hotpluggable(cpu))
		return -EINVAL;
	if (!!cpu_online(cpu) == on) {
		call->ret[0] = 0;
		return 0;
	}
	ret = on ? add_cpu(cpu) : remove_cpu(cpu);
	if (ret)
		return ret;
	pr_info("the host took CPU %llu %s\n", cpu, on ? "online" : "offline");
	call->ret[0] = 1;
	return 0;
}

static const struct cpc_proc_desc cpc_proc_vcpus = {
	.api = CPC_PROC_API_VERSION,
	.name = "vcpus",
	.opcode = CPC_PROC_DYNAMIC,
	.version = 1,
	.run = cpc_vcpus_run,
	.owner = THIS_MODULE,
};

static const struct cpc_proc_desc cpc_proc_vcpu_set = {
	.api = CPC_PROC_API_VERSION,
	.name = "vcpu-set",
	.opcode = CPC_PROC_DYNAMIC,
	.version = 1,
	.run = cpc_vcpu_set_run,
	.owner = THIS_MODULE,
};

static int __init cpc_proc_vcpus_init(void)
{
	int ret = cpc_proc_register(&cpc_proc_vcpus);

	if (ret < 0)
		return ret;
	ret = cpc_proc_register(&cpc_proc_vcpu_set);
	if (ret < 0) {
		cpc_proc_unregister(&cpc_proc_vcpus);
		return ret;
	}
	return 0;
}

static void __exit cpc_proc_vcpus_exit(void)
{
	cpc_proc_unregister(&cpc_proc_vcpu_set);
	cpc_proc_unregister(&cpc_proc_vcpus);
}

module_init(cpc_proc_vcpus_init);
module_exit(cpc_proc_vcpus_exit);

MODULE_DESCRIPTION("cpc guest procedures: vcpus, vcpu-set");
MODULE_LICENSE("GPL");
