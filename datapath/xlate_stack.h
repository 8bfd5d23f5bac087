// The NXAST stack of one translation (push:/pop:, ovs-actions(7)): values
// of subfields, 64 bits at most each (a 128-bit field is pushed as its two
// halves, lib/ovs/ofp/fo-nxactions.c). A clone works on a copy.
#pragma once

#include <algorithm>
#include <cstdint>

#include "lib/flow/action.h"
#include "lib/flow/field.h"
#include "lib/flow/of_key.h"

namespace ferry {

constexpr unsigned kMaxXlateStack = 128;  // NXAST stack entries (push/pop)

class XlateStack {
 public:
  // push:FIELD[ofs..ofs+n-1] (the field as the flow has it now; the bits
  // are consulted). False when the stack is full.
  bool push(const OfKey& flow, OfKey* wc, const Action& a) {
    if (n_ >= kMaxXlateStack) return false;
    auto f = static_cast<Field>(a.u8);
    const uint64_t bits = low_bits(a.mac[4]);
    field_mark(wc, f, bits << a.mac[2]);
    v_[n_++] = (field_get(flow, f) >> a.mac[2]) & bits;
    return true;
  }
  // pop:FIELD[...]: the set_field that writes the top value; false (and
  // nothing) when the stack is empty.
  bool pop(const Action& a, Action* set) {
    if (n_ == 0) return false;
    const uint64_t bits = low_bits(a.mac[4]);
    *set = Action::set_field(a.u8, (v_[--n_] & bits) << a.mac[2], bits << a.mac[2]);
    return true;
  }
  void copy_to(XlateStack* o) const {
    std::copy(v_, v_ + n_, o->v_);
    o->n_ = n_;
  }

 private:
  uint64_t v_[kMaxXlateStack];
  unsigned n_ = 0;
};

}  // namespace ferry
