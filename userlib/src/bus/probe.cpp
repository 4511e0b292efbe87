// SPDX-License-Identifier: LGPL-2.1-or-later
// cpc::bus::probe_bus: a read-only view of a bus.
#include "probe.hpp"

#include "../mapping.hpp"
#include "bus_channel.hpp"
#include "ivshmem_client.hpp"

extern "C" {
#include "cpc_hostq.h"
#include "cpc_peer.h"
}

#include <cpc/error.hpp>

#include <cstring>

namespace cpc::bus {

ChannelStatus probe_bus(const std::string &name, std::chrono::milliseconds timeout)
{
	IvshmemPeer peer(bus_path(name), timeout, name);
	ShmFacts f = shm_facts(peer.shm_fd(), name);
	if (f.size < CPC_REGION_MIN || f.size > 0xffffffffull)
		throw Error(ENODEV, name + ": not a cpc bus (region of " + std::to_string(f.size) +
					    " bytes)");
	Mapping map(static_cast<std::size_t>(f.size), PROT_READ, MAP_SHARED, peer.shm_fd(), 0,
		    name + ": map the shared memory");
	if (!bus_tagged(map.get(), f.size))
		throw Error(ENODEV, name + ": not a cpc bus (no bus tag)");
	cpc_shm_header h;
	std::memcpy(&h, map.get(), sizeof(h));
	ChannelStatus s;
	s.name = name;
	s.transport = "bus";
	bool attached = host_end_attached(peer.shm_fd());
	if (attached) {
		// As that host end sees it.
		s.state = h.host.state == CPC_STATE_RUN && h.guest.state == CPC_STATE_RUN ? "ready"
			  : h.host.state == CPC_STATE_BROKEN				? "broken"
											: "waiting";
	} else {
		// A loaded guest end waits for a host end: a call joins it.
		switch (h.guest.state) {
		case CPC_STATE_INIT:
		case CPC_STATE_READY:
		case CPC_STATE_RUN:
			s.state = "ready";
			break;
		case CPC_STATE_BROKEN:
			s.state = "broken";
			break;
		default:
			s.state = "waiting";
		}
	}
	s.peer_state = cpc_state_name(h.guest.state);
	s.generation = h.host.generation;
	s.peer_generation = h.guest.generation;
	cpc_layout l;
	if (!cpc_layout_compute(&l, f.size)) {
		cpc_hostq q;
		cpc_hostq_init(&q, &l);
		s.max_out = q.slot_size;
	}
	s.host_end = attached ? "attached" : "none";
	s.peers = peer.peer_ids();
	s.region_size = f.size;
	s.unsealed = f.unsealed;
	return s;
}

} // namespace cpc::bus
