// SPDX-License-Identifier: GPL-2.0
/*
 * proc_info.c - CPC_PROC_INFO: guest facts as one JSON object: uptime,
 * memory totals, load averages, kernel release, CPUs, the maintenance vCPU
 * and per-procedure counters.
 */
#include <linux/mm.h>
#include <linux/sched/loadavg.h>
#include <linux/timekeeping.h>
#include <linux/utsname.h>

#include "channel.h"
#include "proc_buf.h"

static const char *const cpc_info_names[CPC_PROC_COUNT] = {
	"ping", "info", "ps", "log", "reclaim", "return", "snapshot",
};

static void cpc_info_load(struct cpc_buf *b, unsigned long v)
{
	v += FIXED_1 / 200;	/* round like /proc/loadavg */
	cpc_buf_printf(b, "%lu.%02lu", LOAD_INT(v), LOAD_FRAC(v));
}

static int cpc_info_run(struct cpc_proc_call *call)
{
	struct timespec64 up;
	struct sysinfo si;
	struct cpc_buf b;
	unsigned int op;
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
	cpc_buf_printf(&b, "\"load\":[");
	for (i = 0; i < 3; i++) {
		cpc_buf_printf(&b, i ? "," : "");
		cpc_info_load(&b, avenrun[i]);
	}
	cpc_buf_printf(&b, "],\"kernel\":");
	cpc_buf_json_str(&b, init_utsname()->release);
	cpc_buf_printf(&b, ",\"cpus\":%u,\"maint_cpu\":%d,\"procs\":{",
		       num_online_cpus(), cpc_vcpu_cpu());
	for (op = 0; op < CPC_PROC_COUNT; op++) {
		cpc_buf_printf(&b, "%s\"%s\":{\"allowed\":%s,\"calls\":%llu,",
			       op ? "," : "", cpc_info_names[op],
			       cpc_policy_allowed(op) ? "true" : "false",
			       cpc_policy_counter(op, CPC_POLICY_CALLS));
		cpc_buf_printf(&b, "\"rejected\":%llu,\"errors\":%llu}",
			       cpc_policy_counter(op, CPC_POLICY_REJECTED),
			       cpc_policy_counter(op, CPC_POLICY_ERRORS));
	}
	cpc_buf_printf(&b, "}}\n");
	ret = cpc_buf_finish(&b, call);
	if (!ret)
		call->ret[0] = call->out_len;
	return ret;
}

const struct cpc_proc cpc_proc_info = {
	.name = "info",
	.default_allowed = true,
	.run = cpc_info_run,
};
