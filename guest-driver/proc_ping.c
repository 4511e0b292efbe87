// SPDX-License-Identifier: GPL-2.0
/*
 * proc_ping.c - CPC_PROC_PING: ret[0] = args[0], ret[1] = the maintenance
 * vCPU it ran on; the argument buffer, if any, is echoed into the result
 * buffer (-ENOSPC if it does not fit).
 */
#include <linux/module.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "proc.h"

static int cpc_ping_run(struct cpc_proc_call *call)
{
	if (call->arg_len > call->out_cap)
		return -ENOSPC;
	if (call->arg_len)
		memcpy(call->out, call->arg, call->arg_len);
	call->out_len = call->arg_len;
	call->ret[0] = call->req->args[0];
	call->ret[1] = raw_smp_processor_id();
	return 0;
}

const struct cpc_proc_desc cpc_proc_ping = {
	.api = CPC_PROC_API_VERSION,
	.name = "ping",
	.opcode = CPC_PROC_PING,
	.version = 1,
	.arg_max = CPC_ARG_MAX,
	.run = cpc_ping_run,
};
