// SPDX-License-Identifier: LGPL-2.1-or-later
// cpc::procedure_id: a procedure's id by name, through the guest's
// procedure table (the procs procedure) for a name the protocol lacks.
#include <cpc/channel.hpp>
#include <cpc/error.hpp>

#include <linux/cpc_proto.h>

#include <nlohmann/json.hpp>

namespace cpc {

std::uint32_t procedure_id(Channel &ch, const std::string &name)
{
	for (const auto &p : procedures())
		if (p.name == name)
			return p.opcode;
	CallRequest r;
	r.proc = CPC_PROC_PROCS;
	auto j = nlohmann::json::parse(ch.call(r).text(), nullptr, false);
	if (!j.is_array())
		throw Error(EPROTO, "procs: the guest's procedure table does not parse");
	for (const auto &e : j) {
		if (!e.is_object() || !e.contains("name") || !e["name"].is_string() ||
		    e["name"].get<std::string>() != name || !e.contains("id") ||
		    !e["id"].is_number_unsigned())
			continue;
		auto id = e["id"].get<std::uint64_t>();
		if (id > CPC_PROC_ID_MAX)
			throw Error(EPROTO, "procs: id " + std::to_string(id) + " of '" + name +
						    "' is out of range");
		return static_cast<std::uint32_t>(id);
	}
	throw Error(ENOENT, "unknown procedure '" + name + "'",
		    "the guest allows none by that name (cpcctl call CH procs lists them)");
}

} // namespace cpc
