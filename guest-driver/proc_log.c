// SPDX-License-Identifier: GPL-2.0
/*
 * proc_log.c - CPC_PROC_LOG: the newest lines of the kernel log as plain
 * text, at most args[0] bytes (0: as much as the result buffer holds; never
 * more than CPC_LOG_MAX). ret[0] = bytes returned.
 */
#include <linux/kmsg_dump.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "proc.h"

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

const struct cpc_proc cpc_proc_log = {
	.run = cpc_log_run,
};
