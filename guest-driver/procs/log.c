// SPDX-License-Identifier: GPL-2.0
/*
 * cpc_proc_log.ko - CPC_PROC_LOG, a procedure module: the newest lines of
 * the kernel log as plain text, at most args[0] bytes (0: as much as the
 * result buffer holds; never more than CPC_LOG_MAX). ret[0] = bytes
 * returned. Once built into cpc_guest, now installed through the
 * registration API like any owner-chosen procedure (cpc_proc.h).
 */
#include <linux/kmsg_dump.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "../cpc_proc.h"

#define CPC_LOG_MAX (64u * 1024u)

static int cpc_log_run(struct cpc_proc_call *call)
{
	struct kmsg_dump_iter iter;
	size_t want, len = 0;
	char *buf;

	want = call->req->args[0] ? call->req->args[0] : call->out_cap;
	want = min3(want, (size_t)call->out_cap, (size_t)CPC_LOG_MAX);
	if (!want)
		return -ENOSPC;
	buf = kvmalloc(want, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	kmsg_dump_rewind(&iter);
	/* Fills @buf with the newest whole lines that fit. */
	kmsg_dump_get_buffer(&iter, false, buf, want, &len);
	if (len > want)
		len = 0;
	memcpy(call->out, buf, len);
	kvfree(buf);
	call->out_len = len;
	call->ret[0] = len;
	return 0;
}

static const struct cpc_proc_desc cpc_proc_log = {
	.api = CPC_PROC_API_VERSION,
	.name = "log",
	.opcode = CPC_PROC_LOG,
	.version = 1,
	.arg_max = CPC_ARG_MAX,
	.run = cpc_log_run,
	.owner = THIS_MODULE,
};

static int __init cpc_proc_log_init(void)
{
	int ret = cpc_proc_register(&cpc_proc_log);

	return ret < 0 ? ret : 0;
}

static void __exit cpc_proc_log_exit(void)
{
	cpc_proc_unregister(&cpc_proc_log);
}

module_init(cpc_proc_log_init);
module_exit(cpc_proc_log_exit);

MODULE_DESCRIPTION("cpc guest procedure: log (tail of the kernel log)");
MODULE_LICENSE("GPL");
