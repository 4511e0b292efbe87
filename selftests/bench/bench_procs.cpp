// SPDX-License-Identifier: GPL-2.0
// cpc-bench-compare procs: the procedure modules (guest-driver/procs/)
// against the qemu-ga commands that do the same, in the same guest and the
// same run, one request outstanding at any time (as the latency phase):
//
//   fsfreeze-status          guest-fsfreeze-status
//   fsfreeze + fsthaw        guest-fsfreeze-freeze + guest-fsfreeze-thaw
//   time-get                 guest-get-time
//   time-set (host's time)   guest-set-time (host's time; qemu-ga then
//                            runs hwclock -w)
//   vcpus                    guest-get-vcpus
//   memory-blocks            guest-get-memory-blocks
//   memory-block-set         guest-set-memory-blocks, both asking an
//                            online block to be online (no change)
//   fsinfo                   guest-get-fsinfo
//
// Every answer is checked, and the two systems must agree: as many
// filesystems frozen, vCPUs and memory blocks listed, the disk in both
// filesystem lists. vcpu-set / guest-set-vcpus are not timed: the test
// bed's guest has two vCPUs, CPU 0 (x86 cannot unplug it) and the
// maintenance vCPU (vcpu-set refuses it), so nothing can change.
#include "bench_compare.hpp"
#include "qga_client.hpp"

#include <cpc/channel.hpp>

#include <map>

namespace bench {

namespace {

using namespace std::chrono_literals;

struct Pair {
	const char *key, *cpc, *qga;
	bool cycle; ///< counted in --cycles rather than --calls
};

const Pair pairs[] = {
	{"fsfreeze-status", "`fsfreeze-status`", "`guest-fsfreeze-status`", false},
	{"fsfreeze-cycle", "`fsfreeze` + `fsthaw` (one cycle)",
	 "`guest-fsfreeze-freeze` + `guest-fsfreeze-thaw`", true},
	{"time-get", "`time-get`", "`guest-get-time`", false},
	{"time-set", "`time-set` (the host's time)", "`guest-set-time` (the host's time; runs `hwclock -w`)",
	 false},
	{"vcpus", "`vcpus`", "`guest-get-vcpus`", false},
	{"memory-blocks", "`memory-blocks`", "`guest-get-memory-blocks`", false},
	{"memory-block-set", "`memory-block-set` (online block to online)",
	 "`guest-set-memory-blocks` (online block to online)", false},
	{"fsinfo", "`fsinfo`", "`guest-get-fsinfo`", false},
};

std::int64_t host_ns()
{
	return std::chrono::duration_cast<std::chrono::nanoseconds>(
		       std::chrono::system_clock::now().time_since_epoch())
		.count();
}

void check(bool ok, const std::string &what, const json &got)
{
	if (!ok)
		throw cpc::Error(EPROTO, what + ": unexpected answer " + got.dump().substr(0, 300));
}

bool lists_disk(const json &j)
{
	if (!j.is_array())
		return false;
	for (const auto &e : j)
		if (e.is_object() && e.value("mountpoint", std::string()) == "/mnt/disk")
			return true;
	return false;
}

class Procs {
public:
	explicit Procs(const Args &a) : a_(a), ch_(cpc::open_channel(a.bus)), q_(a.qga, 30s)
	{
		for (const char *n : {"fsfreeze-status", "fsfreeze", "fsthaw", "time-get", "time-set", "vcpus",
				      "memory-blocks", "memory-block-set", "fsinfo"})
			id_[n] = cpc::procedure_id(*ch_, n);
		auto l = call_json("memory-blocks");
		for (const auto &b : l)
			if (b.value("online", false)) {
				block_ = b.value("block", 0ULL);
				break;
			}
		if (block_ == UINT64_MAX)
			throw cpc::Error(ENOENT, "memory-blocks: no online block in " + l.dump());
	}

	json run()
	{
		std::map<std::string, std::function<void(Series &)>> cpc = {
			{"fsfreeze-status", [&](Series &s) { cpc_status(s); }},
			{"fsfreeze-cycle", [&](Series &s) { cpc_cycle(s); }},
			{"time-get", [&](Series &s) { cpc_time_get(s); }},
			{"time-set", [&](Series &s) { cpc_time_set(s); }},
			{"vcpus", [&](Series &s) { cpus_cpc_ = list(s, "vcpus"); }},
			{"memory-blocks", [&](Series &s) { blocks_cpc_ = list(s, "memory-blocks"); }},
			{"memory-block-set", [&](Series &s) { cpc_block_set(s); }},
			{"fsinfo", [&](Series &s) { cpc_fsinfo(s); }},
		};
		std::map<std::string, std::function<void(Series &)>> qga = {
			{"fsfreeze-status", [&](Series &s) { qga_status(s); }},
			{"fsfreeze-cycle", [&](Series &s) { qga_cycle(s); }},
			{"time-get", [&](Series &s) { qga_time_get(s); }},
			{"time-set", [&](Series &s) { qga_time_set(s); }},
			{"vcpus", [&](Series &s) { cpus_qga_ = qga_list(s, "guest-get-vcpus"); }},
			{"memory-blocks", [&](Series &s) { blocks_qga_ = qga_list(s, "guest-get-memory-blocks"); }},
			{"memory-block-set", [&](Series &s) { qga_block_set(s); }},
			{"fsinfo", [&](Series &s) { qga_fsinfo(s); }},
		};
		// Warm-up (page faults, first reads of sysfs): not counted.
		Series junk;
		for (const auto &p : pairs) {
			qga[p.key](junk);
			cpc[p.key](junk);
		}
		for (unsigned b = 0; b < a_.blocks; b++) {
			for (const auto &p : pairs) {
				unsigned n = (p.cycle ? a_.cycles : a_.calls) / a_.blocks;
				std::string k = p.key;
				alternate(b % 2 == 0, n, [&] { qga[k](s_[k + "-qga"]); },
					  [&] { cpc[k](s_[k + "-cpc"]); });
			}
		}
		// Both saw the same guest.
		if (frozen_cpc_ != frozen_qga_ || cpus_cpc_ != cpus_qga_ || blocks_cpc_ != blocks_qga_)
			throw cpc::Error(EPROTO, "cpc and qemu-ga disagree: froze " +
							 std::to_string(frozen_cpc_) + " / " +
							 std::to_string(frozen_qga_) + ", vCPUs " +
							 std::to_string(cpus_cpc_) + " / " + std::to_string(cpus_qga_) +
							 ", memory blocks " + std::to_string(blocks_cpc_) + " / " +
							 std::to_string(blocks_qga_));
		json j = phase_summary(s_, a_, *ch_);
		j["agree"] = {{"frozen", frozen_cpc_}, {"vcpus", cpus_cpc_}, {"memory_blocks", blocks_cpc_},
			      {"memory_block_set", block_}};
		return j;
	}

private:
	cpc::CallResult call(const std::string &name, std::uint64_t a0 = 0, std::uint64_t a1 = 0)
	{
		cpc::CallRequest r;
		r.proc = id_.at(name);
		r.args[0] = a0;
		r.args[1] = a1;
		r.timeout = 30s;
		return ch_->call(r);
	}

	json call_json(const std::string &name)
	{
		auto j = json::parse(call(name).text(), nullptr, false);
		check(!j.is_discarded(), name, "not JSON");
		return j;
	}

	void cpc_status(Series &s)
	{
		auto r = s.time([&] { return call("fsfreeze-status"); });
		auto j = json::parse(r.text(), nullptr, false);
		check(r.ret[0] == 0 && j.is_object() && j.value("status", "") == "thawed", "fsfreeze-status", j);
	}

	void qga_status(Series &s)
	{
		auto j = s.time([&] { return q_.request("guest-fsfreeze-status"); });
		check(j == "thawed", "guest-fsfreeze-status", j);
	}

	void cpc_cycle(Series &s)
	{
		auto r = s.time([&] {
			auto f = call("fsfreeze");
			auto t = call("fsthaw");
			return std::pair{f, t};
		});
		check(r.first.ret[0] >= 1 && r.second.ret[0] == r.first.ret[0], "fsfreeze + fsthaw",
		      json{r.first.ret[0], r.second.ret[0]});
		frozen_cpc_ = r.first.ret[0];
	}

	void qga_cycle(Series &s)
	{
		auto r = s.time([&] {
			auto f = q_.request("guest-fsfreeze-freeze");
			auto t = q_.request("guest-fsfreeze-thaw");
			return std::pair{f, t};
		});
		check(r.first.is_number_unsigned() && r.first.get<std::uint64_t>() >= 1 && r.second == r.first,
		      "guest-fsfreeze-freeze + thaw", json{r.first, r.second});
		frozen_qga_ = r.first.get<std::uint64_t>();
	}

	// The guest's clock: the test bed's guests start from the host's RTC.
	static void near_now(std::int64_t ns, const std::string &what)
	{
		std::int64_t d = ns - host_ns();
		check(d > -3600'000'000'000LL && d < 3600'000'000'000LL, what + " (not within an hour of the host)",
		      ns);
	}

	void cpc_time_get(Series &s)
	{
		auto r = s.time([&] { return call("time-get"); });
		near_now(static_cast<std::int64_t>(r.ret[0]), "time-get");
	}

	void qga_time_get(Series &s)
	{
		auto j = s.time([&] { return q_.request("guest-get-time"); });
		check(j.is_number_integer(), "guest-get-time", j);
		near_now(j.get<std::int64_t>(), "guest-get-time");
	}

	void cpc_time_set(Series &s)
	{
		auto now = static_cast<std::uint64_t>(host_ns());
		auto r = s.time([&] { return call("time-set", now); });
		near_now(static_cast<std::int64_t>(r.ret[0]), "time-set's time before");
	}

	void qga_time_set(Series &s)
	{
		auto now = host_ns();
		auto j = s.time([&] { return q_.request("guest-set-time", {{"time", now}}); });
		check(j.is_object() && j.empty(), "guest-set-time", j);
	}

	std::uint64_t list(Series &s, const std::string &name)
	{
		auto r = s.time([&] { return call(name); });
		auto j = json::parse(r.text(), nullptr, false);
		check(j.is_array() && !j.empty() && j.size() == r.ret[0], name, j);
		return j.size();
	}

	std::uint64_t qga_list(Series &s, const std::string &cmd)
	{
		auto j = s.time([&] { return q_.request(cmd); });
		check(j.is_array() && !j.empty(), cmd, j);
		return j.size();
	}

	void cpc_block_set(Series &s)
	{
		auto r = s.time([&] { return call("memory-block-set", block_, 1); });
		check(r.ret[0] == 0, "memory-block-set (no change)", json{r.ret[0]});
	}

	void qga_block_set(Series &s)
	{
		json blk = json::array({{{"phys-index", block_}, {"online", true}}});
		auto j = s.time([&] { return q_.request("guest-set-memory-blocks", {{"mem-blks", blk}}); });
		check(j.is_array() && j.size() == 1 && j[0].value("response", "") == "success",
		      "guest-set-memory-blocks (no change)", j);
	}

	void cpc_fsinfo(Series &s)
	{
		auto r = s.time([&] { return call("fsinfo"); });
		auto j = json::parse(r.text(), nullptr, false);
		check(lists_disk(j), "fsinfo (/mnt/disk)", j);
	}

	void qga_fsinfo(Series &s)
	{
		auto j = s.time([&] { return q_.request("guest-get-fsinfo"); });
		check(lists_disk(j), "guest-get-fsinfo (/mnt/disk)", j);
	}

	const Args &a_;
	std::shared_ptr<cpc::Channel> ch_;
	cpc_test::QgaClient q_;
	std::map<std::string, std::uint32_t> id_;
	std::map<std::string, Series> s_;
	std::uint64_t block_ = UINT64_MAX;
	std::uint64_t frozen_cpc_ = 0, frozen_qga_ = 0, cpus_cpc_ = 0, cpus_qga_ = 0;
	std::uint64_t blocks_cpc_ = 0, blocks_qga_ = 0;
};

} // namespace

json procs(const Args &a)
{
	return Procs(a).run();
}

void procs_report(std::ostream &o, const json &p)
{
	o << "\n| CPC procedure module call | median | p99 | calls/s | qemu-ga command | median | p99 "
	     "| calls/s | qemu-ga/CPC (median) |\n"
	  << "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
	for (const auto &pr : pairs) {
		auto c = p.at(std::string(pr.key) + "-cpc"), q = p.at(std::string(pr.key) + "-qga");
		double r = q.at("median_ns").get<double>() / c.at("median_ns").get<double>();
		o << "| " << pr.cpc << " (" << c.at("count") << ") | " << us(c.at("median_ns")) << " | "
		  << us(c.at("p99_ns")) << " | " << num(c.at("calls_per_s"), "%.0f") << " | " << pr.qga
		  << " (" << q.at("count") << ") | " << us(q.at("median_ns")) << " | "
		  << us(q.at("p99_ns")) << " | " << num(q.at("calls_per_s"), "%.0f") << " | **"
		  << num(r) << "x** |\n";
	}
	if (p.contains("host_end"))
		o << "\nThe host end's counters over these calls: " << p["host_end"].dump() << ".\n";
	if (p.contains("agree"))
		o << "\nBoth saw the same guest: " << p["agree"].dump()
		  << " (filesystems frozen, vCPUs, memory blocks listed; the block set).\n";
}

} // namespace bench
