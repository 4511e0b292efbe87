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

class Driver {
public:
	/// What wait() returns: a call that finished, or a write that did.
	struct Event {
		PendingCall *call = nullptr; ///< set for a call
		std::uint64_t cookie = 0;    ///< a write's cookie
		int res = 0;                 ///< a write's result (bytes or -errno)
	};

	/// @entries: submission queue size; enough for every operation that
	/// can be in flight at once.
	explicit Driver(unsigned entries);
	~Driver();
	Driver(const Driver &) = delete;
	Driver &operator=(const Driver &) = delete;

	/// Attaches @ch's port; returns its index for submit(). Throws
	/// cpc::Error(EBUSY) when the channel is driven by another ring.
	std::uint16_t add(const std::shared_ptr<Channel> &ch);
	/// Starts call @c on channel @chan; @c stays in place until finished.
	void submit(std::uint16_t chan, PendingCall &c);
	/// Queues a write; @buf stays alive until its event.
	void write(int fd, const void *buf, unsigned len, std::uint64_t off, std::uint64_t cookie);
	/// Waits until at least one call or write finished (running the
	/// ports' timers meanwhile) and returns them.
	std::vector<Event> wait();
	/// Operations started and not yet reaped (calls, writes, port ops).
	unsigned outstanding() const;

private:
	void dispatch(const UringCompletion &cqe, std::vector<Event> &out);
	void collect(std::vector<Event> &out);

	Uring ring_;
	std::vector<std::shared_ptr<Channel>> chans_;
	std::vector<AsyncPort *> ports_;
	unsigned writes_ = 0;
};

} // namespace cpc::detail
