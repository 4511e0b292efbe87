// SPDX-License-Identifier: GPL-2.0
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
	ep->generation = cpc_read_once(own(ep)->generation);
	return 0;
}

/**
 * cpc_ep_set_doorbell() - publish how the other end notifies this one.
 * @ep:     the end.
 * @id:     transport address (ivshmem peer id).
 * @vector: interrupt vector.
 */
void cpc_ep_set_doorbell(struct cpc_endpoint *ep, u32 id, u32 vector)
{
	cpc_write_once(own(ep)->doorbell_id, id);
	cpc_write_once(own(ep)->vector, vector);
}

/**
 * cpc_ep_publish() - publish this end's state.
 * @ep:    the end.
 * @state: enum cpc_peer_state_value.
 */
void cpc_ep_publish(struct cpc_endpoint *ep, u32 state)
{
	struct cpc_peer_state *me = own(ep);

	ep->state = state;
	cpc_write_once(me->generation, ep->generation);
	cpc_write_once(me->peer_generation, ep->peer_generation);
	cpc_write_once(me->features, 0);
	/* Everything above (and the rings) is visible before the state. */
	cpc_store_release(&me->state, state);
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
	ep->generation++;
	ep->peer_generation = 0;
	cpc_ep_publish(ep, CPC_STATE_READY);
}

/**
 * cpc_ep_guest_reset() - the guest (re)attaches with a new generation and
 * waits for the host (INIT).
 * @ep: the guest end.
 */
void cpc_ep_guest_reset(struct cpc_endpoint *ep)
{
	ep->generation++;
	ep->peer_generation = 0;
	cpc_ep_publish(ep, CPC_STATE_INIT);
}

static bool cpc_peer_up(u32 state)
{
	return state == CPC_STATE_READY || state == CPC_STATE_RUN;
}

static enum cpc_ep_event cpc_ep_step_host(struct cpc_endpoint *ep, u32 st,
					  u32 gen, u32 peer_gen)
{
	if (ep->state == CPC_STATE_RUN) {
		if (!cpc_peer_up(st) || gen != ep->peer_generation)
			return CPC_EP_DOWN;
		return CPC_EP_NONE;
	}
	if (ep->state == CPC_STATE_READY && cpc_peer_up(st) &&
	    peer_gen == ep->generation) {
		ep->peer_generation = gen;
		cpc_ep_publish(ep, CPC_STATE_RUN);
		return CPC_EP_UP;
	}
	return CPC_EP_NONE;
}

static enum cpc_ep_event cpc_ep_step_guest(struct cpc_endpoint *ep, u32 st,
					   u32 gen, u32 peer_gen)
{
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
	/* (Re)join a host that is up with a generation not yet accepted. */
	if (!cpc_peer_up(st) || gen == ep->peer_generation)
		return CPC_EP_NONE;
	if (cpc_header_check(ep->hdr, &ep->layout))
		return CPC_EP_NONE;
	if (cpc_ring_adopt(&ep->req, false) || cpc_ring_adopt(&ep->cpl, true))
		return CPC_EP_NONE;
	ep->peer_generation = gen;
	cpc_ep_publish(ep, CPC_STATE_READY);
	return CPC_EP_CHANGED;
}

/**
 * cpc_ep_step() - look at the other end and advance the handshake.
 * @ep: the end.
 *
 * Call it on every doorbell and whenever the other end may have changed
 * state (the host also on a timer while not in RUN: doorbells are hints).
 * On CPC_EP_DOWN this end has not published anything yet: the host calls
 * cpc_ep_host_reset(), the guest cpc_ep_guest_reset().
 *
 * Return: what changed.
 */
enum cpc_ep_event cpc_ep_step(struct cpc_endpoint *ep)
{
	struct cpc_peer_state *p = other(ep);
	u32 st, gen, peer_gen;

	if (ep->state == CPC_STATE_RESET || ep->state == CPC_STATE_INIT) {
		if (ep->is_host)
			return CPC_EP_NONE;
	}
	st = cpc_load_acquire(&p->state);
	gen = cpc_read_once(p->generation);
	peer_gen = cpc_read_once(p->peer_generation);
	if (ep->state == CPC_STATE_BROKEN) {
		/* Only a new generation of the other end revives us. */
		if (gen == ep->peer_generation)
			return CPC_EP_NONE;
		if (ep->is_host)
			return CPC_EP_DOWN;
		ep->state = CPC_STATE_INIT;
	}
	if (ep->is_host)
		return cpc_ep_step_host(ep, st, gen, peer_gen);
	return cpc_ep_step_guest(ep, st, gen, peer_gen);
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
 * cpc_ep_peer_doorbell() - where to ring the other end (untrusted values:
 * the transport range-checks them).
 * @ep:     the end.
 * @vector: out: the other end's vector.
 *
 * Return: the other end's doorbell id.
 */
u32 cpc_ep_peer_doorbell(const struct cpc_endpoint *ep, u32 *vector)
{
	struct cpc_peer_state *p = other(ep);

	*vector = cpc_read_once(p->vector);
	return cpc_read_once(p->doorbell_id);
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
