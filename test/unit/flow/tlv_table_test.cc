// The TLV map (lib/flow/tlv_table.h) with OVS's rules: an index or an
// option mapped once, 256 bytes of option space, all of an add or none.
#include "lib/flow/tlv_table.h"

#include <catch2/catch.hpp>

namespace ferry {

TEST_CASE("TLV table: add, refusals, remove, clear", "[tlv]") {
  TlvTable t;
  REQUIRE(t.add({{0x102, 0x80, 4, 0}, {0xffff, 1, 8, 1}}).ok());
  CHECK(t.mappings() == std::vector<TlvMapping>{{0x102, 0x80, 4, 0}, {0xffff, 1, 8, 1}});
  CHECK(t.space_used() == 12);
  const uint64_t gen = t.generation();

  auto again = t.add({{0xffff, 2, 4, 0}});
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == TlvTable::kErrAlreadyMapped);
  auto dup = t.add({{0x102, 0x80, 4, 5}});
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == TlvTable::kErrDupEntry);
  // 12 + 124 + 124 > 256: the second fails and the first is not kept.
  auto full = t.add({{1, 1, 124, 3}, {1, 2, 124, 4}});
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code == TlvTable::kErrTableFull);
  CHECK_FALSE(t.find(3));
  auto idx = t.add({{1, 1, 4, 64}});
  REQUIRE_FALSE(idx.ok());
  CHECK(idx.error().code == TlvTable::kErrBadFieldIndex);
  CHECK(t.generation() == gen);  // nothing changed

  REQUIRE(t.add({{1, 1, 124, 3}, {1, 2, 120, 4}}).ok());
  CHECK(t.space_used() == 256);
  t.remove({0, 9});
  CHECK_FALSE(t.find(0));
  CHECK(t.find(1)->option_len == 8);
  CHECK(t.space_used() == 252);
  t.clear();
  CHECK(t.mappings().empty());
  CHECK(t.generation() > gen);
}

}  // namespace ferry
