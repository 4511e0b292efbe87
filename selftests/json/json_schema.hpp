// SPDX-License-Identifier: GPL-2.0
#pragma once
// The part of JSON Schema (2020-12) that userlib/cpcctl/cpcctl.schema.json
// uses - type, const, pattern, minimum, properties, required,
// additionalProperties, items, anyOf and $ref "#/$defs/NAME" - enough to
// check every cpcctl --json document against it (unit tests on the build
// machine, cpc-json-check in the test-bed VMs).

#include <nlohmann/json.hpp>

#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace cpc_test {

class JsonSchema {
public:
	explicit JsonSchema(nlohmann::json schema) : s_(std::move(schema)) {}

	const nlohmann::json &doc() const { return s_; }

	/// What is wrong with @doc as the definition @def ($defs/@def), as
	/// "<where>: <what>" lines; empty when it conforms.
	std::vector<std::string> check(const nlohmann::json &doc, const std::string &def) const
	{
		std::vector<std::string> errs;
		walk(doc, s_.at("$defs").at(def), "", errs);
		return errs;
	}

	/// The definition a $ref names ("#/$defs/NAME"); throws if none.
	const nlohmann::json &ref(const std::string &r) const
	{
		const std::string pre = "#/$defs/";
		if (r.rfind(pre, 0) != 0)
			throw std::runtime_error("unsupported $ref " + r);
		return s_.at("$defs").at(r.substr(pre.size()));
	}

private:
	static bool is_type(const nlohmann::json &v, const std::string &t)
	{
		if (t == "object")
			return v.is_object();
		if (t == "array")
			return v.is_array();
		if (t == "string")
			return v.is_string();
		if (t == "boolean")
			return v.is_boolean();
		if (t == "null")
			return v.is_null();
		if (t == "integer")
			return v.is_number_integer();
		if (t == "number")
			return v.is_number();
		throw std::runtime_error("unsupported type " + t);
	}

	void walk(const nlohmann::json &v, const nlohmann::json &s0, const std::string &at,
		  std::vector<std::string> &errs) const
	{
		const nlohmann::json *sp = &s0;
		while (sp->contains("$ref"))
			sp = &ref(sp->at("$ref").get<std::string>());
		const nlohmann::json &s = *sp;
		auto bad = [&](const std::string &m) { errs.push_back((at.empty() ? "/" : at) + ": " + m); };
		if (s.contains("anyOf")) {
			for (const auto &alt : s.at("anyOf")) {
				std::vector<std::string> e;
				walk(v, alt, at, e);
				if (e.empty())
					return;
			}
			bad("matches no alternative of anyOf");
			return;
		}
		if (s.contains("const") && v != s.at("const"))
			bad("is " + v.dump() + ", not " + s.at("const").dump());
		if (s.contains("type")) {
			const auto &t = s.at("type");
			bool ok = false;
			if (t.is_string())
				ok = is_type(v, t.get<std::string>());
			else
				for (const auto &x : t)
					ok = ok || is_type(v, x.get<std::string>());
			if (!ok) {
				bad("is " + std::string(v.type_name()) + ", not " + t.dump());
				return;
			}
		}
		if (s.contains("pattern") && v.is_string() &&
		    !std::regex_search(v.get<std::string>(), std::regex(s.at("pattern").get<std::string>())))
			bad("'" + v.get<std::string>() + "' does not match " + s.at("pattern").dump());
		if (s.contains("minimum") && v.is_number() && v.get<double>() < s.at("minimum").get<double>())
			bad("below " + s.at("minimum").dump());
		if (v.is_object()) {
			for (const auto &r : s.value("required", nlohmann::json::array()))
				if (!v.contains(r.get<std::string>()))
					bad("no key \"" + r.get<std::string>() + "\"");
			for (const auto &[k, x] : v.items()) {
				if (s.contains("properties") && s.at("properties").contains(k)) {
					walk(x, s.at("properties").at(k), at + "/" + k, errs);
				} else if (s.contains("additionalProperties")) {
					const auto &ap = s.at("additionalProperties");
					if (ap.is_boolean()) {
						if (!ap.get<bool>())
							bad("unexpected key \"" + k + "\"");
					} else {
						walk(x, ap, at + "/" + k, errs);
					}
				}
			}
		}
		if (v.is_array() && s.contains("items"))
			for (std::size_t i = 0; i < v.size(); i++)
				walk(v[i], s.at("items"), at + "/" + std::to_string(i), errs);
	}

	nlohmann::json s_;
};

} // namespace cpc_test
