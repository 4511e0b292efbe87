// SPDX-License-Identifier: LGPL-2.1-or-later
// cpcctl slice: create, list, show, filter, lock and destroy core slices.
#include "commands.hpp"
#include "table.hpp"
#include "values.hpp"

#include <cpc/error.hpp>
#include <cpc/parse.hpp>
#include <cpc/slice.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace cpcctl {

namespace {

std::string hex(std::uint64_t v)
{
	char buf[32];
	std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
	return buf;
}

nlohmann::json window_json(const cpc::Window &w)
{
	return {{"addr", hex(w.addr)}, {"size", w.size}};
}

nlohmann::json slice_json(const cpc::SliceInfo &s)
{
	nlohmann::json f;
	f["mem_windows"] = nlohmann::json::array();
	for (const auto &w : s.filters.mem_windows)
		f["mem_windows"].push_back(window_json(w));
	f["bus_window"] = s.filters.bus_window ? window_json(*s.filters.bus_window) : nlohmann::json();
	f["cache_ways"] = hex(s.filters.cache_ways);
	f["cache_ways_enforced"] = s.filters.cache_ways_enforced;
	f["ipi_cpus"] = cpc::format_cpulist(s.filters.ipi_cpus);
	f["ipi_manager"] = s.filters.ipi_manager;
	f["devices"] = s.filters.devices;
	f["ipi_sent"] = s.filters.ipi_sent;
	f["ipi_refused"] = s.filters.ipi_refused;
	return {
		{"name", s.name},
		{"state", s.state},
		{"cpus", cpc::format_cpulist(s.cpus)},
		{"memory_blocks", cpc::format_cpulist(s.memory_blocks)},
		{"mem_bytes", s.mem_bytes},
		{"locked", s.locked},
		{"image", s.image},
		{"starts", s.starts},
		{"start_ns", s.start_ns},
		{"filters", f},
	};
}

const std::vector<Column> slice_columns = {
	{"NAME", "slice name"},
	{"STATE", "created, locked, destroying"},
	{"CPUS", "its CPUs"},
	{"SIZE", "its memory", true, true},
	{"BLOCKS", "its memory blocks"},
	{"LOCKED", "filters frozen"},
	{"CACHE_WAYS", "cache-way mask"},
	{"IPI", "IPI destinations"},
	{"WINDOWS", "memory windows"},
	{"DEVICES", "PCI devices"},
};
const char *const slice_default_columns = "NAME,STATE,CPUS,SIZE,BLOCKS,LOCKED";

std::string print_table(const TableOptions &o, const std::vector<cpc::SliceInfo> &slices)
{
	Table t(o, slice_columns, slice_default_columns);
	for (const auto &s : slices) {
		std::string w, d;
		for (const auto &x : s.filters.mem_windows)
			w += (w.empty() ? "" : ",") + hex(x.addr) + ":" + cpc::format_size(x.size);
		for (const auto &x : s.filters.devices)
			d += (d.empty() ? "" : ",") + x;
		std::string ipi = cpc::format_cpulist(s.filters.ipi_cpus);
		if (s.filters.ipi_manager)
			ipi += ipi.empty() ? "manager" : ",manager";
		t.add({{"NAME", s.name},
		       {"STATE", s.state},
		       {"CPUS", cpc::format_cpulist(s.cpus)},
		       {"SIZE", std::to_string(s.mem_bytes)},
		       {"BLOCKS", cpc::format_cpulist(s.memory_blocks)},
		       {"LOCKED", s.locked ? "yes" : "no"},
		       {"CACHE_WAYS", hex(s.filters.cache_ways)},
		       {"IPI", ipi},
		       {"WINDOWS", w},
		       {"DEVICES", d}});
	}
	return t.render();
}

void print_show(const cpc::SliceInfo &s)
{
	const auto &f = s.filters;
	auto row = [](const char *k, const std::string &v) { std::printf("%-20s %s\n", k, v.c_str()); };
	row("Name:", s.name);
	row("State:", s.state);
	row("CPUs:", cpc::format_cpulist(s.cpus));
	row("Memory:", cpc::format_size(s.mem_bytes) + " (blocks " +
			       cpc::format_cpulist(s.memory_blocks) + ")");
	row("Locked:", s.locked ? "yes" : "no");
	row("Image:", s.image);
	row("Starts:", std::to_string(s.starts) +
			       (s.starts ? " (last took " + std::to_string(s.start_ns / 1000) + " us)" : ""));
	std::string w;
	for (const auto &x : f.mem_windows)
		w += (w.empty() ? "" : ", ") + hex(x.addr) + ":" + cpc::format_size(x.size);
	row("Memory windows:", w.empty() ? "-" : w);
	row("Bus window:", f.bus_window ? hex(f.bus_window->addr) + ":" +
						  cpc::format_size(f.bus_window->size)
					: "-");
	row("Cache ways:", hex(f.cache_ways) + (f.cache_ways_enforced ? " (enforced)"
								   : " (recorded, not enforced)"));
	row("IPI mask:", (f.ipi_cpus.empty() ? std::string("-") : cpc::format_cpulist(f.ipi_cpus)) +
				 (f.ipi_manager ? " + manager" : ""));
	row("IPIs sent/refused:", std::to_string(f.ipi_sent) + "/" + std::to_string(f.ipi_refused));
	std::string d;
	for (const auto &x : f.devices)
		d += (d.empty() ? "" : ", ") + x;
	row("Devices:", d.empty() ? "-" : d);
}

int output(const Global &g, const cpc::SliceInfo &s)
{
	if (g.json)
		std::cout << slice_json(s).dump(2) << "\n";
	else
		print_show(s);
	return 0;
}

cpc::FilterChange change(cpc::FilterChange::Kind k)
{
	cpc::FilterChange c;
	c.kind = k;
	return c;
}

// "--ipi 2-3,manager": CPUs plus the word "manager" anywhere in the list.
cpc::FilterChange parse_ipi(const std::string &text)
{
	cpc::FilterChange c = change(cpc::FilterChange::Kind::Ipi);
	std::string cpus;
	std::size_t start = 0;
	while (start <= text.size()) {
		std::size_t comma = text.find(',', start);
		std::string tok = text.substr(start, comma == std::string::npos ? std::string::npos
										 : comma - start);
		if (tok == "manager")
			c.ipi_manager = true;
		else if (tok != "none" || text != "none")
			cpus += (cpus.empty() ? "" : ",") + tok;
		if (comma == std::string::npos)
			break;
		start = comma + 1;
	}
	c.ipi_cpus = cpc::parse_cpulist(cpus, cpc::slice_max_cpus - 1);
	return c;
}

} // namespace

void add_slice_commands(CLI::App &app, Global &g)
{
	auto *slice = app.add_subcommand("slice", "create, filter, lock, load, start, stop, destroy core slices; their console");
	slice->require_subcommand(1);

	// create
	{
		struct Opts {
			std::string name, cpus, mem, blocks;
			bool multi_node = false;
		};
		auto o = std::make_shared<Opts>();
		auto *sub = slice->add_subcommand("create", "take CPUs and memory away from the host");
		sub->add_option("NAME", o->name, "slice name ([A-Za-z0-9_-], up to 31)")->required();
		list_value(sub->add_option("--cpus", o->cpus, "CPU list, e.g. 2-3")->required(),
			   cpc::slice_max_cpus - 1);
		auto *mem = size_value(sub->add_option("--mem", o->mem,
						       "memory size, e.g. 256M (whole memory blocks)"),
				       1);
		auto *blk = list_value(sub->add_option("--blocks", o->blocks,
						       "memory block list instead, e.g. 32-33"),
				       1u << 20);
		mem->excludes(blk);
		sub->add_flag("--multi-node", o->multi_node, "allow CPUs from more than one NUMA node");
		add_json_flag(sub, g);
		add_examples(sub, {"cpcctl slice create s1 --cpus 2-3 --mem 256M",
		                   "cpcctl slice create s2 --cpus 4,5 --blocks 34-35 --multi-node"});
		on_run(sub, [o, &g] {
			cpc::SliceSpec spec;
			spec.name = o->name;
			spec.multi_node = o->multi_node;
			spec.cpus = cpc::parse_cpulist(o->cpus, cpc::slice_max_cpus - 1);
			if (!o->blocks.empty())
				spec.blocks = cpc::parse_cpulist(o->blocks);
			else if (!o->mem.empty())
				spec.mem_bytes = cpc::parse_size(o->mem);
			else
				throw Usage("slice " + o->name, "give --mem SIZE or --blocks LIST");
			cpc::SliceManager m;
			return output(g, m.create(spec));
		});
	}

	// list
	{
		auto *sub = slice->add_subcommand("list", "list slices and what is left for slicing");
		auto to = std::make_shared<TableOptions>();
		add_table_options(sub, *to, slice_columns, slice_default_columns);
		add_json_flag(sub, g);
		add_examples(sub, {"cpcctl slice list",
		                   "cpcctl slice list -o NAME,CPUS,SIZE -n -b",
		                   "cpcctl slice list --json"});
		on_run(sub, [&g, to] {
			cpc::SliceManager m;
			auto slices = m.list();
			if (g.json) {
				nlohmann::json out = nlohmann::json::array();
				for (const auto &s : slices)
					out.push_back(slice_json(s));
				std::cout << out.dump(2) << "\n";
				return 0;
			}
			std::fputs(print_table(*to, slices).c_str(), stdout);
			if (to->raw || to->noheadings)
				return 0; // the table alone, for scripts
			auto a = m.available();
			std::printf("available: CPUs %s, memory %s (blocks %s, block size %s)\n",
				    a.cpus.empty() ? "-" : cpc::format_cpulist(a.cpus).c_str(),
				    cpc::format_size(a.mem_bytes).c_str(),
				    a.memory_blocks.empty() ? "-" : cpc::format_cpulist(a.memory_blocks).c_str(),
				    cpc::format_size(a.block_size).c_str());
			return 0;
		});
	}

	// show
	{
		auto name = std::make_shared<std::string>();
		auto *sub = slice->add_subcommand("show", "show one slice and its filters");
		sub->add_option("NAME", *name, "slice name")->required();
		add_json_flag(sub, g);
		add_examples(sub, {"cpcctl slice show s1 --json"});
		on_run(sub, [name, &g] {
			cpc::SliceManager m;
			return output(g, m.show(*name));
		});
	}

	// filter
	{
		struct Opts {
			std::string name, bus, cache, ipi;
			std::vector<std::string> windows, devices;
			bool clear = false;
		};
		auto o = std::make_shared<Opts>();
		auto *sub = slice->add_subcommand("filter", "change the filters of an unlocked slice");
		sub->add_option("NAME", o->name, "slice name")->required();
		sub->add_flag("--clear", o->clear, "first reset every filter to its default");
		window_value(sub->add_option("--mem-window", o->windows,
					     "add a memory window ADDR:SIZE (repeatable)"));
		window_value(sub->add_option("--bus-window", o->bus, "set the slice-bus window ADDR:SIZE"));
		number_value(sub->add_option("--cache-ways", o->cache, "cache-way mask, e.g. 0xf0"));
		check_value(sub->add_option("--ipi", o->ipi,
					    "IPI destinations: CPU list and/or 'manager', or 'none'"),
			    [](std::string &text) { parse_ipi(text); });
		bdf_value(sub->add_option("--device", o->devices, "add a PCI device DDDD:BB:SS.F (repeatable)"));
		add_json_flag(sub, g);
		add_examples(sub, {"cpcctl slice filter s1 --mem-window 0x100000000:16M --ipi 2,manager",
		                   "cpcctl slice filter s1 --clear --device 00:1f.3 --cache-ways 0xf0"});
		on_run(sub, [o, &g] {
			using K = cpc::FilterChange::Kind;
			// Parse everything before the first change.
			std::vector<cpc::FilterChange> changes;
			if (o->clear)
				changes.push_back(change(K::Clear));
			for (const auto &w : o->windows) {
				auto [a, s] = cpc::parse_window(w);
				auto c = change(K::MemWindow);
				c.window = {a, s};
				changes.push_back(c);
			}
			if (!o->bus.empty()) {
				auto [a, s] = cpc::parse_window(o->bus);
				auto c = change(K::BusWindow);
				c.window = {a, s};
				changes.push_back(c);
			}
			if (!o->cache.empty()) {
				auto c = change(K::CacheWays);
				c.cache_ways = cpc::parse_number(o->cache);
				changes.push_back(c);
			}
			if (!o->ipi.empty())
				changes.push_back(parse_ipi(o->ipi));
			for (const auto &d : o->devices) {
				auto c = change(K::Device);
				c.bdf = cpc::parse_bdf(d);
				changes.push_back(c);
			}
			if (changes.empty())
				throw Usage("slice " + o->name, "no filter given");
			// One ioctl per change, in order: a refused one stops the
			// rest, and after an applied one that is partial success.
			cpc::SliceManager m;
			for (std::size_t i = 0; i < changes.size(); i++) {
				try {
					m.filter(o->name, changes[i]);
				} catch (const cpc::Error &e) {
					if (i == 0)
						throw;
					std::cerr << "cpcctl: " << e.what() << " (" << i << " of "
						  << changes.size() << " changes applied)\n";
					output(g, m.show(o->name));
					return static_cast<int>(exit_partial);
				}
			}
			return output(g, m.show(o->name));
		});
	}

	// lock
	{
		auto name = std::make_shared<std::string>();
		auto *sub = slice->add_subcommand("lock", "freeze the filters of a slice until destroy");
		sub->add_option("NAME", *name, "slice name")->required();
		add_json_flag(sub, g);
		add_examples(sub, {"cpcctl slice lock s1"});
		on_run(sub, [name, &g] {
			cpc::SliceManager m;
			m.lock(*name);
			return output(g, m.show(*name));
		});
	}

	// load, start, stop, run
	{
		struct Opts {
			std::string name, image;
		};
		auto o = std::make_shared<Opts>();
		auto *sub = slice->add_subcommand("load", "copy a slice image into a slice's memory");
		sub->add_option("NAME", o->name, "slice name")->required();
		sub->add_option("IMAGE", o->image, "slice image file (e.g. /usr/lib/cpc/slice-echo)")->required();
		add_json_flag(sub, g);
		add_examples(sub, {"cpcctl slice load s1 /usr/lib/cpc/slice-echo"});
		on_run(sub, [o, &g] {
			cpc::SliceManager m;
			m.load(o->name, o->image);
			return output(g, m.show(o->name));
		});
	}
	{
		auto name = std::make_shared<std::string>();
		auto *sub = slice->add_subcommand("start", "run the loaded image on the slice's first CPU");
		sub->add_option("NAME", *name, "slice name")->required();
		add_json_flag(sub, g);
		add_examples(sub, {"cpcctl slice start s1"});
		on_run(sub, [name, &g] {
			cpc::SliceManager m;
			m.start(*name);
			return output(g, m.show(*name));
		});
	}
	{
		auto name = std::make_shared<std::string>();
		auto *sub = slice->add_subcommand("stop", "stop whatever runs on the slice's CPUs (INIT)");
		sub->add_option("NAME", *name, "slice name")->required();
		add_json_flag(sub, g);
		add_examples(sub, {"cpcctl slice stop s1"});
		on_run(sub, [name, &g] {
			cpc::SliceManager m;
			m.stop(*name);
			return output(g, m.show(*name));
		});
	}
	{
		struct Opts {
			std::string name, image;
		};
		auto o = std::make_shared<Opts>();
		auto *sub = slice->add_subcommand("run", "load IMAGE into the slice and start it");
		sub->add_option("NAME", o->name, "slice name")->required();
		sub->add_option("IMAGE", o->image, "slice image file")->required();
		add_json_flag(sub, g);
		add_examples(sub, {"cpcctl slice run s1 /usr/lib/cpc/slice-echo"});
		on_run(sub, [o, &g] {
			cpc::SliceManager m;
			m.load(o->name, o->image);
			m.start(o->name);
			return output(g, m.show(o->name));
		});
	}

	{
		struct Opts {
			std::string name, kernel, initrd, cmdline;
		};
		auto o = std::make_shared<Opts>();
		auto *sub = slice->add_subcommand("boot", "boot a Linux kernel (bzImage) on the slice");
		sub->add_option("NAME", o->name, "slice name")->required();
		sub->add_option("--kernel", o->kernel, "the kernel (e.g. /usr/lib/cpc/slice-vmlinuz)")->required();
		sub->add_option("--initrd", o->initrd, "its initrd (e.g. /usr/lib/cpc/slice-initrd.img)");
		sub->add_option("--cmdline", o->cmdline, "command line, after cpc_host's defaults");
		add_json_flag(sub, g);
		add_examples(sub, {"cpcctl slice boot s1 --kernel /usr/lib/cpc/slice-vmlinuz "
				   "--initrd /usr/lib/cpc/slice-initrd.img --cmdline quiet"});
		on_run(sub, [o, &g] {
			cpc::SliceManager m;
			m.load_linux(o->name, o->kernel, o->initrd, o->cmdline);
			m.start(o->name);
			return output(g, m.show(o->name));
		});
	}

	add_slice_console_command(slice);

	// destroy
	{
		auto name = std::make_shared<std::string>();
		auto *sub = slice->add_subcommand("destroy", "scrub a slice and give everything back");
		sub->add_option("NAME", *name, "slice name")->required();
		add_json_flag(sub, g);
		add_examples(sub, {"cpcctl slice destroy s1"});
		on_run(sub, [name, &g] {
			cpc::SliceManager m;
			m.destroy(*name);
			if (g.json)
				std::cout << nlohmann::json{{"name", *name}, {"destroyed", true}}.dump(2) << "\n";
			else
				std::printf("slice %s destroyed\n", name->c_str());
			return 0;
		});
	}
}

} // namespace cpcctl
