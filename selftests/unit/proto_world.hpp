// SPDX-License-Identifier: GPL-2.0
// proto_world.hpp - a host end and a guest end of one channel driven exactly
// as the modules drive them (host-module/channel.c: service on a doorbell,
// the periodic check with nudges, reap, break and restart;
// guest-driver/channel.c: step, reset, drain, break), over one region in
// memory, with doorbells that can be lost. The recovery tests put the
// region and both ends' private state into arbitrary states and check that
// the two ends come back to RUN and answer a call within a bounded number
// of periodic checks.
#pragma once

extern "C" {
#include "cpc_peer.h"
}

#include <cstdint>
#include <random>
#include <vector>

namespace cpc_test {

struct World {
	static constexpr std::uint64_t kRegion = 64u * 1024u;
	static constexpr std::uint64_t kMagic = 0x5eed5eed5eed5eedull;

	std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(kRegion);
	cpc_endpoint host{}, guest{};
	std::mt19937_64 rng;
	double loss = 0;		// probability that a doorbell is lost
	bool guest_rung = false, host_rung = false;
	std::uint64_t seq = 1;		// request ids (never reused, like the host's)
	bool call_out = false;
	std::uint64_t call_id = 0;
	long answered = 0, failed = 0, host_breaks = 0, guest_breaks = 0;

	explicit World(std::uint64_t seed = 1) : rng(seed)
	{
		cpc_ep_init(&host, mem.data(), kRegion, true);
		cpc_ep_init(&guest, mem.data(), kRegion, false);
		cpc_ep_set_doorbell(&host, 0, 0);
		cpc_ep_set_doorbell(&guest, 1, 0);
	}

	bool lost() { return loss > 0 && std::uniform_real_distribution<>(0, 1)(rng) < loss; }

	/*
	 * Rings what @from resolves the other end's doorbell to; only the
	 * other end's real doorbell (@id, vector 0) reaches it.
	 */
	bool ring(const cpc_endpoint &from, std::uint32_t id)
	{
		cpc_doorbell db[2];
		unsigned int n = cpc_ep_peer_doorbells(&from, db);
		bool hit = false;

		for (unsigned int i = 0; i < n; i++)
			hit |= db[i].id == id && db[i].vector == 0 && !lost();
		return hit;
	}
	void ring_guest() { guest_rung |= ring(host, 1); }
	void ring_host() { host_rung |= ring(guest, 0); }

	void fail_call()
	{
		if (call_out)
			failed++;
		call_out = false;
	}

	/* cpc_hchan_break(): BROKEN until the next periodic check. */
	void host_break()
	{
		host_breaks++;
		fail_call();
		cpc_ep_publish(&host, CPC_STATE_BROKEN);
		ring_guest();
	}

	/* cpc_hchan_reap() + cpc_hchan_complete(), for one call in flight. */
	void host_reap()
	{
		cpc_completion c;
		cpc_cpl w;
		int ret;

		for (;;) {
			while ((ret = cpc_ring_pop(&host.cpl, &w)) == 0) {
				cpc_cpl_decode(&c, &w);
				if (!call_out || c.id != call_id ||
				    cpc_cpl_check(&c, 0) != CPC_BAD_NONE) {
					host_break();
					return;
				}
				cpc_ep_peer_answered(&host);
				if (c.status == CPC_ST_OK && c.ret[0] == (call_id ^ kMagic))
					answered++;
				else
					failed++;
				call_out = false;
			}
			if (ret != -EAGAIN) {
				host_break();
				return;
			}
			if (!cpc_ring_arm(&host.cpl))
				return;
		}
	}

	/* cpc_hchan_service(). */
	void host_service(bool from_poll)
	{
		switch (cpc_ep_step(&host)) {
		case CPC_EP_UP:
		case CPC_EP_CHANGED:
			ring_guest();
			break;
		case CPC_EP_DOWN:
			fail_call();
			cpc_ep_host_reset(&host);
			ring_guest();
			break;
		case CPC_EP_NONE:
		case CPC_EP_INCOMPATIBLE:
			break;
		}
		if (cpc_ep_running(&host))
			host_reap();
		if (from_poll && cpc_ep_poll_nudge(&host))
			ring_guest();
	}

	/* A caller: one ping in flight at a time (cpc_hchan_post()). */
	void host_call()
	{
		if (!cpc_ep_running(&host) || call_out)
			return;
		cpc_request r{};
		r.id = seq++ << 8;
		r.opcode = CPC_PROC_PING;
		r.args[0] = r.id ^ kMagic;
		cpc_req w{};
		cpc_req_encode(&w, &r);
		/* A full ring (the guest moved its index) just waits here. */
		if (cpc_ring_space(&host.req) == 0)
			return;
		int ret = cpc_ep_post(&host, &w);
		if (ret < 0) {
			host_break();
			return;
		}
		call_out = true;
		call_id = r.id;
		if (ret)
			ring_guest();
	}

	void guest_break()
	{
		guest_breaks++;
		cpc_ep_publish(&guest, CPC_STATE_BROKEN);
		ring_host();
	}

	/* cpc_gchan_service() with its drain, whole rings at a time. */
	void guest_service()
	{
		for (int i = 0; i < 4; i++) {
			auto ev = cpc_ep_step(&guest);
			if (ev == CPC_EP_NONE || ev == CPC_EP_INCOMPATIBLE)
				break;
			if (ev == CPC_EP_DOWN)
				cpc_ep_guest_reset(&guest);
			ring_host();
		}
		if (!cpc_ep_running(&guest))
			return;
		cpc_request r;
		cpc_req rw;
		int ret;
		for (int n = 0; n < 1024; n++) {
			ret = cpc_ring_pop(&guest.req, &rw);
			if (ret == -EAGAIN) {
				if (!cpc_ring_arm(&guest.req))
					return;
				continue;
			}
			if (ret) {
				guest_break();
				return;
			}
			cpc_req_decode(&r, &rw);
			cpc_completion c{};
			c.id = r.id;
			if (cpc_req_check(&r, &guest.layout) != CPC_BAD_NONE) {
				c.status = CPC_ST_EPROTO;
			} else {
				c.status = CPC_ST_OK;
				c.ret[0] = r.args[0];
			}
			cpc_cpl cw;
			cpc_cpl_encode(&cw, &c);
			if (cpc_ring_push(&guest.cpl, &cw)) {
				guest_break();
				return;
			}
			if (cpc_ring_publish(&guest.cpl))
				ring_host();
		}
	}

	/* Delivers doorbells until none is pending (bounded). */
	void deliver()
	{
		for (int i = 0; i < 16 && (guest_rung || host_rung); i++) {
			if (guest_rung) {
				guest_rung = false;
				guest_service();
			}
			if (host_rung) {
				host_rung = false;
				host_service(false);
			}
		}
	}

	/* One period of the host's timer, with a caller making calls. */
	void round()
	{
		host_service(true);
		deliver();
		host_call();
		deliver();
	}

	bool both_run() const
	{
		return cpc_ep_running(&host) && cpc_ep_running(&guest);
	}

	/* Healthy start: both up, a few calls answered. */
	void up()
	{
		cpc_ep_host_reset(&host);
		cpc_ep_guest_reset(&guest);
		guest_rung = host_rung = true;
		for (int i = 0; i < 8; i++)
			round();
	}

	/*
	 * Rounds until both ends run and a call made after @since answered
	 * was answered correctly; -1 when that did not happen in @max rounds.
	 */
	int converge(int max)
	{
		long base = answered;

		for (int i = 1; i <= max; i++) {
			round();
			if (both_run() && answered > base)
				return i;
		}
		return -1;
	}
};

} // namespace cpc_test
