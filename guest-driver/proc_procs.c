// SPDX-License-Identifier: GPL-2.0
/*
 * proc_procs.c - CPC_PROC_PROCS: the procedures the host may call now, as
 * a JSON array of {"name","id","version"} (installed and allowed by the
 * owner's policy); ret[0] = entries. The host resolves a name it does not
 * know at compile time through it (cpcctl call CHANNEL NAME).
 */
#include <linux/module.h>

#include "proc_buf.h"

/**
 * struct cpc_procs_walk - state of the walk over the procedures.
 * @b: the JSON being built.
 * @n: entries written so far.
 */
struct cpc_procs_walk {
	struct cpc_buf *b;
	u64 n;
};

static void cpc_procs_one(const struct cpc_proc_view *v, void *arg)
{
	struct cpc_procs_walk *w = arg;

	if (!v->allowed)
		return;
	cpc_buf_printf(w->b, "%s{\"name\":", w->n++ ? "," : "");
	cpc_buf_json_str(w->b, v->name);
	cpc_buf_printf(w->b, ",\"id\":%u,\"version\":%u}", v->opcode, v->version);
}

static int cpc_procs_run(struct cpc_proc_call *call)
{
	struct cpc_buf b;
	struct cpc_procs_walk w = { .b = &b };
	int ret;

	ret = cpc_buf_init(&b, call->out_cap);
	if (ret)
		return ret;
	cpc_buf_printf(&b, "[");
	cpc_proc_walk(cpc_procs_one, &w);
	cpc_buf_printf(&b, "]\n");
	ret = cpc_buf_finish(&b, call);
	if (!ret)
		call->ret[0] = w.n;
	return ret;
}

const struct cpc_proc_desc cpc_proc_procs = {
	.api = CPC_PROC_API_VERSION,
	.name = "procs",
	.opcode = CPC_PROC_PROCS,
	.version = 1,
	.run = cpc_procs_run,
};
