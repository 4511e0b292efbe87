// SPDX-License-Identifier: GPL-2.0
// fuzz_handshake: the handshake state machine (proto/cpc_peer.c) and the
// rings, driven the way both modules drive them (selftests/unit/
// proto_world.hpp), while whatever the input says is written into the
// shared region - by a hostile guest against the host, a hostile host
// against the guest, or a third party against two honest ends - and
// doorbells are lost. The first byte picks who is honest:
//   0: both ends run; the writes come from outside;
//   1: only the host runs: the guest end is the input (hostile guest);
//   2: only the guest runs: the host end is the input (hostile host).
// Oracles: no memory error or undefined behaviour (ASan, UBSan; the region
// is an exact-size heap block); each end's private state stays one of the
// five states and never runs in generation 0; an end answers or refuses
// within a bounded number of steps (no step loops); and once the writes
// stop and a fresh honest end replaces the hostile one (a module reload),
// the channel is back in RUN and answers calls correctly, each within the
// recovery bound of the unit tests (kMaxRounds periodic checks).
#include "proto_world.hpp"

#include "fuzz_check.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstring>

namespace {

using cpc_test::World;

constexpr int kMaxRounds = 64;	/* as selftests/unit/proto_recovery_test.cpp */

void check_end(const cpc_endpoint &ep)
{
	FUZZ_CHECK(ep.state <= CPC_STATE_BROKEN);
	if (ep.state == CPC_STATE_RUN)
		FUZZ_CHECK(ep.generation != 0 && ep.peer_generation != 0);
}

/* A 32-bit value a hostile end would write: often a plausible one. */
std::uint32_t value(FuzzedDataProvider &in, const World &w)
{
	switch (in.ConsumeIntegralInRange<int>(0, 5)) {
	case 0:
		return in.ConsumeIntegralInRange<std::uint32_t>(0, CPC_STATE_BROKEN + 1);
	case 1:
		return w.host.generation + in.ConsumeIntegralInRange<int>(-1, 1);
	case 2:
		return w.guest.generation + in.ConsumeIntegralInRange<int>(-1, 1);
	case 3:
		return w.host.req.mine + in.ConsumeIntegralInRange<int>(-300, 300);
	case 4:
		return w.host.cpl.mine + in.ConsumeIntegralInRange<int>(-300, 300);
	default:
		return in.ConsumeIntegral<std::uint32_t>();
	}
}

/* One write into the region where it matters most, or anywhere. */
void hostile_write(FuzzedDataProvider &in, World &w)
{
	std::size_t at;
	switch (in.ConsumeIntegralInRange<int>(0, 4)) {
	case 0:	/* a word of the header incl. both peer blocks */
		at = 4 * in.ConsumeIntegralInRange<std::size_t>(0, sizeof(cpc_shm_header) / 4 - 1);
		break;
	case 1:	/* a ring index */
		at = (in.ConsumeBool() ? w.host.layout.req_off : w.host.layout.cpl_off) +
		     (in.ConsumeBool() ? offsetof(cpc_ring_idx, prod) : offsetof(cpc_ring_idx, cons)) +
		     (in.ConsumeBool() ? 4 : 0);
		break;
	case 2:	/* a word of a request slot */
		at = w.host.layout.req_off + sizeof(cpc_ring_idx) +
		     4 * in.ConsumeIntegralInRange<std::size_t>(0, CPC_RING_ENTRIES_MAX * sizeof(cpc_req) / 4 - 1);
		break;
	case 3:	/* a word of a completion slot */
		at = w.host.layout.cpl_off + sizeof(cpc_ring_idx) +
		     4 * in.ConsumeIntegralInRange<std::size_t>(0, CPC_RING_ENTRIES_MAX * sizeof(cpc_cpl) / 4 - 1);
		break;
	default:	/* anywhere */
		at = 4 * in.ConsumeIntegralInRange<std::size_t>(0, World::kRegion / 4 - 1);
		break;
	}
	std::uint32_t v = htole32(value(in, w));
	std::memcpy(w.mem.data() + at, &v, sizeof(v));
}

/* A module reload: a fresh end on the region as it is, then its reset. */
void fresh_host(World &w)
{
	FUZZ_CHECK(cpc_ep_init(&w.host, w.mem.data(), World::kRegion, true) == 0);
	cpc_ep_set_doorbell(&w.host, 0, 0);
	w.call_out = false;
	cpc_ep_host_reset(&w.host);
	w.guest_rung = true;
}

void fresh_guest(World &w)
{
	FUZZ_CHECK(cpc_ep_init(&w.guest, w.mem.data(), World::kRegion, false) == 0);
	cpc_ep_set_doorbell(&w.guest, 1, 0);
	cpc_ep_guest_reset(&w.guest);
	w.host_rung = true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	FuzzedDataProvider in(data, size);
	World w(in.ConsumeIntegral<std::uint32_t>());
	const int mode = in.ConsumeIntegralInRange<int>(0, 2);
	const bool host_runs = mode != 2, guest_runs = mode != 1;

	w.up();
	FUZZ_CHECK(w.both_run());
	w.loss = in.ConsumeIntegralInRange<int>(0, 3) * 0.25;
	for (int ops = 0; ops < 512 && in.remaining_bytes(); ops++) {
		switch (in.ConsumeIntegralInRange<int>(0, 9)) {
		case 0:
		case 1:
		case 2:
			hostile_write(in, w);
			break;
		case 3:
			if (host_runs)
				w.host_service(in.ConsumeBool());
			break;
		case 4:
			if (guest_runs)
				w.guest_service();
			break;
		case 5:
			if (host_runs)
				w.host_call();
			break;
		case 6:	/* doorbells: only to the ends that run */
			w.guest_rung &= guest_runs;
			w.host_rung &= host_runs;
			w.deliver();
			break;
		case 7:
			if (host_runs && guest_runs)
				w.round();
			break;
		case 8: {	/* an end breaks, or reloads, on its own */
			bool host_side = in.ConsumeBool(), reload = in.ConsumeBool();
			if (host_side && host_runs)
				reload ? fresh_host(w) : w.host_break();
			else if (!host_side && guest_runs)
				reload ? fresh_guest(w) : w.guest_break();
			break;
		}
		default:
			w.loss = in.ConsumeIntegralInRange<int>(0, 3) * 0.25;
			break;
		}
		if (host_runs)
			check_end(w.host);
		if (guest_runs)
			check_end(w.guest);
	}

	/* The writes stop; a hostile end is replaced by an honest one. */
	if (!host_runs)
		fresh_host(w);
	if (!guest_runs)
		fresh_guest(w);
	w.loss = 0;
	/*
	 * Each end wakes once: a guest whose own doorbell was overwritten is
	 * unreachable for a host that never reached it (the rule in
	 * proto/cpc_peer.c); the real guest services every channel after any
	 * doorbell. Then calls keep being answered, not just one.
	 */
	w.guest_rung = w.host_rung = true;
	for (int call = 0; call < 4; call++)
		FUZZ_CHECK(w.converge(kMaxRounds) > 0);
	check_end(w.host);
	check_end(w.guest);
	return 0;
}
