// SPDX-License-Identifier: LGPL-2.1-or-later
// cpc::KernelChannel: a channel of cpc_host.ko through its channel fd.
#include "kernel_channel.hpp"

#include "uring.hpp"

#include <cpc/error.hpp>
#include <cpc/host.hpp>
#include <cpc/sysfs.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>

#include <linux/cpc_host.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unordered_map>

namespace cpc {

namespace {

const std::string kSysfs = std::string(host_sysfs_path) + "/channels";

/// The sysfs counters of a channel, in sysfs order.
const char *const kCounters[] = {
	"calls",     "completed",	  "errors",	"timeouts",   "broken",	     "resets",
	"late",	     "nudges",		  "doorbells",	"doorbells_ignored", "throttles",
	"admin_resets", "stuck_resets", "bad_id",	"bad_status", "bad_out_len", "bad_index",
};

} // namespace

std::optional<ChannelStatus> kernel_channel_status(const std::string &sysfs, const std::string &name)
{
	std::filesystem::path d = std::filesystem::path(sysfs) / name;
	std::error_code ec;
	if (name.empty() || name.find('/') != std::string::npos ||
	    !std::filesystem::is_directory(d, ec))
		return std::nullopt;
	ChannelStatus c;
	c.name = name;
	try {
		c.state = sysfs_read(d / "state");
		c.peer_state = sysfs_read_opt(d / "peer_state").value_or("");
		c.transport = sysfs_read_opt(d / "transport").value_or("");
		c.slice = sysfs_read_opt(d / "slice").value_or("");
		c.generation = sysfs_number(d / "generation");
		c.inflight = sysfs_number_opt(d / "inflight").value_or(0);
		c.max_out = sysfs_number_opt(d / "max_out").value_or(0);
		c.throttled = sysfs_number_opt(d / "throttled").value_or(0) != 0;
		for (const char *k : kCounters)
			if (auto v = sysfs_number_opt(d / k))
				c.counters[k] = *v;
	} catch (const Error &e) {
		if (e.errnum() == ENOENT || e.errnum() == ENODEV)
			return std::nullopt; // the channel went away meanwhile
		throw;
	}
	return c;
}

// ---- the port: CPC_IOCTL_CALL as IORING_OP_URING_CMD ----

class KernelChannel::Port final : public detail::AsyncPort {
public:
	explicit Port(KernelChannel &ch) : ch_(ch) {}

	void attach(Uring &ring, std::uint16_t chan) override
	{
		if (ring_ && !detached_)
			throw Error(EBUSY, ch_.name() + ": already driven by a ring");
		if (ring_ && ring_ != &ring && !calls_.empty())
			throw Error(EBUSY, ch_.name() + ": calls of another ring still in flight");
		ring_ = &ring;
		chan_ = chan;
		detached_ = false;
	}

	void submit(detail::PendingCall &c) override
	{
		c.finished = false;
		c.err = 0;
		c.result.out.assign(c.out_capacity, 0);
		c.kcall = cpc_call{};
		c.kcall.size = sizeof(c.kcall);
		c.kcall.proc = c.proc;
		c.kcall.timeout_ms = static_cast<std::uint32_t>(c.timeout.count());
		std::copy(std::begin(c.args), std::end(c.args), c.kcall.args);
		c.kcall.arg_ptr = reinterpret_cast<std::uintptr_t>(c.arg.data());
		c.kcall.arg_len = static_cast<std::uint32_t>(c.arg.size());
		c.kcall.out_ptr = reinterpret_cast<std::uintptr_t>(c.result.out.data());
		c.kcall.out_cap = static_cast<std::uint32_t>(c.result.out.size());
		c.index = next_++ & detail::kTagIndexMask;
		ring_->prep_call(ch_.fd(), &c.kcall, detail::make_tag(detail::TagKind::Call, chan_, c.index));
		calls_[c.index] = &c;
	}

	void on_cqe(const UringCompletion &cqe) override
	{
		auto it = calls_.find(detail::tag_index(cqe.tag));
		if (it == calls_.end())
			return;
		detail::PendingCall &c = *it->second;
		calls_.erase(it);
		c.finished = true;
		if (cqe.res < 0) {
			c.err = -cqe.res;
			c.result.out.clear();
		} else {
			c.err = 0;
			c.result.out.resize(std::min<std::size_t>(c.kcall.out_len, c.result.out.size()));
			c.result.ret[0] = c.kcall.ret[0];
			c.result.ret[1] = c.kcall.ret[1];
		}
		if (!detached_)
			done_.push_back(&c);
	}

	std::optional<detail::Clock::time_point> deadline() const override { return std::nullopt; }
	void on_timer(detail::Clock::time_point) override {}

	void collect(std::vector<detail::PendingCall *> &done) override
	{
		done.insert(done.end(), done_.begin(), done_.end());
		done_.clear();
	}

	/* Linux 6.1 cannot cancel a uring_cmd: each completes within its timeout. */
	void detach() override
	{
		detached_ = true;
		done_.clear();
	}

	unsigned outstanding() const override { return static_cast<unsigned>(calls_.size()); }

private:
	KernelChannel &ch_;
	Uring *ring_ = nullptr;
	std::uint16_t chan_ = 0;
	bool detached_ = false;
	std::uint64_t next_ = 0;
	std::unordered_map<std::uint64_t, detail::PendingCall *> calls_;
	std::vector<detail::PendingCall *> done_;
};

KernelChannel::KernelChannel(const std::string &name, const std::string &dev) : Channel(name)
{
	if (name.empty() || name.size() >= CPC_CHANNEL_NAME_MAX)
		throw Error(EINVAL, "channel '" + name + "': invalid name");
	HostDevice ctl(dev);
	cpc_channel_open o{};
	o.size = sizeof(o);
	std::memcpy(o.name, name.c_str(), name.size() + 1);
	int fd = ::ioctl(ctl.fd(), CPC_IOCTL_CHANNEL_OPEN, &o);
	if (fd < 0)
		throw_errno("channel " + name);
	fd_.reset(fd);
	port_ = std::make_unique<Port>(*this);
}

KernelChannel::~KernelChannel() = default;

detail::AsyncPort &KernelChannel::async_port()
{
	return *port_;
}

std::string KernelChannel::transport() const
{
	auto s = kernel_channel_status(kSysfs, name());
	return s ? s->transport : std::string();
}

CallResult KernelChannel::call(const CallRequest &req)
{
	CallResult res;
	res.out.resize(req.out_capacity);
	cpc_call c{};
	c.size = sizeof(c);
	c.proc = req.proc;
	c.timeout_ms = static_cast<std::uint32_t>(std::min<std::int64_t>(req.timeout.count(), UINT32_MAX));
	std::copy(std::begin(req.args), std::end(req.args), c.args);
	c.arg_ptr = reinterpret_cast<std::uintptr_t>(req.arg.data());
	c.arg_len = static_cast<std::uint32_t>(std::min<std::size_t>(req.arg.size(), UINT32_MAX));
	c.out_ptr = reinterpret_cast<std::uintptr_t>(res.out.data());
	c.out_cap = static_cast<std::uint32_t>(std::min<std::size_t>(req.out_capacity, UINT32_MAX));
	if (::ioctl(fd_.get(), CPC_IOCTL_CALL, &c) < 0)
		throw_errno("call " + detail::proc_label(req.proc) + " on " + name());
	res.out.resize(std::min<std::size_t>(c.out_len, res.out.size()));
	res.ret[0] = c.ret[0];
	res.ret[1] = c.ret[1];
	return res;
}

ResetResult KernelChannel::reset()
{
	cpc_channel_reset r{};
	r.size = sizeof(r);
	if (::ioctl(fd_.get(), CPC_IOCTL_CHANNEL_RESET, &r) < 0)
		throw_errno("reset channel " + name());
	return ResetResult{r.generation, r.inflight};
}

ChannelStatus KernelChannel::status() const
{
	auto s = kernel_channel_status(kSysfs, name());
	if (!s)
		throw Error(ENODEV, "channel " + name());
	return *s;
}

} // namespace cpc
