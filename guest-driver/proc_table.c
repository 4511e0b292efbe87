// SPDX-License-Identifier: GPL-2.0
/*
 * proc_table.c - installs the built-in procedures through the registration
 * API, as any procedure module does; only ping and procs are allowed by
 * default. Opcodes no procedure holds answer CPC_ST_ENOSYS. Built-in
 * procedures have no owner module: a call of one does not pin cpc_guest,
 * whose unload stops serving first (a call in flight is abandoned, the
 * host sees the channel reset).
 */
#include <linux/kernel.h>

#include "proc.h"

static const struct cpc_proc_desc *const cpc_builtin[] = {
	&cpc_proc_ping,
	&cpc_proc_info,
	&cpc_proc_ps,
	&cpc_proc_reclaim,
	&cpc_proc_return,
	&cpc_proc_snapshot,
	&cpc_proc_procs,
};

/**
 * cpc_procs_builtin_install() - install the built-in procedures.
 *
 * Context: module init, after cpc_policy_init().
 * Return: 0 or a negative errno; on error none is left installed.
 */
int cpc_procs_builtin_install(void)
{
	const struct cpc_proc_desc *d;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cpc_builtin); i++) {
		d = cpc_builtin[i];
		ret = cpc_proc_install(d, d == &cpc_proc_ping || d == &cpc_proc_procs);
		if (ret < 0)
			goto err;
	}
	return 0;

err:
	while (i--)
		cpc_proc_unregister(cpc_builtin[i]);
	return ret;
}

/**
 * cpc_procs_builtin_remove() - remove them again.
 *
 * Context: module exit, once the maintenance thread has stopped.
 */
void cpc_procs_builtin_remove(void)
{
	unsigned int i;

	for (i = ARRAY_SIZE(cpc_builtin); i--;)
		cpc_proc_unregister(cpc_builtin[i]);
}
