// 128-bit fields (IPv6 addresses, xxregs) read and written 64 bits at a
// time over their halves, and the halves' places in the key.
#include "lib/flow/field.h"

#include <catch2/catch.hpp>

namespace ferry {
namespace {

TEST_CASE("IPv6 address halves are the key's bytes, big-endian", "[field]") {
  OfKey k = zero_of_key();
  for (int i = 0; i < 16; i++) {
    k.ipv6_src[i] = static_cast<uint8_t>(i + 1);
    k.ipv6_dst[i] = static_cast<uint8_t>(0xf0 + i);
  }
  CHECK(field_get(k, Field::kIpv6SrcHi) == 0x0102030405060708ULL);
  CHECK(field_get(k, Field::kIpv6SrcLo) == 0x090a0b0c0d0e0f10ULL);
  CHECK(field_get(k, Field::kIpv6DstLo) == 0xf8f9fafbfcfdfeffULL);
  field_set(&k, Field::kIpv6DstHi, 0x1122, 0xffff);
  CHECK(k.ipv6_dst[6] == 0x11);
  CHECK(k.ipv6_dst[7] == 0x22);
  CHECK(k.ipv6_dst[5] == 0xf5);
  CHECK(field_bits(Field::kIpv6Src) == 128);
  CHECK(field_bits(Field::kIpv6Label) == 20);
  CHECK(field_in_packet(Field::kIpv6Label));
  CHECK(!field_in_packet(xxreg_field(0)));
  CHECK(field_name(xxreg_field(3)) == "xxreg3");
}

TEST_CASE("xxregN is reg(4N) (most significant) .. reg(4N+3)", "[field]") {
  OfKey k = zero_of_key();
  CHECK(wide_half(xxreg_field(1), true) == xreg_field(2));
  CHECK(wide_half(xxreg_field(1), false) == xreg_field(3));
  int puts = 0;
  auto count = [&](Field, uint64_t, uint64_t) { puts++; };
  // Bits 32..95 of xxreg1: reg6 and reg5, across the halves.
  field_set_bits(&k, xxreg_field(1), 32, 64, 0xaaaaaaaabbbbbbbbULL, count);
  CHECK(puts == 2);
  CHECK(k.regs[4] == 0);
  CHECK(k.regs[5] == 0xaaaaaaaa);
  CHECK(k.regs[6] == 0xbbbbbbbb);
  CHECK(k.regs[7] == 0);
  CHECK(field_get_bits(k, xxreg_field(1), 32, 64) == 0xaaaaaaaabbbbbbbbULL);
  CHECK(field_get_bits(k, xxreg_field(1), 48, 32) == 0xaaaabbbbULL);
  CHECK(field_get_bits(k, xxreg_field(1), 64, 64) == 0xaaaaaaaaULL);
  CHECK(field_get_bits(k, reg_field(5), 8, 8) == 0xaa);
}

}  // namespace
}  // namespace ferry
