#include "lib/conntrack/csum.h"

#include <cstring>

namespace ferry::ct {

uint32_t csum_add(uint32_t sum, const uint8_t* p, size_t n) {
  uint64_t s = sum;
  while (n >= 8) {
    s += load16(p) + load16(p + 2) + load16(p + 4) + load16(p + 6);
    p += 8;
    n -= 8;
  }
  while (n >= 2) {
    s += load16(p);
    p += 2;
    n -= 2;
  }
  if (n) s += static_cast<uint32_t>(p[0]) << 8;
  while (s >> 32) s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffff) + (s >> 16);
  return static_cast<uint32_t>(s);
}

uint32_t pseudo_sum_v4(const uint8_t* ip, uint8_t proto, uint32_t l4_len) {
  uint32_t s = csum_add(0, ip + 12, 8);
  return s + proto + (l4_len >> 16) + (l4_len & 0xffff);
}

uint32_t pseudo_sum_v6(const uint8_t* ip6, uint8_t proto, uint32_t l4_len) {
  uint32_t s = csum_add(0, ip6 + 8, 32);
  return s + proto + (l4_len >> 16) + (l4_len & 0xffff);
}

void csum_replace(uint8_t* csum, const uint8_t* old_bytes, const uint8_t* new_bytes, size_t n) {
  uint32_t s = static_cast<uint16_t>(~load16(csum));
  for (size_t i = 0; i < n; i += 2) {
    s += static_cast<uint16_t>(~load16(old_bytes + i));
    s += load16(new_bytes + i);
  }
  store16(csum, static_cast<uint16_t>(~csum_fold(s)));
}

}  // namespace ferry::ct
