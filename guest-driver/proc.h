/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc.h - inside cpc_guest: the procedure registry (registry.c) as the
 * channel core, the invoke test hook and the info and procs procedures use
 * it, and the built-in procedures (one file each, proc_<name>.c, a `const
 * struct cpc_proc_desc cpc_proc_<name>`), installed by proc_table.c.
 * Procedure modules see only cpc_proc.h.
 */
#ifndef CPC_GUEST_PROC_H
#define CPC_GUEST_PROC_H

#include "cpc_proc.h"

struct cpc_proc_entry;

/**
 * struct cpc_proc_view - one installed procedure, as cpc_proc_walk() shows
 * it.
 * @name:     its name.
 * @opcode:   its opcode.
 * @version:  its version.
 * @allowed:  the owner's policy now.
 * @calls:    calls counted.
 * @rejected: calls denied by the policy.
 * @errors:   calls that failed.
 */
struct cpc_proc_view {
	const char *name;
	u16 opcode;
	u16 version;
	bool allowed;
	u64 calls;
	u64 rejected;
	u64 errors;
};

/* What cpc_proc_count() counts. */
enum {
	CPC_POLICY_CALLS,
	CPC_POLICY_REJECTED,
	CPC_POLICY_ERRORS,
	CPC_POLICY_NR_COUNTERS,
};

int cpc_proc_install(const struct cpc_proc_desc *d, bool default_allowed);
struct cpc_proc_entry *cpc_proc_get(u32 opcode);
void cpc_proc_put(struct cpc_proc_entry *e);
bool cpc_proc_allowed(struct cpc_proc_entry *e);
void cpc_proc_count(struct cpc_proc_entry *e, int what);
int cpc_proc_run(struct cpc_proc_entry *e, struct cpc_proc_call *call);
void cpc_proc_after(struct cpc_proc_entry *e, const struct cpc_request *req);
void cpc_proc_walk(void (*fn)(const struct cpc_proc_view *v, void *arg), void *arg);

/* The built-in procedures (proc_table.c installs them). */
extern const struct cpc_proc_desc cpc_proc_ping;
extern const struct cpc_proc_desc cpc_proc_info;
extern const struct cpc_proc_desc cpc_proc_ps;
extern const struct cpc_proc_desc cpc_proc_reclaim;
extern const struct cpc_proc_desc cpc_proc_return;
extern const struct cpc_proc_desc cpc_proc_snapshot;
extern const struct cpc_proc_desc cpc_proc_procs;

int cpc_procs_builtin_install(void);
void cpc_procs_builtin_remove(void);

#endif /* CPC_GUEST_PROC_H */
