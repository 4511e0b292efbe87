// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cpc_peer.c - the channel handshake, shared by both ends.
 *
 * Host:  INIT (lay out header and rings) -> READY with a new generation ->
 *        RUN once the guest is READY or RUN and has accepted that generation.
 * Guest: INIT -> READY once the host is READY or RUN with a header that
 *        matches the guest's own layout (the guest adopts the empty rings and
 *        accepts the host's generation) -> RUN once the host is RUN and has
 *        accepted the guest's generation.
 * Either end in RUN that sees the other end's generation change, or its
 * state drop below READY, goes DOWN and starts over.
 *
 * Recovery rule: the channel comes back from *any* contents of the shared
 * region once both ends behave, in a bounded number of steps:
 *  - each end's private state is authoritative; at every step an end whose
 *    published block (state, generations, doorbell) differs from it
 *    publishes it again, and in RUN so are its own ring indexes (the
 *    producer index of the ring it fills, the consumer index of the one it
 *    drains);
 *  - the host owns the layout: it starts a new generation, re-laying the
 *    header and both rings, whenever it is BROKEN (at its next step), sees
 *    the header differ from its layout (in READY or RUN), sees the rings
 *    differ from what it laid out while it waits in READY, sees the
 *    guest BROKEN in the host's current generation, or (in RUN) sees the
 *    guest publish another doorbell than the one pinned when the host
 *    accepted its generation;
 *  - the guest joins any new host generation (and only a new one);
 *  - generation 0 is never used, so "accepted nothing" (0) never matches;
 *  - feature bits: each end publishes what it supports; a required bit
 *    (CPC_FEATURES_REQUIRED) it does not know keeps an end from running
 *    with the other (CPC_EP_INCOMPATIBLE), unknown optional bits are
 *    ignored, and both run with what both support;
 *  - the host nudges the guest (cpc_ep_poll_nudge()) until the guest shows
 *    it accepted the host's generation and runs, and while requests wait
 *    unconsumed: doorbells are hints and may be lost or refused. A guest
 *    whose published doorbell was overwritten is reached through the last
 *    doorbell it answered after (cpc_ep_peer_doorbells()); a host that
 *    never reached it (one that just loaded) knows no other, and the
 *    channel comes back at the guest's next wake-up (the guest services
 *    every channel after any doorbell).
 * The unit tests drive both ends from enumerated and random region contents
 * to check it (selftests/unit/proto_recovery_test.cpp).
 */
#include "cpc_peer.h"

static struct cpc_peer_state *own(const struct cpc_endpoint *ep)
{
	return ep->is_host ? &ep->hdr->host : &ep->hdr->guest;
}

static struct cpc_peer_state *other(const struct cpc_endpoint *ep)
{
	return ep->is_host ? &ep->hdr->guest : &ep->hdr->host;
}

/* The next generation number: never 0, which means "none accepted". */
static u32 cpc_next_generation(u32 gen)
{
	return gen + 1 ? gen + 1 : 1;
}

/**
 * cpc_ep_init() - set up one end on a region; publishes nothing.
 * @ep:      the end.
 * @region:  the shared region.
 * @size:    its size as this end sees it.
 * @is_host: which end this is.
 *
 * Return: 0, or -EINVAL when the region cannot hold a channel.
 */
int cpc_ep_init(struct cpc_endpoint *ep, void *region, u64 size, bool is_host)
{
	int ret;

	memset(ep, 0, sizeof(*ep));
	ret = cpc_layout_compute(&ep->layout, size);
	if (ret)
		return ret;
	ep->hdr = (struct cpc_shm_header *)region;
	ep->is_host = is_host;
	ep->state = CPC_STATE_RESET;
	cpc_ring_attach(&ep->req, region, ep->layout.req_off,
			ep->layout.ring_entries, sizeof(struct cpc_req));
	cpc_ring_attach(&ep->cpl, region, ep->layout.cpl_off,
			ep->layout.ring_entries, sizeof(struct cpc_cpl));
	/* Continue the generation count of a previous incarnation, if any. */
	ep->generation = cpc_rd32(own(ep)->generation);
	ep->features_own = CPC_FEATURES_KNOWN;
	return 0;
}

/**
 * cpc_ep_set_features() - the features this end publishes (tests; the
 * default is CPC_FEATURES_KNOWN), with its next state.
 * @ep:       the end.
 * @features: feature bits.
 */
void cpc_ep_set_features(struct cpc_endpoint *ep, u32 features)
{
	ep->features_own = features;
}

/*
 * May this end run with the other end's features? Not when the other end
 * sets a required bit this end does not know.
 */
static bool cpc_ep_compatible(const struct cpc_endpoint *ep, u32 peer_features)
{
	return !(peer_features & CPC_FEATURES_REQUIRED & ~ep->features_own);
}

/**
 * cpc_ep_set_doorbell() - set how the other end notifies this one; published
 * with the next state (and repaired like it).
 * @ep:     the end.
 * @id:     transport address (ivshmem peer id).
 * @vector: interrupt vector.
 */
void cpc_ep_set_doorbell(struct cpc_endpoint *ep, u32 id, u32 vector)
{
	ep->doorbell_id = id;
	ep->vector = vector;
	cpc_wr32(own(ep)->doorbell_id, id);
	cpc_wr32(own(ep)->vector, vector);
}

/*
 * The nudge back-off (cpc_ep_poll_nudge()) starts over: the next periodic
 * check that finds the other end behind rings it. Called whenever this end
 * gives the other something new to react to - it (re)starts, completes the
 * handshake, repairs its published block or its ring indexes, or posts a
 * request on an idle ring - so that a back-off grown while the other end
 * was silent (a peer not there yet, a storm of hostile writes) never delays
 * the first call after the channel came back.
 */
static void cpc_ep_nudge_restart(struct cpc_endpoint *ep)
{
	ep->nudge_cons = cpc_rd32(ep->req.idx->cons);
	ep->nudge_wait = 0;
	ep->nudge_every = 1;
}

/**
 * cpc_ep_publish() - publish this end's state (and everything else of its
 * block, from the private copies).
 * @ep:    the end.
 * @state: enum cpc_peer_state_value.
 *
 * Every state change and every repair of the block passes here: the nudge
 * back-off starts over.
 */
void cpc_ep_publish(struct cpc_endpoint *ep, u32 state)
{
	struct cpc_peer_state *me = own(ep);

	cpc_ep_nudge_restart(ep);
	ep->state = state;
	cpc_wr32(me->generation, ep->generation);
	cpc_wr32(me->peer_generation, ep->peer_generation);
	cpc_wr32(me->doorbell_id, ep->doorbell_id);
	cpc_wr32(me->vector, ep->vector);
	cpc_wr32(me->features, ep->features_own);
	/* Everything above (and the rings) is visible before the state. */
	cpc_wr32_release(&me->state, state);
}

/* Does the published block still say what this end said? */
static bool cpc_ep_block_intact(const struct cpc_endpoint *ep)
{
	const struct cpc_peer_state *me = own(ep);

	return cpc_rd32(me->state) == ep->state &&
	       cpc_rd32(me->generation) == ep->generation &&
	       cpc_rd32(me->peer_generation) == ep->peer_generation &&
	       cpc_rd32(me->doorbell_id) == ep->doorbell_id &&
	       cpc_rd32(me->vector) == ep->vector &&
	       cpc_rd32(me->features) == ep->features_own;
}

/**
 * cpc_ep_host_reset() - the host (re)initialises the region: header, empty
 * rings, a new generation; then READY.
 * @ep: the host end.
 */
void cpc_ep_host_reset(struct cpc_endpoint *ep)
{
	cpc_ep_publish(ep, CPC_STATE_INIT);
	cpc_header_write(ep->hdr, &ep->layout);
	cpc_ring_reset_shared(&ep->req, 0);
	cpc_ring_reset_shared(&ep->cpl, 0);
	ep->generation = cpc_next_generation(ep->generation);
	ep->peer_generation = 0;
	ep->peer_pinned = false;
	cpc_ep_publish(ep, CPC_STATE_READY);
}

/**
 * cpc_ep_guest_reset() - the guest (re)attaches with a new generation and
 * waits for the host (INIT).
 * @ep: the guest end.
 */
void cpc_ep_guest_reset(struct cpc_endpoint *ep)
{
	ep->generation = cpc_next_generation(ep->generation);
	ep->peer_generation = 0;
	ep->peer_pinned = false;
	cpc_ep_publish(ep, CPC_STATE_INIT);
}

static bool cpc_peer_up(u32 state)
{
	return state == CPC_STATE_READY || state == CPC_STATE_RUN;
}

/* Pins the other end's doorbell as it is when its generation is accepted. */
static void cpc_ep_pin_peer(struct cpc_endpoint *ep)
{
	ep->peer_db.id = cpc_rd32(other(ep)->doorbell_id);
	ep->peer_db.vector = cpc_rd32(other(ep)->vector);
	ep->peer_pinned = true;
}

/*
 * Accepts the other end's generation @gen: run with the features both
 * support, pin its doorbell, publish @state.
 */
static void cpc_ep_accept(struct cpc_endpoint *ep, u32 gen, u32 peer_features,
			  u32 state)
{
	ep->features = ep->features_own & peer_features;
	ep->peer_generation = gen;
	cpc_ep_pin_peer(ep);
	cpc_ep_publish(ep, state);
}

/* An empty ring exactly where this end's private index says it is. */
static bool cpc_ring_idle_at_mine(const struct cpc_ring *r)
{
	return cpc_rd32(r->idx->prod) == r->mine &&
	       cpc_rd32(r->idx->cons) == r->mine;
}

/* Is the region as the host laid it out (header; idle rings in READY)? */
static bool cpc_ep_host_region_ok(const struct cpc_endpoint *ep)
{
	if (cpc_header_check(ep->hdr, &ep->layout))
		return false;
	if (ep->state != CPC_STATE_READY)
		return true;
	return cpc_ring_idle_at_mine(&ep->req) && cpc_ring_idle_at_mine(&ep->cpl);
}

/*
 * Host in RUN: did the pin catch an overwritten doorbell? An honest guest
 * never moves its doorbell within a generation, so when what it publishes
 * now differs from the pin, the pin is suspect: the host's doorbells may
 * all go nowhere. A new generation pins again (found by
 * fuzz/fuzz_handshake). An answer after the pin proves nothing here: it
 * does not say which doorbell woke the guest (one woken by something else
 * repairs its block and answers in the same wake-up, and the block can be
 * overwritten back to the pin before the host reaps the answer), so a pin
 * "proven" that way would never be questioned again (make fuzz-long).
 */
static bool cpc_ep_pin_suspect(const struct cpc_endpoint *ep)
{
	const struct cpc_peer_state *p = other(ep);

	if (!ep->peer_pinned)
		return false;
	return cpc_rd32(p->doorbell_id) != ep->peer_db.id ||
	       cpc_rd32(p->vector) != ep->peer_db.vector;
}

static enum cpc_ep_event cpc_ep_step_host(struct cpc_endpoint *ep, u32 st,
					  u32 gen, u32 peer_gen, u32 feat)
{
	switch (ep->state) {
	case CPC_STATE_BROKEN:
		/* Start over: the guest joins the new generation. */
		return CPC_EP_DOWN;
	case CPC_STATE_RUN:
		if (!cpc_peer_up(st) || gen != ep->peer_generation ||
		    peer_gen != ep->generation || !cpc_ep_host_region_ok(ep) ||
		    cpc_ep_pin_suspect(ep))
			return CPC_EP_DOWN;
		return CPC_EP_NONE;
	case CPC_STATE_READY:
		if (!cpc_ep_host_region_ok(ep))
			return CPC_EP_DOWN;
		/* A guest broken in this generation waits for the next one. */
		if (st == CPC_STATE_BROKEN && peer_gen == ep->generation)
			return CPC_EP_DOWN;
		if (cpc_peer_up(st) && peer_gen == ep->generation && gen) {
			if (!cpc_ep_compatible(ep, feat))
				return CPC_EP_INCOMPATIBLE;
			cpc_ep_accept(ep, gen, feat, CPC_STATE_RUN);
			return CPC_EP_UP;
		}
		return CPC_EP_NONE;
	default:
		/* RESET, INIT: not laid out yet (the caller resets first). */
		return CPC_EP_NONE;
	}
}

static enum cpc_ep_event cpc_ep_step_guest(struct cpc_endpoint *ep, u32 st,
					   u32 gen, u32 peer_gen, u32 feat)
{
	if (ep->state == CPC_STATE_BROKEN) {
		/* Only a new generation of the host revives us. */
		if (gen == ep->peer_generation)
			return CPC_EP_NONE;
		ep->state = CPC_STATE_INIT;
	}
	if (ep->state == CPC_STATE_RUN) {
		if (!cpc_peer_up(st) || gen != ep->peer_generation)
			return CPC_EP_DOWN;
		return CPC_EP_NONE;
	}
	if (ep->state == CPC_STATE_READY && gen == ep->peer_generation) {
		if (st == CPC_STATE_RUN && peer_gen == ep->generation) {
			cpc_ep_publish(ep, CPC_STATE_RUN);
			return CPC_EP_UP;
		}
		if (cpc_peer_up(st))
			return CPC_EP_NONE;
	}
	/*
	 * (Re)join a host that is up with a generation not yet accepted; in
	 * INIT, whatever this end accepted before is void: join any.
	 */
	if (!cpc_peer_up(st) || !gen ||
	    (gen == ep->peer_generation && ep->state != CPC_STATE_INIT))
		return CPC_EP_NONE;
	if (cpc_header_check(ep->hdr, &ep->layout))
		return CPC_EP_NONE;
	if (!cpc_ep_compatible(ep, feat))
		return CPC_EP_INCOMPATIBLE;
	if (cpc_ring_adopt(&ep->req, false) || cpc_ring_adopt(&ep->cpl, true))
		return CPC_EP_NONE;
	cpc_ep_accept(ep, gen, feat, CPC_STATE_READY);
	return CPC_EP_CHANGED;
}

/*
 * In RUN, this end's own ring indexes (the producer index of the ring it
 * fills, the consumer index of the ring it drains) are private state like
 * its block: rewritten from the private copies when they differ. A
 * producer index set back would otherwise hide requests the host already
 * counts as sent, for good while no other call comes (found by
 * fuzz/fuzz_handshake). Returns true when it rewrote one.
 */
static bool cpc_ep_repair_indexes(struct cpc_endpoint *ep)
{
	struct cpc_ring *out = ep->is_host ? &ep->req : &ep->cpl;
	struct cpc_ring *in = ep->is_host ? &ep->cpl : &ep->req;
	bool repaired = false;

	if (cpc_rd32(out->idx->prod) != out->batch_start) {
		cpc_wr32_release(&out->idx->prod, out->batch_start);
		repaired = true;
	}
	if (cpc_rd32(in->idx->cons) != in->mine) {
		cpc_wr32_release(&in->idx->cons, in->mine);
		repaired = true;
	}
	return repaired;
}

/**
 * cpc_ep_step() - look at the other end and advance the handshake.
 * @ep: the end.
 *
 * Call it on every doorbell and whenever the other end may have changed
 * state (the host also on a timer: doorbells are hints). On CPC_EP_DOWN
 * this end has not published anything yet: the host calls
 * cpc_ep_host_reset(), the guest cpc_ep_guest_reset(). An end whose
 * published block was overwritten publishes it again (CPC_EP_CHANGED if
 * nothing else happened, so that the caller notifies the other end).
 *
 * Return: what changed.
 */
enum cpc_ep_event cpc_ep_step(struct cpc_endpoint *ep)
{
	struct cpc_peer_state *p = other(ep);
	enum cpc_ep_event ev;
	bool repaired = false;
	u32 st, gen, peer_gen, feat;

	if (ep->state != CPC_STATE_RESET && !cpc_ep_block_intact(ep)) {
		cpc_ep_publish(ep, ep->state);
		repaired = true;
	}
	/* Generation 0 means "none": an end never runs in it. */
	if (ep->state != CPC_STATE_RESET && !ep->generation)
		return CPC_EP_DOWN;
	st = cpc_rd32_acquire(&p->state);
	gen = cpc_rd32(p->generation);
	peer_gen = cpc_rd32(p->peer_generation);
	feat = cpc_rd32(p->features);
	if (ep->is_host)
		ev = cpc_ep_step_host(ep, st, gen, peer_gen, feat);
	else
		ev = cpc_ep_step_guest(ep, st, gen, peer_gen, feat);
	/* Staying in RUN with the other end: own indexes as they should be. */
	if (ev == CPC_EP_NONE && ep->state == CPC_STATE_RUN &&
	    cpc_ep_repair_indexes(ep)) {
		cpc_ep_nudge_restart(ep);
		repaired = true;
	}
	return ev == CPC_EP_NONE && repaired ? CPC_EP_CHANGED : ev;
}

/**
 * cpc_ep_peer_state() - the state the other end publishes now (untrusted).
 * @ep: the end.
 *
 * Return: enum cpc_peer_state_value, or any value the other end wrote.
 */
u32 cpc_ep_peer_state(const struct cpc_endpoint *ep)
{
	return cpc_rd32_acquire(&other(ep)->state);
}

/**
 * cpc_ep_peer_features() - the features the other end publishes now
 * (untrusted).
 * @ep: the end.
 *
 * Return: its feature bits.
 */
u32 cpc_ep_peer_features(const struct cpc_endpoint *ep)
{
	return cpc_rd32(other(ep)->features);
}

/**
 * cpc_ep_running() - may requests flow?
 * @ep: the end.
 *
 * Return: true in RUN.
 */
bool cpc_ep_running(const struct cpc_endpoint *ep)
{
	return ep->state == CPC_STATE_RUN;
}

/**
 * cpc_ep_peer_doorbells() - where to ring the other end (untrusted values:
 * the transport range-checks them).
 * @ep:  the end.
 * @out: up to two doorbells to ring.
 *
 * Once this end accepted the other's generation, the doorbell the other
 * end published then is pinned for that generation: rewriting it later
 * redirects nothing. Between generations it is the doorbell the other end
 * publishes now. Either way, when it differs from the last doorbell after
 * which the other end was seen to answer, that one is rung too: an
 * overwritten doorbell must never keep the other end from being told to
 * repair it.
 *
 * Return: how many doorbells @out holds (1 or 2).
 */
unsigned int cpc_ep_peer_doorbells(const struct cpc_endpoint *ep,
				   struct cpc_doorbell out[2])
{
	struct cpc_peer_state *p = other(ep);

	if (ep->peer_pinned) {
		out[0] = ep->peer_db;
	} else {
		out[0].id = cpc_rd32(p->doorbell_id);
		out[0].vector = cpc_rd32(p->vector);
	}
	if (!ep->peer_known || (out[0].id == ep->peer_proven.id &&
				out[0].vector == ep->peer_proven.vector))
		return 1;
	out[1] = ep->peer_proven;
	return 2;
}

/**
 * cpc_ep_peer_answered() - the other end answered in RUN (the host calls it
 * for each valid completion): the pinned doorbell reaches it.
 * @ep: the end.
 */
void cpc_ep_peer_answered(struct cpc_endpoint *ep)
{
	if (!ep->peer_pinned)
		return;
	ep->peer_proven = ep->peer_db;
	ep->peer_known = true;
}

/**
 * cpc_ep_peer_doorbell() - the first of cpc_ep_peer_doorbells().
 * @ep:     the end.
 * @vector: out: its vector.
 *
 * Return: its id.
 */
u32 cpc_ep_peer_doorbell(const struct cpc_endpoint *ep, u32 *vector)
{
	struct cpc_doorbell db[2];

	cpc_ep_peer_doorbells(ep, db);
	*vector = db[0].vector;
	return db[0].id;
}

/*
 * Should the other end be rung again although nothing changed? True while
 * it has not shown that it accepted this end's generation and runs in it,
 * or (host) while requests wait and the guest consumed none since the last
 * check. Updates the progress mark.
 */
static bool cpc_ep_needs_nudge(struct cpc_endpoint *ep)
{
	const struct cpc_peer_state *p = other(ep);
	u32 cons, last = ep->nudge_cons;

	if (ep->state == CPC_STATE_RESET || ep->state == CPC_STATE_INIT)
		return false;
	if (ep->state != CPC_STATE_RUN ||
	    cpc_rd32_acquire(&p->state) != CPC_STATE_RUN ||
	    cpc_rd32(p->peer_generation) != ep->generation ||
	    cpc_rd32(p->generation) != ep->peer_generation)
		return true;
	if (!ep->is_host)
		return false;
	cons = cpc_rd32(ep->req.idx->cons);
	ep->nudge_cons = cons;
	return cons != ep->req.mine && cons == last;
}

/**
 * cpc_ep_poll_nudge() - the periodic check: ring the other end now?
 * @ep: the end (the host calls it from its timer, at a fixed period while
 *      it is not settled).
 *
 * Doorbells are hints: one may be lost, refused by mediation, or
 * suppressed by an overwritten event index. While the other end has not
 * shown that it accepted this end's generation and runs in it, or while
 * requests wait and none was consumed since the last check, this answers
 * true at checks 1, 3, 7, ... - the gap doubling up to
 * CPC_NUDGE_MAX_CHECKS checks - so a missing peer costs a doorbell every
 * few seconds at most. The count starts over at check 1 whenever this end
 * (re)starts, completes the handshake, repairs what it publishes, or posts
 * a request on an idle ring (cpc_ep_nudge_restart()). An idle channel in
 * RUN never needs one: it costs nothing.
 *
 * Return: true when the caller should ring the other end now.
 */
bool cpc_ep_poll_nudge(struct cpc_endpoint *ep)
{
	if (!cpc_ep_needs_nudge(ep)) {
		ep->nudge_wait = 0;
		ep->nudge_every = 1;
		return false;
	}
	if (!ep->nudge_every)
		ep->nudge_every = 1;
	if (++ep->nudge_wait < ep->nudge_every)
		return false;
	ep->nudge_wait = 0;
	if (ep->nudge_every < CPC_NUDGE_MAX_CHECKS)
		ep->nudge_every *= 2;
	return true;
}

/**
 * cpc_ep_post() - the host posts a request on the request ring.
 * @ep:  the host end.
 * @req: the request, encoded for the wire.
 *
 * Also takes the progress mark the periodic check judges the guest by
 * (cpc_ep_poll_nudge()): a doorbell lost now is nudged at the next check,
 * not the one after (the mark the last check left may predate requests the
 * guest consumed since); on an idle ring the back-off starts over too.
 *
 * Return: 1 when the guest must be rung, 0 when not, -1 when the ring is
 * full although the caller holds a free slot: the guest moved the
 * consumer index (break the channel with CPC_BAD_INDEX).
 */
int cpc_ep_post(struct cpc_endpoint *ep, const struct cpc_req *req)
{
	/* Nothing waited: this request starts a new wait. */
	if (cpc_rd32(ep->req.idx->cons) == ep->req.mine)
		cpc_ep_nudge_restart(ep);
	if (cpc_ring_push(&ep->req, req))
		return -1;
	ep->nudge_cons = cpc_rd32(ep->req.idx->cons);
	return cpc_ring_publish(&ep->req) ? 1 : 0;
}

/**
 * cpc_ep_data() - address of a validated offset in the data area.
 * @ep:  the end.
 * @off: offset inside the data area, already checked against
 *       ep->layout.data_size.
 *
 * Return: the address.
 */
void *cpc_ep_data(const struct cpc_endpoint *ep, u32 off)
{
	return (u8 *)ep->hdr + ep->layout.data_off + off;
}

/**
 * cpc_state_name() - name of a peer state for sysfs and JSON.
 * @state: enum cpc_peer_state_value (any value).
 *
 * Return: a static string.
 */
const char *cpc_state_name(u32 state)
{
	switch (state) {
	case CPC_STATE_RESET: return "reset";
	case CPC_STATE_INIT: return "init";
	case CPC_STATE_READY: return "ready";
	case CPC_STATE_RUN: return "run";
	case CPC_STATE_BROKEN: return "broken";
	default: return "unknown";
	}
}
