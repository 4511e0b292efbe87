// SPDX-License-Identifier: LGPL-2.1-or-later
// Snapshot keys and chunk decryption (AES-256-GCM with OpenSSL libcrypto).
#include <cpc/error.hpp>
#include <cpc/fd.hpp>
#include <cpc/snapshot.hpp>

#include <linux/cpc_proto.h>
#include <endian.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <memory>

namespace cpc {

namespace {

constexpr std::size_t page_size = CPC_SNAPSHOT_PAGE_SIZE;
constexpr std::size_t record_size = sizeof(cpc_snapshot_page) + page_size;
constexpr std::size_t seal_size = sizeof(cpc_snapshot_seal);

[[noreturn]] void bad(std::size_t chunk, const std::string &why)
{
	throw Error(EBADMSG, "chunk " + std::to_string(chunk) + ": " + why);
}

std::string hex64(std::uint64_t v)
{
	char buf[24];
	std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
	return buf;
}

int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

struct CipherCtxFree {
	void operator()(EVP_CIPHER_CTX *c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

/// struct cpc_snapshot_chunk in this machine's byte order.
struct ChunkHeader {
	std::uint32_t magic, version, header_size;
	std::uint64_t export_id, generation, base_gen, range_start, range_size;
	std::uint64_t chunk_start, chunk_end;
	std::uint32_t pages, unchanged, record_size, flags;
};

ChunkHeader decode(const cpc_snapshot_chunk &w)
{
	return {le32toh(w.magic),	 le16toh(w.version),	 le16toh(w.header_size),
		le64toh(w.export_id),	 le64toh(w.generation),	 le64toh(w.base_gen),
		le64toh(w.range_start),	 le64toh(w.range_size),	 le64toh(w.chunk_start),
		le64toh(w.chunk_end),	 le32toh(w.pages),	 le32toh(w.unchanged),
		le32toh(w.record_size), le32toh(w.flags)};
}

/// Checks a chunk's seal: the GCM tag over header || SHA-256(record headers).
bool seal_ok(const std::uint8_t *key, const SnapshotChunk &c)
{
	std::vector<std::uint8_t> aad(c.header.begin(), c.header.end());
	std::vector<std::uint8_t> heads;
	heads.reserve(std::size_t(c.pages) * sizeof(cpc_snapshot_page));
	for (std::uint32_t i = 0; i < c.pages; i++) {
		const std::uint8_t *rec = c.records.data() + std::size_t(i) * record_size;
		heads.insert(heads.end(), rec, rec + sizeof(cpc_snapshot_page));
	}
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	if (EVP_Digest(heads.data(), heads.size(), digest, &dlen, EVP_sha256(), nullptr) != 1)
		throw Error(EIO, "SHA-256 failed");
	aad.insert(aad.end(), digest, digest + dlen);

	cpc_snapshot_seal seal;
	std::memcpy(&seal, c.seal.data(), sizeof(seal));
	CipherCtx ctx(EVP_CIPHER_CTX_new());
	if (!ctx)
		throw Error(ENOMEM, "EVP_CIPHER_CTX_new");
	int len = 0;
	unsigned char none[1];
	return EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
	       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, CPC_SNAPSHOT_IV_SIZE, nullptr) == 1 &&
	       EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key, seal.iv) == 1 &&
	       EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
	       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, sizeof(seal.tag), seal.tag) == 1 &&
	       EVP_DecryptFinal_ex(ctx.get(), none, &len) == 1;
}

/// Decrypts one record of chunk @h into @plain; false if it does not
/// authenticate.
bool open_record(const std::uint8_t *key, const SnapshotChunk &h,
		 const cpc_snapshot_page &p, const std::uint8_t *cipher, std::uint8_t *plain)
{
	cpc_snapshot_aad aad{};	/* little-endian, as the guest builds it */
	aad.magic = htole32(CPC_SNAPSHOT_MAGIC);
	aad.version = htole32(CPC_SNAPSHOT_VERSION);
	aad.export_id = htole64(h.export_id);
	aad.generation = htole64(h.generation);
	aad.base_gen = htole64(h.base_gen);
	aad.range_start = htole64(h.range_start);
	aad.range_size = htole64(h.range_size);
	aad.gpa = p.gpa;
	aad.flags = p.flags;
	std::uint8_t tag[CPC_SNAPSHOT_TAG_SIZE];
	std::memcpy(tag, p.tag, sizeof(tag));

	CipherCtx c(EVP_CIPHER_CTX_new());
	if (!c)
		throw Error(ENOMEM, "EVP_CIPHER_CTX_new");
	int len = 0;
	return EVP_DecryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
	       EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_IVLEN, CPC_SNAPSHOT_IV_SIZE, nullptr) == 1 &&
	       EVP_DecryptInit_ex(c.get(), nullptr, nullptr, key, p.iv) == 1 &&
	       EVP_DecryptUpdate(c.get(), nullptr, &len, reinterpret_cast<const unsigned char *>(&aad),
				 sizeof(aad)) == 1 &&
	       EVP_DecryptUpdate(c.get(), plain, &len, cipher, page_size) == 1 &&
	       EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, sizeof(tag), tag) == 1 &&
	       EVP_DecryptFinal_ex(c.get(), plain + len, &len) == 1;
}

} // namespace

SnapshotKey SnapshotKey::from_hex(std::string_view hex)
{
	while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.front())))
		hex.remove_prefix(1);
	while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back())))
		hex.remove_suffix(1);
	if (hex.size() != 2 * size)
		throw Error(EINVAL, "snapshot key: want " + std::to_string(2 * size) + " hex digits, got " +
					    std::to_string(hex.size()) + " characters");
	SnapshotKey k;
	for (std::size_t i = 0; i < size; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			throw Error(EINVAL, "snapshot key: not a hex digit at position " +
						    std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
		k.bytes_[i] = static_cast<std::uint8_t>(hi << 4 | lo);
	}
	return k;
}

SnapshotKey SnapshotKey::load(const std::string &path)
{
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd)
		throw_errno(path);
	std::array<char, 2 * size + 16> buf{};
	std::size_t got = 0;
	for (;;) {
		ssize_t n = ::read(fd.get(), buf.data() + got, buf.size() - got);
		if (n < 0) {
			OPENSSL_cleanse(buf.data(), buf.size());
			throw_errno(path);
		}
		if (n == 0)
			break;
		got += static_cast<std::size_t>(n);
		if (got == buf.size()) {
			OPENSSL_cleanse(buf.data(), buf.size());
			throw Error(EINVAL, path + ": too long for a snapshot key");
		}
	}
	try {
		SnapshotKey k;
		if (got == size) {
			std::memcpy(k.bytes_.data(), buf.data(), size);
		} else {
			k = from_hex(std::string_view(buf.data(), got));
		}
		OPENSSL_cleanse(buf.data(), buf.size());
		return k;
	} catch (const Error &e) {
		OPENSSL_cleanse(buf.data(), buf.size());
		throw Error(e.errnum(), path + ": want 64 hex digits or 32 bytes");
	}
}

SnapshotKey SnapshotKey::generate()
{
	SnapshotKey k;
	if (RAND_bytes(k.bytes_.data(), static_cast<int>(size)) != 1)
		throw Error(EIO, "snapshot key: no random bytes from OpenSSL");
	return k;
}

SnapshotKey::SnapshotKey(SnapshotKey &&o) noexcept : bytes_(o.bytes_)
{
	o.wipe();
}

SnapshotKey &SnapshotKey::operator=(SnapshotKey &&o) noexcept
{
	if (this != &o) {
		bytes_ = o.bytes_;
		o.wipe();
	}
	return *this;
}

SnapshotKey::~SnapshotKey()
{
	wipe();
}

void SnapshotKey::wipe() noexcept
{
	OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

std::string SnapshotKey::hex() const
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	for (auto b : bytes_) {
		s += digits[b >> 4];
		s += digits[b & 15];
	}
	return s;
}

std::vector<SnapshotChunk> parse_snapshot_chunks(std::span<const std::uint8_t> data)
{
	std::vector<SnapshotChunk> out;
	std::size_t off = 0;
	while (off < data.size()) {
		std::size_t n = out.size();
		cpc_snapshot_chunk w;
		if (data.size() - off < sizeof(w))
			bad(n, "truncated header (" + std::to_string(data.size() - off) + " bytes)");
		std::memcpy(&w, data.data() + off, sizeof(w));
		const ChunkHeader h = decode(w);
		if (h.magic != CPC_SNAPSHOT_MAGIC)
			bad(n, "bad magic " + hex64(h.magic));
		if (h.version != CPC_SNAPSHOT_VERSION)
			bad(n, "unsupported version " + std::to_string(h.version));
		if (h.header_size != sizeof(w) || h.record_size != record_size)
			bad(n, "unexpected header or record size");
		if (h.flags & ~CPC_SNAPSHOT_CHUNK_LAST)
			bad(n, "unknown flags " + hex64(h.flags));
		std::uint64_t range_end = h.range_start + h.range_size;
		/* No guest exports more (found by fuzz/fuzz_snapshot: the range sizes the image). */
		if (h.range_size > CPC_SNAPSHOT_MAX_RANGE)
			bad(n, "range of " + std::to_string(h.range_size) + " bytes is larger than an export can be");
		if (h.range_size == 0 || range_end < h.range_start || h.range_start % page_size ||
		    h.range_size % page_size || h.chunk_start % page_size || h.chunk_end % page_size ||
		    h.chunk_start < h.range_start || h.chunk_end < h.chunk_start || h.chunk_end > range_end)
			bad(n, "inconsistent range");
		std::uint64_t span_pages = (h.chunk_end - h.chunk_start) / page_size;
		if (std::uint64_t(h.pages) + h.unchanged > span_pages)
			bad(n, "more pages than the chunk covers");
		if (bool(h.flags & CPC_SNAPSHOT_CHUNK_LAST) != (h.chunk_end == range_end))
			bad(n, "last-chunk flag does not match the range");
		std::size_t body = std::size_t(h.pages) * record_size;
		if (data.size() - off - sizeof(w) < body + seal_size)
			bad(n, "truncated: " + std::to_string(h.pages) + " records and the seal do not fit");
		SnapshotChunk c;
		c.export_id = h.export_id;
		c.generation = h.generation;
		c.base_gen = h.base_gen;
		c.range_start = h.range_start;
		c.range_size = h.range_size;
		c.chunk_start = h.chunk_start;
		c.chunk_end = h.chunk_end;
		c.pages = h.pages;
		c.unchanged = h.unchanged;
		c.last = h.flags & CPC_SNAPSHOT_CHUNK_LAST;
		c.header = data.subspan(off, sizeof(w));
		c.records = data.subspan(off + sizeof(w), body);
		c.seal = data.subspan(off + sizeof(w) + body, seal_size);
		std::uint64_t prev = 0;
		for (std::uint32_t i = 0; i < h.pages; i++) {
			cpc_snapshot_page p;
			std::memcpy(&p, c.records.data() + i * record_size, sizeof(p));
			std::uint64_t gpa = le64toh(p.gpa);
			if (gpa % page_size || gpa < h.chunk_start || gpa >= h.chunk_end ||
			    (i && gpa <= prev))
				bad(n, "record " + std::to_string(i) + ": bad address " + hex64(gpa));
			if (le32toh(p.flags) & ~CPC_SNAPSHOT_PAGE_UNREADABLE)
				bad(n, "record " + std::to_string(i) + ": unknown flags");
			prev = gpa;
		}
		out.push_back(c);
		off += sizeof(w) + body + seal_size;
	}
	return out;
}

SnapshotImage::SnapshotImage(const SnapshotKey &key, std::optional<std::vector<std::uint8_t>> base)
	: key_(key.bytes()), base_(std::move(base))
{
}

SnapshotImage::~SnapshotImage()
{
	OPENSSL_cleanse(key_.data(), key_.size());
}

void SnapshotImage::apply(const SnapshotChunk &c)
{
	std::size_t n = chunks_;
	/*
	 * Authenticate first: nothing of a forged chunk may size the image or
	 * start the export (found by fuzz/fuzz_snapshot: a chunk the host
	 * made up allocated its range before the seal was checked).
	 */
	if (!seal_ok(key_.data(), c))
		bad(n, "seal does not authenticate (header or record list altered)");
	if (!started_) {
		if (c.chunk_start != c.range_start)
			bad(n, "export does not start at its range start");
		if (c.base_gen) {
			if (!base_)
				throw Error(EINVAL, "incremental export (base generation " +
							    std::to_string(c.base_gen) + ") needs a base image");
			if (base_->size() != c.range_size)
				throw Error(EINVAL, "base image is " + std::to_string(base_->size()) +
							    " bytes, the export covers " + std::to_string(c.range_size));
			image_ = *base_;
		} else {
			image_.assign(c.range_size, 0);
		}
		if (expect_export_id_ && c.export_id != *expect_export_id_)
			throw Error(EBADMSG, "export id " + hex64(c.export_id) + " is not the expected " +
						     hex64(*expect_export_id_) +
						     " (an export of another key provisioning: replayed?)");
		started_ = true;
		export_id_ = c.export_id;
		generation_ = c.generation;
		base_gen_ = c.base_gen;
		range_start_ = c.range_start;
		range_size_ = c.range_size;
		next_ = c.range_start;
	} else {
		if (complete_)
			bad(n, "follows the last chunk");
		if (c.export_id != export_id_ || c.generation != generation_ ||
		    c.base_gen != base_gen_ || c.range_start != range_start_ ||
		    c.range_size != range_size_)
			bad(n, "belongs to another export");
		if (c.chunk_start != next_)
			bad(n, "does not continue at " + hex64(next_));
	}

	std::uint64_t span_pages = (c.chunk_end - c.chunk_start) / page_size;
	if (c.base_gen == 0 && (c.pages != span_pages || c.unchanged != 0))
		bad(n, "a full export must send every page it covers");
	if (std::uint64_t(c.pages) + c.unchanged != span_pages)
		bad(n, "pages sent and unchanged do not add up to the span");

	std::vector<std::uint8_t> plain(page_size);
	for (std::uint32_t i = 0; i < c.pages; i++) {
		const std::uint8_t *rec = c.records.data() + std::size_t(i) * record_size;
		cpc_snapshot_page p;
		std::memcpy(&p, rec, sizeof(p));
		if (!open_record(key_.data(), c, p, rec + sizeof(p), plain.data())) {
			OPENSSL_cleanse(plain.data(), plain.size());
			bad(n, "record " + std::to_string(i) + " (page " + hex64(le64toh(p.gpa)) +
				       "): authentication failed");
		}
		std::memcpy(image_.data() + (le64toh(p.gpa) - range_start_), plain.data(), page_size);
		if (le32toh(p.flags) & CPC_SNAPSHOT_PAGE_UNREADABLE)
			unreadable_++;
	}
	OPENSSL_cleanse(plain.data(), plain.size());
	pages_sent_ += c.pages;
	unchanged_ += c.unchanged;
	next_ = c.chunk_end;
	complete_ = c.last;
	chunks_++;
}

void SnapshotImage::finish() const
{
	if (!started_)
		throw Error(EBADMSG, "no chunks");
	if (!complete_)
		throw Error(EBADMSG, "export incomplete: chunks end at " + hex64(next_) + ", the range at " +
					     hex64(range_start_ + range_size_));
}

} // namespace cpc
