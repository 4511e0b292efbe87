// SPDX-License-Identifier: GPL-2.0
// fuzz_snapshot: libcpc's snapshot chunk parser and decryption
// (cpc::parse_snapshot_chunks, cpc::SnapshotImage), which read what came
// through the untrusted host. The first byte picks the mode:
//   even: the rest is a file of chunks as cpcctl snapshot decrypt reads it
//         (what a hostile host can send: it cannot seal);
//   odd:  the rest describes an export - range, chunk cuts, header fields,
//         records, and changes to them - which the harness seals with the
//         key (snapshot_encoder.hpp), so that what only an export sealed
//         by the guest reaches is fuzzed too.
// Oracles: parsing and decrypting end in success or cpc::Error EBADMSG
// (EINVAL for a base image that does not fit), never anything else, never
// a memory error; a finished image has the range's size, holds every
// record's plaintext at its address, zeros (full export) or the base
// image (incremental) elsewhere, and counts every page of the range once.
#include <cpc/snapshot.hpp>

#include "fuzz_check.hpp"
#include "snapshot_encoder.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <map>
#include <optional>

using cpc_fuzz::accepts;
using cpc_test::kPage;

namespace {

constexpr std::uint8_t kBase = 0xb5;	/* every byte of a base image */

/* Decrypts @data; returns the image when every chunk applied and finished. */
std::optional<cpc::SnapshotImage *> decrypt(cpc::SnapshotImage &img, const std::vector<std::uint8_t> &data)
{
	std::vector<cpc::SnapshotChunk> chunks;
	if (!accepts([&] { chunks = cpc::parse_snapshot_chunks(data); }, {EBADMSG}))
		return std::nullopt;
	for (const auto &c : chunks) {
		FUZZ_CHECK(c.header.size() == sizeof(cpc_snapshot_chunk));
		FUZZ_CHECK(c.records.size() == std::size_t(c.pages) * cpc_test::kRecord);
		FUZZ_CHECK(c.seal.size() == sizeof(cpc_snapshot_seal));
		if (!accepts([&] { img.apply(c); }, {EBADMSG, EINVAL}))
			return std::nullopt;
	}
	if (!accepts([&] { img.finish(); }, {EBADMSG}))
		return std::nullopt;
	return &img;
}

void raw(const std::vector<std::uint8_t> &data, bool with_base)
{
	cpc_test::Encoder enc;
	std::optional<std::vector<std::uint8_t>> base;
	if (with_base)
		base = std::vector<std::uint8_t>(8 * kPage, kBase);
	cpc::SnapshotImage img(enc.key, base);
	decrypt(img, data);
}

void sealed(FuzzedDataProvider &in)
{
	cpc_test::Encoder enc;
	const std::uint64_t pages = in.ConsumeIntegralInRange<std::uint64_t>(1, 12);
	enc.start = in.ConsumeIntegralInRange<std::uint64_t>(0, 1u << 20) * kPage;
	enc.size = pages * kPage;
	enc.gen = in.ConsumeIntegralInRange<std::uint64_t>(1, 3);
	enc.base = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::uint64_t>(1, 3) : 0;
	std::optional<std::vector<std::uint8_t>> base;
	if (in.ConsumeBool())
		base = std::vector<std::uint8_t>(in.ConsumeBool() ? enc.size : kPage, kBase);

	/* What the image must hold if it finishes: address -> plaintext. */
	std::map<std::uint64_t, std::vector<std::uint8_t>> sent;
	std::vector<std::uint8_t> data;
	std::uint64_t at = enc.start, end = enc.start + enc.size;
	for (int n = 0; n < 4 && at < end; n++) {
		std::uint64_t ce = n == 3 ? end : at + kPage * in.ConsumeIntegralInRange<std::uint64_t>(1, (end - at) / kPage);
		cpc_snapshot_chunk h = cpc_test::chunk_header(enc.gen, enc.base, enc.start, enc.size, at, ce, enc.export_id);
		std::vector<cpc_test::Record> recs;
		std::uint32_t unchanged = 0;
		for (std::uint64_t g = at; g < ce; g += kPage) {
			if (enc.base && in.ConsumeBool()) {
				unchanged++;
				continue;
			}
			std::uint32_t flags = in.ConsumeBool() ? CPC_SNAPSHOT_PAGE_UNREADABLE : 0;
			recs.push_back({g, flags, cpc_test::page_of(in.ConsumeIntegral<std::uint8_t>())});
		}
		h.pages = htole32(static_cast<std::uint32_t>(recs.size()));
		h.unchanged = htole32(unchanged);
		/* Changes a careless or hostile guest could seal. */
		while (in.ConsumeIntegralInRange<int>(0, 7) == 7) {	/* 0 once the input is used up */
			std::uint64_t v = in.ConsumeIntegral<std::uint64_t>();
			switch (in.ConsumeIntegralInRange<int>(0, 9)) {
			case 0: h.range_start = htole64(v); break;
			case 1: h.range_size = htole64(v % (in.ConsumeBool() ? 64 * kPage : ~0ull)); break;
			case 2: h.chunk_start = htole64(v); break;
			case 3: h.chunk_end = htole64(v); break;
			case 4: h.pages = htole32(static_cast<std::uint32_t>(v)); break;
			case 5: h.unchanged = htole32(static_cast<std::uint32_t>(v)); break;
			case 6: h.flags = htole32(static_cast<std::uint32_t>(v)); break;
			case 7: h.base_gen = htole64(v % 4); break;
			case 8: if (!recs.empty()) recs[v % recs.size()].gpa = in.ConsumeIntegral<std::uint64_t>(); break;
			default: if (!recs.empty()) recs[v % recs.size()].flags = static_cast<std::uint32_t>(v >> 32); break;
			}
		}
		auto c = enc.seal(h, recs);
		if (in.ConsumeIntegralInRange<int>(0, 15) == 15 && !c.empty())	/* and in transit */
			c[in.ConsumeIntegralInRange<std::size_t>(0, c.size() - 1)] ^= 1 + in.ConsumeIntegral<std::uint8_t>() % 255;
		data.insert(data.end(), c.begin(), c.end());
		for (auto &r : recs)
			sent[r.gpa] = r.plain;
		at = ce;
	}

	cpc::SnapshotImage img(enc.key, base);
	auto done = decrypt(img, data);
	if (!done)
		return;
	/* It finished: the image is the range with every record in place. */
	const std::uint64_t rs = img.range_start(), rsize = img.range_size();
	FUZZ_CHECK(img.complete());
	FUZZ_CHECK(img.bytes().size() == rsize);
	FUZZ_CHECK(rsize % kPage == 0 && rsize > 0);
	FUZZ_CHECK(img.pages_sent() + img.pages_unchanged() == rsize / kPage);
	FUZZ_CHECK(img.base_gen() || img.pages_unchanged() == 0);
	std::uint64_t found = 0;
	for (std::uint64_t g = rs; g < rs + rsize; g += kPage) {
		const std::uint8_t *p = img.bytes().data() + (g - rs);
		auto s = sent.find(g);
		if (s != sent.end()) {
			found++;
			FUZZ_CHECK(std::memcmp(p, s->second.data(), kPage) == 0);
		} else {
			std::uint8_t fill = img.base_gen() ? kBase : 0;
			for (std::uint64_t i = 0; i < kPage; i++)
				FUZZ_CHECK(p[i] == fill);
		}
	}
	FUZZ_CHECK(found == img.pages_sent());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] % 2 == 0) {
		raw(std::vector<std::uint8_t>(data + 1, data + size), data[0] & 2);
		return 0;
	}
	FuzzedDataProvider in(data + 1, size - 1);
	sealed(in);
	return 0;
}
