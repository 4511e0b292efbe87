// Unit tests of cpc/parse.hpp.
#include <cpc/error.hpp>
#include <cpc/parse.hpp>

#include <gtest/gtest.h>

TEST(ParseSize, Plain)
{
	EXPECT_EQ(4096u, cpc::parse_size("4096"));
	EXPECT_EQ(256u << 20, cpc::parse_size("256M"));
}
