// SPDX-License-Identifier: GPL-2.0
// Recovery of the proto/ handshake (the rule in proto/cpc_peer.c): from any
// contents of the shared region and any private state of the two ends, the
// channel is back in RUN and answers calls correctly within a bounded
// number of the host's periodic checks once both ends behave - also when
// doorbells are lost. First the four wedges a review found, then an
// enumeration of states x generations x header fields x ring indexes x
// doorbells, then
// random mutations of a live channel.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "proto_world.hpp"

namespace {

using cpc_test::World;

/*
 * Bound on the periodic checks recovery may take: a few handshake steps
 * plus the nudge back-off (checks 1, 3, 7, 15, 31, then every 16).
 */
constexpr int kMaxRounds = 64;

cpc_shm_header *hdr(World &w)
{
	return reinterpret_cast<cpc_shm_header *>(w.mem.data());
}

cpc_ring_idx *req_idx(World &w)
{
	return w.host.req.idx;
}

cpc_ring_idx *cpl_idx(World &w)
{
	return w.host.cpl.idx;
}

TEST(Recovery, BothBrokenAtOnce)
{
	World w;
	w.up();
	ASSERT_TRUE(w.both_run());
	cpc_ep_publish(&w.host, CPC_STATE_BROKEN);
	cpc_ep_publish(&w.guest, CPC_STATE_BROKEN);
	EXPECT_GT(w.converge(kMaxRounds), 0);
}

TEST(Recovery, HostBrokenGuestReady)
{
	World w;
	w.up();
	/* The guest accepted the host's generation and waits in READY. */
	cpc_ep_publish(&w.guest, CPC_STATE_READY);
	cpc_ep_publish(&w.host, CPC_STATE_BROKEN);
	EXPECT_GT(w.converge(kMaxRounds), 0);
}

TEST(Recovery, HostReadyOverRegionOverwritten)
{
	for (int what = 0; what < 3; what++) {
		World w;
		w.up();
		/* The host starts over and waits in READY ... */
		cpc_ep_host_reset(&w.host);
		/* ... while the region is overwritten, and the guest rejoins. */
		if (what == 0)
			hdr(w)->magic = 0;
		else if (what == 1)
			req_idx(w)->prod = 5;
		else
			cpl_idx(w)->cons = 77;
		cpc_ep_guest_reset(&w.guest);
		w.guest_rung = true;
		EXPECT_GT(w.converge(kMaxRounds), 0) << "case " << what;
	}
}

TEST(Recovery, GuestDoorbellOverwritten)
{
	World w;
	w.up();
	hdr(w)->guest.doorbell_id = 0xdead;
	hdr(w)->guest.vector = 9;
	cpc_ep_publish(&w.guest, CPC_STATE_BROKEN);
	w.host_rung = true;
	EXPECT_GT(w.converge(kMaxRounds), 0);
	EXPECT_EQ(1u, hdr(w)->guest.doorbell_id) << "republished";
	EXPECT_EQ(0u, hdr(w)->guest.vector);
	std::uint32_t vec = 0;
	EXPECT_EQ(1u, cpc_ep_peer_doorbell(&w.host, &vec));
}

TEST(Recovery, PinnedDoorbellIsNotRedirected)
{
	World w;
	w.up();
	ASSERT_TRUE(w.both_run());
	/* In RUN, a rewritten guest doorbell id redirects nothing. */
	hdr(w)->guest.doorbell_id = 3;
	std::uint32_t vec = 7;
	EXPECT_EQ(1u, cpc_ep_peer_doorbell(&w.host, &vec));
	EXPECT_EQ(0u, vec);
}

/*
 * Found by fuzz/fuzz_handshake: the host pins the guest's doorbell when it
 * accepts the guest's generation. Pinned while the guest's block was
 * overwritten, the pin is wrong for the whole generation: the host's
 * doorbells, nudges included, go nowhere (a host that just loaded knows
 * no other doorbell), or an answer that came through the last proven
 * doorbell makes the wrong pin the proven one. Once the guest republishes
 * its block, the host sees it differ from the unproven pin and starts a
 * new generation, which pins again; calls keep being answered after.
 */
TEST(Recovery, DoorbellPinnedWhileOverwrittenIsTakenAgain)
{
	for (int reloaded = 0; reloaded < 2; reloaded++) {
		World w;
		w.up();
		ASSERT_TRUE(w.both_run());
		if (reloaded) {
			/* A host that just loaded: no doorbell proven yet. */
			cpc_ep_init(&w.host, w.mem.data(), World::kRegion, true);
			cpc_ep_set_doorbell(&w.host, 0, 0);
		}
		cpc_ep_host_reset(&w.host);
		/* The guest joins the new generation ... */
		w.guest_service();
		ASSERT_EQ(CPC_STATE_READY, w.guest.state);
		/* ... its vector is overwritten as the host accepts it. */
		hdr(w)->guest.vector = 0x5e;
		w.host_rung = false;
		w.host_service(false);
		ASSERT_TRUE(cpc_ep_running(&w.host));
		EXPECT_EQ(0x5eu, w.host.peer_db.vector);
		/* The guest wakes once (a lost doorbell, another channel's). */
		w.guest_rung = true;
		for (int call = 0; call < 8; call++)
			ASSERT_GT(w.converge(kMaxRounds), 0) << "reloaded " << reloaded << " call " << call;
		EXPECT_EQ(0u, w.host.peer_db.vector);
	}
}

/*
 * Found by fuzz/fuzz_handshake (make fuzz-long): as above, but a call is
 * in flight when the guest wakes through something else than the host's
 * (overwritten) pinned doorbell. The guest repairs its block and answers;
 * the block is overwritten back to the pin before the host reaps the
 * answer. That answer proves nothing about the pin: once the writes stop
 * and the guest wakes once more, the host must see its pin differ from
 * what the guest publishes and pin again, or every later doorbell goes
 * nowhere.
 */
TEST(Recovery, AnswerProvesNoOverwrittenPin)
{
	for (int reloaded = 0; reloaded < 2; reloaded++) {
		World w;
		w.up();
		ASSERT_TRUE(w.both_run());
		if (reloaded) {
			cpc_ep_init(&w.host, w.mem.data(), World::kRegion, true);
			cpc_ep_set_doorbell(&w.host, 0, 0);
		}
		cpc_ep_host_reset(&w.host);
		w.guest_service();
		ASSERT_EQ(CPC_STATE_READY, w.guest.state);
		hdr(w)->guest.vector = 0x5e;
		w.host_rung = false;
		w.host_service(false);
		ASSERT_TRUE(cpc_ep_running(&w.host));
		/* A call; the guest wakes for another reason and answers it ... */
		w.host_call();
		ASSERT_TRUE(w.call_out);
		w.guest_rung = false;
		w.guest_service();
		ASSERT_TRUE(cpc_ep_running(&w.guest));
		EXPECT_EQ(0u, hdr(w)->guest.vector);
		/* ... and its vector is overwritten again before the host reaps. */
		hdr(w)->guest.vector = 0x5e;
		w.host_rung = false;
		w.host_service(false);
		EXPECT_FALSE(w.call_out);
		/* The writes stop; the guest wakes once more. */
		w.guest_rung = true;
		for (int call = 0; call < 8; call++)
			ASSERT_GT(w.converge(kMaxRounds), 0) << "reloaded " << reloaded << " call " << call;
		EXPECT_EQ(0u, w.host.peer_db.vector);
	}
}

/*
 * Found by fuzz/fuzz_handshake: the request ring's producer index set back
 * after the host published a call. The guest sees nothing to do, the host
 * nudges in vain and, with one caller, no later publish rewrites it. The
 * host rewrites its own index at its next step (and the guest its own
 * consumer index likewise); the call is answered and more follow.
 */
TEST(Recovery, OwnRingIndexOverwrittenIsRepaired)
{
	for (int which = 0; which < 2; which++) {
		World w;
		w.up();
		ASSERT_TRUE(w.both_run());
		if (which == 0) {
			w.host_call();	/* published; the doorbell is not delivered */
			ASSERT_TRUE(w.call_out);
			w.guest_rung = false;
			req_idx(w)->prod = htole32(le32toh(req_idx(w)->prod) - 1);
		} else {
			/* The guest's consumer index moved back by one: a full ring's worth
			 * of requests looks pending to nobody, space looks short to the host. */
			req_idx(w)->cons = htole32(le32toh(req_idx(w)->cons) - 1);
		}
		for (int call = 0; call < 8; call++)
			ASSERT_GT(w.converge(kMaxRounds), 0) << "case " << which << " call " << call;
		EXPECT_EQ(w.host.req.batch_start, le32toh(req_idx(w)->prod));
		EXPECT_EQ(w.guest.req.mine, le32toh(req_idx(w)->cons));
	}
}

TEST(Recovery, LostDoorbellsAreHealedByNudges)
{
	World w;
	w.up();
	ASSERT_TRUE(w.both_run());
	/* Every doorbell is lost from now on but one in three. */
	w.loss = 0.66;
	cpc_ep_publish(&w.guest, CPC_STATE_BROKEN);
	EXPECT_GT(w.converge(4 * kMaxRounds), 0);
	/* A request whose doorbell is lost is picked up by a nudge. */
	w.loss = 1;
	long before = w.answered;
	w.round();
	w.loss = 0;
	w.guest_rung = w.host_rung = false;
	for (int i = 0; i < kMaxRounds && w.answered == before; i++)
		w.round();
	EXPECT_GT(w.answered, before);
}

TEST(Recovery, IdleChannelIsNeverNudged)
{
	World w;
	w.up();
	ASSERT_TRUE(w.both_run());
	while (w.call_out)
		w.round();
	for (int i = 0; i < 100; i++) {
		w.host_service(true);
		EXPECT_FALSE(w.guest_rung) << "check " << i;
	}
}

TEST(Recovery, NudgesBackOff)
{
	World w;
	cpc_ep_host_reset(&w.host);
	/* No guest: the host nudges at checks 1, 3, 7, 15, 31, 47, ... */
	std::vector<int> at;
	for (int i = 1; i <= 64; i++) {
		w.host_service(true);
		if (w.guest_rung)
			at.push_back(i);
		w.guest_rung = false;
	}
	EXPECT_EQ((std::vector<int>{1, 3, 7, 15, 31, 47, 63}), at);
}

/*
 * The back-off of the nudges (up to CPC_NUDGE_MAX_CHECKS checks apart)
 * grows while the guest shows no progress. Once the channel comes back -
 * the guest joins, the host repairs its block or its ring index after a
 * hostile write, a call goes out on an idle ring after the guest's block
 * was repaired - it starts over: a call whose doorbell is lost then is
 * nudged at the very next check, not up to 16 checks later (lb_mutate saw
 * 2.6 s after a storm of writes before this).
 */
int checks_to_answer(World &w)
{
	long before = w.answered;

	for (int i = 1; i <= kMaxRounds; i++) {
		w.host_service(true);
		w.deliver();
		if (w.answered > before)
			return i;
	}
	return -1;
}

/* @n periodic checks in which every doorbell is lost. */
void silent_checks(World &w, int n)
{
	w.loss = 1;
	for (int i = 0; i < n; i++) {
		w.host_service(true);
		w.deliver();
	}
	w.loss = 0;
}

/* A call whose doorbell is lost. */
void call_unheard(World &w)
{
	w.loss = 1;
	w.host_call();
	w.loss = 0;
	ASSERT_TRUE(w.call_out);
}

/* Both ends run, no call in flight. */
void idle_up(World &w)
{
	w.up();
	while (w.call_out)
		w.round();
	ASSERT_TRUE(w.both_run());
}

TEST(Recovery, NudgeBackOffStartsOverWhenTheChannelComesBack)
{
	enum { kGuestJoinsLate, kHostBlockRepaired, kHostIndexRepaired, kGuestBlockRepaired };
	const char *names[] = {"guest joins late", "host block repaired", "host index repaired",
			       "guest block repaired"};

	for (int how = kGuestJoinsLate; how <= kGuestBlockRepaired; how++) {
		SCOPED_TRACE(names[how]);
		World w;

		switch (how) {
		case kGuestJoinsLate:
			/* The host waits alone, then the guest loads. */
			cpc_ep_host_reset(&w.host);
			silent_checks(w, 64);
			ASSERT_EQ(CPC_NUDGE_MAX_CHECKS, w.host.nudge_every);
			cpc_ep_guest_reset(&w.guest);
			w.guest_rung = true;
			w.deliver();
			ASSERT_TRUE(w.both_run());
			call_unheard(w);
			break;
		case kHostBlockRepaired:
		case kHostIndexRepaired:
			/* A call waits unheard, then a hostile write hits the host's
			 * block or its producer index; the doorbell the repair rings
			 * is lost as well. */
			idle_up(w);
			call_unheard(w);
			silent_checks(w, 64);
			ASSERT_EQ(CPC_NUDGE_MAX_CHECKS, w.host.nudge_every);
			if (how == kHostBlockRepaired)
				hdr(w)->host.vector = htole32(77);
			else
				req_idx(w)->prod = htole32(le32toh(req_idx(w)->prod) - 1);
			w.loss = 1;
			w.host_service(false);
			w.loss = 0;
			ASSERT_EQ(0u, le32toh(hdr(w)->host.vector));
			ASSERT_EQ(w.host.req.batch_start, le32toh(req_idx(w)->prod));
			break;
		case kGuestBlockRepaired:
			/* A hostile write shows the guest READY: the host nudges it
			 * in vain until the guest repairs its block; then a call. */
			idle_up(w);
			hdr(w)->guest.state = htole32(CPC_STATE_READY);
			silent_checks(w, 64);
			ASSERT_EQ(CPC_NUDGE_MAX_CHECKS, w.host.nudge_every);
			ASSERT_EQ(CPC_EP_CHANGED, cpc_ep_step(&w.guest));
			ASSERT_TRUE(w.both_run());
			call_unheard(w);
			break;
		}
		EXPECT_EQ(1, checks_to_answer(w));
	}
}

TEST(Recovery, GenerationZeroIsNeverUsed)
{
	World w;
	/* A host whose count was left at 0xffffffff skips 0. */
	hdr(w)->host.generation = 0xffffffffu;
	hdr(w)->guest.generation = 0xffffffffu;
	cpc_ep_init(&w.host, w.mem.data(), World::kRegion, true);
	cpc_ep_init(&w.guest, w.mem.data(), World::kRegion, false);
	cpc_ep_set_doorbell(&w.host, 0, 0);
	cpc_ep_set_doorbell(&w.guest, 1, 0);
	cpc_ep_host_reset(&w.host);
	cpc_ep_guest_reset(&w.guest);
	EXPECT_EQ(1u, w.host.generation);
	EXPECT_EQ(1u, w.guest.generation);
	w.guest_rung = true;
	EXPECT_GT(w.converge(kMaxRounds), 0);
}

/*
 * Enumerated: private states of both ends x published states x
 * generation relations x a header field x ring indexes x doorbells.
 */
const std::uint32_t kHostPriv[] = {CPC_STATE_READY, CPC_STATE_RUN, CPC_STATE_BROKEN};
const std::uint32_t kGuestPriv[] = {CPC_STATE_INIT, CPC_STATE_READY, CPC_STATE_RUN,
				    CPC_STATE_BROKEN};
const std::uint32_t kPub[] = {CPC_STATE_RESET, CPC_STATE_INIT, CPC_STATE_READY,
			      CPC_STATE_RUN, CPC_STATE_BROKEN, 9};

/* Generation relations: 0 as is, 1 all zero, 2 host's gen accepted by
 * nobody, 3 both private counts at the wrap, 4 published generations
 * swapped. */
void set_generations(World &w, int how)
{
	auto *h = hdr(w);
	switch (how) {
	case 1:
		w.host.generation = w.guest.generation = 0;
		w.host.peer_generation = w.guest.peer_generation = 0;
		h->host.generation = h->guest.generation = 0;
		h->host.peer_generation = h->guest.peer_generation = 0;
		break;
	case 2:
		w.guest.peer_generation = w.host.generation + 1;
		h->guest.peer_generation = w.host.generation - 1;
		break;
	case 3:
		w.host.generation = 0xffffffffu;
		w.guest.generation = 0xffffffffu;
		h->host.generation = 0xffffffffu;
		w.guest.peer_generation = 0xffffffffu;
		break;
	case 4:
		std::swap(h->host.generation, h->guest.generation);
		break;
	default:
		break;
	}
}

/* Header: 0 intact, 1 magic gone, 2 ring_entries changed, 3 data_size
 * changed, 4 all zero. */
void set_header(World &w, int how)
{
	auto *h = hdr(w);
	switch (how) {
	case 1:
		h->magic = 0;
		break;
	case 2:
		h->ring_entries = 8;
		break;
	case 3:
		h->data_size += 4096;
		break;
	case 4:
		std::memset(h, 0, offsetof(cpc_shm_header, host));
		break;
	default:
		break;
	}
}

/* Ring indexes: 0 intact, 1 a request published behind the host's back,
 * 2 completion consumer moved back, 3 impossible producer, 4 both rings
 * moved together, 5 event indexes far off. */
void set_rings(World &w, int how)
{
	auto *rq = req_idx(w);
	auto *cq = cpl_idx(w);
	switch (how) {
	case 1:
		rq->prod += 1;
		break;
	case 2:
		cq->cons -= 3;
		break;
	case 3:
		rq->prod += 1000;
		cq->prod += 999;
		break;
	case 4:
		rq->prod = rq->cons = 12345;
		cq->prod = cq->cons = 54321;
		break;
	case 5:
		rq->cons_event = rq->cons + 100;
		cq->cons_event = cq->cons - 100;
		rq->prod_event = 7;
		break;
	default:
		break;
	}
}

/* Doorbells: 0 intact, 1 the guest's id overwritten, 2 its vector, 3 the
 * host's id and vector. */
void set_doorbells(World &w, int how)
{
	auto *h = hdr(w);
	switch (how) {
	case 1:
		h->guest.doorbell_id = 7;
		break;
	case 2:
		h->guest.vector = 0x5e;
		break;
	case 3:
		h->host.doorbell_id = 9;
		h->host.vector = 3;
		break;
	default:
		break;
	}
}

TEST(Recovery, EnumeratedStatesConverge)
{
	long cases = 0, worst = 0;

	for (auto hp : kHostPriv)
	for (auto gp : kGuestPriv)
	for (auto hpub : kPub)
	for (auto gpub : kPub)
	for (int gen = 0; gen < 5; gen++)
	for (int header = 0; header < 5; header++)
	for (int ring = 0; ring < 6; ring++)
	for (int db = 0; db < 4; db++) {
		World w(cases);
		w.up();
		ASSERT_TRUE(w.both_run());
		w.host.state = hp;
		w.guest.state = gp;
		hdr(w)->host.state = hpub;
		hdr(w)->guest.state = gpub;
		set_generations(w, gen);
		set_header(w, header);
		set_rings(w, ring);
		set_doorbells(w, db);
		/* A doorbell or none: the ends must not depend on it. */
		w.guest_rung = cases & 1;
		w.host_rung = cases & 2;
		int n = w.converge(kMaxRounds);
		ASSERT_GT(n, 0) << "host " << hp << "/" << hpub << " guest " << gp
				<< "/" << gpub << " gen " << gen << " header " << header
				<< " ring " << ring << " doorbell " << db;
		worst = std::max<long>(worst, n);
		cases++;
	}
	RecordProperty("cases", static_cast<int>(cases));
	RecordProperty("worst_rounds", static_cast<int>(worst));
	std::printf("[ recovery ] %ld enumerated cases converged, worst %ld periodic checks\n",
		    cases, worst);
}

/* Random: a live channel whose region gets random writes (the header page's
 * peer states, both rings' indexes and entries), private states drawn at
 * random too, some doorbells lost; then both ends behave. */
TEST(Recovery, RandomMutationsConverge)
{
	const std::size_t span = World::kRegion / 2;	/* header, both rings, some data */
	long worst[2] = {0, 0};
	const int trials = getenv("CPC_RECOVERY_TRIALS") ? atoi(getenv("CPC_RECOVERY_TRIALS")) : 20000;

	for (int t = 0; t < trials; t++) {
		World w(1000 + t);
		w.up();
		ASSERT_TRUE(w.both_run());
		std::mt19937_64 &r = w.rng;
		int writes = 1 + r() % 64;
		for (int i = 0; i < writes; i++) {
			/* Mutations while calls run. */
			if (r() % 4 == 0)
				w.round();
			std::size_t off = r() % span;
			if (r() % 2) {
				off &= ~std::size_t{3};
				std::uint32_t v = r() % 3 ? static_cast<std::uint32_t>(r() % 8)
							  : static_cast<std::uint32_t>(r());
				std::memcpy(&w.mem[off], &v, sizeof(v));
			} else {
				w.mem[off] = static_cast<std::uint8_t>(r());
			}
		}
		if (t % 3 == 0) {
			w.host.state = kHostPriv[r() % 3];
			w.guest.state = kGuestPriv[r() % 4];
		}
		w.loss = t % 5 == 0 ? 0.5 : 0;
		int n = w.converge(w.loss > 0 ? 4 * kMaxRounds : kMaxRounds);
		ASSERT_GT(n, 0) << "trial " << t;
		worst[w.loss > 0] = std::max<long>(worst[w.loss > 0], n);
	}
	std::printf("[ recovery ] %d random trials converged, worst %ld periodic checks "
		    "(%ld with half the doorbells lost)\n", trials, worst[0], worst[1]);
}

} // namespace
