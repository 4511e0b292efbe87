#pragma once
// Helpers shared by the GoogleTest unit tests.

#include <cpc/error.hpp>

#include <functional>

namespace cpc_test {

/// errno of the cpc::Error @f throws, or 0 if it throws none.
inline int errno_of(const std::function<void()> &f)
{
	try {
		f();
	} catch (const cpc::Error &e) {
		return e.errnum();
	}
	return 0;
}

} // namespace cpc_test
