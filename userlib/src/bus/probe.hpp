// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cpc::bus::probe_bus (internal): a read-only look at a bus for `channel
// list/show`: joins the ivshmem server as a peer, maps the region read-only,
// checks the bus tag, reads both ends' published states, asks whether a
// user-space host end holds the bus (F_OFD_GETLK, no lock taken), and
// leaves. It never writes to the region; the host end and QEMU see a peer
// come and go, which both ignore.

#include <cpc/channel.hpp>

#include <chrono>
#include <string>

namespace cpc::bus {

/// Throws cpc::Error as open_channel() does for a bus (ENODEV "not a cpc
/// bus (no bus tag)", connect errors, ETIMEDOUT, EPROTO).
ChannelStatus probe_bus(const std::string &name, std::chrono::milliseconds timeout);

} // namespace cpc::bus
