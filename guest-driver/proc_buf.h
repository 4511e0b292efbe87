/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc_buf.h - a bounded private text buffer for procedures: they format
 * their result here and copy it to the (shared) result buffer in one go,
 * all or nothing.
 */
#ifndef CPC_GUEST_PROC_BUF_H
#define CPC_GUEST_PROC_BUF_H

#include <linux/compiler_attributes.h>
#include <linux/types.h>

#include "proc.h"

/**
 * struct cpc_buf - private output buffer.
 * @p:        the memory (kvmalloc).
 * @cap:      its size.
 * @len:      bytes used.
 * @overflow: something did not fit.
 */
struct cpc_buf {
	char *p;
	u32 cap;
	u32 len;
	bool overflow;
};

int cpc_buf_init(struct cpc_buf *b, u32 cap);
__printf(2, 3) void cpc_buf_printf(struct cpc_buf *b, const char *fmt, ...);
void cpc_buf_json_str(struct cpc_buf *b, const char *s);
int cpc_buf_finish(struct cpc_buf *b, struct cpc_proc_call *call);

#endif /* CPC_GUEST_PROC_BUF_H */
