// SPDX-License-Identifier: LGPL-2.1-or-later
// cpc::Channel: the procedures, opening a channel by name (kernel or bus),
// validating a call, listing channels, attaching one to a slice.
#include <cpc/channel.hpp>
#include <cpc/error.hpp>
#include <cpc/host.hpp>
#include <cpc/fd.hpp>

#include "async.hpp"
#include "bus/bus_channel.hpp"
#include "bus/probe.hpp"
#include "kernel_channel.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <linux/cpc_host.h>
#include <linux/cpc_proto.h>

#include "cpc_ring.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace cpc {

const std::vector<Procedure> &procedures()
{
	static const std::vector<Procedure> procs = [] {
		std::vector<Procedure> v;
		for (std::uint32_t op = 0; op < CPC_PROC_COUNT; op++)
			v.push_back({cpc_proc_name(op), op});
		return v;
	}();
	return procs;
}

std::uint32_t procedure_opcode(const std::string &name)
{
	int op = cpc_proc_by_name(name.c_str());
	if (op < 0) {
		std::string known;
		for (const auto &p : procedures())
			known += (known.empty() ? "" : ", ") + p.name;
		throw Error(EINVAL, "'" + name + "'", "unknown procedure (" + known + ")");
	}
	return static_cast<std::uint32_t>(op);
}

namespace detail {

std::string proc_label(std::uint32_t op)
{
	for (const auto &p : procedures())
		if (p.opcode == op)
			return p.name;
	return std::to_string(op);
}

/* Exactly what host-module/call.c checks of a struct cpc_call. */
PendingCall make_pending(const CallRequest &req)
{
	if (req.proc > CPC_PROC_ID_MAX || req.timeout.count() < 0 ||
	    req.timeout.count() > CPC_CALL_TIMEOUT_MAX_MS || req.out_capacity > UINT32_MAX)
		throw Error(EINVAL, "invalid call");
	if (req.arg.size() > CPC_CALL_ARG_MAX)
		throw Error(E2BIG, "argument too large");
	PendingCall c;
	c.proc = req.proc;
	std::copy(std::begin(req.args), std::end(req.args), c.args);
	c.arg.assign(req.arg.begin(), req.arg.end());
	c.out_capacity = req.out_capacity;
	c.timeout = req.timeout.count() ? req.timeout
					: std::chrono::milliseconds(CPC_CALL_TIMEOUT_DEFAULT_MS);
	return c;
}

} // namespace detail

Channel::Channel(std::string name) : name_(std::move(name)) {}

Channel::~Channel() = default;

bool is_bus_name(std::string_view name)
{
	return name.starts_with("bus:");
}

std::shared_ptr<Channel> open_channel(const std::string &name, const OpenOptions &opts)
{
	if (is_bus_name(name))
		return std::make_shared<bus::BusChannel>(name, opts);
	return std::make_shared<KernelChannel>(name, opts.device);
}

namespace {

std::vector<std::string> bus_dirs(const ListOptions &opts)
{
	if (opts.bus_dirs)
		return *opts.bus_dirs;
	std::vector<std::string> dirs{"/run/cpc"};
	if (const char *d = std::getenv("CPC_BUS_DIR"); d && *d)
		dirs.emplace_back(d);
	return dirs;
}

/* A bus as list_channels() shows it; nullopt when it is not a cpc bus. */
std::optional<ChannelStatus> list_bus(const std::string &name, const ListOptions &opts)
{
	try {
		auto s = bus::probe_bus(name, opts.server_timeout);
		return s;
	} catch (const Error &e) {
		if (e.errnum() == ENODEV)
			return std::nullopt;
		ChannelStatus s;
		s.name = name;
		s.transport = "bus";
		s.state = "unreachable";
		s.peer_state = "unknown";
		return s;
	}
}

} // namespace

std::vector<ChannelStatus> list_channels(const ListOptions &opts)
{
	std::vector<ChannelStatus> out;
	std::error_code ec;
	for (const auto &e : std::filesystem::directory_iterator(opts.sysfs, ec))
		if (auto s = kernel_channel_status(opts.sysfs, e.path().filename().string()))
			out.push_back(std::move(*s));
	std::vector<std::string> seen;
	for (const auto &dir : bus_dirs(opts)) {
		for (const auto &e : std::filesystem::directory_iterator(dir, ec)) {
			std::error_code ec2;
			if (!std::filesystem::is_socket(e.status(ec2)))
				continue;
			std::string name = "bus:" + e.path().string();
			if (std::find(seen.begin(), seen.end(), name) != seen.end())
				continue;
			seen.push_back(name);
			if (auto s = list_bus(name, opts))
				out.push_back(std::move(*s));
		}
	}
	std::sort(out.begin(), out.end(),
		  [](const ChannelStatus &a, const ChannelStatus &b) { return a.name < b.name; });
	return out;
}

ChannelStatus show_channel(const std::string &name, const ListOptions &opts)
{
	if (is_bus_name(name))
		return bus::probe_bus(name, opts.server_timeout);
	auto s = kernel_channel_status(opts.sysfs, name);
	if (!s)
		throw Error(ENODEV, "channel " + name);
	return *s;
}

namespace {

void attach_ioctl(unsigned long cmd, const std::string &channel, const std::string &slice,
		  const std::string &dev, const std::string &what)
{
	if (is_bus_name(channel))
		throw Error(EOPNOTSUPP, what + ": a bus has no kernel host end to mediate");
	if (channel.empty() || channel.size() >= CPC_CHANNEL_NAME_MAX)
		throw Error(EINVAL, what + ": invalid channel name");
	if (slice.empty() || slice.size() >= CPC_SLICE_NAME_MAX)
		throw Error(EINVAL, what + ": invalid slice name");
	HostDevice ctl(dev);
	cpc_channel_attach a{};
	a.size = sizeof(a);
	std::memcpy(a.channel, channel.c_str(), channel.size() + 1);
	std::memcpy(a.slice, slice.c_str(), slice.size() + 1);
	if (::ioctl(ctl.fd(), cmd, &a) < 0)
		throw_errno(what);
}

} // namespace

void attach_channel(const std::string &channel, const std::string &slice, const std::string &dev)
{
	attach_ioctl(CPC_IOCTL_CHANNEL_ATTACH, channel, slice, dev,
		     "attach channel " + channel + " to slice " + slice);
}

void detach_channel(const std::string &channel, const std::string &slice, const std::string &dev)
{
	attach_ioctl(CPC_IOCTL_CHANNEL_DETACH, channel, slice, dev,
		     "detach channel " + channel + " from slice " + slice);
}

} // namespace cpc
