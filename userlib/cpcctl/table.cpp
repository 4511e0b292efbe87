// SPDX-License-Identifier: LGPL-2.1-or-later
// Tables the util-linux way (see table.hpp).
#include "table.hpp"

#include "commands.hpp"
#include "values.hpp"

#include <cpc/parse.hpp>

#include <algorithm>

namespace cpcctl {

namespace {

std::vector<Column> select(const std::vector<Column> &all, const std::string &output,
			   const std::string &defaults)
{
	std::string spec = output.empty() ? defaults
			   : output[0] == '+' ? defaults + "," + output.substr(1)
					      : output;
	std::vector<Column> out;
	std::size_t start = 0;
	while (start <= spec.size()) {
		std::size_t comma = spec.find(',', start);
		std::string name = spec.substr(start, comma == std::string::npos ? std::string::npos
									: comma - start);
		std::transform(name.begin(), name.end(), name.begin(), ::toupper);
		auto it = std::find_if(all.begin(), all.end(), [&](const Column &c) { return c.name == name; });
		if (it == all.end()) {
			std::string known;
			for (const auto &c : all)
				known += (known.empty() ? "" : ", ") + c.name;
			throw Usage("--output '" + output + "'",
				    "unknown column '" + name + "' (" + known + ")");
		}
		out.push_back(*it);
		if (comma == std::string::npos)
			break;
		start = comma + 1;
	}
	return out;
}

std::string raw_escape(const std::string &v)
{
	std::string out;
	for (char c : v) {
		if (c == ' ' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
			char buf[8];
			std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
			out += buf;
		} else {
			out += c;
		}
	}
	return out.empty() ? "-" : out;
}

} // namespace

void add_table_options(CLI::App *sub, TableOptions &o, const std::vector<Column> &cols,
		       const std::string &default_columns)
{
	std::string help = "columns to show (default " + default_columns + "; +COL,... adds):";
	for (const auto &c : cols)
		help += " " + c.name;
	auto *opt = sub->add_option("-o,--output", o.output, help)->type_name("LIST");
	check_value(opt, [cols, default_columns](std::string &text) {
		try {
			select(cols, text, default_columns);
		} catch (const Usage &u) {
			throw cpc::Error(EINVAL, "", u.reason());
		}
	});
	sub->add_flag("-n,--noheadings", o.noheadings, "print no header line");
	sub->add_flag("-r,--raw", o.raw, "raw output: one space between fields");
	sub->add_flag("-b,--bytes", o.bytes, "sizes in bytes");
}

Table::Table(const TableOptions &o, std::vector<Column> cols, const std::string &default_columns)
	: o_(o), cols_(select(cols, o.output, default_columns))
{
}

void Table::add(const std::map<std::string, std::string> &row)
{
	std::vector<std::string> r;
	for (const auto &c : cols_) {
		auto it = row.find(c.name);
		std::string v = it == row.end() ? "" : it->second;
		if (c.size && !o_.bytes && !v.empty())
			v = cpc::format_size(cpc::parse_number(v));
		r.push_back(v);
	}
	rows_.push_back(std::move(r));
}

std::string Table::render() const
{
	std::vector<std::vector<std::string>> all;
	if (!o_.noheadings) {
		std::vector<std::string> h;
		for (const auto &c : cols_)
			h.push_back(c.name);
		all.push_back(h);
	}
	all.insert(all.end(), rows_.begin(), rows_.end());
	std::string out;
	if (o_.raw) {
		for (const auto &r : all) {
			for (std::size_t i = 0; i < r.size(); i++)
				out += (i ? " " : "") + raw_escape(r[i]);
			out += "\n";
		}
		return out;
	}
	std::vector<std::size_t> w(cols_.size(), 0);
	for (const auto &r : all)
		for (std::size_t i = 0; i < r.size(); i++)
			w[i] = std::max(w[i], r[i].size());
	for (const auto &r : all) {
		std::string line;
		for (std::size_t i = 0; i < r.size(); i++) {
			std::string v = r[i].empty() ? "-" : r[i];
			std::string pad(w[i] > v.size() ? w[i] - v.size() : 0, ' ');
			bool last = i + 1 == r.size();
			line += (i ? " " : "") + (cols_[i].right ? pad + v : last ? v : v + pad);
		}
		out += line + "\n";
	}
	return out;
}

} // namespace cpcctl
