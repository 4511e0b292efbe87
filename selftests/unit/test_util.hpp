// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <endian.h>
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
/// The export id the tests' exports carry unless they say otherwise.
constexpr std::uint64_t kExportId = 0x5eedc0ffee0ddba1ull;

/// A chunk header as the guest writes it (little-endian); @pages and
/// @unchanged are set by the caller (htole32).
inline cpc_snapshot_chunk chunk_header(std::uint64_t gen, std::uint64_t base, std::uint64_t rs,
				       std::uint64_t rsize, std::uint64_t cs, std::uint64_t ce,
				       std::uint64_t export_id = kExportId)
{
	cpc_snapshot_chunk h{};
	h.magic = htole32(CPC_SNAPSHOT_MAGIC);
	h.version = htole16(CPC_SNAPSHOT_VERSION);
	h.header_size = htole16(sizeof(h));
	h.export_id = htole64(export_id);
	h.generation = htole64(gen);
	h.base_gen = htole64(base);
	h.range_start = htole64(rs);
	h.range_size = htole64(rsize);
	h.chunk_start = htole64(cs);
	h.chunk_end = htole64(ce);
	h.record_size = htole32(sizeof(cpc_snapshot_page) + CPC_SNAPSHOT_PAGE_SIZE);
	h.flags = htole32(ce == rs + rsize ? CPC_SNAPSHOT_CHUNK_LAST : 0);
	return h;
}

} // namespace cpc_test
