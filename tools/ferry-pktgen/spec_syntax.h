// The syntax of a frame SPEC: a comma-separated list of items
// "name(key=value,key,...)" (the parentheses are optional when empty), and
// a reader that fetches typed item arguments, remembering the first error
// and rejecting keys nobody asked for. The meaning of the items is in
// frame_spec.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/packet/builder.h"
#include "lib/util/result.h"

namespace ferry::pktgen {

struct SpecItem {
  std::string name;
  // (key, value); a bare key has no value.
  std::vector<std::pair<std::string, std::optional<std::string>>> args;
};

Result<std::vector<SpecItem>> parse_spec_items(std::string_view text);

// "0a1B..." with optional ':' , ' ' or '-' between bytes.
Result<std::vector<uint8_t>> parse_hex_bytes(std::string_view text);

class ItemReader {
 public:
  explicit ItemReader(const SpecItem& item);

  bool has(std::string_view key);
  // A bare key or key=0/1.
  bool flag(std::string_view key);
  std::optional<std::string> text(std::string_view key);
  // A number (decimal or 0x..) at most max; dflt when absent.
  uint64_t number(std::string_view key, uint64_t max, uint64_t dflt);
  std::optional<uint64_t> opt_number(std::string_view key, uint64_t max);
  // Required values: missing or malformed is an error (zero returned).
  Mac mac(std::string_view key);
  Mac mac_or(std::string_view key, const Mac& dflt);
  uint32_t ipv4(std::string_view key);  // network order
  Ipv6Addr ipv6(std::string_view key);

  void fail(std::string message);
  // The first error, or an error naming a key no getter asked for.
  Status finish() const;

 private:
  const std::pair<std::string, std::optional<std::string>>* find(std::string_view key);
  std::optional<std::string> value(std::string_view key, bool required);

  const SpecItem& item_;
  std::vector<bool> used_;
  std::optional<Error> error_;
};

}  // namespace ferry::pktgen
