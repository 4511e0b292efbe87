// SPDX-License-Identifier: GPL-2.0
// fuzz_ring: proto/'s shared-memory rings (cpc_ring_push/publish/pop/arm)
// with both ends' views over one region while a hostile third party
// rewrites indexes, event indexes and slots. The input is a list of
// operations. Oracles:
//  - memory: every operation of an end writes only what it owns (its own
//    index, its event index, the one slot it fills) and reads nothing
//    outside its ring (ASan: the region is an exact-size heap block);
//  - ranges: space and pending are in [0, entries] or -EPROTO, push
//    returns 0/-ENOSPC/-EPROTO, pop 0/-EAGAIN/-EPROTO, whatever the
//    shared indexes say;
//  - while nobody else wrote since the last reset, the ring is a FIFO:
//    pops return exactly what was published, in order, nothing is lost,
//    -EPROTO never happens, and a consumer that armed and went to sleep
//    is always notified by the next publish (no lost wake-up).
extern "C" {
#include "cpc_ring.h"
}

#include "fuzz_check.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstring>
#include <deque>
#include <vector>

namespace {

struct Slot {
	std::array<std::uint8_t, sizeof(cpc_req)> b{};	/* big enough for both kinds */
};

/* One ring seen by its producer and its consumer, plus a model of it. */
struct Ring {
	cpc_ring prod_view, cons_view;
	std::uint32_t off, slot;
	std::deque<Slot> unpublished, published;
	bool sleeping = false;	/* the consumer armed and found nothing */
	bool honest = true;	/* nobody else wrote since the reset */
};

struct Region {
	std::vector<std::uint8_t> mem;
	cpc_layout l;
	Ring rings[2];

	Region()
	{
		FUZZ_CHECK(cpc_layout_compute(&l, CPC_REGION_MIN) == 0);
		mem.resize(CPC_REGION_MIN);
		rings[0].off = l.req_off;
		rings[0].slot = sizeof(cpc_req);
		rings[1].off = l.cpl_off;
		rings[1].slot = sizeof(cpc_cpl);
	}

	void reset(Ring &r, std::uint32_t start)
	{
		cpc_ring_attach(&r.prod_view, mem.data(), r.off, l.ring_entries, r.slot);
		cpc_ring_attach(&r.cons_view, mem.data(), r.off, l.ring_entries, r.slot);
		cpc_ring_reset_shared(&r.prod_view, start);
		FUZZ_CHECK(cpc_ring_adopt(&r.cons_view, false) == 0);
		FUZZ_CHECK(r.cons_view.mine == start);
		r.unpublished.clear();
		r.published.clear();
		r.sleeping = false;
		r.honest = true;
	}

	std::uint8_t *base(const Ring &r) { return mem.data() + r.off; }
};

/* Bytes an operation may write: [lo, hi) ranges relative to the region. */
struct Allowed {
	std::vector<std::pair<std::size_t, std::size_t>> ranges;
	void add(std::size_t lo, std::size_t len) { ranges.emplace_back(lo, lo + len); }
};

/*
 * @shadow is what the region must hold: the op's allowed writes are taken
 * over from @mem, then the two must agree byte for byte.
 */
void expect_only(std::vector<std::uint8_t> &shadow, const std::vector<std::uint8_t> &mem,
		 const Allowed &a)
{
	for (auto &[lo, hi] : a.ranges)
		std::memcpy(shadow.data() + lo, mem.data() + lo, hi - lo);
	FUZZ_CHECK(std::memcmp(shadow.data(), mem.data(), mem.size()) == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	FuzzedDataProvider in(data, size);
	Region g;
	const std::uint32_t entries = g.l.ring_entries;
	for (auto &r : g.rings)
		g.reset(r, in.ConsumeIntegral<std::uint32_t>());
	std::vector<std::uint8_t> shadow = g.mem;

	for (int ops = 0; ops < 1024 && in.remaining_bytes(); ops++) {
		Ring &r = g.rings[in.ConsumeBool()];
		const std::size_t idx = r.off;
		const std::size_t prod_at = idx + offsetof(cpc_ring_idx, prod);
		const std::size_t cons_at = idx + offsetof(cpc_ring_idx, cons);
		const std::size_t cev_at = idx + offsetof(cpc_ring_idx, cons_event);
		const std::size_t slots = idx + sizeof(cpc_ring_idx);
		Allowed ok;

		switch (in.ConsumeIntegralInRange<int>(0, 9)) {
		case 0: {	/* hostile: an index or event index */
			static constexpr std::size_t fields[] = {
				offsetof(cpc_ring_idx, prod), offsetof(cpc_ring_idx, prod_event),
				offsetof(cpc_ring_idx, cons), offsetof(cpc_ring_idx, cons_event)};
			std::size_t f = fields[in.ConsumeIntegralInRange<int>(0, 3)];
			std::uint32_t v = in.ConsumeIntegral<std::uint32_t>();
			if (in.ConsumeBool())	/* near the real value, to reach the edges */
				v = *reinterpret_cast<std::uint32_t *>(g.base(r) + f) +
				    static_cast<std::uint32_t>(in.ConsumeIntegralInRange<int>(-2, 2) * static_cast<int>(entries) +
							       in.ConsumeIntegralInRange<int>(-2, 2));
			std::memcpy(g.base(r) + f, &v, sizeof(v));
			std::memcpy(shadow.data() + idx + f, &v, sizeof(v));
			r.honest = false;
			continue;
		}
		case 1: {	/* hostile: slot contents */
			std::size_t at = in.ConsumeIntegralInRange<std::size_t>(0, entries * r.slot - 1);
			g.mem[slots + at] = shadow[slots + at] = in.ConsumeIntegral<std::uint8_t>();
			r.honest = false;
			continue;
		}
		case 2:
			g.reset(r, in.ConsumeIntegral<std::uint32_t>());
			shadow = g.mem;
			continue;
		case 3: {	/* producer: push */
			Slot s;
			auto b = in.ConsumeBytes<std::uint8_t>(r.slot);
			if (!b.empty())
				std::memcpy(s.b.data(), b.data(), b.size());
			std::uint32_t at = r.prod_view.mine & (entries - 1);
			int space = cpc_ring_space(&r.prod_view);
			FUZZ_CHECK(space == -EPROTO || (space >= 0 && space <= static_cast<int>(entries)));
			int ret = cpc_ring_push(&r.prod_view, s.b.data());
			FUZZ_CHECK(ret == 0 || ret == -ENOSPC || ret == -EPROTO);
			FUZZ_CHECK(ret == (space < 0 ? space : space == 0 ? -ENOSPC : 0));
			ok.add(slots + std::size_t(at) * r.slot, r.slot);
			if (r.honest) {
				FUZZ_CHECK(ret != -EPROTO);
				FUZZ_CHECK((ret == -ENOSPC) ==
					   (r.unpublished.size() + r.published.size() == entries));
				if (!ret)
					r.unpublished.push_back(s);
			}
			break;
		}
		case 4: {	/* producer: publish */
			bool had = r.prod_view.mine != r.prod_view.batch_start;
			bool notify = cpc_ring_publish(&r.prod_view);
			ok.add(prod_at, 4);
			if (!had)
				FUZZ_CHECK(!notify);
			if (r.honest) {
				if (had && r.sleeping)
					FUZZ_CHECK(notify);	/* no lost wake-up */
				if (notify)
					r.sleeping = false;	/* woken: it pops, then arms again */
				for (auto &s : r.unpublished)
					r.published.push_back(s);
				r.unpublished.clear();
			}
			break;
		}
		case 5: {	/* consumer: pop */
			Slot s;
			int pending = cpc_ring_pending(&r.cons_view);
			FUZZ_CHECK(pending == -EPROTO || (pending >= 0 && pending <= static_cast<int>(entries)));
			int ret = cpc_ring_pop(&r.cons_view, s.b.data());
			FUZZ_CHECK(ret == (pending < 0 ? pending : pending == 0 ? -EAGAIN : 0));
			ok.add(cons_at, 4);
			if (r.honest) {
				FUZZ_CHECK(ret != -EPROTO);
				FUZZ_CHECK((ret == -EAGAIN) == r.published.empty());
				if (!ret) {
					FUZZ_CHECK(std::memcmp(s.b.data(), r.published.front().b.data(), r.slot) == 0);
					r.published.pop_front();
					r.sleeping = false;
				}
			}
			break;
		}
		case 6: {	/* consumer: arm before sleeping */
			bool again = cpc_ring_arm(&r.cons_view);
			ok.add(cev_at, 4);
			if (r.honest) {
				FUZZ_CHECK(again == !r.published.empty());
				r.sleeping = !again;
			}
			break;
		}
		case 7: {	/* the producer adopts a ring the consumer reset (guest side) */
			int ret = cpc_ring_adopt(&r.prod_view, true);
			FUZZ_CHECK(ret == 0 || ret == -EPROTO);
			if (r.honest && ret == 0) {
				FUZZ_CHECK(r.published.empty());
				/* honest: what was pushed but not published is dropped */
				r.unpublished.clear();
			}
			break;
		}
		default: {	/* the validation of whatever a pop copied out */
			Slot s;
			if (cpc_ring_pop(&r.cons_view, s.b.data()) == 0) {
				if (r.honest) {
					FUZZ_CHECK(!r.published.empty());
					r.published.pop_front();
					r.sleeping = false;
				}
				if (r.slot == sizeof(cpc_req)) {
					cpc_request q;
					cpc_req_decode(&q, reinterpret_cast<const cpc_req *>(s.b.data()));
					(void)cpc_req_check(&q, &g.l);
				} else {
					cpc_completion c;
					cpc_cpl_decode(&c, reinterpret_cast<const cpc_cpl *>(s.b.data()));
					(void)cpc_cpl_check(&c, in.ConsumeIntegral<std::uint32_t>());
				}
			}
			ok.add(cons_at, 4);
			break;
		}
		}
		expect_only(shadow, g.mem, ok);
	}
	return 0;
}
