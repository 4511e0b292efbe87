/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc.h - the interface between cpc_guest's channel core and the
 * maintenance procedures. One file per procedure (proc_<name>.c) defines a
 * `const struct cpc_proc cpc_proc_<name>`; proc_table.c lists them by
 * opcode. Their names are cpc_proc_name()'s (proto/cpc_ring.c), the one
 * table of procedure names.
 */
#ifndef CPC_GUEST_PROC_H
#define CPC_GUEST_PROC_H

#include <linux/types.h>

#include <linux/cpc_proto.h>

#include "../proto/cpc_ring.h"

/**
 * struct cpc_proc_call - one call of a procedure, as the channel core hands
 * it over after copying and validating the request.
 * @req:      private copy of the validated request descriptor.
 * @arg:      private copy of the argument buffer (never shared memory).
 * @arg_len:  bytes at @arg.
 * @out:      the result buffer. It may be shared memory the host can read
 *            and write at any time: procedures only write it, never read
 *            back from it.
 * @out_cap:  capacity of @out.
 * @out_len:  (out) bytes the procedure wrote to @out.
 * @ret:      (out) inline results (struct cpc_cpl.ret).
 * @deadline: jiffies by which the procedure must return (-ETIMEDOUT).
 */
struct cpc_proc_call {
	const struct cpc_request *req;
	const void *arg;
	u32 arg_len;
	void *out;
	u32 out_cap;
	u32 out_len;
	u64 ret[2];
	unsigned long deadline;
};

/**
 * struct cpc_proc - one maintenance procedure.
 * @default_allowed: allowed when the guest owner said nothing; only ping
 *                   is: every other procedure needs the owner's opt-in.
 * @run:             does the work in process context on the maintenance
 *                   vCPU; returns 0 or a negative errno (sent as the
 *                   matching enum cpc_status). Never a partial silent
 *                   success: on error, @out_len is ignored.
 */
struct cpc_proc {
	bool default_allowed;
	int (*run)(struct cpc_proc_call *call);
};

extern const struct cpc_proc cpc_proc_ping;
extern const struct cpc_proc cpc_proc_info;
extern const struct cpc_proc cpc_proc_ps;
extern const struct cpc_proc cpc_proc_log;
extern const struct cpc_proc cpc_proc_reclaim;
extern const struct cpc_proc cpc_proc_return;
extern const struct cpc_proc cpc_proc_snapshot;

/* proc_table.c: by opcode; NULL where not built. */
extern const struct cpc_proc *const cpc_procs[CPC_PROC_COUNT];

#endif /* CPC_GUEST_PROC_H */
