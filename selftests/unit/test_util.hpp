#pragma once
// Helpers shared by the GoogleTest unit tests.

#include <cpc/error.hpp>

#include <linux/cpc_proto.h>

#include <cstdint>
#include <functional>

namespace cpc_test {

/// errno of the cpc::Error @f throws, or 0 if it throws none.
inline int errno_of(const std::function<void()> &f)
{
	try {
		f();
	} catch (const cpc::Error &e) {
		return e.errnum();
	}
	return 0;
}

/// The header of a snapshot chunk covering [@cs, @ce) of the export of
/// [@rs, @rs + @rsize) at generation @gen over base @base (0: full), with
/// full-page records; LAST when it ends the range. Counts are the caller's.
inline cpc_snapshot_chunk chunk_header(std::uint64_t gen, std::uint64_t base, std::uint64_t rs,
				       std::uint64_t rsize, std::uint64_t cs, std::uint64_t ce)
{
	cpc_snapshot_chunk h{};
	h.magic = CPC_SNAPSHOT_MAGIC;
	h.version = CPC_SNAPSHOT_VERSION;
	h.header_size = sizeof(h);
	h.generation = gen;
	h.base_gen = base;
	h.range_start = rs;
	h.range_size = rsize;
	h.chunk_start = cs;
	h.chunk_end = ce;
	h.record_size = sizeof(cpc_snapshot_page) + CPC_SNAPSHOT_PAGE_SIZE;
	h.flags = ce == rs + rsize ? CPC_SNAPSHOT_CHUNK_LAST : 0;
	return h;
}

} // namespace cpc_test
