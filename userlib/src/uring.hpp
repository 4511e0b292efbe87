// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cpc::Uring (internal to libcpc): RAII owner of one io_uring instance
// (liburing), with the operations the job engine needs: a kernel channel
// call as IORING_OP_URING_CMD (cmd_op CPC_IOCTL_CALL, payload struct
// cpc_call_uring), file reads and writes, poll and cancel. Every failure
// throws cpc::Error. Not in the public headers: they must not include
// liburing.h.

#include <liburing.h>

#include <chrono>
#include <cstdint>
#include <optional>

struct cpc_call;

namespace cpc {

/// One completion: the tag given when the operation was queued, and its
/// result (cqe->res: bytes, 0, or a negative errno).
struct UringCompletion {
	std::uint64_t tag = 0;
	int res = 0;
};

class Uring {
public:
	using Clock = std::chrono::steady_clock;

	/// Sets up a ring with @entries submission entries (a power of two is
	/// not required; liburing rounds up). Throws cpc::Error("io_uring: ...").
	explicit Uring(unsigned entries);
	Uring(const Uring &) = delete;
	Uring &operator=(const Uring &) = delete;
	Uring(Uring &&) = delete;
	Uring &operator=(Uring &&) = delete;
	/// Tears the ring down. The owner must have reaped every completion
	/// first (the job engine drains before it lets go of its buffers).
	~Uring();

	/// Queues CPC_IOCTL_CALL on channel fd @fd for @call, which must stay
	/// alive and unmoved until its completion is reaped.
	/// Throws cpc::Error(EBUSY) when the submission queue is full.
	void prep_call(int fd, cpc_call *call, std::uint64_t tag);
	/// Queues a write of @len bytes at @buf to @fd at offset @off; @buf
	/// must stay alive until its completion is reaped.
	void prep_write(int fd, const void *buf, unsigned len, std::uint64_t off, std::uint64_t tag);
	/// Queues a read of up to @len bytes into @buf from @fd (offset @off,
	/// -1 for the file position, as for an eventfd). It waits for data
	/// also on an O_NONBLOCK fd that supports polling.
	void prep_read(int fd, void *buf, unsigned len, std::uint64_t off, std::uint64_t tag);
	/// Queues a one-shot poll for @mask (POLLIN, ...) on @fd.
	void prep_poll_add(int fd, unsigned mask, std::uint64_t tag);
	/// Queues the cancellation of the operation queued with tag @target;
	/// the cancel itself completes with @tag (0, -ENOENT or -EALREADY) and
	/// the target with its own tag (usually -ECANCELED).
	void prep_cancel(std::uint64_t target, std::uint64_t tag);
	/// Submits what is queued and waits for at least one completion, which
	/// it returns (and marks seen). Throws cpc::Error on io_uring failure.
	UringCompletion submit_and_wait();
	/// Submits what is queued and waits for one completion until @until
	/// (forever when empty): the completion, or nothing when the time came
	/// first. Retries after signals.
	std::optional<UringCompletion> submit_and_wait_until(std::optional<Clock::time_point> until);
	/// A completion that is already there, without waiting: true if one was.
	bool try_reap(UringCompletion &out);

	unsigned entries() const noexcept { return entries_; }

private:
	io_uring_sqe *get_sqe();
	io_uring ring_{};
	unsigned entries_ = 0;
};

} // namespace cpc
