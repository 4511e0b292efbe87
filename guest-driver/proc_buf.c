// SPDX-License-Identifier: GPL-2.0
/*
 * proc_buf.c - bounded private output buffer for the procedures.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "proc_buf.h"

/* The host chooses the result capacity: never allocate more than this. */
#define CPC_BUF_MAX (1024u * 1024u)

/**
 * cpc_buf_init() - allocate a private buffer of @cap bytes.
 * @b:   the buffer.
 * @cap: capacity (the caller's result buffer size; may be 0); at most
 *       CPC_BUF_MAX is allocated, longer text fails with -ENOSPC.
 *
 * Return: 0 or -ENOMEM.
 */
int cpc_buf_init(struct cpc_buf *b, u32 cap)
{
	b->len = 0;
	b->overflow = false;
	b->cap = min(cap, CPC_BUF_MAX);
	b->p = kvmalloc(max_t(u32, b->cap, 1), GFP_KERNEL);
	return b->p ? 0 : -ENOMEM;
}
EXPORT_SYMBOL_GPL(cpc_buf_init);

/**
 * cpc_buf_printf() - append formatted text; sets @overflow when it does not
 * fit (nothing partial is ever reported: see cpc_buf_finish()).
 * @b:   the buffer.
 * @fmt: printf format.
 */
void cpc_buf_printf(struct cpc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	/* vsnprintf needs room for its NUL too. */
	if (n < 0 || (u32)n >= b->cap - b->len) {
		b->overflow = true;
		return;
	}
	b->len += n;
}
EXPORT_SYMBOL_GPL(cpc_buf_printf);

/**
 * cpc_buf_json_str() - append @s as a JSON string (quoted, escaped).
 * @b: the buffer.
 * @s: NUL-terminated text.
 */
void cpc_buf_json_str(struct cpc_buf *b, const char *s)
{
	cpc_buf_printf(b, "\"");
	for (; *s && !b->overflow; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			cpc_buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			cpc_buf_printf(b, "\\u%04x", c);
		else
			cpc_buf_printf(b, "%c", c);
	}
	cpc_buf_printf(b, "\"");
}
EXPORT_SYMBOL_GPL(cpc_buf_json_str);

/**
 * cpc_buf_finish() - copy the text to the call's result buffer and free.
 * @b:    the buffer.
 * @call: the call.
 *
 * Return: 0, or -ENOSPC when the text did not fit (nothing is reported).
 */
int cpc_buf_finish(struct cpc_buf *b, struct cpc_proc_call *call)
{
	int ret = 0;

	if (b->overflow) {
		ret = -ENOSPC;
	} else {
		if (b->len)
			memcpy(call->out, b->p, b->len);
		call->out_len = b->len;
	}
	kvfree(b->p);
	b->p = NULL;
	return ret;
}
EXPORT_SYMBOL_GPL(cpc_buf_finish);

/**
 * cpc_buf_end() - end a procedure's buffer with its outcome.
 * @b:    the buffer.
 * @call: the call.
 * @err:  the procedure's error so far (0 or -errno).
 *
 * On @err nothing is reported and the buffer is freed; otherwise as
 * cpc_buf_finish().
 *
 * Return: @err, or cpc_buf_finish()'s result.
 */
int cpc_buf_end(struct cpc_buf *b, struct cpc_proc_call *call, int err)
{
	int ret;

	if (err)
		b->overflow = true;	/* report nothing */
	ret = cpc_buf_finish(b, call);
	return err ?: ret;
}
EXPORT_SYMBOL_GPL(cpc_buf_end);
