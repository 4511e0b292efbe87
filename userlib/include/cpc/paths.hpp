// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Where the modules show themselves (the defaults live here, once), and
// the one way every command says that a module is not there.

#include <cpc/error.hpp>

#include <string>

namespace cpc {

/// cpc_host's control device.
inline constexpr const char *host_device_path = "/dev/cpc_host";
/// cpc_host's sysfs root (slices, available, channels).
inline constexpr const char *host_sysfs_path = "/sys/kernel/cpc_host";
/// cpc_guest's sysfs root.
inline constexpr const char *guest_sysfs_path = "/sys/kernel/cpc_guest";

/// The error for @path failing with @err: when @path is missing (ENOENT,
/// ENODEV, ENXIO) because @module is not loaded,
/// Error(err, path, "<module> is not loaded (try 'modprobe <module>')");
/// a missing device node of a loaded module, "no device node (is devtmpfs
/// mounted?)"; any other error as it is.
Error module_error(int err, const std::string &path, const std::string &module);

} // namespace cpc
