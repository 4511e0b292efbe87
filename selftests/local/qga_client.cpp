// SPDX-License-Identifier: GPL-2.0
// cpc_test::QgaClient: qemu-guest-agent's protocol over its socket.
#include "qga_client.hpp"

#include <cpc/error.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <thread>

namespace cpc_test {

QgaClient::QgaClient(const std::string &socket, std::chrono::milliseconds timeout)
	: path_(socket), timeout_(timeout)
{
	sockaddr_un a{};
	if (socket.size() >= sizeof(a.sun_path))
		throw cpc::Error(ENAMETOOLONG, "qga " + socket);
	a.sun_family = AF_UNIX;
	std::memcpy(a.sun_path, socket.data(), socket.size());
	fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (!fd_ || ::connect(fd_.get(), reinterpret_cast<sockaddr *>(&a), sizeof(a)) < 0)
		cpc::throw_errno("qga " + socket + ": connect");
	// Anything the agent still had queued for an earlier client is
	// skipped: the answer to our own sync id comes after a 0xff byte.
	std::uint32_t id = std::random_device{}() & 0x7fffffff;
	send(std::string("\xff") + nlohmann::json{{"execute", "guest-sync-delimited"},
						   {"arguments", {{"id", id}}}}.dump() + "\n");
	for (int tries = 0; tries < 16; tries++) {
		int c;
		while ((c = read_byte()) != 0xff) {
		}
		auto j = nlohmann::json::parse(read_line(), nullptr, false);
		if (j.is_object() && j.contains("return") && j["return"] == id)
			return;
	}
	throw cpc::Error(EPROTO, "qga " + socket + ": no answer to guest-sync-delimited");
}

void QgaClient::send(const std::string &s)
{
	std::size_t off = 0;
	while (off < s.size()) {
		ssize_t n = ::send(fd_.get(), s.data() + off, s.size() - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			cpc::throw_errno("qga " + path_ + ": send");
		off += static_cast<std::size_t>(n);
	}
}

int QgaClient::read_byte()
{
	if (buf_.empty()) {
		pollfd p{fd_.get(), POLLIN, 0};
		int r = ::poll(&p, 1, static_cast<int>(timeout_.count()));
		if (r == 0)
			throw cpc::Error(ETIMEDOUT, "qga " + path_ + ": no answer");
		if (r < 0)
			cpc::throw_errno("qga " + path_ + ": poll");
		char tmp[4096];
		ssize_t n = ::recv(fd_.get(), tmp, sizeof(tmp), 0);
		if (n == 0)
			throw cpc::Error(ECONNRESET, "qga " + path_ + ": the agent closed the connection");
		if (n < 0)
			cpc::throw_errno("qga " + path_ + ": recv");
		buf_.assign(tmp, static_cast<std::size_t>(n));
	}
	int c = static_cast<unsigned char>(buf_[0]);
	buf_.erase(0, 1);
	return c;
}

std::string QgaClient::read_line()
{
	std::string line;
	for (;;) {
		auto nl = buf_.find('\n');
		if (nl != std::string::npos) {
			line += buf_.substr(0, nl);
			buf_.erase(0, nl + 1);
			return line;
		}
		line += buf_;
		buf_.clear();
		line += static_cast<char>(read_byte());
		if (line.back() == '\n') {
			line.pop_back();
			return line;
		}
		if (line.size() > (64u << 20))
			throw cpc::Error(E2BIG, "qga " + path_ + ": reply too long");
	}
}

nlohmann::json QgaClient::request(const std::string &cmd, const nlohmann::json &args)
{
	nlohmann::json r = {{"execute", cmd}};
	if (!args.is_null())
		r["arguments"] = args;
	send(r.dump() + "\n");
	auto j = nlohmann::json::parse(read_line(), nullptr, false);
	if (!j.is_object())
		throw cpc::Error(EPROTO, "qga " + cmd + ": not a JSON object");
	if (j.contains("error"))
		throw cpc::Error(EIO, "qga " + cmd + ": " +
					      j["error"].value("desc", std::string("error")));
	if (!j.contains("return"))
		throw cpc::Error(EPROTO, "qga " + cmd + ": no return value");
	return j["return"];
}

QgaClient::Exec QgaClient::run(const std::string &path, const std::vector<std::string> &args,
			       std::chrono::milliseconds poll)
{
	auto pid = request("guest-exec",
			   {{"path", path}, {"arg", args}, {"capture-output", true}})["pid"];
	Exec e;
	for (;;) {
		auto s = request("guest-exec-status", {{"pid", pid}});
		e.polls++;
		if (s.value("exited", false)) {
			e.exitcode = s.value("exitcode", -1);
			e.out = base64_decode(s.value("out-data", std::string()));
			e.err = base64_decode(s.value("err-data", std::string()));
			return e;
		}
		if (poll.count())
			std::this_thread::sleep_for(poll);
	}
}

std::string base64_decode(const std::string &in)
{
	static const std::string abc =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	std::string out;
	std::uint32_t acc = 0;
	int bits = 0;
	for (char c : in) {
		if (c == '=' || c == '\n' || c == '\r')
			continue;
		auto p = abc.find(c);
		if (p == std::string::npos)
			throw cpc::Error(EPROTO, "base64: bad character");
		acc = (acc << 6) | static_cast<std::uint32_t>(p);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out += static_cast<char>((acc >> bits) & 0xff);
		}
	}
	return out;
}

} // namespace cpc_test
