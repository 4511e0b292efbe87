// SPDX-License-Identifier: GPL-2.0
#pragma once
// A temporary directory for a test, removed with everything in it.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cpc_test {

class TempDir {
public:
	TempDir()
	{
		char tmpl[] = "/tmp/cpc-test.XXXXXX";
		if (!::mkdtemp(tmpl))
			throw std::runtime_error("mkdtemp failed");
		dir_ = tmpl;
	}
	~TempDir()
	{
		std::error_code ec;
		std::filesystem::remove_all(dir_, ec);
	}
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;

	const std::string &dir() const { return dir_; }
	std::string path(const std::string &name) const { return dir_ + "/" + name; }

	void write(const std::string &name, const std::string &data, mode_t mode) const
	{
		std::ofstream(path(name), std::ios::binary) << data;
		::chmod(path(name).c_str(), mode);
	}
	std::string read(const std::string &name) const
	{
		std::ifstream in(path(name), std::ios::binary);
		std::stringstream s;
		s << in.rdbuf();
		return s.str();
	}
	void symlink(const std::string &target, const std::string &name) const
	{
		if (::symlink(target.c_str(), path(name).c_str()) < 0)
			throw std::runtime_error("symlink failed");
	}
	void mkdir(const std::string &name) const { std::filesystem::create_directory(path(name)); }
	bool exists(const std::string &name) const
	{
		struct stat st;
		return ::lstat(path(name).c_str(), &st) == 0;
	}
	bool is_symlink(const std::string &name) const
	{
		return std::filesystem::is_symlink(path(name));
	}
	/// Permission bits of @name (not following a symlink).
	unsigned mode(const std::string &name) const
	{
		struct stat st {};
		::lstat(path(name).c_str(), &st);
		return st.st_mode & 07777;
	}
	/// The names in the directory, sorted (hidden ones too).
	std::vector<std::string> list() const
	{
		std::vector<std::string> v;
		for (const auto &e : std::filesystem::directory_iterator(dir_))
			v.push_back(e.path().filename().string());
		std::sort(v.begin(), v.end());
		return v;
	}

private:
	std::string dir_;
};

} // namespace cpc_test
