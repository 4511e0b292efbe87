// SPDX-License-Identifier: GPL-2.0
// fuzz_desc: proto/'s descriptor and completion validation on what a
// hostile peer can put in a ring slot (proto/cpc_ring.c: cpc_req_decode +
// cpc_req_check, cpc_cpl_decode + cpc_cpl_check, the status/errno maps,
// the procedure name table). Input: a region size, a wire request, a wire
// completion, an out capacity, a name. Oracles: a request passes only if
// an independent 64-bit restatement of the rules accepts it (and every
// buffer it names lies inside the data area), and vice versa; the same for
// completions; decode/encode round-trips bit for bit; errno <-> status
// maps agree; a name maps to an opcode only if that opcode's name is it.
extern "C" {
#include "cpc_ring.h"
}

#include "fuzz_check.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstring>
#include <string>

namespace {

bool range_ok(std::uint64_t off, std::uint64_t len, std::uint64_t size)
{
	if (len == 0)
		return off == 0;
	return off + len <= size;
}

void request(const cpc_req &w, const cpc_layout &l)
{
	cpc_request r;
	cpc_req_decode(&r, &w);
	cpc_req back;
	cpc_req_encode(&back, &r);
	FUZZ_CHECK(std::memcmp(&back, &w, sizeof(w)) == 0);

	bool ok = r.opcode <= CPC_PROC_ID_MAX && r.flags == 0 && r.reserved == 0 &&
		  range_ok(r.arg_off, r.arg_len, l.data_size) &&
		  range_ok(r.out_off, r.out_len, l.data_size) &&
		  (r.arg_len == 0 || r.out_len == 0 ||
		   std::uint64_t(r.arg_off) + r.arg_len <= r.out_off ||
		   std::uint64_t(r.out_off) + r.out_len <= r.arg_off);
	enum cpc_bad why = cpc_req_check(&r, &l);
	FUZZ_CHECK((why == CPC_BAD_NONE) == ok);
	FUZZ_CHECK(std::strcmp(cpc_bad_name(why), "unknown") != 0);
	if (why == CPC_BAD_NONE) {
		/* Every byte the guest may touch is inside the data area. */
		FUZZ_CHECK(std::uint64_t(l.data_off) + r.arg_off + r.arg_len <= l.region_size);
		FUZZ_CHECK(std::uint64_t(l.data_off) + r.out_off + r.out_len <= l.region_size);
		/* The protocol names its own opcodes; modules get the rest. */
		FUZZ_CHECK((cpc_proc_name(r.opcode) != nullptr) == (r.opcode < CPC_PROC_COUNT));
	}
}

void completion(const cpc_cpl &w, std::uint32_t capacity)
{
	cpc_completion c;
	cpc_cpl_decode(&c, &w);
	cpc_cpl back;
	cpc_cpl_encode(&back, &c);
	FUZZ_CHECK(std::memcmp(&back, &w, sizeof(w)) == 0);

	enum cpc_bad why = cpc_cpl_check(&c, capacity);
	int err = cpc_status_to_errno(c.status);
	bool known = c.status == CPC_ST_OK || cpc_errno_to_status(err) == c.status;
	FUZZ_CHECK((why == CPC_BAD_NONE) == (known && c.out_len <= capacity));
	/* What a host caller sees: 0, the status as an errno, or -EPROTO. */
	FUZZ_CHECK(err <= 0);
	FUZZ_CHECK(known ? err == -static_cast<int>(c.status) : err == -EPROTO);
}

void name(const std::string &bytes)
{
	const std::string n = bytes.c_str();	/* what a C caller passes */
	int op = cpc_proc_by_name(n.c_str());
	if (op < 0) {
		FUZZ_CHECK(op == -EINVAL);
		for (std::uint32_t i = 0; i < CPC_PROC_COUNT; i++)
			FUZZ_CHECK(n != cpc_proc_name(i));
		return;
	}
	FUZZ_CHECK(op < CPC_PROC_COUNT && n == cpc_proc_name(static_cast<std::uint32_t>(op)));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	FuzzedDataProvider in(data, size);
	cpc_layout l;
	std::uint64_t region = CPC_REGION_MIN + in.ConsumeIntegralInRange<std::uint64_t>(0, 1u << 26);
	FUZZ_CHECK(cpc_layout_compute(&l, region) == 0);

	cpc_req rw{};
	cpc_cpl cw{};
	auto rb = in.ConsumeBytes<std::uint8_t>(sizeof(rw));
	if (!rb.empty())
		std::memcpy(&rw, rb.data(), rb.size());
	auto cb = in.ConsumeBytes<std::uint8_t>(sizeof(cw));
	if (!cb.empty())
		std::memcpy(&cw, cb.data(), cb.size());
	std::uint32_t capacity = in.ConsumeIntegral<std::uint32_t>();
	int err = in.ConsumeIntegral<int>();

	request(rw, l);
	completion(cw, capacity);
	/* A guest procedure's errno travels as a known status, else EIO. */
	std::uint32_t st = cpc_errno_to_status(err);
	FUZZ_CHECK(st == CPC_ST_OK || cpc_status_to_errno(st) == -static_cast<int>(st));
	name(in.ConsumeRemainingBytesAsString());
	return 0;
}
