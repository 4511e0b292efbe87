// SPDX-License-Identifier: GPL-2.0
/*
 * proc_ps.c - CPC_PROC_PS: every process as a JSON array of
 * {"pid","comm","state","rss_kb"}; ret[0] = number of processes.
 * -ENOSPC when the list does not fit the result buffer, -ETIMEDOUT when the
 * request's deadline passes.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

#include "proc_buf.h"

static int cpc_ps_run(struct cpc_proc_call *call)
{
	char comm[TASK_COMM_LEN];
	struct task_struct *p;
	unsigned long rss;
	struct cpc_buf b;
	u64 n = 0;
	int ret;

	ret = cpc_buf_init(&b, call->out_cap);
	if (ret)
		return ret;
	cpc_buf_printf(&b, "[");
	rcu_read_lock();
	for_each_process(p) {
		if (time_after(jiffies, call->deadline)) {
			ret = -ETIMEDOUT;
			break;
		}
		rss = 0;
		task_lock(p);
		/* p->mm stays valid while task_lock is held and it is set. */
		if (p->mm && !(p->flags & PF_KTHREAD))
			rss = get_mm_rss(p->mm) << (PAGE_SHIFT - 10);
		memcpy(comm, p->comm, sizeof(comm));
		task_unlock(p);
		comm[sizeof(comm) - 1] = '\0';
		cpc_buf_printf(&b, "%s{\"pid\":%d,\"comm\":", n ? "," : "",
			       task_pid_nr(p));
		cpc_buf_json_str(&b, comm);
		cpc_buf_printf(&b, ",\"state\":\"%c\",\"rss_kb\":%lu}",
			       task_state_to_char(p), rss);
		n++;
		if (b.overflow)
			break;
	}
	rcu_read_unlock();
	cpc_buf_printf(&b, "]\n");
	ret = cpc_buf_end(&b, call, ret);
	if (!ret)
		call->ret[0] = n;
	return ret;
}

const struct cpc_proc_desc cpc_proc_ps = {
	.api = CPC_PROC_API_VERSION,
	.name = "ps",
	.opcode = CPC_PROC_PS,
	.version = 1,
	.arg_max = CPC_ARG_MAX,
	.run = cpc_ps_run,
};
