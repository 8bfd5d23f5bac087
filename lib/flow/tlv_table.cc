#include "lib/flow/tlv_table.h"

#include <string>

namespace ferry {

Status TlvTable::add(const std::vector<TlvMapping>& maps) {
  auto next = entries_;
  unsigned space = space_used();
  for (const TlvMapping& m : maps) {
    if (m.index >= kMaxFields) {
      return make_error("tun_metadata" + std::to_string(m.index) + " does not exist",
                        kErrBadFieldIndex);
    }
    if (next[m.index]) {
      return make_error("tun_metadata" + std::to_string(m.index) + " is mapped already",
                        kErrAlreadyMapped);
    }
    for (const auto& e : next) {
      if (e && e->option_class == m.option_class && e->option_type == m.option_type) {
        return make_error("the option is mapped to tun_metadata" + std::to_string(e->index),
                          kErrDupEntry);
      }
    }
    if (space + m.option_len > kMaxOptionSpace) {
      return make_error("no tunnel option space left", kErrTableFull);
    }
    space += m.option_len;
    next[m.index] = m;
  }
  entries_ = next;
  generation_++;
  return {};
}

void TlvTable::remove(const std::vector<uint16_t>& indexes) {
  for (uint16_t i : indexes) {
    if (i < kMaxFields) entries_[i].reset();
  }
  generation_++;
}

void TlvTable::clear() {
  entries_ = {};
  generation_++;
}

std::vector<TlvMapping> TlvTable::mappings() const {
  std::vector<TlvMapping> out;
  for (const auto& e : entries_) {
    if (e) out.push_back(*e);
  }
  return out;
}

std::optional<TlvMapping> TlvTable::find(uint16_t index) const {
  if (index >= kMaxFields) return std::nullopt;
  return entries_[index];
}

unsigned TlvTable::space_used() const {
  unsigned n = 0;
  for (const auto& e : entries_) {
    if (e) n += e->option_len;
  }
  return n;
}

}  // namespace ferry
