// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// cpc::SliceManager: create, filter, lock, list and destroy core slices
// through /dev/cpc_host (changes) and /sys/kernel/cpc_host (views). Plain
// value types; every failure throws cpc::Error ("<what>: <why>").

#include <cpc/host.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cpc {

/// Highest CPU number + 1 a slice request can name.
inline constexpr unsigned slice_max_cpus = 1024;

/// A memory window: physical start and length in bytes.
struct Window {
	std::uint64_t addr = 0;
	std::uint64_t size = 0;
};

/// The filter set of a slice as sysfs shows it.
struct SliceFilters {
	std::vector<Window> mem_windows;
	std::optional<Window> bus_window;
	std::uint64_t cache_ways = ~0ULL;
	bool cache_ways_enforced = false;
	std::vector<unsigned> ipi_cpus;
	bool ipi_manager = true;
	std::vector<std::string> devices; ///< "DDDD:BB:SS.F"
	std::uint64_t ipi_sent = 0;
	std::uint64_t ipi_refused = 0;
};

/// One slice as sysfs shows it.
struct SliceInfo {
	std::string name;
	std::string state; ///< "created", "locked", "running", "stopped" or "destroying"
	std::vector<unsigned> cpus;
	std::vector<unsigned> memory_blocks;
	std::uint64_t mem_bytes = 0;
	bool locked = false;
	std::string image;	    ///< "none" or "loaded"
	std::uint64_t starts = 0;   ///< successful starts
	std::uint64_t start_ns = 0; ///< the last start: INIT to the entry point
	SliceFilters filters;
};

/// What a new slice takes: CPUs plus either a size or explicit blocks.
struct SliceSpec {
	std::string name;
	std::vector<unsigned> cpus;
	std::uint64_t mem_bytes = 0;	   ///< used when blocks is empty
	std::vector<unsigned> blocks;	   ///< memory block indexes
	bool multi_node = false;	   ///< CPUs may span NUMA nodes
};

/// What is left for slicing.
struct Available {
	std::vector<unsigned> cpus;
	std::vector<unsigned> memory_blocks;
	std::uint64_t mem_bytes = 0;
	std::uint64_t block_size = 0;
};

/// One filter change (CPC_IOCTL_SLICE_FILTER).
struct FilterChange {
	enum class Kind { MemWindow, BusWindow, CacheWays, Ipi, Device, Clear };
	Kind kind = Kind::Clear;
	Window window{};		///< MemWindow, BusWindow
	std::uint64_t cache_ways = 0;	///< CacheWays
	std::vector<unsigned> ipi_cpus; ///< Ipi
	bool ipi_manager = false;	///< Ipi
	std::uint32_t bdf = 0;		///< Device
};

/// One read of a slice's console ring (CPC_IOCTL_SLICE_CONSOLE).
struct ConsoleRead {
	std::string bytes;	  ///< what the ring held from the position asked
	std::uint64_t pos = 0;	  ///< position to pass to the next read
	std::uint64_t lost = 0;	  ///< bytes the ring no longer held (skipped)
	std::uint64_t head = 0;	  ///< bytes the slice wrote in all
};

/// Slices: changes through the device's ioctls (opened on the first one,
/// so that the read-only views - list(), show(), available() - need only
/// sysfs, no write access to the device). Errors: cpc::Error; a module
/// that is not loaded is module_error(). One SliceManager per thread.
class SliceManager {
public:
	explicit SliceManager(const std::string &device = host_device_path,
			      const std::string &sysfs = host_sysfs_path);

	/// Creates a slice; returns it as sysfs shows it afterwards.
	SliceInfo create(const SliceSpec &spec);
	void destroy(const std::string &name);
	void lock(const std::string &name);
	void filter(const std::string &name, const FilterChange &change);
	/// Copies the slice image in file @path into the slice's memory.
	void load(const std::string &name, const std::string &path);
	/// Copies a Linux kernel (bzImage at @kernel), an optional initrd and
	/// command line into the slice's memory, with the zero page and ACPI
	/// tables cpc_host builds (CPC_SLICE_LOAD_LINUX).
	void load_linux(const std::string &name, const std::string &kernel,
			const std::string &initrd, const std::string &cmdline);
	/// Runs the loaded image on the slice's first CPU.
	void start(const std::string &name);
	/// Stops whatever runs on the slice's CPUs (INIT).
	void stop(const std::string &name);
	/// Reads the slice's console ring from @pos on (0: all it holds), at
	/// most CPC_SLICE_CONSOLE_MAX bytes. ENXIO: not running or no ring yet.
	ConsoleRead console(const std::string &name, std::uint64_t pos);

	std::vector<SliceInfo> list() const;
	/// Throws cpc::Error ENOENT "slice '<name>': No such ..." when absent.
	SliceInfo show(const std::string &name) const;
	Available available() const;

private:
	void ref_ioctl(unsigned long cmd, const std::string &name, const char *verb);
	/// The device's fd, opened on first use.
	int dev();
	/// Throws module_error() when the sysfs root is missing.
	void check_sysfs() const;

	std::string device_;
	std::optional<HostDevice> dev_;
	std::string sysfs_;
};

} // namespace cpc
