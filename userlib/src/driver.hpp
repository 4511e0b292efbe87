// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cpc::detail::Driver (internal): one Uring driving the calls of several
// channels at once - kernel channels (each call an IORING_OP_URING_CMD) and
// user-space bus ends (their doorbell reads and socket polls) - plus file
// writes, all on the same ring. The job engine, the sweep and the bench
// sit on it.
//
// Teardown: the destructor detaches every port (cancels their own
// operations, gives up bus calls) and reaps until every operation it
// started has completed; only then may the owner free call records and
// write buffers - except that kernel calls complete on their own within
// their timeout, so their records must outlive the driver too.

#include "async.hpp"
#include "uring.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace cpc::detail {

/// What the job engine drives its calls and writes through: the Driver
/// below (one Uring), or a fake completion source in unit tests. Its
/// destructor must reap every operation it started.
class Completions {
public:
	/// What wait() returns: a call that finished, or a write that did.
	struct Event {
		PendingCall *call = nullptr; ///< set for a call
		std::uint64_t cookie = 0;    ///< a write's cookie
		int res = 0;                 ///< a write's result (bytes or -errno)
	};

	virtual ~Completions() = default;
	/// Attaches @ch; returns its index for submit(). Throws cpc::Error
	/// (EBUSY when the channel is driven by another ring).
	virtual std::uint16_t add(const std::shared_ptr<Channel> &ch) = 0;
	/// Starts call @c on channel @chan; @c stays in place until finished.
	/// May throw: then the call was not started.
	virtual void submit(std::uint16_t chan, PendingCall &c) = 0;
	/// Queues a write; @buf stays alive until its event. May throw: then
	/// the write was not queued.
	virtual void write(int fd, const void *buf, unsigned len, std::uint64_t off,
			   std::uint64_t cookie) = 0;
	/// Waits until at least one call or write finished and returns them.
	virtual std::vector<Event> wait() = 0;
	/// Operations started and not yet reaped.
	virtual unsigned outstanding() const = 0;
};

class Driver final : public Completions {
public:
	/// @entries: submission queue size; enough for every operation that
	/// can be in flight at once.
	explicit Driver(unsigned entries);
	~Driver() override;
	Driver(const Driver &) = delete;
	Driver &operator=(const Driver &) = delete;

	/// Attaches @ch's port. Throws cpc::Error(EBUSY) when the channel is
	/// driven by another ring.
	std::uint16_t add(const std::shared_ptr<Channel> &ch) override;
	void submit(std::uint16_t chan, PendingCall &c) override;
	void write(int fd, const void *buf, unsigned len, std::uint64_t off,
		   std::uint64_t cookie) override;
	/// Also runs the ports' timers while it waits.
	std::vector<Event> wait() override;
	/// Calls, writes and the ports' own operations.
	unsigned outstanding() const override;

private:
	void dispatch(const UringCompletion &cqe, std::vector<Event> &out);
	void collect(std::vector<Event> &out);

	Uring ring_;
	std::vector<std::shared_ptr<Channel>> chans_;
	std::vector<AsyncPort *> ports_;
	unsigned writes_ = 0;
};

} // namespace cpc::detail
