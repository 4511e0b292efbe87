// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Tables the util-linux way (lsmem, lsblk): -o/--output picks the columns
// (a leading '+' adds to the default ones), -n/--noheadings, -r/--raw (one
// space between fields, spaces in values as \x20), -b/--bytes (sizes in
// bytes, not 256M). Columns are as wide as their widest value.
// (libsmartcols would serve, but Debian ships it only as a shared library
// and cpcctl links statically.)

#include <CLI/CLI.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cpcctl {

struct Column {
	std::string name; ///< "NAME": header and -o name
	std::string help; ///< for --help
	bool right = false; ///< right-aligned (numbers)
	bool size = false;  ///< value is bytes: shown as a size unless -b
};

struct TableOptions {
	std::string output;
	bool noheadings = false, raw = false, bytes = false;
};

/// Adds -o/--output (checked against @cols while parsing), -n, -r, -b.
void add_table_options(CLI::App *sub, TableOptions &o, const std::vector<Column> &cols,
		       const std::string &default_columns);

class Table {
public:
	/// Throws Usage for an unknown column in @o.output.
	Table(const TableOptions &o, std::vector<Column> cols, const std::string &default_columns);
	/// One row: a value per column name (a size column: bytes in decimal);
	/// a column left out is empty.
	void add(const std::map<std::string, std::string> &row);
	std::string render() const;

private:
	TableOptions o_;
	std::vector<Column> cols_; ///< the selected ones, in order
	std::vector<std::vector<std::string>> rows_;
};

} // namespace cpcctl
