// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cpc::HostDevice: RAII handle on /dev/cpc_host.

#include <cpc/fd.hpp>
#include <cpc/paths.hpp>

#include <cstdint>
#include <string>

namespace cpc {

struct Version {
	uint32_t major = 0;
	uint32_t minor = 0;
};

/// The host device (/dev/cpc_host). Thread safety: one HostDevice per
/// thread; distinct objects may be used from distinct threads.
class HostDevice {
public:
	/// Opens the device (read-write: it is for ioctls that change things);
	/// throws cpc::Error ("<path>: <why>", module_error()) on failure.
	explicit HostDevice(const std::string &path = host_device_path);

	/// Interface version of the loaded cpc_host module.
	Version version() const;

	int fd() const noexcept { return fd_.get(); }

private:
	UniqueFd fd_;
};

} // namespace cpc
