// SPDX-License-Identifier: GPL-2.0
// cpcctl's util-linux style tables (userlib/cpcctl/table.hpp).
#include "commands.hpp"
#include "table.hpp"

#include <gtest/gtest.h>

#include "cli_run.hpp"
#include "temp_dir.hpp"

namespace {

using cpcctl::Column;
using cpcctl::Table;
using cpcctl::TableOptions;

const std::vector<Column> cols = {
	{"NAME", "name"}, {"STATE", "state"}, {"SIZE", "size", true, true}, {"CALLS", "calls", true}};

Table table(TableOptions o)
{
	Table t(o, cols, "NAME,STATE,SIZE");
	t.add({{"NAME", "a"}, {"STATE", "created"}, {"SIZE", "268435456"}, {"CALLS", "7"}});
	// Slice names are up to 31 characters: the columns widen to fit.
	t.add({{"NAME", "a-slice-name-of-31-characters-x"}, {"STATE", "locked"}, {"SIZE", "1024"}});
	return t;
}

TEST(Table, ColumnsFitTheWidestValue)
{
	EXPECT_EQ("NAME                            STATE   SIZE\n"
		  "a                               created 256M\n"
		  "a-slice-name-of-31-characters-x locked    1K\n",
		  table({}).render());
}

TEST(Table, OutputNoheadingsRawBytes)
{
	TableOptions o;
	o.output = "size,name";
	o.noheadings = true;
	o.bytes = true;
	EXPECT_EQ("268435456 a\n"
		  "     1024 a-slice-name-of-31-characters-x\n",
		  table(o).render());
	TableOptions r;
	r.output = "+CALLS";
	r.raw = true;
	EXPECT_EQ("NAME STATE SIZE CALLS\n"
		  "a created 256M 7\n"
		  "a-slice-name-of-31-characters-x locked 1K -\n",
		  table(r).render());
	TableOptions bad;
	bad.output = "NAME,COLOUR";
	try {
		Table t(bad, cols, "NAME");
		FAIL();
	} catch (const cpcctl::Usage &u) {
		EXPECT_EQ("--output 'NAME,COLOUR': unknown column 'COLOUR' (NAME, STATE, SIZE, CALLS)",
			  std::string(u.what()));
	}
}

TEST(Table, CommandsTakeTheOptions)
{
	cpc_test::TempDir d;
	auto r = cpc_test::cli("$CPCCTL channel list --bus-dir " + d.dir() + " -o name,generation");
	EXPECT_EQ(0, r.rc) << r.err;
	EXPECT_EQ("NAME GENERATION\n", r.out);
	r = cpc_test::cli("$CPCCTL channel list --bus-dir " + d.dir() + " -n");
	EXPECT_EQ(0, r.rc) << r.err;
	EXPECT_EQ("", r.out);
	r = cpc_test::cli("$CPCCTL slice list -o NAME,NOPE");
	EXPECT_EQ(2, r.rc);
	EXPECT_EQ("cpcctl: --output 'NAME,NOPE': unknown column 'NOPE' (NAME, STATE, CPUS, SIZE, BLOCKS, "
		  "LOCKED, CACHE_WAYS, IPI, WINDOWS, DEVICES)\n",
		  r.err);
}

} // namespace
