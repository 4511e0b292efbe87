// SPDX-License-Identifier: GPL-2.0
/*
 * proc_table.c - the procedures by opcode. An entry left NULL answers
 * CPC_ST_ENOSYS.
 */
#include "proc.h"

const struct cpc_proc *const cpc_procs[CPC_PROC_COUNT] = {
	[CPC_PROC_PING] = &cpc_proc_ping,
	[CPC_PROC_INFO] = &cpc_proc_info,
	[CPC_PROC_PS] = &cpc_proc_ps,
	[CPC_PROC_LOG] = &cpc_proc_log,
	[CPC_PROC_RECLAIM] = &cpc_proc_reclaim,
	[CPC_PROC_RETURN] = &cpc_proc_return,
	[CPC_PROC_SNAPSHOT] = &cpc_proc_snapshot,
};
