// cpc::Uring: RAII over liburing's io_uring.
#include <cpc/error.hpp>
#include <cpc/uring.hpp>

#include <cerrno>

namespace cpc {

Uring::Uring(unsigned entries, unsigned flags)
{
	int r = io_uring_queue_init(entries, &ring_, flags);
	if (r < 0)
		throw Error(-r, "io_uring");
}

Uring::~Uring()
{
	io_uring_queue_exit(&ring_);
}

io_uring_sqe &Uring::get_sqe()
{
	io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
	if (!sqe)
		throw Error(EBUSY, "io_uring: submission queue full");
	return *sqe;
}

unsigned Uring::submit()
{
	int r;
	do
		r = io_uring_submit(&ring_);
	while (r == -EINTR);
	if (r < 0)
		throw Error(-r, "io_uring submit");
	return static_cast<unsigned>(r);
}

io_uring_cqe &Uring::wait_cqe()
{
	io_uring_cqe *cqe = nullptr;
	int r;
	do
		r = io_uring_wait_cqe(&ring_, &cqe);
	while (r == -EINTR);
	if (r < 0)
		throw Error(-r, "io_uring wait");
	return *cqe;
}

io_uring_cqe *Uring::peek_cqe()
{
	io_uring_cqe *cqe = nullptr;
	int r = io_uring_peek_cqe(&ring_, &cqe);
	if (r == -EAGAIN)
		return nullptr;
	if (r < 0)
		throw Error(-r, "io_uring peek");
	return cqe;
}

void Uring::seen(io_uring_cqe &cqe) noexcept
{
	io_uring_cqe_seen(&ring_, &cqe);
}

} // namespace cpc
