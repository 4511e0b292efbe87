// cpc::Channel: open a channel of cpc_host, make calls, list channels.
#include <cpc/channel.hpp>
#include <cpc/error.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>

#include <linux/cpc_host.h>
#include <linux/cpc_proto.h>

#include "cpc_ring.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

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
	if (op < 0)
		throw_invalid("unknown procedure '" + name + "'");
	return static_cast<std::uint32_t>(op);
}

namespace {

std::string read_line(const std::filesystem::path &p)
{
	std::ifstream in(p);
	std::string line;
	std::getline(in, line);
	return line;
}

std::uint64_t read_u64(const std::filesystem::path &p)
{
	std::string s = read_line(p);
	try {
		return s.empty() ? 0 : std::stoull(s);
	} catch (const std::exception &) {
		return 0;
	}
}

std::string proc_name(std::uint32_t op)
{
	for (const auto &p : procedures())
		if (p.opcode == op)
			return p.name;
	return std::to_string(op);
}

} // namespace

std::vector<ChannelInfo> list_channels(const std::string &sysfs)
{
	std::vector<ChannelInfo> out;
	std::error_code ec;
	for (const auto &e : std::filesystem::directory_iterator(sysfs, ec)) {
		const auto &d = e.path();
		ChannelInfo c;
		c.name = d.filename().string();
		c.state = read_line(d / "state");
		c.peer_state = read_line(d / "peer_state");
		c.transport = read_line(d / "transport");
		c.slice = read_line(d / "slice");
		c.generation = read_u64(d / "generation");
		c.calls = read_u64(d / "calls");
		c.completed = read_u64(d / "completed");
		c.errors = read_u64(d / "errors");
		c.timeouts = read_u64(d / "timeouts");
		c.broken = read_u64(d / "broken");
		c.resets = read_u64(d / "resets");
		c.admin_resets = read_u64(d / "admin_resets");
		c.stuck_resets = read_u64(d / "stuck_resets");
		out.push_back(std::move(c));
	}
	std::sort(out.begin(), out.end(),
		  [](const ChannelInfo &a, const ChannelInfo &b) { return a.name < b.name; });
	return out;
}

namespace {

void attach_ioctl(unsigned long cmd, const std::string &channel, const std::string &slice,
		  const std::string &dev, const std::string &what)
{
	if (channel.empty() || channel.size() >= CPC_CHANNEL_NAME_MAX)
		throw Error(EINVAL, what + ": invalid channel name");
	if (slice.empty() || slice.size() >= CPC_SLICE_NAME_MAX)
		throw Error(EINVAL, what + ": invalid slice name");
	UniqueFd ctl(::open(dev.c_str(), O_RDWR | O_CLOEXEC));
	if (!ctl)
		throw_errno(dev);
	cpc_channel_attach a{};
	a.size = sizeof(a);
	std::memcpy(a.channel, channel.c_str(), channel.size() + 1);
	std::memcpy(a.slice, slice.c_str(), slice.size() + 1);
	if (::ioctl(ctl.get(), cmd, &a) < 0)
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

Channel::Channel(const std::string &name, const std::string &dev) : name_(name)
{
	if (name.empty() || name.size() >= CPC_CHANNEL_NAME_MAX)
		throw Error(EINVAL, "channel '" + name + "': invalid name");
	UniqueFd ctl(::open(dev.c_str(), O_RDWR | O_CLOEXEC));
	if (!ctl)
		throw_errno(dev);
	cpc_channel_open o{};
	o.size = sizeof(o);
	std::memcpy(o.name, name.c_str(), name.size() + 1);
	int fd = ::ioctl(ctl.get(), CPC_IOCTL_CHANNEL_OPEN, &o);
	if (fd < 0)
		throw_errno("channel " + name);
	fd_.reset(fd);
}

CallResult Channel::call(const CallRequest &req) const
{
	CallResult res;
	res.out.resize(req.out_capacity);
	cpc_call c{};
	c.size = sizeof(c);
	c.proc = req.proc;
	c.timeout_ms = static_cast<std::uint32_t>(req.timeout.count());
	std::copy(std::begin(req.args), std::end(req.args), c.args);
	c.arg_ptr = reinterpret_cast<std::uintptr_t>(req.arg.data());
	c.arg_len = static_cast<std::uint32_t>(req.arg.size());
	c.out_ptr = reinterpret_cast<std::uintptr_t>(res.out.data());
	c.out_cap = static_cast<std::uint32_t>(req.out_capacity);
	if (::ioctl(fd_.get(), CPC_IOCTL_CALL, &c) < 0)
		throw_errno("call " + proc_name(req.proc) + " on " + name_);
	res.out.resize(std::min<std::size_t>(c.out_len, res.out.size()));
	res.ret[0] = c.ret[0];
	res.ret[1] = c.ret[1];
	return res;
}

ResetResult Channel::reset() const
{
	cpc_channel_reset r{};
	r.size = sizeof(r);
	if (::ioctl(fd_.get(), CPC_IOCTL_CHANNEL_RESET, &r) < 0)
		throw_errno("reset channel " + name_);
	return ResetResult{r.generation, r.inflight};
}

} // namespace cpc
