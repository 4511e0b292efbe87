// SPDX-License-Identifier: GPL-2.0
// guest_end.hpp - a CPC guest end for the user-space host end's tests,
// driven by the proto/ guest code the way guest-driver/channel.c drives it
// (step, reset, drain, answer, ring the host), over any region: memory of
// the test (BusEnd tests) or an ivshmem server's shared memory (BusChannel
// tests, GuestPeer below). It answers ping (value echoed, CPU 1, argument
// echoed into the result) and info (a small JSON object); a test can make
// it silent or tamper with its completions.
#pragma once

extern "C" {
#include "cpc_peer.h"
}

#include "server_util.hpp"

#include <cpc/error.hpp>
#include <cpc/fd.hpp>

#include "bus/ivshmem_client.hpp"
#include "mapping.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace cpc_test {

struct GuestEnd {
	cpc_endpoint ep{};
	std::function<void()> ring_host;
	/// Answer nothing (a guest that hangs), consuming requests or not.
	bool silent = false;
	bool consume_when_silent = true;
	/// Called on every completion before it is pushed (hostile guests).
	std::function<void(cpc_cpl &)> tamper;
	long served = 0;

	GuestEnd(void *region, std::uint64_t size, std::uint32_t own_id)
	{
		if (cpc_ep_init(&ep, region, size, false))
			throw cpc::Error(EINVAL, "guest end: region too small");
		cpc_ep_set_doorbell(&ep, own_id, 0);
		cpc_ep_guest_reset(&ep);
	}

	void ring()
	{
		if (ring_host)
			ring_host();
	}

	/// What the guest answers @r with, result written at @out (capacity
	/// r.out_len, already validated).
	cpc_cpl answer(const cpc_request &r, std::uint8_t *out, const std::uint8_t *arg)
	{
		cpc_completion c{};
		c.id = r.id;
		cpc_cpl w{};
		if (cpc_req_check(&r, &ep.layout) != CPC_BAD_NONE) {
			c.status = CPC_ST_EPROTO;
			cpc_cpl_encode(&w, &c);
			return w;
		}
		switch (r.opcode) {
		case CPC_PROC_PING:
			c.ret[0] = r.args[0];
			c.ret[1] = 1;
			if (r.arg_len && r.arg_len <= r.out_len) {
				std::memcpy(out, arg, r.arg_len);
				c.out_len = r.arg_len;
			}
			break;
		case CPC_PROC_INFO: {
			std::string j = "{\"uptime_s\":42,\"kernel\":\"6.1.0-fake\",\"mem_available_kb\":"
					"262144,\"cpus\":2,\"maint_cpu\":1,\"ram\":[{\"start\":1048576,"
					"\"size\":67108864}]}";
			if (j.size() > r.out_len) {
				c.status = CPC_ST_ENOSPC;
				break;
			}
			std::memcpy(out, j.data(), j.size());
			c.out_len = static_cast<std::uint32_t>(j.size());
			break;
		}
		default:
			c.status = CPC_ST_ENOSYS;
		}
		cpc_cpl_encode(&w, &c);
		return w;
	}

	/// cpc_gchan_service(): handshake, then drain the request ring.
	void service()
	{
		for (int i = 0; i < 4; i++) {
			auto ev = cpc_ep_step(&ep);
			if (ev == CPC_EP_NONE)
				break;
			if (ev == CPC_EP_DOWN)
				cpc_ep_guest_reset(&ep);
			ring();
		}
		if (!cpc_ep_running(&ep))
			return;
		if (silent && !consume_when_silent)
			return;
		cpc_req wire;
		cpc_request r;
		for (int n = 0; n < 1024; n++) {
			int ret = cpc_ring_pop(&ep.req, &wire);
			if (ret == -EAGAIN) {
				if (!cpc_ring_arm(&ep.req))
					return;
				continue;
			}
			if (ret) {
				cpc_ep_publish(&ep, CPC_STATE_BROKEN);
				ring();
				return;
			}
			if (silent)
				continue;
			cpc_req_decode(&r, &wire);
			auto *data = static_cast<std::uint8_t *>(cpc_ep_data(&ep, 0));
			bool ok = cpc_req_check(&r, &ep.layout) == CPC_BAD_NONE;
			cpc_cpl c = answer(r, ok ? data + r.out_off : nullptr, ok ? data + r.arg_off : nullptr);
			if (tamper)
				tamper(c);
			if (cpc_ring_push(&ep.cpl, &c)) {
				cpc_ep_publish(&ep, CPC_STATE_BROKEN);
				ring();
				return;
			}
			served++;
			if (cpc_ring_publish(&ep.cpl))
				ring();
		}
	}

	/// The guest unloads (cpc_gchan_leave()).
	void leave()
	{
		cpc_ep_publish(&ep, CPC_STATE_RESET);
		ring();
	}
};

/// A guest VM on an ivshmem server's bus: a second peer of the server (as
/// QEMU is) with a GuestEnd over the shared memory, served from its own
/// thread on every doorbell, as the maintenance vCPU does. Vector 1 is the
/// raw ping-pong reflector when @reflect is set.
class GuestPeer {
public:
	explicit GuestPeer(const std::string &sock)
		: peer_(std::make_unique<cpc::bus::IvshmemPeer>(sock, std::chrono::milliseconds(2000)))
	{
		struct stat st;
		if (::fstat(peer_->shm_fd(), &st) < 0)
			throw cpc::Error(errno, "fstat");
		size_ = static_cast<std::uint64_t>(st.st_size);
		map_ = cpc::Mapping(size_, PROT_READ | PROT_WRITE, MAP_SHARED, peer_->shm_fd(), 0, "mmap");
		id_ = peer_->own_id();
		end_ = std::make_unique<GuestEnd>(map_.get(), size_, id_);
		end_->ring_host = [this] { ring_host(0); };
		thread_ = std::thread([this] { loop(); });
	}
	~GuestPeer() { stop(); }

	/// The thread stops; @leave: the guest says so first (RESET), as an
	/// unloading module does; else it just vanishes (a killed QEMU) once
	/// the connection closes.
	void stop(bool leave = false)
	{
		if (!thread_.joinable())
			return;
		stop_ = true;
		thread_.join();
		if (leave)
			end_->leave();
	}
	/// Closes the connection: the server tells the other peers it left.
	void disconnect()
	{
		stop();
		peer_.reset();
	}

	template <class F> auto with(F f)
	{
		std::lock_guard<std::mutex> l(mu_);
		return f(*end_);
	}
	std::uint32_t id() const { return id_; }
	std::atomic<bool> reflect{false};
	std::atomic<long> doorbells{0};

private:
	void ring_host(unsigned vector)
	{
		cpc_doorbell db[2];
		unsigned n = cpc_ep_peer_doorbells(&end_->ep, db);
		for (unsigned i = 0; i < n; i++) {
			if (!peer_)
				return;
			int fd = peer_->peer_eventfd(db[i].id, vector ? vector : db[i].vector);
			std::uint64_t one = 1;
			if (fd >= 0 && db[i].id != id_)
				(void)!::write(fd, &one, sizeof(one));
		}
	}

	void loop()
	{
		while (!stop_) {
			// A closed socket is left out (it would poll as ready forever).
			pollfd p[3] = {{peer_->closed() ? -1 : peer_->socket_fd(), POLLIN, 0},
				       {peer_->own_eventfd(0), POLLIN, 0},
				       {peer_->own_eventfd(1), POLLIN, 0}};
			nfds_t n = p[2].fd >= 0 ? 3 : 2;
			if (::poll(p, n, 20) <= 0)
				continue;
			std::uint64_t v;
			std::lock_guard<std::mutex> l(mu_);
			if (p[0].revents)
				peer_->drain();
			if (p[1].revents && ::read(p[1].fd, &v, sizeof(v)) == sizeof(v)) {
				doorbells += static_cast<long>(v);
				end_->service();
			}
			if (n == 3 && p[2].revents && ::read(p[2].fd, &v, sizeof(v)) == sizeof(v) &&
			    reflect)
				ring_host(1);
		}
	}

	std::unique_ptr<cpc::bus::IvshmemPeer> peer_;
	std::uint32_t id_ = 0;
	std::uint64_t size_ = 0;
	cpc::Mapping map_;
	std::unique_ptr<GuestEnd> end_;
	std::mutex mu_;
	std::atomic<bool> stop_{false};
	std::thread thread_;
};

} // namespace cpc_test
