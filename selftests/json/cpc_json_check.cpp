// SPDX-License-Identifier: GPL-2.0
// cpc-json-check DEF: checks the JSON document on standard input against
// the definition DEF of cpcctl's schema (userlib/cpcctl/cpcctl.schema.json,
// built in). Exit 0 when it conforms; else one line per problem, exit 1.
//   cpcctl slice list --json | cpc-json-check slice_list
#include "json_schema.hpp"
#include "schema_text.hpp"

#include <iostream>

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::cerr << "usage: cpc-json-check DEF < document\n";
		return 2;
	}
	try {
		cpc_test::JsonSchema schema(nlohmann::json::parse(cpc_test::schema_text));
		auto doc = nlohmann::json::parse(std::cin);
		auto errs = schema.check(doc, argv[1]);
		for (const auto &e : errs)
			std::cerr << "cpc-json-check: " << argv[1] << ": " << e << "\n";
		return errs.empty() ? 0 : 1;
	} catch (const std::exception &e) {
		std::cerr << "cpc-json-check: " << argv[1] << ": " << e.what() << "\n";
		return 1;
	}
}
