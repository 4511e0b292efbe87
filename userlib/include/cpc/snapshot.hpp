// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The guest owner's side of CPC_PROC_SNAPSHOT: the AES-256 key, and
// parsing, verifying and decrypting the chunks a snapshot export produced
// (struct cpc_snapshot_chunk in linux/cpc_proto.h) into an image of the
// exported range. Every failure throws cpc::Error.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cpc {

/// An AES-256 snapshot key; its bytes are wiped when it goes away.
/// Thread safety: immutable after construction; const use from any thread.
class SnapshotKey {
public:
	static constexpr std::size_t size = 32;

	/// From 64 hex digits (surrounding whitespace ignored).
	/// Throws cpc::Error(EINVAL) "snapshot key: ...".
	static SnapshotKey from_hex(std::string_view hex);
	/// From a file holding 64 hex digits or exactly 32 raw bytes.
	/// Throws cpc::Error ("<path>: <why>").
	static SnapshotKey load(const std::string &path);
	/// A fresh random key from OpenSSL's CSPRNG.
	static SnapshotKey generate();

	SnapshotKey(const SnapshotKey &) = delete;
	SnapshotKey &operator=(const SnapshotKey &) = delete;
	SnapshotKey(SnapshotKey &&o) noexcept;
	SnapshotKey &operator=(SnapshotKey &&o) noexcept;
	~SnapshotKey();

	/// The key as 64 lower-case hex digits (what the guest's sysfs file takes).
	std::string hex() const;
	const std::array<std::uint8_t, size> &bytes() const noexcept { return bytes_; }

private:
	SnapshotKey() = default;
	void wipe() noexcept;
	std::array<std::uint8_t, size> bytes_{};
};

/// One chunk of an export, checked for structure (not yet authenticated).
struct SnapshotChunk {
	/// The key provisioning's random export id (the same in every chunk).
	std::uint64_t export_id = 0;
	std::uint64_t generation = 0;
	std::uint64_t base_gen = 0;
	std::uint64_t range_start = 0;
	std::uint64_t range_size = 0;
	std::uint64_t chunk_start = 0;
	std::uint64_t chunk_end = 0;
	std::uint32_t pages = 0;
	std::uint32_t unchanged = 0;
	bool last = false;
	/// The header exactly as sent (authenticated by the seal).
	std::span<const std::uint8_t> header;
	/// The records (struct cpc_snapshot_page + ciphertext), pages of them.
	std::span<const std::uint8_t> records;
	/// The struct cpc_snapshot_seal that ends the chunk.
	std::span<const std::uint8_t> seal;
};

/// Splits @data, one or more chunks back to back, into chunks; checks
/// magic, version, sizes, and that every record's address is page aligned,
/// ascending and inside its chunk. Throws cpc::Error(EBADMSG)
/// "chunk N: <why>".
std::vector<SnapshotChunk> parse_snapshot_chunks(std::span<const std::uint8_t> data);

/// Decrypts the chunks of one export, in order, into an image of its range.
/// Thread safety: one thread at a time per object.
class SnapshotImage {
public:
	/// @base: the image of the export a later incremental export is
	/// relative to (its pages are the starting point); empty for a full one.
	explicit SnapshotImage(const SnapshotKey &key,
			       std::optional<std::vector<std::uint8_t>> base = std::nullopt);
	SnapshotImage(const SnapshotImage &) = delete;
	SnapshotImage &operator=(const SnapshotImage &) = delete;
	/// Wipes its copy of the key.
	~SnapshotImage();

	/// Accept only an export with this export id (what the guest's
	/// /sys/kernel/cpc_guest/snapshot_export_id says now): an export of an
	/// earlier key provisioning replayed as current is refused.
	void expect_export_id(std::uint64_t id) { expect_export_id_ = id; }

	/// Verifies the chunk's seal, then decrypts its records. It must
	/// continue the export where the previous chunk ended (same export id,
	/// generation, base and range) and account for every page it covers (sent, or
	/// unchanged in an incremental export). Throws cpc::Error(EBADMSG) when
	/// the seal or a record does not authenticate or the chunk does not
	/// fit, EINVAL when an incremental export has no base image
	/// or the base image's size differs from the range.
	void apply(const SnapshotChunk &chunk);
	/// Throws cpc::Error(EBADMSG) unless the chunks covered the whole range.
	void finish() const;

	bool complete() const noexcept { return complete_; }
	std::uint64_t export_id() const noexcept { return export_id_; }
	std::uint64_t generation() const noexcept { return generation_; }
	std::uint64_t base_gen() const noexcept { return base_gen_; }
	std::uint64_t range_start() const noexcept { return range_start_; }
	std::uint64_t range_size() const noexcept { return range_size_; }
	std::uint64_t pages_sent() const noexcept { return pages_sent_; }
	std::uint64_t pages_unchanged() const noexcept { return unchanged_; }
	std::uint64_t pages_unreadable() const noexcept { return unreadable_; }
	const std::vector<std::uint8_t> &bytes() const noexcept { return image_; }

private:
	std::array<std::uint8_t, SnapshotKey::size> key_;
	std::optional<std::vector<std::uint8_t>> base_;
	std::vector<std::uint8_t> image_;
	bool started_ = false, complete_ = false;
	std::optional<std::uint64_t> expect_export_id_;
	std::uint64_t export_id_ = 0, generation_ = 0, base_gen_ = 0, range_start_ = 0, range_size_ = 0;
	std::uint64_t next_ = 0, pages_sent_ = 0, unchanged_ = 0, unreadable_ = 0;
	std::size_t chunks_ = 0;
};

} // namespace cpc
