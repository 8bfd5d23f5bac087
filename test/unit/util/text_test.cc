#include "lib/util/text.h"

#include <catch2/catch.hpp>

using namespace ferry;  // NOLINT(google-build-using-namespace)

TEST_CASE("text: split keeps empty fields", "[text]") {
  CHECK(split("a,b,,c", ",") == std::vector<std::string>{"a", "b", "", "c"});
  CHECK(split("", ",") == std::vector<std::string>{""});
  CHECK(split("a:b=c", ":=") == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("text: numbers parse whole strings only", "[text]") {
  CHECK(parse_u64("0") == 0u);
  CHECK(parse_u64("18446744073709551615") == UINT64_MAX);
  CHECK_FALSE(parse_u64("18446744073709551616"));
  CHECK_FALSE(parse_u64("12a"));
  CHECK_FALSE(parse_u64(""));
  CHECK_FALSE(parse_u64("-1"));
  CHECK(parse_i64("-42") == -42);
  CHECK(parse_number("0x1f") == 31u);
  CHECK(parse_number("31") == 31u);
  CHECK_FALSE(parse_number("0x"));
}

TEST_CASE("text: trim, join, hex, strprintf", "[text]") {
  CHECK(trim("  a b \n") == "a b");
  CHECK(join({"a", "b", "c"}, ", ") == "a, b, c");
  const uint8_t bytes[] = {0x00, 0xab, 0x10};
  CHECK(hex(bytes, 3) == "00ab10");
  CHECK(strprintf("%d-%s", 7, "x") == "7-x");
}
