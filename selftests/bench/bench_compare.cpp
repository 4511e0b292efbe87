// SPDX-License-Identifier: GPL-2.0
// cpc-bench-compare: CPC through libcpc's user-space host end against the
// QEMU guest agent, same guest, same run (the benchmark of `make bench`,
// driven by selftests/local/bench-qga.sh in the --local --qga test bed):
//
//   latency --bus SOCK --qga SOCK --out DIR [--pings N] [--calls N]
//           [--blocks K] [--raw N]
//       guest-ping vs ping, guest-get-osinfo vs info, guest-exec ps +
//       guest-exec-status polled back to back vs ps, and the raw eventfd
//       doorbell ping-pong of the same bus (the guest's reflector is armed
//       through qemu-ga). One thread, one request outstanding at any time:
//       the two never overlap. After a warm-up, K blocks alternate which
//       system goes first so load drift hits both alike.
//   procs --bus SOCK --qga SOCK --out DIR [--calls N] [--cycles N]
//         [--blocks K]
//       the procedure modules against the qemu-ga commands that do the
//       same (bench_procs.cpp), alike: fsfreeze-status, a fsfreeze +
//       fsthaw cycle, time-get, time-set, vcpus, memory-blocks,
//       memory-block-set (no change), fsinfo. Needs the guest's ext4
//       disk (testbed/run --disk) and a policy allowing them.
//   dormant --bus SOCK --qemu-pid PID --out DIR [--idle S] [--load S]
//       CPU time of the guest QEMU's "CPU 1/TCG" (maintenance vCPU) and
//       "CPU 0/TCG" threads over S s with the host end open and idle, then
//       over S s of back-to-back ping calls.
//   spin --qga SOCK --out DIR --label L [--seconds S]
//       runs cpc-spin on the guest's CPU 0 through qemu-ga; its rate.
//   report --out DIR
//       the table (markdown, results.md) with ratios and the goals.
//
// Every phase writes DIR/<phase>.json; latency also the CDFs
// (cdf-<pair>-<system>.dat: microseconds, cumulative fraction). Errors:
// "cpc-bench-compare: <what>: <why>", exit 1; bad usage exit 2.
#include "bench_compare.hpp"
#include "qga_client.hpp"

#include <cpc/bench.hpp>
#include <cpc/channel.hpp>
#include <cpc/error.hpp>

#include <nlohmann/json.hpp>

#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace bench {

std::uint64_t ns_since(Clock::time_point t0)
{
	return static_cast<std::uint64_t>(
		std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
}

void write_file(const std::string &path, const std::string &text)
{
	std::ofstream f(path, std::ios::trunc);
	f << text;
	f.close();
	if (!f)
		throw cpc::Error(EIO, "write " + path);
}

json read_json(const std::string &path)
{
	std::ifstream f(path);
	if (!f)
		throw cpc::Error(ENOENT, "read " + path);
	auto j = json::parse(f, nullptr, false);
	if (j.is_discarded())
		throw cpc::Error(EPROTO, "read " + path + ": not JSON");
	return j;
}

json Series::summary() const
{
	auto s = ns;
	auto l = cpc::latency_of(s);
	std::uint64_t sum = 0;
	for (auto v : ns)
		sum += v;
	json j = {{"count", l.count},	  {"min_ns", l.min_ns}, {"median_ns", l.median_ns},
		  {"p99_ns", l.p99_ns},	  {"max_ns", l.max_ns},
		  {"calls_per_s", sum ? ns.size() * 1e9 / static_cast<double>(sum) : 0.0}};
	if (extra)
		j["status_polls_per_call"] = static_cast<double>(extra) / static_cast<double>(ns.size());
	return j;
}

void Series::cdf(const std::string &path) const
{
	auto s = ns;
	std::sort(s.begin(), s.end());
	std::ostringstream o;
	o << "# latency_us cumulative_fraction\n";
	for (std::size_t i = 0; i < s.size(); i++)
		o << static_cast<double>(s[i]) / 1e3 << " "
		  << static_cast<double>(i + 1) / static_cast<double>(s.size()) << "\n";
	write_file(path, o.str());
}

void alternate(bool qga_first, unsigned n, const std::function<void()> &qga,
	       const std::function<void()> &cpc)
{
	for (int half = 0; half < 2; half++) {
		bool q = (half == 0) == qga_first;
		for (unsigned i = 0; i < n; i++)
			(q ? qga : cpc)();
	}
}

json host_end_counters(cpc::Channel &ch)
{
	auto c = ch.status().counters;
	json j;
	for (const char *k : {"calls", "nudges", "doorbells", "late", "timeouts", "throttles", "resets"})
		j[k] = c[k];
	return j;
}

json phase_summary(const std::map<std::string, Series> &series, const Args &a, cpc::Channel &ch)
{
	json j;
	for (const auto &[k, s] : series) {
		j[k] = s.summary();
		s.cdf(a.out + "/cdf-" + k + ".dat");
	}
	j["channel"] = a.bus;
	j["blocks"] = a.blocks;
	j["host_end"] = host_end_counters(ch);
	return j;
}

std::string us(double ns)
{
	char b[32];
	std::snprintf(b, sizeof(b), ns >= 1e7 ? "%.0f ms" : ns >= 1e6 ? "%.1f ms" : "%.0f µs",
		      ns >= 1e6 ? ns / 1e6 : ns / 1e3);
	return b;
}

std::string num(double v, const char *fmt)
{
	char b[32];
	std::snprintf(b, sizeof(b), fmt, v);
	return b;
}

} // namespace bench

namespace {

using namespace bench;
using namespace std::chrono_literals;

unsigned to_uint(const std::string &opt, const std::string &v)
{
	char *end = nullptr;
	unsigned long n = std::strtoul(v.c_str(), &end, 10);
	if (v.empty() || *end || n == 0 || n > 1000000)
		throw Usage(opt + ": '" + v + "': want 1..1000000");
	return static_cast<unsigned>(n);
}

Args parse(int argc, char **argv)
{
	if (argc < 2)
		throw Usage("no command");
	Args a;
	a.cmd = argv[1];
	for (int i = 2; i < argc; i++) {
		std::string o = argv[i];
		if (i + 1 >= argc)
			throw Usage(o + ": missing value");
		std::string v = argv[++i];
		if (o == "--bus")
			a.bus = v.rfind("bus:", 0) == 0 ? v : "bus:" + v;
		else if (o == "--qga")
			a.qga = v;
		else if (o == "--out")
			a.out = v;
		else if (o == "--label")
			a.label = v;
		else if (o == "--qemu-pid")
			a.pid = to_uint(o, v);
		else if (o == "--pings")
			a.pings = to_uint(o, v);
		else if (o == "--calls")
			a.calls = to_uint(o, v);
		else if (o == "--blocks")
			a.blocks = to_uint(o, v);
		else if (o == "--raw")
			a.raw = to_uint(o, v);
		else if (o == "--cycles")
			a.cycles = to_uint(o, v);
		else if (o == "--idle")
			a.idle = to_uint(o, v);
		else if (o == "--load")
			a.load = to_uint(o, v);
		else if (o == "--seconds")
			a.seconds = to_uint(o, v);
		else
			throw Usage("unknown option " + o);
	}
	if (a.out.empty())
		throw Usage("--out DIR is required");
	auto need = [&](bool ok, const char *what) {
		if (!ok)
			throw Usage(a.cmd + " needs " + what);
	};
	if (a.cmd == "latency") {
		need(!a.bus.empty() && !a.qga.empty(), "--bus and --qga");
		need(a.pings >= a.blocks && a.calls >= a.blocks && a.raw >= a.blocks,
		     "--pings, --calls and --raw of at least --blocks");
	} else if (a.cmd == "procs") {
		need(!a.bus.empty() && !a.qga.empty(), "--bus and --qga");
		need(a.calls >= a.blocks && a.cycles >= a.blocks,
		     "--calls and --cycles of at least --blocks");
	} else if (a.cmd == "dormant") {
		need(!a.bus.empty() && a.pid, "--bus and --qemu-pid");
	} else if (a.cmd == "spin") {
		need(!a.qga.empty() && !a.label.empty(), "--qga and --label");
	} else if (a.cmd != "report") {
		throw Usage("unknown command '" + a.cmd + "'");
	}
	return a;
}

class Latency {
public:
	Latency(const Args &a)
		: a_(a), ch_(cpc::open_channel(a.bus)), q_(a.qga, 30s),
		  ping_(cpc::procedure_opcode("ping")), info_(cpc::procedure_opcode("info")),
		  ps_(cpc::procedure_opcode("ps"))
	{
	}

	json run()
	{
		arm_reflector();
		// Warm-up: first calls pay for page faults, caches, qemu-ga's
		// first fork; not counted.
		Series junk;
		for (int i = 0; i < 20; i++) {
			qga_ping(junk);
			cpc_ping(junk);
		}
		for (int i = 0; i < 3; i++) {
			qga_osinfo(junk);
			cpc_info(junk);
			qga_ps(junk);
			cpc_ps(junk);
		}
		for (unsigned b = 0; b < a_.blocks; b++) {
			bool qga_first = b % 2 == 0;
			alternate(qga_first, a_.pings / a_.blocks, [&] { qga_ping(s_["ping-qga"]); },
			     [&] { cpc_ping(s_["ping-cpc"]); });
			raw_block(a_.raw / a_.blocks);
			alternate(qga_first, a_.calls / a_.blocks, [&] { qga_osinfo(s_["info-qga"]); },
			     [&] { cpc_info(s_["info-cpc"]); });
			alternate(qga_first, a_.calls / a_.blocks, [&] { qga_ps(s_["ps-qga"]); },
			     [&] { cpc_ps(s_["ps-cpc"]); });
		}
		return phase_summary(s_, a_, *ch_);
	}

private:
	// The reflector answers the host end the guest has accepted, i.e.
	// this one: it is armed after the channel is up.
	void arm_reflector()
	{
		cpc::CallRequest r;
		r.proc = ping_;
		ch_->call(r);
		unsigned n = a_.raw + 100;
		auto e = q_.run("/bin/sh",
				{"-c", "set -e; for f in /sys/kernel/debug/cpc_guest/ivshmem/*/reflect; do echo " +
					       std::to_string(n) + " > $f; done"},
				10ms);
		if (e.exitcode != 0)
			throw cpc::Error(EIO, "arm the guest's reflector: " + e.err);
	}

	void raw_block(unsigned rounds)
	{
		auto r = cpc::bus_pingpong(*ch_, rounds);
		auto &s = s_["ping-raw"].ns;
		s.insert(s.end(), r.samples_ns.begin(), r.samples_ns.end());
	}

	void qga_ping(Series &s)
	{
		auto t0 = Clock::now();
		q_.ping();
		s.ns.push_back(ns_since(t0));
	}

	void qga_osinfo(Series &s)
	{
		auto t0 = Clock::now();
		auto j = q_.osinfo();
		s.ns.push_back(ns_since(t0));
		if (!j.is_object() || !j.contains("kernel-release"))
			throw cpc::Error(EPROTO, "guest-get-osinfo: no kernel-release in " + j.dump());
	}

	void qga_ps(Series &s)
	{
		auto t0 = Clock::now();
		auto e = q_.run("/bin/ps");
		s.ns.push_back(ns_since(t0));
		s.extra += e.polls;
		if (e.exitcode != 0 || e.out.find("PID") == std::string::npos ||
		    std::count(e.out.begin(), e.out.end(), '\n') < 3)
			throw cpc::Error(EPROTO, "guest-exec ps: exit " + std::to_string(e.exitcode) +
							 ", output '" + e.out.substr(0, 200) + "'");
	}

	cpc::CallResult cpc_call(Series &s, std::uint32_t proc, std::uint64_t arg = 0)
	{
		cpc::CallRequest r;
		r.proc = proc;
		r.args[0] = arg;
		r.out_capacity = 1 << 20;
		auto t0 = Clock::now();
		auto res = ch_->call(r);
		s.ns.push_back(ns_since(t0));
		return res;
	}

	void cpc_ping(Series &s)
	{
		std::uint64_t v = ++seq_;
		auto r = cpc_call(s, ping_, v);
		if (r.ret[0] != v)
			throw cpc::Error(EPROTO, "ping " + std::to_string(v) + " answered " +
							 std::to_string(r.ret[0]));
	}

	void cpc_info(Series &s)
	{
		auto j = json::parse(cpc_call(s, info_).text(), nullptr, false);
		if (!j.is_object())
			throw cpc::Error(EPROTO, "info: not a JSON object");
	}

	void cpc_ps(Series &s)
	{
		auto j = json::parse(cpc_call(s, ps_).text(), nullptr, false);
		if (!j.is_array() || j.empty())
			throw cpc::Error(EPROTO, "ps: not a JSON array of processes");
	}

	const Args &a_;
	std::shared_ptr<cpc::Channel> ch_;
	cpc_test::QgaClient q_;
	std::uint32_t ping_, info_, ps_;
	std::uint64_t seq_ = 0;
	std::map<std::string, Series> s_;
};

// ---- dormant cost ----

std::string read_text(const std::string &path)
{
	std::ifstream f(path);
	std::stringstream s;
	s << f.rdbuf();
	if (!f)
		throw cpc::Error(errno ? errno : EIO, "read " + path);
	return s.str();
}

/// The thread of QEMU process @pid named @comm (exactly one).
std::string find_thread(long pid, const std::string &comm)
{
	std::string dir = "/proc/" + std::to_string(pid) + "/task";
	std::vector<std::string> hits;
	DIR *d = ::opendir(dir.c_str());
	if (!d)
		cpc::throw_errno("open " + dir);
	while (auto *e = ::readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		std::string c = read_text(dir + "/" + e->d_name + "/comm");
		if (!c.empty() && c.back() == '\n')
			c.pop_back();
		if (c == comm)
			hits.push_back(dir + "/" + e->d_name);
	}
	::closedir(d);
	if (hits.size() != 1)
		throw cpc::Error(ESRCH, "QEMU " + std::to_string(pid) + ": " +
						std::to_string(hits.size()) + " threads named '" + comm +
						"' (needs -name X,debug-threads=on)");
	return hits[0];
}

/// CPU time of a thread, ns (schedstat's first field).
std::uint64_t cpu_ns(const std::string &task)
{
	std::istringstream in(read_text(task + "/schedstat"));
	std::uint64_t ns = 0;
	if (!(in >> ns))
		throw cpc::Error(EPROTO, task + "/schedstat: unreadable");
	return ns;
}

json window(const std::string &maint, const std::string &other, unsigned secs,
	    const std::function<std::uint64_t(Clock::time_point)> &during)
{
	auto t0 = Clock::now();
	auto m0 = cpu_ns(maint), o0 = cpu_ns(other);
	std::uint64_t calls = during(t0 + std::chrono::seconds(secs));
	auto m1 = cpu_ns(maint), o1 = cpu_ns(other);
	double wall = static_cast<double>(ns_since(t0));
	return {{"seconds", wall / 1e9},
		{"maint_cpu_pct", 100.0 * static_cast<double>(m1 - m0) / wall},
		{"other_cpu_pct", 100.0 * static_cast<double>(o1 - o0) / wall},
		{"calls", calls},
		{"calls_per_s", calls * 1e9 / wall}};
}

json dormant(const Args &a)
{
	auto maint = find_thread(a.pid, "CPU 1/TCG");
	auto other = find_thread(a.pid, "CPU 0/TCG");
	auto ch = cpc::open_channel(a.bus);
	cpc::CallRequest r;
	r.proc = cpc::procedure_opcode("ping");
	ch->call(r); // up: the guest has joined this host end's generation
	std::this_thread::sleep_for(2s);
	json j;
	j["idle"] = window(maint, other, a.idle, [](Clock::time_point end) {
		std::this_thread::sleep_until(end);
		return std::uint64_t(0);
	});
	j["load"] = window(maint, other, a.load, [&](Clock::time_point end) {
		std::uint64_t n = 0;
		while (Clock::now() < end) {
			r.args[0] = ++n;
			if (ch->call(r).ret[0] != n)
				throw cpc::Error(EPROTO, "ping under load: wrong answer");
		}
		return n;
	});
	j["maint_thread"] = "CPU 1/TCG";
	j["other_thread"] = "CPU 0/TCG";
	return j;
}

// ---- spin ----

json spin(const Args &a)
{
	cpc_test::QgaClient q(a.qga, 30s);
	auto pid = q.request("guest-exec", {{"path", "/usr/bin/cpc-spin"},
					    {"arg", {"0", std::to_string(a.seconds)}},
					    {"capture-output", true}})["pid"];
	auto end = Clock::now() + std::chrono::seconds(a.seconds + 60);
	json st;
	for (;;) {
		std::this_thread::sleep_for(250ms);
		st = q.request("guest-exec-status", {{"pid", pid}});
		if (st.value("exited", false))
			break;
		if (Clock::now() > end)
			throw cpc::Error(ETIMEDOUT, "cpc-spin did not end");
	}
	std::string out = cpc_test::base64_decode(st.value("out-data", std::string()));
	if (st.value("exitcode", -1) != 0)
		throw cpc::Error(EIO, "cpc-spin: exit " + std::to_string(st.value("exitcode", -1)) +
					      ": " + cpc_test::base64_decode(st.value("err-data", std::string())));
	std::istringstream in(out);
	std::string w;
	double rate = 0;
	std::vector<std::uint64_t> windows;
	while (in >> w) {
		if (w == "rate")
			in >> rate;
		else if (w == "window") {
			std::uint64_t k, n;
			in >> k >> n;
			windows.push_back(n);
		}
	}
	if (rate <= 0 || windows.empty())
		throw cpc::Error(EPROTO, "cpc-spin: no rate in '" + out + "'");
	return {{"label", a.label}, {"seconds", a.seconds}, {"rate", rate}, {"windows", windows}};
}

// ---- report ----

std::string report(const Args &a)
{
	std::ostringstream o;
	auto verdict = [](bool met) { return met ? "**met**" : "**missed**"; };
	std::vector<std::string> goals;
	auto lat = read_json(a.out + "/latency.json");
	o << "| CPC call (user-space host end) | median | p99 | calls/s | qemu-ga route | median | p99 "
	     "| calls/s | qemu-ga/CPC (median) |\n"
	  << "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
	const char *names[][3] = {{"ping", "`ping`", "`guest-ping`"},
				  {"info", "`info`", "`guest-get-osinfo`"},
				  {"ps", "`ps`", "`guest-exec` ps + `guest-exec-status` polls"}};
	std::map<std::string, double> ratio;
	for (auto &n : names) {
		auto c = lat.at(std::string(n[0]) + "-cpc"), q = lat.at(std::string(n[0]) + "-qga");
		double r = q.at("median_ns").get<double>() / c.at("median_ns").get<double>();
		ratio[n[0]] = r;
		o << "| " << n[1] << " (" << c.at("count") << ") | " << us(c.at("median_ns")) << " | "
		  << us(c.at("p99_ns")) << " | " << num(c.at("calls_per_s"), "%.0f") << " | " << n[2]
		  << " (" << q.at("count") << ") | " << us(q.at("median_ns")) << " | "
		  << us(q.at("p99_ns")) << " | " << num(q.at("calls_per_s"), "%.0f") << " | **"
		  << num(r) << "x** |\n";
	}
	try {
		procs_report(o, read_json(a.out + "/procs.json"));
	} catch (const cpc::Error &e) {
		o << "\n(procedure modules: not measured: " << e.what() << ")\n";
	}
	auto raw = lat.at("ping-raw"), cp = lat.at("ping-cpc");
	double rr = cp.at("median_ns").get<double>() / raw.at("median_ns").get<double>();
	o << "\n| transport limit | median | p99 | round trips/s | CPC ping/raw (median) | CPC ping/raw (p99) |\n"
	  << "| --- | --- | --- | --- | --- | --- |\n"
	  << "| raw eventfd doorbell ping-pong, same bus (" << raw.at("count") << ") | "
	  << us(raw.at("median_ns")) << " | " << us(raw.at("p99_ns")) << " | "
	  << num(raw.at("calls_per_s"), "%.0f") << " | **" << num(rr, "%.2f") << "x** | "
	  << num(cp.at("p99_ns").get<double>() / raw.at("p99_ns").get<double>(), "%.2f") << "x |\n";
	if (lat.contains("host_end"))
		o << "\nThe host end's counters over these calls: " << lat["host_end"].dump()
		  << " (`nudges`: calls the periodic check found without a doorbell).\n";
	if (lat.at("ps-qga").contains("status_polls_per_call"))
		o << "\nqemu-ga's ps needed " << num(lat["ps-qga"]["status_polls_per_call"])
		  << " `guest-exec-status` polls per call on average (back to back, no sleep).\n";
	goals.push_back(std::string("CPC ping ≥ 10x faster than qemu-ga guest-ping (median): ") +
			num(ratio["ping"]) + "x, " + verdict(ratio["ping"] >= 10));
	goals.push_back(std::string("CPC ps ≥ 10x faster than the guest-exec route (median): ") +
			num(ratio["ps"]) + "x, " + verdict(ratio["ps"] >= 10));
	goals.push_back(std::string("CPC call ≤ 1.5x the raw doorbell round trip (median): ") +
			num(rr, "%.2f") + "x, " + verdict(rr <= 1.5));
	try {
		auto d = read_json(a.out + "/dormant.json");
		o << "\n| window | maintenance vCPU thread (`CPU 1/TCG`) | ordinary vCPU thread "
		     "(`CPU 0/TCG`) | ping calls/s |\n| --- | --- | --- | --- |\n";
		for (const char *w : {"idle", "load"}) {
			auto x = d.at(w);
			o << "| " << w << " (" << num(x.at("seconds"), "%.0f") << " s) | "
			  << num(x.at("maint_cpu_pct"), "%.3f") << "% of a host core | "
			  << num(x.at("other_cpu_pct"), "%.3f") << "% | "
			  << num(x.at("calls_per_s"), "%.0f") << " |\n";
		}
		double idle = d["idle"]["maint_cpu_pct"];
		goals.push_back("idle maintenance vCPU ≤ 0.1% of a host core: " + num(idle, "%.3f") +
				"%, " + verdict(idle <= 0.1));
	} catch (const cpc::Error &e) {
		goals.push_back(std::string("idle maintenance vCPU: not measured (") + e.what() + ")");
	}
	try {
		auto s0 = read_json(a.out + "/spin-idle.json"), s1 = read_json(a.out + "/spin-snapshot.json");
		double r0 = s0.at("rate"), r1 = s1.at("rate");
		std::string jobs;
		try {
			jobs = read_text(a.out + "/snapshot-jobs.txt");
			while (!jobs.empty() && jobs.back() == '\n')
				jobs.pop_back();
		} catch (const cpc::Error &) {
		}
		o << "\n| cpc-spin on the guest's CPU 0 | iterations/s |\n| --- | --- |\n"
		  << "| alone (" << s0.at("seconds") << " s) | " << num(r0, "%.0f") << " |\n"
		  << "| during snapshot jobs (" << s1.at("seconds") << " s"
		  << (jobs.empty() ? "" : ", " + jobs) << ") | " << num(r1, "%.0f") << " |\n"
		  << "| **ratio** | **" << num(r1 / r0, "%.2f") << "** |\n";
	} catch (const cpc::Error &e) {
		o << "\n(cpc-spin: not measured: " << e.what() << ")\n";
	}
	o << "\nGoals (ratios of this one run):\n\n";
	for (auto &g : goals)
		o << "- " << g << "\n";
	return o.str();
}

} // namespace

int main(int argc, char **argv)
{
	try {
		Args a = parse(argc, argv);
		json j;
		if (a.cmd == "latency")
			j = Latency(a).run();
		else if (a.cmd == "procs")
			j = procs(a);
		else if (a.cmd == "dormant")
			j = dormant(a);
		else if (a.cmd == "spin")
			j = spin(a);
		if (a.cmd == "report") {
			auto t = report(a);
			write_file(a.out + "/results.md", t);
			std::cout << t;
			return 0;
		}
		std::string name = a.cmd == "spin" ? "spin-" + a.label : a.cmd;
		write_file(a.out + "/" + name + ".json", j.dump(1) + "\n");
		std::cout << "bench: " << name << " " << j.dump() << "\n";
		return 0;
	} catch (const Usage &e) {
		std::cerr << "cpc-bench-compare: " << e.what()
			  << "\nusage: cpc-bench-compare latency|procs|dormant|spin|report --out DIR ... "
			     "(see selftests/bench/bench_compare.cpp)\n";
		return 2;
	} catch (const std::exception &e) {
		std::cerr << "cpc-bench-compare: " << e.what() << "\n";
		return 1;
	}
}
