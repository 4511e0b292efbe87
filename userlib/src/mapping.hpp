// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cpc::Mapping (internal): RAII owner of one mmap()ed range.

#include <cpc/error.hpp>

#include <sys/mman.h>

#include <cstddef>
#include <utility>

namespace cpc {

class Mapping {
public:
	Mapping() noexcept = default;
	/// mmap(nullptr, @size, @prot, @flags, @fd, @off); throws
	/// cpc::Error("<what>: <why>").
	Mapping(std::size_t size, int prot, int flags, int fd, off_t off, const std::string &what)
		: size_(size)
	{
		void *p = ::mmap(nullptr, size, prot, flags, fd, off);
		if (p == MAP_FAILED)
			throw_errno(what);
		addr_ = p;
	}
	Mapping(const Mapping &) = delete;
	Mapping &operator=(const Mapping &) = delete;
	Mapping(Mapping &&o) noexcept
		: addr_(std::exchange(o.addr_, nullptr)), size_(std::exchange(o.size_, 0))
	{
	}
	Mapping &operator=(Mapping &&o) noexcept
	{
		if (this != &o) {
			reset();
			addr_ = std::exchange(o.addr_, nullptr);
			size_ = std::exchange(o.size_, 0);
		}
		return *this;
	}
	~Mapping() { reset(); }

	void *get() const noexcept { return addr_; }
	std::size_t size() const noexcept { return size_; }
	explicit operator bool() const noexcept { return addr_ != nullptr; }
	void reset() noexcept
	{
		if (addr_)
			::munmap(addr_, size_);
		addr_ = nullptr;
		size_ = 0;
	}

private:
	void *addr_ = nullptr;
	std::size_t size_ = 0;
};

} // namespace cpc
