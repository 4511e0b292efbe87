#pragma once
// cpc::HostDevice: RAII handle on /dev/cpc_host.

#include <cpc/fd.hpp>

#include <cstdint>
#include <string>

namespace cpc {

struct Version {
	uint32_t major = 0;
	uint32_t minor = 0;
};

class HostDevice {
public:
	/// Opens the device; throws cpc::Error ("<path>: <why>") on failure.
	explicit HostDevice(const std::string &path = "/dev/cpc_host");

	/// Interface version of the loaded cpc_host module.
	Version version() const;

	int fd() const noexcept { return fd_.get(); }

private:
	UniqueFd fd_;
};

} // namespace cpc
