// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cpc_console.c - the slice console ring's writer and reader
 * (cpc_console.h). Byte number p of the console is at data offset
 * p % CPC_SLICE_CONSOLE_DATA while p >= head - CPC_SLICE_CONSOLE_DATA.
 *
 * The reader never trusts the writer: head is read once and every position
 * is bounded by the reader's own ring size, so a huge or moving head costs
 * only lost bytes; the bytes are copied, then head and claim (the end of a
 * write in progress, stored before its bytes) are read again and what the
 * writer may have overwritten meanwhile is dropped and counted lost.
 */
#include "cpc_console.h"

#define CPC_CON_MASK	(CPC_SLICE_CONSOLE_DATA - 1)

static_assert((CPC_SLICE_CONSOLE_DATA & CPC_CON_MASK) == 0, "data area: a power of two");
static_assert(sizeof(struct cpc_slice_console_ring) <= CPC_SLICE_CONSOLE_HEADER,
	      "ring header fits its page");

/**
 * cpc_console_ring_valid() - did the writer set the ring up (magic,
 * version, the data size this end knows)?
 * @ring: the shared header.
 *
 * Return: true if so.
 */
bool cpc_console_ring_valid(const struct cpc_slice_console_ring *ring)
{
	return cpc_load_acquire(&ring->magic) == CPC_SLICE_CONSOLE_MAGIC &&
	       cpc_read_once(ring->version) == CPC_SLICE_CONSOLE_VERSION &&
	       cpc_read_once(ring->data_size) == CPC_SLICE_CONSOLE_DATA;
}

/**
 * cpc_console_ring_init() - the writer sets up an empty ring (head 0),
 * magic last.
 * @ring: the shared header.
 */
void cpc_console_ring_init(struct cpc_slice_console_ring *ring)
{
	struct cpc_slice_console_ring empty = {
		.version = CPC_SLICE_CONSOLE_VERSION,
		.data_size = CPC_SLICE_CONSOLE_DATA,
	};

	cpc_write_once(ring->magic, 0);
	memcpy(ring, &empty, sizeof(empty));	/* magic still 0 */
	cpc_store_release(&ring->magic, CPC_SLICE_CONSOLE_MAGIC);
}

/**
 * cpc_console_write() - append @n bytes and publish the new head (release).
 * @ring: the shared header.
 * @data: its data area (CPC_SLICE_CONSOLE_DATA bytes).
 * @head: the writer's own head (never read back from the ring).
 * @s:    the bytes.
 * @n:    their number; of more than the ring holds only the last stay.
 *
 * Lock-free and bounded; the caller guarantees one writer at a time.
 * Return: the new head.
 */
u64 cpc_console_write(struct cpc_slice_console_ring *ring, u8 *data, u64 head,
		      const char *s, u32 n)
{
	u32 skip = n > CPC_SLICE_CONSOLE_DATA ? n - CPC_SLICE_CONSOLE_DATA : 0;
	u32 off, first;

	head += skip;
	s += skip;
	n -= skip;
	off = head & CPC_CON_MASK;
	first = n < CPC_SLICE_CONSOLE_DATA - off ? n : CPC_SLICE_CONSOLE_DATA - off;
	cpc_write_once(ring->claim, head + n);
	cpc_full_barrier();	/* the claim before the bytes it covers */
	memcpy(data + off, s, first);
	memcpy(data, s + first, n - first);
	head += n;
	cpc_store_release(&ring->head, head);
	return head;
}

/**
 * cpc_console_read() - copy the bytes from @pos on (at most @buf_len).
 * @ring:    the shared header (checked with cpc_console_ring_valid()).
 * @data:    its data area.
 * @pos:     the position to read from; beyond head (the writer started
 *           again): from the oldest byte held.
 * @buf:     @buf_len bytes.
 * @buf_len: at most CPC_SLICE_CONSOLE_DATA.
 * @r:       the result.
 */
void cpc_console_read(const struct cpc_slice_console_ring *ring, const u8 *data, u64 pos,
		      u8 *buf, u32 buf_len, struct cpc_console_read *r)
{
	u64 head = cpc_load_acquire(&ring->head);	/* bytes before it are written */
	u64 oldest = head > CPC_SLICE_CONSOLE_DATA ? head - CPC_SLICE_CONSOLE_DATA : 0;
	u64 start = pos > head ? oldest : (pos > oldest ? pos : oldest);
	u64 head2, end2, avail = head - start;
	u32 n = avail < buf_len ? (u32)avail : buf_len;
	u32 off = start & CPC_CON_MASK, first;

	if (n > CPC_SLICE_CONSOLE_DATA)
		n = CPC_SLICE_CONSOLE_DATA;
	first = n < CPC_SLICE_CONSOLE_DATA - off ? n : CPC_SLICE_CONSOLE_DATA - off;
	memcpy(buf, data + off, first);
	memcpy(buf + first, data, n - first);
	cpc_full_barrier();	/* the copy before the second look at head */
	head2 = cpc_read_once(ring->head);
	end2 = cpc_read_once(ring->claim);	/* a write still copying its bytes */
	if (end2 < head2)
		end2 = head2;
	r->lost = pos > head ? 0 : start - pos;
	r->overrun = 0;
	r->bad = head2 < head;
	if (r->bad) {
		n = 0;
	} else if (end2 - start > CPC_SLICE_CONSOLE_DATA) {
		/* Bytes below end2 - DATA may have been overwritten: drop them. */
		u64 gone = end2 - start - CPC_SLICE_CONSOLE_DATA;

		if (gone > n)
			gone = n;
		memmove(buf, buf + gone, n - gone);
		n -= (u32)gone;
		start += gone;
		r->lost += gone;
		r->overrun = gone;
	}
	r->pos = start + n;
	r->len = n;
	r->head = head;
}
