// SPDX-License-Identifier: GPL-2.0
/*
 * proc_info.c - CPC_PROC_INFO: guest facts as one JSON object: uptime,
 * memory totals, the System RAM ranges, load averages, kernel release, CPUs,
 * the maintenance vCPU and every installed procedure: id, version, policy
 * and counters.
 */
#include <linux/module.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/sched/loadavg.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>

#include "channel.h"
#include "proc_buf.h"

static void cpc_info_load(struct cpc_buf *b, unsigned long v)
{
	v += FIXED_1 / 200;	/* round like /proc/loadavg */
	cpc_buf_printf(b, "%lu.%02lu", LOAD_INT(v), LOAD_FRAC(v));
}

/**
 * struct cpc_info_walk - state of a walk (System RAM, procedures).
 * @b:     the JSON being built.
 * @count: items written so far.
 */
struct cpc_info_walk {
	struct cpc_buf *b;
	unsigned int count;
};

/* One System RAM resource as {"start":..,"size":..} (for snapshot jobs). */
static int cpc_info_ram(struct resource *res, void *arg)
{
	struct cpc_info_walk *w = arg;

	cpc_buf_printf(w->b, "%s{\"start\":%llu,\"size\":%llu}",
		       w->count++ ? "," : "", (unsigned long long)res->start,
		       (unsigned long long)resource_size(res));
	return 0;
}

/* One installed procedure as "name":{"id":..,"version":..,"allowed":..,...}. */
static void cpc_info_proc(const struct cpc_proc_view *v, void *arg)
{
	struct cpc_info_walk *w = arg;

	cpc_buf_printf(w->b, "%s", w->count++ ? "," : "");
	cpc_buf_json_str(w->b, v->name);
	cpc_buf_printf(w->b, ":{\"id\":%u,\"version\":%u,\"allowed\":%s,",
		       v->opcode, v->version, v->allowed ? "true" : "false");
	cpc_buf_printf(w->b, "\"calls\":%llu,\"rejected\":%llu,\"errors\":%llu}",
		       v->calls, v->rejected, v->errors);
}

static int cpc_info_run(struct cpc_proc_call *call)
{
	struct timespec64 up;
	struct sysinfo si;
	struct cpc_buf b;
	struct cpc_info_walk ram = { .b = &b };
	struct cpc_info_walk w = { .b = &b };
	int ret, i;

	ret = cpc_buf_init(&b, call->out_cap);
	if (ret)
		return ret;
	up = ktime_to_timespec64(ktime_get_boottime());
	si_meminfo(&si);
	cpc_buf_printf(&b, "{\"uptime_s\":%lld,", (long long)up.tv_sec);
	cpc_buf_printf(&b, "\"mem_total_kb\":%lu,\"mem_free_kb\":%lu,",
		       si.totalram << (PAGE_SHIFT - 10), si.freeram << (PAGE_SHIFT - 10));
	cpc_buf_printf(&b, "\"mem_available_kb\":%lu,",
		       (unsigned long)si_mem_available() << (PAGE_SHIFT - 10));
	cpc_buf_printf(&b, "\"ram\":[");
	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
			    0, -1, &ram, cpc_info_ram);
	cpc_buf_printf(&b, "],");
	cpc_buf_printf(&b, "\"load\":[");
	for (i = 0; i < 3; i++) {
		cpc_buf_printf(&b, i ? "," : "");
		cpc_info_load(&b, avenrun[i]);
	}
	cpc_buf_printf(&b, "],\"kernel\":");
	cpc_buf_json_str(&b, init_utsname()->release);
	cpc_buf_printf(&b, ",\"cpus\":%u,\"maint_cpu\":%d,\"procs\":{",
		       num_online_cpus(), cpc_vcpu_cpu());
	cpc_proc_walk(cpc_info_proc, &w);
	cpc_buf_printf(&b, "}}\n");
	ret = cpc_buf_finish(&b, call);
	if (!ret)
		call->ret[0] = call->out_len;
	return ret;
}

const struct cpc_proc_desc cpc_proc_info = {
	.api = CPC_PROC_API_VERSION,
	.name = "info",
	.opcode = CPC_PROC_INFO,
	.version = 1,
	.arg_max = CPC_ARG_MAX,
	.run = cpc_info_run,
};
