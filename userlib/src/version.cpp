// SPDX-License-Identifier: LGPL-2.1-or-later
// HostDevice: open /dev/cpc_host and query the interface version; the
// error for a module that is not loaded.
#include <cpc/error.hpp>
#include <cpc/host.hpp>
#include <cpc/paths.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/cpc_host.h>

namespace cpc {

Error module_error(int err, const std::string &path, const std::string &module)
{
	if (err != ENOENT && err != ENODEV && err != ENXIO)
		return Error(err, path);
	if (::access(("/sys/module/" + module).c_str(), F_OK) < 0)
		return Error(err, path, module + " is not loaded (try 'modprobe " + module + "')");
	if (path.starts_with("/dev/"))
		return Error(err, path, "no device node (is devtmpfs mounted?)");
	return Error(err, path);
}

HostDevice::HostDevice(const std::string &path)
	: fd_(::open(path.c_str(), O_RDWR | O_CLOEXEC))
{
	if (!fd_)
		throw module_error(errno, path, "cpc_host");
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
