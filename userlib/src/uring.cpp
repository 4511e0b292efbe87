// SPDX-License-Identifier: LGPL-2.1-or-later
// cpc::Uring: a small RAII layer over liburing 2.3 (Debian's; it has no
// io_uring_prep_cmd, so a uring_cmd is prepared by hand as the kernel
// expects it: prep_rw, then cmd_op and the 16-byte inline payload).
#include "uring.hpp"

#include <cpc/error.hpp>

#include <linux/cpc_host.h>

#include <cstring>

namespace cpc {

// Without IORING_SETUP_SQE128 the inline payload (sqe->cmd) is 16 bytes.
static_assert(sizeof(cpc_call_uring) <= 16,
	      "struct cpc_call_uring must fit the 16-byte inline payload");

Uring::Uring(unsigned entries) : entries_(entries)
{
	if (entries == 0)
		throw Error(EINVAL, "io_uring: zero entries");
	int r = io_uring_queue_init(entries, &ring_, 0);
	if (r < 0)
		throw Error(-r, "io_uring setup");
}

Uring::~Uring()
{
	io_uring_queue_exit(&ring_);
}

io_uring_sqe *Uring::get_sqe()
{
	io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
	if (!sqe)
		throw Error(EBUSY, "io_uring: submission queue full");
	return sqe;
}

void Uring::prep_call(int fd, cpc_call *call, std::uint64_t tag)
{
	io_uring_sqe *sqe = get_sqe();
	// prep_rw zeroes the fields cmd_op and cmd[] overlap; set them after.
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, nullptr, 0, 0);
	sqe->cmd_op = CPC_IOCTL_CALL;
	cpc_call_uring u{};
	u.call_ptr = reinterpret_cast<std::uintptr_t>(call);
	std::memcpy(sqe->cmd, &u, sizeof(u));
	io_uring_sqe_set_data64(sqe, tag);
}

void Uring::prep_write(int fd, const void *buf, unsigned len, std::uint64_t off, std::uint64_t tag)
{
	io_uring_sqe *sqe = get_sqe();
	io_uring_prep_write(sqe, fd, buf, len, off);
	io_uring_sqe_set_data64(sqe, tag);
}

void Uring::prep_read(int fd, void *buf, unsigned len, std::uint64_t off, std::uint64_t tag)
{
	io_uring_sqe *sqe = get_sqe();
	io_uring_prep_read(sqe, fd, buf, len, off);
	io_uring_sqe_set_data64(sqe, tag);
}

void Uring::prep_poll_add(int fd, unsigned mask, std::uint64_t tag)
{
	io_uring_sqe *sqe = get_sqe();
	io_uring_prep_poll_add(sqe, fd, mask);
	io_uring_sqe_set_data64(sqe, tag);
}

void Uring::prep_cancel(std::uint64_t target, std::uint64_t tag)
{
	io_uring_sqe *sqe = get_sqe();
	io_uring_prep_cancel64(sqe, target, 0);
	io_uring_sqe_set_data64(sqe, tag);
}

UringCompletion Uring::submit_and_wait()
{
	int r;
	do
		r = io_uring_submit_and_wait(&ring_, 1);
	while (r == -EINTR);
	if (r < 0)
		throw Error(-r, "io_uring submit");
	UringCompletion c;
	if (!try_reap(c)) {
		io_uring_cqe *cqe;
		do
			r = io_uring_wait_cqe(&ring_, &cqe);
		while (r == -EINTR);
		if (r < 0)
			throw Error(-r, "io_uring wait");
		c.tag = io_uring_cqe_get_data64(cqe);
		c.res = cqe->res;
		io_uring_cqe_seen(&ring_, cqe);
	}
	return c;
}

std::optional<UringCompletion> Uring::submit_and_wait_until(std::optional<Clock::time_point> until)
{
	if (!until)
		return submit_and_wait();
	UringCompletion c;
	for (;;) {
		auto now = Clock::now();
		int r;
		if (now >= *until) {
			r = io_uring_submit(&ring_);
			if (r < 0 && r != -EINTR && r != -EBUSY)
				throw Error(-r, "io_uring submit");
			if (try_reap(c))
				return c;
			return std::nullopt;
		}
		auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(*until - now).count();
		__kernel_timespec ts{};
		ts.tv_sec = left / 1000000000;
		ts.tv_nsec = left % 1000000000;
		io_uring_cqe *cqe = nullptr;
		// liburing 2.3 returns the number submitted (not -ETIME) when it
		// timed out after submitting: decide by what the queue holds.
		r = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
		if (r < 0 && r != -ETIME && r != -EINTR && r != -EBUSY)
			throw Error(-r, "io_uring wait");
		if (try_reap(c))
			return c;
		if (Clock::now() >= *until)
			return std::nullopt;
	}
}

bool Uring::try_reap(UringCompletion &out)
{
	io_uring_cqe *cqe;
	if (io_uring_peek_cqe(&ring_, &cqe) != 0)
		return false;
	out.tag = io_uring_cqe_get_data64(cqe);
	out.res = cqe->res;
	io_uring_cqe_seen(&ring_, cqe);
	return true;
}

} // namespace cpc
