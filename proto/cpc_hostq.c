// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cpc_hostq.c - the host end's slot table and throttle, shared by
 * cpc_host.ko (host-module/channel.c) and libcpc's user-space host end
 * (userlib/src/bus/bus_end.cpp). Freestanding (see cpc_compat.h).
 *
 * Requests carry ids (sequence << 8 | slot); each slot owns a fixed share of
 * the data area for the argument and the result buffer. A completion names
 * an id: it is matched against this private table and its status and
 * length are checked against the private slot before anything is copied
 * out of shared memory. A slot whose caller gave up stays reserved until
 * the guest answers or the channel resets, so a late answer never lands in
 * another call's buffer.
 */
#include "cpc_hostq.h"

/* a is later than b, on a clock that may wrap (as time_after()). */
static bool cpc_after(u64 a, u64 b)
{
	return (long long)(b - a) < 0;
}

/**
 * cpc_hostq_init() - an empty table for a layout.
 * @q: the table.
 * @l: the channel's layout (the host's own).
 */
void cpc_hostq_init(struct cpc_hostq *q, const struct cpc_layout *l)
{
	memset(q, 0, sizeof(*q));
	q->entries = l->ring_entries;
	q->slot_size = (l->data_size / l->ring_entries) & ~63u;
}

/**
 * cpc_hostq_index() - the slot an id names (whether or not it is in use).
 * @q:  the table.
 * @id: a request id (untrusted values allowed).
 *
 * Return: a slot index below @q->entries.
 */
u32 cpc_hostq_index(const struct cpc_hostq *q, u64 id)
{
	return (u32)id & (q->entries - 1);
}

/**
 * cpc_hostq_get() - take a free slot and fill in a request's id and buffers.
 * @q:       the table.
 * @arg_len: bytes of argument the request carries.
 * @out_cap: (in) the result capacity asked for; (out) what the slot grants.
 * @owner:   the waiting caller, or NULL.
 * @req:     the request (CPU order, cpc_req_encode() puts it on the wire):
 *           zeroed, then id, arg_off/arg_len, out_off/out_len.
 *
 * Return: 0, -E2BIG when the argument does not fit a slot, or -EBUSY when
 * every slot is in use. Nothing changes on failure.
 */
int cpc_hostq_get(struct cpc_hostq *q, u32 arg_len, u32 *out_cap, void *owner,
		  struct cpc_request *req)
{
	u32 i, n = q->entries, arg_room = (arg_len + 63u) & ~63u;
	struct cpc_hslot_core *s;
	u32 base;

	if (arg_len > q->slot_size || arg_room > q->slot_size)
		return -E2BIG;
	if (q->inflight >= n)
		return -EBUSY;
	for (i = 0; i < n; i++)
		if (!q->slot[(u32)(q->seq + i) & (n - 1)].in_use)
			break;
	if (i == n)
		return -EBUSY;
	i = (u32)(q->seq + i) & (n - 1);
	s = &q->slot[i];
	q->seq++;
	base = i * q->slot_size;
	memset(req, 0, sizeof(*req));
	req->id = (q->seq << 8) | i;
	req->arg_off = arg_len ? base : 0;
	req->arg_len = arg_len;
	if (*out_cap > q->slot_size - arg_room)
		*out_cap = q->slot_size - arg_room;
	req->out_off = *out_cap ? base + arg_room : 0;
	req->out_len = *out_cap;
	s->id = req->id;
	s->in_use = true;
	s->owner = owner;
	s->orphaned = 0;
	s->out_cap = *out_cap;
	s->out_off = req->out_off;
	cpc_write_once(q->inflight, q->inflight + 1);
	return 0;
}

/**
 * cpc_hostq_match() - validate a completion copied out of the ring against
 * the table.
 * @q:    the table.
 * @cpl:  private copy of the completion, decoded (cpc_cpl_decode()).
 * @slot: (out) the slot it names.
 *
 * Return: CPC_BAD_ID unless its id is in flight, else what cpc_cpl_check()
 * says against the slot's granted capacity.
 */
enum cpc_bad cpc_hostq_match(const struct cpc_hostq *q,
			     const struct cpc_completion *cpl, u32 *slot)
{
	const struct cpc_hslot_core *s;

	*slot = cpc_hostq_index(q, cpl->id);
	s = &q->slot[*slot];
	if (!s->in_use || s->id != cpl->id)
		return CPC_BAD_ID;
	return cpc_cpl_check(cpl, s->out_cap);
}

/**
 * cpc_hostq_release() - free a slot (answered, or the channel resets).
 * @q:    the table.
 * @slot: a slot in use.
 *
 * Return: true when the table was full before (a caller waiting for room
 * may go on).
 */
bool cpc_hostq_release(struct cpc_hostq *q, u32 slot)
{
	struct cpc_hslot_core *s = &q->slot[slot];
	bool was_full = q->inflight == q->entries;

	s->in_use = false;
	s->owner = NULL;
	cpc_write_once(q->inflight, q->inflight - 1);
	return was_full;
}

/**
 * cpc_hostq_orphan() - the slot's caller gave up (time-out, signal); the
 * slot stays reserved.
 * @q:    the table.
 * @slot: a slot in use.
 * @now:  the caller's clock.
 */
void cpc_hostq_orphan(struct cpc_hostq *q, u32 slot, u64 now)
{
	q->slot[slot].owner = NULL;
	q->slot[slot].orphaned = now;
}

/**
 * cpc_hostq_stuck_left() - how long until every slot will have been held
 * without a caller for @bound.
 * @q:     the table.
 * @now:   the caller's clock.
 * @bound: how long (same units).
 *
 * Return: -1 when a slot is free or has a caller (not stuck), 0 when every
 * slot has been orphaned for @bound already, else the time left.
 */
long long cpc_hostq_stuck_left(const struct cpc_hostq *q, u64 now, u64 bound)
{
	u64 newest = now - bound;
	u32 i;

	if (q->inflight < q->entries)
		return -1;
	for (i = 0; i < q->entries; i++) {
		const struct cpc_hslot_core *s = &q->slot[i];

		if (!s->in_use || s->owner)
			return -1;
		if (cpc_after(s->orphaned, newest))
			newest = s->orphaned;
	}
	return cpc_after(newest + bound, now) ? (long long)(newest + bound - now) : 0;
}

/**
 * cpc_throttle_init() - a throttle, released, whose first window starts now.
 * @t:   the throttle.
 * @now: the caller's clock.
 */
void cpc_throttle_init(struct cpc_throttle *t, u64 now)
{
	memset(t, 0, sizeof(*t));
	t->start = now;
}

/**
 * cpc_throttle_check() - at a periodic check: end the window if it is over,
 * engaging or releasing the throttle.
 * @t:        the throttle.
 * @now:      the caller's clock.
 * @window:   a window's length (CPC_THROTTLE_WINDOW_MS in the same units).
 * @rings:    the channel's doorbell counter (doorbells from the guest).
 * @calls:    its call counter.
 * @restarts: its counter of new generations the guest caused.
 * @w:        (out) what the window that ended saw; may be NULL.
 *
 * Return: 1 when the throttle engaged now, -1 when it was released now,
 * else 0.
 */
int cpc_throttle_check(struct cpc_throttle *t, u64 now, u64 window, u64 rings,
		       u64 calls, u64 restarts, struct cpc_throttle_window *w)
{
	u64 d_rings = rings - t->rings, d_calls = calls - t->calls;
	u64 d_restarts = restarts - t->restarts;
	bool over;
	int ret = 0;

	if (cpc_after(t->start + window, now))
		return 0;
	over = d_rings > CPC_THROTTLE_FREE_DOORBELLS +
			 CPC_THROTTLE_DOORBELLS_PER_CALL * d_calls ||
	       d_restarts > CPC_THROTTLE_MAX_RESTARTS;
	if (over && !t->on)
		ret = 1;
	else if (!over && t->on)
		ret = -1;
	t->on = over;
	if (w) {
		w->rings = d_rings;
		w->calls = d_calls;
		w->restarts = d_restarts;
	}
	t->start = now;
	t->rings = rings;
	t->calls = calls;
	t->restarts = restarts;
	return ret;
}
