// SPDX-License-Identifier: GPL-2.0
// fuzz_check.hpp - what every harness shares: an oracle that aborts (so
// libFuzzer saves the input as a crash) and the one exception a libcpc
// call may end in on bad input.
#pragma once

#include <cpc/error.hpp>

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                              \
	do {                                                                          \
		if (!(cond)) {                                                        \
			std::fprintf(stderr, "%s:%d: oracle failed: %s\n", __FILE__, \
				     __LINE__, #cond);                                \
			std::abort();                                                 \
		}                                                                     \
	} while (0)

namespace cpc_fuzz {

/// Runs @f; a cpc::Error with one of @allowed errnos is a clean refusal
/// (returns false), anything else thrown escapes to libFuzzer (a crash).
template <typename F> bool accepts(F &&f, std::initializer_list<int> allowed)
{
	try {
		f();
		return true;
	} catch (const cpc::Error &e) {
		for (int a : allowed)
			if (e.errnum() == a)
				return false;
		std::fprintf(stderr, "unexpected errno %d: %s\n", e.errnum(), e.what());
		std::abort();
	}
}

} // namespace cpc_fuzz
