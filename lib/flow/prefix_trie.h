// A path-compressed binary trie of bit prefixes (as OVS's classifier tries,
// lib/classifier.c): the prefixes of one field (an IPv4 or IPv6 address, or
// the transport ports as one 32-bit value) of a set of rules. A lookup walks
// a packet's value once and answers two things:
//   - which prefix lengths have a rule whose prefix equals the packet's
//     leading bits of that length (a subtable whose rules all have length L
//     cannot match when L is not among them);
//   - how many leading bits of the value the walk needed to decide that
//     (every value agreeing on those bits gets the same answer), which is
//     all a megaflow has to match on this field for that decision.
// T is uint32_t (IPv4, ports: 16-byte nodes) or unsigned __int128 (IPv6).
// Built once by the control thread, then read-only: lookups never allocate.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ferry {

template <class T>
class PrefixTrie {
 public:
  using Bits = T;  // values are left-aligned: the field's first bit is the top bit
  static constexpr unsigned kWidth = sizeof(T) * 8;
  static constexpr uint32_t kNone = UINT32_MAX;

  static T prefix_mask(unsigned len) { return len ? ~T{0} << (kWidth - len) : T{0}; }
  static unsigned bit_at(T v, unsigned i) {
    return static_cast<unsigned>(v >> (kWidth - 1 - i)) & 1;
  }
  static unsigned leading_zeros(T v) {
    if constexpr (kWidth == 32) {
      return v ? static_cast<unsigned>(__builtin_clz(v)) : 32;
    } else {
      const uint64_t hi = static_cast<uint64_t>(v >> 64), lo = static_cast<uint64_t>(v);
      if (hi) return static_cast<unsigned>(__builtin_clzll(hi));
      return lo ? 64 + static_cast<unsigned>(__builtin_clzll(lo)) : 128;
    }
  }

  // Adds a rule's prefix: the first plen (1..kWidth) bits of value.
  void insert(T value, unsigned plen);
  bool empty() const { return root_ == kNone; }
  size_t n_nodes() const { return nodes_.size(); }

  // Walks value. Sets bit L-1 of *plens for every length L at which a
  // prefix equals value's first L bits; returns how many leading bits
  // decided the walk (OVS's trie_lookup_value).
  unsigned lookup(T value, T* plens) const {
    uint32_t n = root_, prev = kNone;
    unsigned matched = 0;
    while (n != kNone) {
      const Node& node = nodes_[n];
      const T diff = (value ^ node.prefix) & prefix_mask(node.end);
      if (diff) return leading_zeros(diff) + 1;  // includes the bit that differs
      matched = node.end;
      if (node.has_rules) *plens |= T{1} << (matched - 1);
      if (matched >= kWidth) return kWidth;
      prev = n;
      n = node.child[bit_at(value, matched)];
    }
    // Fell off the trie: the other branch (if any) is excluded by the next bit.
    return prev == kNone || is_leaf(nodes_[prev]) ? matched : matched + 1;
  }

 private:
  struct Node {
    T prefix;  // the bits from the root to the end of this node's edge
    uint32_t child[2];
    uint8_t end;     // depth at the end of the edge
    bool has_rules;  // some prefix ends exactly here
  };
  static bool is_leaf(const Node& n) { return n.child[0] == kNone && n.child[1] == kNone; }
  uint32_t add_node(T prefix, unsigned end, bool has_rules) {
    nodes_.push_back(
        Node{prefix & prefix_mask(end), {kNone, kNone}, static_cast<uint8_t>(end), has_rules});
    return static_cast<uint32_t>(nodes_.size() - 1);
  }

  std::vector<Node> nodes_;
  uint32_t root_ = kNone;
};

template <class T>
void PrefixTrie<T>::insert(T value, unsigned plen) {
  if (plen == 0 || plen > kWidth) return;
  value &= prefix_mask(plen);
  // The slot being filled: the root, or child `side` of node `parent`
  // (indexes, not references: add_node may move the nodes).
  uint32_t parent = kNone;
  unsigned side = 0;
  auto slot = [&]() -> uint32_t& { return parent == kNone ? root_ : nodes_[parent].child[side]; };
  for (;;) {
    const uint32_t n = slot();
    if (n == kNone) {
      const uint32_t leaf = add_node(value, plen, true);
      slot() = leaf;
      return;
    }
    const Node node = nodes_[n];
    const unsigned common =
        std::min({leading_zeros(value ^ node.prefix), static_cast<unsigned>(node.end), plen});
    if (common < node.end) {
      // Split the edge at `common`: a new node there, the old one below it.
      const uint32_t mid = add_node(node.prefix, common, common == plen);
      nodes_[mid].child[bit_at(node.prefix, common)] = n;
      if (common < plen) {
        const uint32_t leaf = add_node(value, plen, true);
        nodes_[mid].child[bit_at(value, common)] = leaf;
      }
      slot() = mid;
      return;
    }
    if (plen == node.end) {
      nodes_[n].has_rules = true;
      return;
    }
    parent = n;
    side = bit_at(value, node.end);
  }
}

using PrefixTrie32 = PrefixTrie<uint32_t>;
using PrefixTrie128 = PrefixTrie<unsigned __int128>;

}  // namespace ferry
