// cpc::parse_size: util-linux style sizes ("4096", "16M", "1GiB", "1.5K", "2MB").
#include <cpc/error.hpp>
#include <cpc/parse.hpp>

#include <string>

namespace cpc {

namespace {

bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

char to_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

[[noreturn]] void invalid(std::string_view text)
{
	throw Error(EINVAL, "invalid size '" + std::string(text) + "'");
}

[[noreturn]] void too_large(std::string_view text)
{
	throw Error(ERANGE, "size '" + std::string(text) + "' is too large");
}

} // namespace

std::uint64_t parse_size(std::string_view text)
{
	std::size_t i = 0;
	const std::size_t n = text.size();

	// Integer part: at least one digit.
	if (i == n || !is_digit(text[i]))
		invalid(text);
	std::uint64_t whole = 0;
	for (; i < n && is_digit(text[i]); i++) {
		unsigned d = static_cast<unsigned>(text[i] - '0');
		if (whole > (UINT64_MAX - d) / 10)
			too_large(text);
		whole = whole * 10 + d;
	}

	// Optional fraction: kept as frac / frac_div, at most 18 digits used.
	std::uint64_t frac = 0, frac_div = 1;
	bool has_frac = false;
	if (i < n && text[i] == '.') {
		has_frac = true;
		i++;
		if (i == n || !is_digit(text[i]))
			invalid(text);
		for (; i < n && is_digit(text[i]); i++) {
			if (frac_div < 1000000000000000000ULL) {
				frac = frac * 10 + static_cast<unsigned>(text[i] - '0');
				frac_div *= 10;
			}
		}
	}

	// Optional suffix: letter, then nothing, "iB" (1024) or "B" (1000).
	unsigned exponent = 0, base = 1024;
	if (i < n) {
		static constexpr std::string_view letters = "KMGTPEZY";
		std::size_t pos = letters.find(to_upper(text[i]));
		if (pos == std::string_view::npos)
			invalid(text);
		exponent = static_cast<unsigned>(pos) + 1;
		std::string_view rest = text.substr(i + 1);
		if (rest.empty() || rest == "iB" || rest == "ib" || rest == "IB" ||
		    rest == "Ib")
			base = 1024;
		else if (rest == "B" || rest == "b")
			base = 1000;
		else
			invalid(text);
	} else if (has_frac) {
		invalid(text); // "1.5" bytes makes no sense
	}

	std::uint64_t mult = 1;
	for (unsigned e = 0; e < exponent; e++) {
		if (mult > UINT64_MAX / base)
			too_large(text);
		mult *= base;
	}
	if (whole != 0 && mult > UINT64_MAX / whole)
		too_large(text);
	std::uint64_t value = whole * mult;

	// frac / frac_div * mult without overflow: frac < frac_div <= 1e18.
	if (frac != 0) {
		unsigned __int128 part = static_cast<unsigned __int128>(frac) * mult / frac_div;
		if (part > UINT64_MAX - value)
			too_large(text);
		value += static_cast<std::uint64_t>(part);
	}
	return value;
}

} // namespace cpc
