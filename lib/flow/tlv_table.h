// A bridge's TLV map: which Geneve option (class, type, length) each
// tun_metadata<N> field stands for (OpenFlow NXT_TLV_TABLE_MOD, as OVS's
// lib/tun-metadata.c: 64 fields sharing 256 bytes of option space).
#ifndef FERRY_LIB_FLOW_TLV_TABLE_H_
#define FERRY_LIB_FLOW_TLV_TABLE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "lib/util/result.h"

namespace ferry {

struct TlvMapping {
  uint16_t option_class = 0;
  uint8_t option_type = 0;
  uint8_t option_len = 0;  // bytes, a multiple of 4 up to 124 (checked by the decoder)
  uint16_t index = 0;      // tun_metadata<index>
  bool operator==(const TlvMapping&) const = default;
};

class TlvTable {
 public:
  static constexpr unsigned kMaxFields = 64;
  static constexpr unsigned kMaxOptionSpace = 256;  // bytes
  // Error codes (Error::code), OVS's NXTTMFC_*.
  enum : int {
    kErrAlreadyMapped = 4001,  // the index is mapped already
    kErrDupEntry,              // the option is mapped to another index already
    kErrTableFull,             // no option space left
    kErrBadFieldIndex,         // index >= 64
  };

  // Adds every mapping or none (the first failure's error).
  Status add(const std::vector<TlvMapping>& maps);
  // Removes the mappings of these indexes (unmapped ones are ignored).
  void remove(const std::vector<uint16_t>& indexes);
  void clear();

  std::vector<TlvMapping> mappings() const;  // by index
  std::optional<TlvMapping> find(uint16_t index) const;
  unsigned space_used() const;
  uint64_t generation() const { return generation_; }

 private:
  std::array<std::optional<TlvMapping>, kMaxFields> entries_{};
  uint64_t generation_ = 1;
};

}  // namespace ferry

#endif  // FERRY_LIB_FLOW_TLV_TABLE_H_
