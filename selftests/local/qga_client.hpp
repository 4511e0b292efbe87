// SPDX-License-Identifier: GPL-2.0
#pragma once
// cpc_test::QgaClient: a client of qemu-guest-agent's QMP-like protocol on
// its virtio-serial socket (the host side of `-chardev socket,...`), as the
// benchmark and the --local tests use it: guest-sync-delimited once, then
// strictly one request, one newline-terminated reply. Schema: QEMU's
// qga/qapi-schema.json. Errors throw cpc::Error ("qga <cmd>: <why>").

#include <cpc/fd.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace cpc_test {

class QgaClient {
public:
	/// Connects and synchronises (guest-sync-delimited), each read
	/// waiting at most @timeout.
	QgaClient(const std::string &socket, std::chrono::milliseconds timeout);

	/// One request: {"execute": @cmd, "arguments": @args}; returns its
	/// "return" value. An {"error": ...} reply throws EIO.
	nlohmann::json request(const std::string &cmd, const nlohmann::json &args = nullptr);

	void ping() { request("guest-ping"); }
	nlohmann::json osinfo() { return request("guest-get-osinfo"); }

	struct Exec {
		int exitcode = -1;
		std::string out, err;
		unsigned polls = 0; ///< guest-exec-status calls until it exited
	};
	/// guest-exec of @path with @args (output captured), then
	/// guest-exec-status until it exited: back to back when @poll is
	/// zero (qemu-ga's best case), else sleeping @poll in between.
	Exec run(const std::string &path, const std::vector<std::string> &args = {},
		 std::chrono::milliseconds poll = std::chrono::milliseconds(0));

private:
	std::string read_line();
	int read_byte();
	void send(const std::string &s);

	std::string path_;
	cpc::UniqueFd fd_;
	std::chrono::milliseconds timeout_;
	std::string buf_;
};

/// Decodes base64 (qemu-ga's out-data); throws cpc::Error(EPROTO).
std::string base64_decode(const std::string &in);

} // namespace cpc_test
