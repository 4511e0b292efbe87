// SPDX-License-Identifier: GPL-2.0
// libcpc's snapshot decryption (cpc/snapshot.hpp), fed with chunks made by
// a small encoder that follows linux/cpc_proto.h the way cpc_guest does
// (snapshot_encoder.hpp).
#include <cpc/error.hpp>
#include <cpc/snapshot.hpp>

#include <linux/cpc_proto.h>
#include <openssl/evp.h>

#include <gtest/gtest.h>

#include "snapshot_encoder.hpp"
#include "test_util.hpp"

#include <cstddef>
#include <cstdio>
#include <functional>
#include <cstring>
#include <fstream>
#include <map>
#include <unistd.h>

namespace {

using cpc_test::Encoder;
using cpc_test::page_of;
constexpr std::uint64_t PG = cpc_test::kPage;
constexpr std::size_t REC = cpc_test::kRecord;
const char *hex_a = cpc_test::kKeyHex;

using cpc_test::errno_of;

void decrypt(const cpc::SnapshotKey &key, const std::vector<std::uint8_t> &data,
	     std::optional<std::vector<std::uint8_t>> base = std::nullopt,
	     std::vector<std::uint8_t> *image = nullptr)
{
	cpc::SnapshotImage img(key, std::move(base));
	for (const auto &c : cpc::parse_snapshot_chunks(data))
		img.apply(c);
	img.finish();
	if (image)
		*image = img.bytes();
}

} // namespace

TEST(SnapshotKey, FromHexAndBack)
{
	auto k = cpc::SnapshotKey::from_hex(std::string("  ") + hex_a + "\n");
	EXPECT_EQ(hex_a, k.hex());
	EXPECT_EQ(0x1f, k.bytes()[31]);
	EXPECT_EQ(EINVAL, errno_of([] { cpc::SnapshotKey::from_hex("abcd"); }));
	std::string bad = hex_a;
	bad[10] = 'x';
	EXPECT_EQ(EINVAL, errno_of([&] { cpc::SnapshotKey::from_hex(bad); }));
	EXPECT_NE(cpc::SnapshotKey::generate().hex(), cpc::SnapshotKey::generate().hex());
}

TEST(SnapshotKey, LoadHexOrRawFile)
{
	char path[] = "/tmp/cpc-key-XXXXXX";
	int fd = mkstemp(path);
	ASSERT_LE(0, fd);
	close(fd);
	{
		std::ofstream(path) << hex_a << "\n";
	}
	EXPECT_EQ(hex_a, cpc::SnapshotKey::load(path).hex());
	{
		std::ofstream f(path, std::ios::binary);
		for (int i = 0; i < 32; i++)
			f.put(static_cast<char>(i));
	}
	EXPECT_EQ(hex_a, cpc::SnapshotKey::load(path).hex());
	{
		std::ofstream(path) << "0123";
	}
	EXPECT_EQ(EINVAL, errno_of([&] { cpc::SnapshotKey::load(path); }));
	unlink(path);
	EXPECT_EQ(ENOENT, errno_of([&] { cpc::SnapshotKey::load(path); }));
}

TEST(SnapshotImage, FullExportInOneChunk)
{
	Encoder enc;
	std::vector<std::uint8_t> img;
	decrypt(enc.key, enc.full(8), std::nullopt, &img);
	ASSERT_EQ(enc.size, img.size());
	for (std::uint64_t i = 0; i < 8; i++)
		EXPECT_EQ(0, std::memcmp(img.data() + i * PG, page_of(static_cast<std::uint8_t>(i + 1)).data(), PG));
}

TEST(SnapshotImage, FullExportInChunks)
{
	Encoder enc;
	auto data = enc.full(3);
	auto chunks = cpc::parse_snapshot_chunks(data);
	ASSERT_EQ(3u, chunks.size());
	EXPECT_FALSE(chunks[0].last);
	EXPECT_TRUE(chunks[2].last);
	cpc::SnapshotImage img(enc.key);
	for (const auto &c : chunks)
		img.apply(c);
	img.finish();
	EXPECT_EQ(8u, img.pages_sent());
	EXPECT_EQ(7u, img.generation());
	EXPECT_EQ(0, std::memcmp(img.bytes().data() + 5 * PG, page_of(6).data(), PG));
}

TEST(SnapshotImage, IncrementalNeedsItsBase)
{
	Encoder enc;
	enc.base = 6;
	std::vector<std::uint8_t> base(enc.size, 0xee);
	auto data = enc.chunk(enc.start, enc.start + enc.size, {{enc.start + 2 * PG, page_of(42)}}, 7);
	std::vector<std::uint8_t> img;
	decrypt(enc.key, data, base, &img);
	EXPECT_EQ(0, std::memcmp(img.data() + 2 * PG, page_of(42).data(), PG));
	EXPECT_EQ(0xee, img[0]);
	EXPECT_EQ(0xee, img[enc.size - 1]);
	EXPECT_EQ(EINVAL, errno_of([&] { decrypt(enc.key, data); }));
	EXPECT_EQ(EINVAL, errno_of([&] { decrypt(enc.key, data, std::vector<std::uint8_t>(PG)); }));
}

TEST(SnapshotImage, TamperingIsDetected)
{
	Encoder enc;
	auto good = enc.full(8);
	const std::size_t hdr = sizeof(cpc_snapshot_chunk);
	auto flip = [&](std::size_t off) {
		auto d = good;
		d[off] ^= 1;
		return errno_of([&] { decrypt(enc.key, d); });
	};
	EXPECT_EQ(0, errno_of([&] { decrypt(enc.key, good); }));
	EXPECT_EQ(EBADMSG, flip(hdr + sizeof(cpc_snapshot_page) + 5));		// ciphertext
	EXPECT_EQ(EBADMSG, flip(hdr + offsetof(cpc_snapshot_page, tag)));	// record tag
	EXPECT_EQ(EBADMSG, flip(hdr + offsetof(cpc_snapshot_page, iv)));	// IV
	EXPECT_EQ(EBADMSG, flip(offsetof(cpc_snapshot_chunk, generation)));	// header
	EXPECT_EQ(EBADMSG, flip(good.size() - 1));				// seal tag
	// relabel a page: swap the addresses of records 0 and 1
	auto d = good;
	std::uint64_t g0 = enc.start, g1 = enc.start + PG;
	std::memcpy(d.data() + hdr, &g1, 8);
	std::memcpy(d.data() + hdr + REC, &g0, 8);
	EXPECT_EQ(EBADMSG, errno_of([&] { decrypt(enc.key, d); }));
	// another key
	auto other = cpc::SnapshotKey::generate();
	EXPECT_EQ(EBADMSG, errno_of([&] { decrypt(other, good); }));
}

TEST(SnapshotImage, DroppedRecordsAreDetected)
{
	Encoder enc;
	auto good = enc.full(8);
	const std::size_t hdr = sizeof(cpc_snapshot_chunk);
	// drop the last record and fix up the count: the seal no longer matches
	std::vector<std::uint8_t> d(good.begin(), good.begin() + hdr + 7 * REC);
	d.insert(d.end(), good.end() - sizeof(cpc_snapshot_seal), good.end());
	std::uint32_t pages = 7;
	std::memcpy(d.data() + offsetof(cpc_snapshot_chunk, pages), &pages, 4);
	EXPECT_EQ(EBADMSG, errno_of([&] { decrypt(enc.key, d); }));
	// a full export that (honestly sealed) leaves pages out is refused
	Encoder enc2;
	auto holey = enc2.chunk(enc2.start, enc2.start + enc2.size, {{enc2.start, page_of(1)}}, 0);
	EXPECT_EQ(EBADMSG, errno_of([&] { decrypt(enc2.key, holey); }));
	// an incremental one whose counts do not add up, too
	enc2.base = 3;
	auto odd = enc2.chunk(enc2.start, enc2.start + enc2.size, {{enc2.start, page_of(1)}}, 3);
	EXPECT_EQ(EBADMSG, errno_of([&] { decrypt(enc2.key, odd, std::vector<std::uint8_t>(enc2.size)); }));
}

TEST(SnapshotImage, ChunksMustFormOneExport)
{
	Encoder enc;
	auto data = enc.full(3);
	auto chunks = cpc::parse_snapshot_chunks(data);
	{
		cpc::SnapshotImage img(enc.key);
		img.apply(chunks[0]);
		EXPECT_EQ(EBADMSG, errno_of([&] { img.apply(chunks[2]); }));	// gap
		EXPECT_EQ(EBADMSG, errno_of([&] { img.finish(); }));		// incomplete
	}
	{
		cpc::SnapshotImage img(enc.key);
		EXPECT_EQ(EBADMSG, errno_of([&] { img.apply(chunks[1]); }));	// not the start
	}
	Encoder other;
	other.gen = 8;
	auto odata = other.full(3);
	auto ochunks = cpc::parse_snapshot_chunks(odata);
	cpc::SnapshotImage img(enc.key);
	img.apply(chunks[0]);
	EXPECT_EQ(EBADMSG, errno_of([&] { img.apply(ochunks[1]); }));	// other export
	img.apply(chunks[1]);
	img.apply(chunks[2]);
	img.finish();
	EXPECT_EQ(EBADMSG, errno_of([&] { img.apply(chunks[2]); }));	// after the last
	EXPECT_EQ(EBADMSG, errno_of([&] { cpc::SnapshotImage(enc.key).finish(); }));
}

/*
 * Replay across key provisionings: the guest reloaded (or rebooted) and the
 * owner provisioned the same key again, so the export generation counts
 * from 1 again - but the export id is new. A chunk (or a whole export) of
 * the old provisioning cannot pass for one of the new export.
 */
TEST(SnapshotImage, ChunkOfAnotherProvisioningIsRejected)
{
	Encoder now, before;
	before.export_id = now.export_id ^ 0x1234;	/* same key, gen, range */
	before.nonce = 5000;
	auto cur_data = now.full(3), old_data = before.full(3);
	auto cur = cpc::parse_snapshot_chunks(cur_data);	/* spans into the data */
	auto old = cpc::parse_snapshot_chunks(old_data);
	EXPECT_EQ(now.export_id, cur[0].export_id);
	EXPECT_EQ(before.export_id, old[1].export_id);

	/* Spliced in as it is: refused as another export's. */
	cpc::SnapshotImage img(now.key);
	img.apply(cur[0]);
	EXPECT_EQ(EBADMSG, errno_of([&] { img.apply(old[1]); }));

	/* Its header relabelled with the current id: the seal refuses it. */
	auto relabel = before.full(3);
	std::uint64_t id = htole64(now.export_id);
	std::memcpy(relabel.data() + offsetof(cpc_snapshot_chunk, export_id), &id, sizeof(id));
	auto forged = cpc::parse_snapshot_chunks(relabel);
	cpc::SnapshotImage img2(now.key);
	EXPECT_EQ(EBADMSG, errno_of([&] { img2.apply(forged[0]); }));

	/* A whole old export replayed: the owner who asks for the current id refuses it. */
	cpc::SnapshotImage img3(now.key);
	img3.expect_export_id(now.export_id);
	EXPECT_EQ(EBADMSG, errno_of([&] { img3.apply(old[0]); }));
	cpc::SnapshotImage img4(now.key);
	img4.expect_export_id(now.export_id);
	for (const auto &c : cur)
		img4.apply(c);
	img4.finish();
	EXPECT_EQ(now.export_id, img4.export_id());
}

TEST(SnapshotParse, RejectsMalformedChunks)
{
	Encoder enc;
	auto good = enc.full(8);
	auto parse_err = [](std::vector<std::uint8_t> d) {
		return errno_of([&] { cpc::parse_snapshot_chunks(d); });
	};
	EXPECT_EQ(0, parse_err(good));
	EXPECT_EQ(0, parse_err({}));
	auto d = good;
	d[0] ^= 1;
	EXPECT_EQ(EBADMSG, parse_err(d));						// magic
	d = good;
	d.resize(d.size() - 1);
	EXPECT_EQ(EBADMSG, parse_err(d));						// truncated
	EXPECT_EQ(EBADMSG, parse_err(std::vector<std::uint8_t>(good.begin(), good.begin() + 10)));
	d = good;
	std::uint64_t outside = enc.start + enc.size;
	std::memcpy(d.data() + sizeof(cpc_snapshot_chunk), &outside, 8);
	EXPECT_EQ(EBADMSG, parse_err(d));						// record address
	d = good;
	d[offsetof(cpc_snapshot_chunk, flags)] = 0;
	EXPECT_EQ(EBADMSG, parse_err(d));						// last flag
	d = good;
	d[offsetof(cpc_snapshot_chunk, record_size)] ^= 8;
	EXPECT_EQ(EBADMSG, parse_err(d));						// record size
}

/*
 * Found by fuzz/fuzz_snapshot: a chunk the host made up (it cannot seal)
 * sized the image - its range allocated and zeroed - before its seal was
 * checked: terabytes end cpcctl with std::bad_alloc, a gigabyte costs a
 * gigabyte. Ranges beyond what an export can be are refused when parsing,
 * and nothing of a chunk is used before it authenticates.
 */
TEST(SnapshotImage, ForgedChunkSizesNothing)
{
	Encoder enc;
	auto forged = [&](std::uint64_t range_size) {
		cpc_snapshot_chunk h = cpc_test::chunk_header(1, 0, 0, range_size, 0, range_size);
		auto d = cpc_test::bytes_of(h);
		d.resize(d.size() + sizeof(cpc_snapshot_seal));	/* no records, a zero seal */
		return d;
	};
	auto huge = forged(0xb0000003000ull);
	EXPECT_EQ(EBADMSG, errno_of([&] { cpc::parse_snapshot_chunks(huge); }));

	auto big = forged(CPC_SNAPSHOT_MAX_RANGE);
	auto chunks = cpc::parse_snapshot_chunks(big);
	ASSERT_EQ(1u, chunks.size());
	cpc::SnapshotImage img(enc.key);
	EXPECT_EQ(EBADMSG, errno_of([&] { img.apply(chunks[0]); }));
	EXPECT_EQ(0u, img.bytes().size()) << "the forged range was allocated";
	EXPECT_EQ(0u, img.range_size());
	/* The export really starting next is not mistaken for a continuation. */
	auto real = enc.full(8);
	for (const auto &c : cpc::parse_snapshot_chunks(real))
		img.apply(c);
	img.finish();
	EXPECT_EQ(enc.size, img.bytes().size());
}
