// SPDX-License-Identifier: GPL-2.0
// fuzz_layout: the layout both ends compute from the region size they see
// (cpc_layout_compute) and the header check against a header a hostile
// end rewrote (cpc_header_write, cpc_header_check). Input: a region size
// (any 64-bit value) and writes into the header. Oracles: a layout exists
// exactly for sizes the protocol allows; its pieces are page aligned, in
// order, disjoint and inside the region; the header the host writes
// passes the check; after the writes it passes only if every field the
// check reads still says what the host wrote, and -EAGAIN exactly when
// the magic is gone.
extern "C" {
#include "cpc_ring.h"
}

#include "fuzz_check.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	FuzzedDataProvider in(data, size);
	std::uint64_t region = in.ConsumeIntegral<std::uint64_t>();
	/* Half the time a size near the limits, to hit the edges often. */
	switch (in.ConsumeIntegralInRange<int>(0, 3)) {
	case 0:
		region = CPC_REGION_MIN - 64 + region % 128;
		break;
	case 1:
		region = 0xffffffffull - 64 + region % 128;
		break;
	default:
		break;
	}
	cpc_layout l;
	int ret = cpc_layout_compute(&l, region);
	std::uint64_t rings = 2 * sizeof(cpc_ring_idx) + CPC_RING_ENTRIES_MAX * (sizeof(cpc_req) + sizeof(cpc_cpl));
	if (region < CPC_REGION_MIN || region > 0xffffffffull) {
		FUZZ_CHECK(ret == -EINVAL);
		return 0;
	}
	FUZZ_CHECK(ret == 0);	/* the minimum holds header, rings, a page of data, scratch */
	FUZZ_CHECK(l.region_size == region);
	FUZZ_CHECK(l.ring_entries && !(l.ring_entries & (l.ring_entries - 1)));
	FUZZ_CHECK(l.req_off == CPC_HEADER_SIZE);
	FUZZ_CHECK(l.req_off % 4096 == 0 && l.cpl_off % 4096 == 0 && l.data_off % 4096 == 0);
	FUZZ_CHECK(std::uint64_t(l.req_off) + sizeof(cpc_ring_idx) + l.ring_entries * sizeof(cpc_req) <= l.cpl_off);
	FUZZ_CHECK(std::uint64_t(l.cpl_off) + sizeof(cpc_ring_idx) + l.ring_entries * sizeof(cpc_cpl) <= l.data_off);
	FUZZ_CHECK(l.data_size >= 4096);
	FUZZ_CHECK(std::uint64_t(l.data_off) + l.data_size + CPC_SCRATCH_SIZE == region);
	FUZZ_CHECK(rings < l.data_off);

	/* The header, and a hostile end's writes into it. */
	std::vector<std::uint8_t> page(CPC_HEADER_SIZE);
	auto *h = reinterpret_cast<cpc_shm_header *>(page.data());
	cpc_header_write(h, &l);
	FUZZ_CHECK(cpc_header_check(h, &l) == 0);
	cpc_shm_header orig = *h;
	while (in.remaining_bytes()) {
		std::size_t off = in.ConsumeIntegralInRange<std::size_t>(0, sizeof(*h) - 1);
		page[off] = in.ConsumeIntegral<std::uint8_t>();
	}
	ret = cpc_header_check(h, &l);
	bool same = h->magic == orig.magic && h->version == orig.version &&
		    h->header_size == orig.header_size && h->ring_entries == orig.ring_entries &&
		    h->region_size == orig.region_size && h->req_off == orig.req_off &&
		    h->cpl_off == orig.cpl_off && h->data_off == orig.data_off &&
		    h->data_size == orig.data_size;
	if (h->magic != orig.magic)
		FUZZ_CHECK(ret == -EAGAIN);
	else
		FUZZ_CHECK(ret == (same ? 0 : -EPROTO));
	return 0;
}
