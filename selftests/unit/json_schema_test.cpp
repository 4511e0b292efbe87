// SPDX-License-Identifier: GPL-2.0
// cpcctl's JSON schema (userlib/cpcctl/cpcctl.schema.json): it is whole
// (every command maps to a definition, every $ref resolves), the checker
// catches what it should, and what cpcctl prints on this machine conforms.
// The test-bed scenarios check the kernel commands' output with
// cpc-json-check (selftests/json).
#include <gtest/gtest.h>

#include "cli_run.hpp"
#include "json_schema.hpp"
#include "snapshot_encoder.hpp"
#include "temp_dir.hpp"

#include <fstream>
#include <functional>

namespace {

using cpc_test::JsonSchema;
using cpc_test::cli;
using nlohmann::json;

JsonSchema load()
{
	std::ifstream in(CPC_SCHEMA_PATH);
	return JsonSchema(json::parse(in));
}

/// Every "$ref" anywhere in @j.
void refs(const json &j, std::vector<std::string> &out)
{
	if (j.is_object()) {
		for (const auto &[k, v] : j.items()) {
			if (k == "$ref")
				out.push_back(v.get<std::string>());
			refs(v, out);
		}
	} else if (j.is_array()) {
		for (const auto &v : j)
			refs(v, out);
	}
}

std::string problems(const JsonSchema &s, const json &doc, const std::string &def)
{
	std::string all;
	for (const auto &e : s.check(doc, def))
		all += e + "\n";
	return all;
}

TEST(JsonSchema, IsWhole)
{
	auto s = load();
	ASSERT_TRUE(s.doc().contains("commands"));
	for (const auto &[cmd, def] : s.doc().at("commands").items())
		EXPECT_TRUE(s.doc().at("$defs").contains(def.get<std::string>())) << cmd;
	std::vector<std::string> r;
	refs(s.doc(), r);
	EXPECT_LT(20u, r.size());
	for (const auto &x : r)
		EXPECT_NO_THROW(s.ref(x)) << x;
}

TEST(JsonSchema, CheckerCatchesWhatItShould)
{
	auto s = load();
	json ok = {{"cpcctl", "0.1"}, {"cpc_host", nullptr}, {"cpc_guest", "1.0"}};
	EXPECT_EQ("", problems(s, ok, "version"));
	json missing = ok;
	missing.erase("cpc_guest");
	EXPECT_EQ("/: no key \"cpc_guest\"\n", problems(s, missing, "version"));
	json extra = ok;
	extra["uptime"] = 1;
	EXPECT_EQ("/: unexpected key \"uptime\"\n", problems(s, extra, "version"));
	json wrong = ok;
	wrong["cpcctl"] = 1;
	EXPECT_EQ("/cpcctl: is number, not \"string\"\n", problems(s, wrong, "version"));
	// Nested, through $ref and anyOf.
	json ping = {{"channel", "c"}, {"calls", 5}, {"depth", 8}, {"max_calls_in_flight", 5},
		     {"duration_s", 0.5}, {"calls_per_s", 10.0}};
	EXPECT_EQ("", problems(s, ping, "job_ping_result"));
	EXPECT_EQ("", problems(s, json::array({ping, {{"channel", "d"}, {"ok", false}, {"error", "x"}}}),
			       "job_ping_result"));
	ping["calls"] = -1;
	EXPECT_NE("", problems(s, ping, "job_ping_result"));
	// bench: rates in _per_s like every other command (calls_per_sec was bench's alone).
	json lat = {{"count", 2}, {"min_ns", 1}, {"median_ns", 2}, {"p99_ns", 3}, {"max_ns", 3}};
	json bench = {{"channel", "c"}, {"proc", "ping"}, {"calls", 2},       {"depth", 1},
		      {"mode", "ioctl"},  {"elapsed_ns", 9}, {"calls_per_s", 2e8}, {"latency", lat}};
	bench["raw"] = lat;
	bench["raw"]["roundtrips_per_s"] = 1e9;
	EXPECT_EQ("", problems(s, bench, "bench"));
	json old = bench;
	old.erase("calls_per_s");
	old["calls_per_sec"] = 2e8;
	EXPECT_NE("", problems(s, old, "bench"));
	bench["mode"] = "uring";
	EXPECT_NE("", problems(s, bench, "bench"));
	json slice_window = {{"addr", "4096"}, {"size", 4096}};
	EXPECT_NE("", problems(s, slice_window, "window")); // addresses are "0x..."
}

TEST(JsonSchema, WhatCpcctlPrintsHereConforms)
{
	auto s = load();
	auto r = cli("$CPCCTL version --json");
	ASSERT_EQ(0, r.rc) << r.err;
	EXPECT_EQ("", problems(s, json::parse(r.out), "version"));

	cpc_test::TempDir d;
	r = cli("$CPCCTL channel list --json --bus-dir " + d.dir());
	ASSERT_EQ(0, r.rc) << r.err;
	EXPECT_EQ("", problems(s, json::parse(r.out), "channel_list"));

	using cpc_test::Encoder;
	Encoder e;
	auto data = e.full(3);
	d.write("export", std::string(data.begin(), data.end()), 0600);
	d.write("key", std::string(cpc_test::kKeyHex) + "\n", 0600);
	r = cli("$CPCCTL snapshot decrypt --json --key " + d.path("key") + " --in " + d.path("export") +
		" --out " + d.path("img"));
	ASSERT_EQ(0, r.rc) << r.err;
	EXPECT_EQ("", problems(s, json::parse(r.out), "snapshot_decrypt"));
}

} // namespace
