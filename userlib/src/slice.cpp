// SPDX-License-Identifier: LGPL-2.1-or-later
// SliceManager: slice ioctls on /dev/cpc_host (opened for the first one),
// views from sysfs (no access to the device needed).
#include <cpc/error.hpp>
#include <cpc/file.hpp>
#include <cpc/parse.hpp>
#include <cpc/slice.hpp>
#include <cpc/sysfs.hpp>

#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/cpc_host.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cpc {

static_assert(slice_max_cpus == CPC_SLICE_MAX_CPUS);

namespace {

std::string read_text(const std::string &path)
{
	return sysfs_read(path);
}

/// A list attribute (cpulist syntax); EPROTO naming @path if it is not one.
std::vector<unsigned> read_list(const std::string &path)
{
	std::string text = sysfs_read(path);
	try {
		return parse_cpulist(text);
	} catch (const Error &e) {
		throw Error(EPROTO, path, "not a list ('" + text + "')");
	}
}

std::vector<std::string> lines(const std::string &text)
{
	std::vector<std::string> out;
	std::istringstream in(text);
	for (std::string l; std::getline(in, l);)
		if (!l.empty())
			out.push_back(l);
	return out;
}

Window window_of(const std::string &text)
{
	auto [a, s] = parse_window(text);
	return Window{a, s};
}

void set_name(char (&dst)[CPC_SLICE_NAME_MAX], const std::string &name)
{
	if (name.empty() || name.size() >= CPC_SLICE_NAME_MAX)
		throw Error(EINVAL, "slice name '" + name + "': want 1.." +
					    std::to_string(CPC_SLICE_NAME_MAX - 1) + " characters");
	std::memset(dst, 0, sizeof(dst));
	std::memcpy(dst, name.data(), name.size());
}

void set_cpus(__u64 (&bits)[CPC_SLICE_MAX_CPUS / 64], const std::vector<unsigned> &cpus)
{
	for (unsigned c : cpus) {
		if (c >= CPC_SLICE_MAX_CPUS)
			throw Error(EINVAL, "CPU " + std::to_string(c) + ": above the limit of " +
						    std::to_string(CPC_SLICE_MAX_CPUS));
		bits[c / 64] |= 1ULL << (c % 64);
	}
}

// The online threads of @cpu's core (empty when sysfs does not say).
std::vector<unsigned> core_threads(unsigned cpu)
{
	auto text = sysfs_read_opt("/sys/devices/system/cpu/cpu" + std::to_string(cpu) +
				   "/topology/thread_siblings_list");
	return text ? parse_cpulist(*text) : std::vector<unsigned>{};
}

// The NUMA nodes of @cpus, from /sys/devices/system/cpu/cpuN/nodeM.
std::vector<unsigned> cpu_nodes(const std::vector<unsigned> &cpus)
{
	std::vector<unsigned> nodes;
	std::error_code ec;
	for (unsigned c : cpus)
		for (const auto &e : std::filesystem::directory_iterator(
			     "/sys/devices/system/cpu/cpu" + std::to_string(c), ec)) {
			std::string n = e.path().filename().string();
			if (n.size() > 4 && n.compare(0, 4, "node") == 0 &&
			    n.find_first_not_of("0123456789", 4) == std::string::npos)
				nodes.push_back(static_cast<unsigned>(std::stoul(n.substr(4))));
		}
	std::sort(nodes.begin(), nodes.end());
	nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
	return nodes;
}

// Why CPC_IOCTL_SLICE_CREATE refused @spec with @err, when the rules on
// CPUs and memory say more than the errno ("" otherwise).
std::string create_hint(int err, const SliceSpec &spec)
{
	if (err == EXDEV)
		return ": CPUs " + format_cpulist(spec.cpus) + " span NUMA nodes " +
		       format_cpulist(cpu_nodes(spec.cpus)) + " (multi-node allows it)";
	if (err == EACCES)
		return ": blocks " + format_cpulist(spec.blocks) +
		       " must be plain System RAM, not memory a driver manages";
	if (err != EINVAL)
		return "";
	for (unsigned c : spec.cpus)
		for (unsigned t : core_threads(c)) {
			if (t == 0 && c != 0)
				return ": CPU " + std::to_string(c) +
				       " shares a core with the boot CPU";
			if (std::find(spec.cpus.begin(), spec.cpus.end(), t) == spec.cpus.end())
				return ": CPU " + std::to_string(c) + " shares a core with CPU " +
				       std::to_string(t) + " (a slice takes whole cores)";
		}
	return "";
}

} // namespace

SliceManager::SliceManager(const std::string &device, const std::string &sysfs)
	: device_(device), sysfs_(sysfs)
{
}

int SliceManager::dev()
{
	if (!dev_)
		dev_.emplace(device_);
	return dev_->fd();
}

void SliceManager::check_sysfs() const
{
	if (::access(sysfs_.c_str(), F_OK) < 0)
		throw module_error(errno, sysfs_, "cpc_host");
}

SliceInfo SliceManager::create(const SliceSpec &spec)
{
	cpc_slice_create r{};
	r.size = sizeof(r);
	set_name(r.name, spec.name);
	set_cpus(r.cpus, spec.cpus);
	if (!spec.blocks.empty()) {
		if (spec.blocks.size() > CPC_SLICE_MAX_BLOCKS)
			throw Error(EINVAL, "slice " + spec.name + ": more than " +
						    std::to_string(CPC_SLICE_MAX_BLOCKS) + " memory blocks");
		r.flags = CPC_SLICE_CREATE_BLOCKS;
		r.nr_blocks = static_cast<__u32>(spec.blocks.size());
		std::copy(spec.blocks.begin(), spec.blocks.end(), r.blocks);
	} else {
		r.mem_bytes = spec.mem_bytes;
	}
	if (spec.multi_node)
		r.flags |= CPC_SLICE_CREATE_MULTI_NODE;
	if (::ioctl(dev(), CPC_IOCTL_SLICE_CREATE, &r) < 0) {
		int err = errno;
		throw Error(err, "create slice " + spec.name + create_hint(err, spec));
	}
	return show(spec.name);
}

void SliceManager::ref_ioctl(unsigned long cmd, const std::string &name, const char *verb)
{
	cpc_slice_ref r{};
	r.size = sizeof(r);
	set_name(r.name, name);
	if (::ioctl(dev(), cmd, &r) < 0)
		throw_errno(std::string(verb) + " slice " + name);
}

void SliceManager::destroy(const std::string &name)
{
	ref_ioctl(CPC_IOCTL_SLICE_DESTROY, name, "destroy");
}

void SliceManager::lock(const std::string &name)
{
	ref_ioctl(CPC_IOCTL_SLICE_LOCK, name, "lock");
}

void SliceManager::load(const std::string &name, const std::string &path)
{
	std::vector<std::uint8_t> image = read_file(path);
	cpc_slice_load r{};
	r.size = sizeof(r);
	set_name(r.name, name);
	r.image_ptr = reinterpret_cast<std::uintptr_t>(image.data());
	r.image_len = image.size();
	if (::ioctl(dev(), CPC_IOCTL_SLICE_LOAD, &r) < 0) {
		int err = errno;
		std::string why;
		if (err == ENOEXEC)
			why = ": not a slice image, or its entry point is outside it";
		else if (err == EFBIG)
			why = ": the image does not fit in the slice";
		throw Error(err, "load " + path + " into slice " + name + why);
	}
}

void SliceManager::load_linux(const std::string &name, const std::string &kernel,
			      const std::string &initrd, const std::string &cmdline)
{
	std::vector<std::uint8_t> image = read_file(kernel);
	std::vector<std::uint8_t> rd;
	if (!initrd.empty())
		rd = read_file(initrd);
	cpc_slice_load r{};
	r.size = sizeof(r);
	r.flags = CPC_SLICE_LOAD_LINUX;
	set_name(r.name, name);
	r.image_ptr = reinterpret_cast<std::uintptr_t>(image.data());
	r.image_len = image.size();
	if (!rd.empty()) {
		r.initrd_ptr = reinterpret_cast<std::uintptr_t>(rd.data());
		r.initrd_len = rd.size();
	}
	if (!cmdline.empty()) {
		r.cmdline_ptr = reinterpret_cast<std::uintptr_t>(cmdline.data());
		r.cmdline_len = static_cast<std::uint32_t>(cmdline.size());
	}
	if (::ioctl(dev(), CPC_IOCTL_SLICE_LOAD, &r) < 0) {
		int err = errno;
		std::string why;
		if (err == ENOEXEC)
			why = ": not a bzImage cpc_host can boot (boot protocol 2.14+, 64-bit, relocatable)";
		else if (err == EFBIG)
			why = ": the kernel and initrd do not fit in the slice's contiguous memory";
		else if (err == E2BIG)
			why = ": the command line is too long";
		else if (err == ENXIO)
			why = ": the host reserved no low memory (cpc_host lowmem=)";
		else if (err == ENOSPC)
			why = ": every low-memory slot is held by another Linux slice";
		throw Error(err, "load " + kernel + " into slice " + name + why);
	}
}

void SliceManager::start(const std::string &name)
{
	cpc_slice_ref r{};
	r.size = sizeof(r);
	set_name(r.name, name);
	if (::ioctl(dev(), CPC_IOCTL_SLICE_START, &r) < 0) {
		int err = errno;
		std::string why;
		if (err == ENOEXEC)
			why = ": no image loaded";
		else if (err == ENXIO)
			why = ": the host reserved no low memory (cpc_host lowmem=)";
		throw Error(err, "start slice " + name + why);
	}
}

void SliceManager::stop(const std::string &name)
{
	cpc_slice_ref r{};
	r.size = sizeof(r);
	set_name(r.name, name);
	if (::ioctl(dev(), CPC_IOCTL_SLICE_STOP, &r) < 0) {
		int err = errno;
		throw Error(err, "stop slice " + name + (err == EINVAL ? ": not running" : ""));
	}
}

ConsoleRead SliceManager::console(const std::string &name, std::uint64_t pos)
{
	ConsoleRead r;
	r.bytes.resize(CPC_SLICE_CONSOLE_MAX);
	cpc_slice_console c{};
	c.size = sizeof(c);
	set_name(c.name, name);
	c.pos = pos;
	c.buf_ptr = reinterpret_cast<std::uintptr_t>(r.bytes.data());
	c.buf_len = CPC_SLICE_CONSOLE_MAX;
	if (::ioctl(dev(), CPC_IOCTL_SLICE_CONSOLE, &c) < 0) {
		int err = errno;
		throw Error(err, "console of slice " + name +
				     (err == ENXIO ? ": no console ring (not running, or no cpc_guest in it yet)" : ""));
	}
	r.bytes.resize(c.len);
	r.pos = c.pos;
	r.lost = c.lost;
	r.head = c.head;
	return r;
}

void SliceManager::filter(const std::string &name, const FilterChange &c)
{
	cpc_slice_filter f{};
	std::string what;
	f.size = sizeof(f);
	set_name(f.name, name);
	switch (c.kind) {
	case FilterChange::Kind::MemWindow:
	case FilterChange::Kind::BusWindow: {
		bool bus = c.kind == FilterChange::Kind::BusWindow;
		f.type = bus ? CPC_FILTER_BUS_WINDOW : CPC_FILTER_MEM_WINDOW;
		f.addr = c.window.addr;
		f.len = c.window.size;
		char buf[64];
		std::snprintf(buf, sizeof(buf), "0x%llx:%s", static_cast<unsigned long long>(c.window.addr),
			      format_size(c.window.size).c_str());
		what = std::string(bus ? "bus window " : "memory window ") + buf;
		break;
	}
	case FilterChange::Kind::CacheWays: {
		f.type = CPC_FILTER_CACHE_WAYS;
		f.addr = c.cache_ways;
		char buf[32];
		std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(c.cache_ways));
		what = std::string("cache ways ") + buf;
		break;
	}
	case FilterChange::Kind::Ipi:
		f.type = CPC_FILTER_IPI;
		set_cpus(f.cpus, c.ipi_cpus);
		f.flags = c.ipi_manager ? CPC_FILTER_IPI_MANAGER : 0;
		what = "IPI mask " + format_cpulist(c.ipi_cpus) + (c.ipi_manager ? " + manager" : "");
		break;
	case FilterChange::Kind::Device:
		f.type = CPC_FILTER_DEVICE;
		f.bdf = c.bdf;
		what = "device " + format_bdf(c.bdf);
		break;
	case FilterChange::Kind::Clear:
		f.type = CPC_FILTER_CLEAR;
		what = "clear filters";
		break;
	}
	if (::ioctl(dev(), CPC_IOCTL_SLICE_FILTER, &f) < 0) {
		int err = errno;
		if (err == EPERM && std::filesystem::exists(sysfs_ + "/slices/" + name) &&
		    read_text(sysfs_ + "/slices/" + name + "/locked") == "1")
			throw Error(err, "slice " + name + ": " + what + ": filters are locked");
		throw Error(err, "slice " + name + ": " + what);
	}
}

SliceInfo SliceManager::show(const std::string &name) const
{
	check_sysfs();
	const std::string d = sysfs_ + "/slices/" + name;
	if (name.empty() || name.find('/') != std::string::npos || name[0] == '.' ||
	    !std::filesystem::is_directory(d))
		throw Error(ENOENT, "slice " + name);
	SliceInfo s;
	s.name = name;
	s.state = read_text(d + "/state");
	s.cpus = read_list(d + "/cpus");
	s.memory_blocks = read_list(d + "/memory_blocks");
	s.mem_bytes = sysfs_number(d + "/mem_bytes");
	s.locked = read_text(d + "/locked") == "1";
	s.image = read_text(d + "/image");
	s.starts = sysfs_number(d + "/starts");
	s.start_ns = sysfs_number(d + "/start_ns");
	const std::string f = d + "/filters";
	for (const auto &l : lines(read_text(f + "/mem_windows")))
		s.filters.mem_windows.push_back(window_of(l));
	if (auto b = read_text(f + "/bus_window"); !b.empty())
		s.filters.bus_window = window_of(b);
	s.filters.cache_ways = sysfs_number(f + "/cache_ways");
	s.filters.cache_ways_enforced = read_text(f + "/cache_ways_enforced") == "1";
	s.filters.ipi_cpus = read_list(f + "/ipi_cpus");
	s.filters.ipi_manager = read_text(f + "/ipi_manager") == "1";
	s.filters.devices = lines(read_text(f + "/devices"));
	s.filters.ipi_sent = sysfs_number(f + "/ipi_sent");
	s.filters.ipi_refused = sysfs_number(f + "/ipi_refused");
	return s;
}

std::vector<SliceInfo> SliceManager::list() const
{
	check_sysfs();
	std::vector<std::string> names;
	std::error_code ec;
	for (const auto &e : std::filesystem::directory_iterator(sysfs_ + "/slices", ec))
		names.push_back(e.path().filename().string());
	if (ec)
		throw Error(ec.value(), sysfs_ + "/slices");
	std::sort(names.begin(), names.end());
	std::vector<SliceInfo> out;
	for (const auto &n : names) {
		try {
			out.push_back(show(n));
		} catch (const Error &e) {
			if (e.errnum() != ENOENT) // destroyed meanwhile
				throw;
		}
	}
	return out;
}

Available SliceManager::available() const
{
	check_sysfs();
	const std::string d = sysfs_ + "/available";
	Available a;
	a.cpus = read_list(d + "/cpus");
	a.memory_blocks = read_list(d + "/memory_blocks");
	a.mem_bytes = sysfs_number(d + "/mem_bytes");
	a.block_size = sysfs_number(d + "/block_size");
	return a;
}

} // namespace cpc
