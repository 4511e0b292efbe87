// HostDevice: open /dev/cpc_host and query the interface version.
#include <cpc/error.hpp>
#include <cpc/host.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>

#include <linux/cpc_host.h>

namespace cpc {

HostDevice::HostDevice(const std::string &path)
	: fd_(::open(path.c_str(), O_RDWR | O_CLOEXEC))
{
	if (!fd_)
		throw_errno(path);
}

Version HostDevice::version() const
{
	cpc_version v{};
	v.size = sizeof(v);
	if (::ioctl(fd_.get(), CPC_IOCTL_VERSION, &v) < 0)
		throw_errno("version");
	return Version{v.major, v.minor};
}

} // namespace cpc
