// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cpc::KernelChannel (internal): a channel of cpc_host.ko - a channel fd
// from CPC_IOCTL_CHANNEL_OPEN; calls are CPC_IOCTL_CALL (synchronous) or
// IORING_OP_URING_CMD (its AsyncPort); status from sysfs.

#include <cpc/channel.hpp>
#include <cpc/fd.hpp>

#include "async.hpp"

#include <memory>

namespace cpc {

/// The status of kernel channel @name from @sysfs (its directory under
/// /sys/kernel/cpc_host/channels); nullopt when there is no such channel.
std::optional<ChannelStatus> kernel_channel_status(const std::string &sysfs, const std::string &name);

class KernelChannel final : public Channel {
public:
	/// Opens @name through @dev; throws cpc::Error ("channel <name>: <why>").
	KernelChannel(const std::string &name, const std::string &dev);
	~KernelChannel() override;

	std::string transport() const override;
	CallResult call(const CallRequest &req) override;
	ResetResult reset() override;
	ChannelStatus status() const override;

	int fd() const noexcept { return fd_.get(); }

private:
	class Port;
	detail::AsyncPort &async_port() override;
	UniqueFd fd_;
	std::unique_ptr<Port> port_;
};

} // namespace cpc
