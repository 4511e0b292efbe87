// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Internal to libcpc: what JobEngine::run() drives its operations
// through, replaceable so that the engine's state machine can be tested
// without a kernel or a ring (a fake detail::Completions).

#include <cpc/job.hpp>

#include "driver.hpp"

#include <functional>
#include <memory>

namespace cpc::detail {

/// Makes the backend of one run() for @entries operations at once.
using CompletionsFactory = std::function<std::unique_ptr<Completions>(unsigned entries)>;

struct JobEngineAccess {
	/// Makes @e's run() use @f instead of a Driver on a new ring.
	static void set_backend(JobEngine &e, CompletionsFactory f);
};

} // namespace cpc::detail
