// SPDX-License-Identifier: GPL-2.0
/*
 * slice_console.c - the host's reader of a running slice's console ring:
 * the last CPC_SLICE_CONSOLE_SIZE bytes of its bus window (layout in
 * uapi/linux/cpc_slice.h), written by cpc_guest's console in the slice.
 * The ring is the slice's (untrusted); proto/cpc_console.c reads it the
 * way that allows (one head read, bounded, bytes overwritten meanwhile
 * counted lost).
 */
#include <linux/mm.h>

#include "cpc_console.h"
#include "slice.h"

/**
 * cpc_slice_console_read() - read @s's console ring from c->pos on.
 * @s:   the slice.
 * @c:   in: pos and buf_len (checked by the caller); out: pos, len, lost,
 *       head.
 * @buf: c->buf_len bytes (kernel memory).
 *
 * Context: cpc_slices_mutex held (keeps the bus memory).
 * Return: 0, or -ENXIO when @s has no bus or its ring is not set up.
 */
int cpc_slice_console_read(struct cpc_slice *s, struct cpc_slice_console *c, u8 *buf)
{
	struct cpc_slice_console_ring *ring;
	struct cpc_console_read r;
	u8 *base;

	lockdep_assert_held(&cpc_slices_mutex);
	if (!s->bus.pages || s->bus.len < CPC_SLICE_CONSOLE_SIZE)
		return -ENXIO;
	base = page_address(s->bus.pages) + s->bus.len - CPC_SLICE_CONSOLE_SIZE;
	ring = (struct cpc_slice_console_ring *)base;
	if (!cpc_console_ring_valid(ring))
		return -ENXIO;
	cpc_console_read(ring, base + CPC_SLICE_CONSOLE_HEADER, c->pos, buf, c->buf_len, &r);
	if (r.bad)
		atomic64_inc(&s->console_bad);
	atomic64_add(r.overrun, &s->console_lost);	/* not what was gone before */
	c->pos = r.pos;
	c->len = r.len;
	c->lost = r.lost;
	c->head = r.head;
	return 0;
}
