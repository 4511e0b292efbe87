#pragma once
// A small encoder of snapshot exports that follows linux/cpc_proto.h the
// way cpc_guest does (shared by the unit tests of libcpc's decryption and
// of cpcctl's snapshot commands).

#include <cpc/snapshot.hpp>

#include <linux/cpc_proto.h>
#include <openssl/evp.h>

#include "test_util.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <vector>

namespace cpc_test::snap {

constexpr std::uint64_t PG = CPC_SNAPSHOT_PAGE_SIZE;
constexpr std::size_t REC = sizeof(cpc_snapshot_page) + PG;

inline const char *hex_a = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

inline std::vector<std::uint8_t> page_of(std::uint8_t seed)
{
	std::vector<std::uint8_t> p(PG);
	for (std::size_t i = 0; i < PG; i++)
		p[i] = static_cast<std::uint8_t>(i * 31 + seed);
	return p;
}

/// GCM encryption with OpenSSL: returns ciphertext, fills @tag.
inline std::vector<std::uint8_t> gcm(const std::uint8_t *key, const std::uint8_t *iv,
			      const std::vector<std::uint8_t> &aad,
			      const std::vector<std::uint8_t> &plain, std::uint8_t *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	std::vector<std::uint8_t> out(plain.size() + 16);
	int len = 0, fin = 0;
	EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), nullptr, nullptr, nullptr);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr);
	EVP_EncryptInit_ex(c, nullptr, nullptr, key, iv);
	EVP_EncryptUpdate(c, nullptr, &len, aad.data(), static_cast<int>(aad.size()));
	if (!plain.empty())
		EVP_EncryptUpdate(c, out.data(), &len, plain.data(), static_cast<int>(plain.size()));
	EVP_EncryptFinal_ex(c, out.data() + len, &fin);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag);
	EVP_CIPHER_CTX_free(c);
	out.resize(plain.size());
	return out;
}

template <typename T> std::vector<std::uint8_t> bytes_of(const T &v)
{
	const auto *p = reinterpret_cast<const std::uint8_t *>(&v);
	return {p, p + sizeof(v)};
}

/// Makes chunks of one export like cpc_guest does.
struct Encoder {
	cpc::SnapshotKey key = cpc::SnapshotKey::from_hex(hex_a);
	std::uint64_t gen = 7, base = 0, start = 0x100000, size = 8 * PG, nonce = 1000;
	std::uint64_t export_id = cpc_test::kExportId;

	void next_iv(std::uint8_t *iv)
	{
		std::memset(iv, 0, 12);
		std::memcpy(iv, &nonce, 8);
		nonce++;
	}

	/// A chunk covering [cs, ce) carrying @pages (address -> plaintext).
	std::vector<std::uint8_t> chunk(std::uint64_t cs, std::uint64_t ce,
					const std::map<std::uint64_t, std::vector<std::uint8_t>> &pages,
					std::uint32_t unchanged)
	{
		cpc_snapshot_chunk h = cpc_test::chunk_header(gen, base, start, size, cs, ce, export_id);

		h.pages = htole32(static_cast<std::uint32_t>(pages.size()));
		h.unchanged = htole32(unchanged);

		std::vector<std::uint8_t> records, heads;
		for (const auto &[gpa, plain] : pages) {
			cpc_snapshot_page p{};
			p.gpa = htole64(gpa);
			next_iv(p.iv);
			cpc_snapshot_aad aad{};
			aad.magic = htole32(CPC_SNAPSHOT_MAGIC);
			aad.version = htole32(CPC_SNAPSHOT_VERSION);
			aad.export_id = htole64(export_id);
			aad.generation = htole64(gen);
			aad.base_gen = htole64(base);
			aad.range_start = htole64(start);
			aad.range_size = htole64(size);
			aad.gpa = htole64(gpa);
			auto ct = gcm(key.bytes().data(), p.iv, bytes_of(aad), plain, p.tag);
			auto ph = bytes_of(p);
			heads.insert(heads.end(), ph.begin(), ph.end());
			records.insert(records.end(), ph.begin(), ph.end());
			records.insert(records.end(), ct.begin(), ct.end());
		}
		unsigned char digest[32];
		unsigned int dlen = 0;
		EVP_Digest(heads.data(), heads.size(), digest, &dlen, EVP_sha256(), nullptr);
		auto sealed = bytes_of(h);
		sealed.insert(sealed.end(), digest, digest + 32);
		cpc_snapshot_seal seal{};
		next_iv(seal.iv);
		gcm(key.bytes().data(), seal.iv, sealed, {}, seal.tag);

		auto out = bytes_of(h);
		out.insert(out.end(), records.begin(), records.end());
		auto s = bytes_of(seal);
		out.insert(out.end(), s.begin(), s.end());
		return out;
	}

	/// A full export of @n pages seeded 1..n, in chunks of @per pages.
	std::vector<std::uint8_t> full(std::uint64_t per)
	{
		std::vector<std::uint8_t> all;
		for (std::uint64_t a = start; a < start + size; a += per * PG) {
			std::uint64_t e = std::min(a + per * PG, start + size);
			std::map<std::uint64_t, std::vector<std::uint8_t>> pages;
			for (std::uint64_t g = a; g < e; g += PG)
				pages[g] = page_of(static_cast<std::uint8_t>((g - start) / PG + 1));
			auto c = chunk(a, e, pages, 0);
			all.insert(all.end(), c.begin(), c.end());
		}
		return all;
	}
};

} // namespace cpc_test::snap
