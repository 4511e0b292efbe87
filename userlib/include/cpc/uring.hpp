#pragma once
// cpc::Uring: a minimal RAII io_uring (liburing 2.3). One ring, owned; the
// caller fills SQEs (e.g. IORING_OP_URING_CMD on a channel fd) and reaps
// CQEs. Errors are thrown as cpc::Error.

#include <liburing.h>

namespace cpc {

class Uring {
public:
	/// io_uring_queue_init(@entries, @flags); throws cpc::Error("io_uring: ...").
	explicit Uring(unsigned entries, unsigned flags = 0);
	~Uring();
	Uring(const Uring &) = delete;
	Uring &operator=(const Uring &) = delete;
	Uring(Uring &&) = delete;
	Uring &operator=(Uring &&) = delete;

	/// A free SQE (zeroed by the io_uring_prep_* the caller uses next);
	/// throws cpc::Error(EBUSY) when the submission queue is full.
	io_uring_sqe &get_sqe();
	/// Submits every prepared SQE; returns how many were submitted.
	unsigned submit();
	/// Waits for a CQE (retries on EINTR); mark it with seen().
	io_uring_cqe &wait_cqe();
	/// A CQE if one is ready, else nullptr; mark it with seen().
	io_uring_cqe *peek_cqe();
	/// Hands a CQE back to the ring.
	void seen(io_uring_cqe &cqe) noexcept;

	io_uring *raw() noexcept { return &ring_; }

private:
	io_uring ring_{};
};

} // namespace cpc
