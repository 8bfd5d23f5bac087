// OpenFlow actions as Ferry executes them. An action list is executed in
// order on the packet; output emits the packet as it is at that point.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "lib/packet/flow_key.h"

namespace ferry {

enum class ActionType : uint8_t {
  kOutput = 1,  // port: a port number or kOfppInPort/Flood/All/Normal/Local/Controller
  kSetEthSrc,   // mac
  kSetEthDst,   // mac
  kSetVlanVid,  // u16 = VID; flags kPushIfNeeded: push a tag when untagged (OF1.0 mod_vlan_vid)
  kSetVlanPcp,  // u8 = PCP; flags kPushIfNeeded as above
  kStripVlan,   // pop the outermost 802.1Q tag if any
  kPushVlan,    // u16 = TPID (0x8100 or 0x88a8), host order; new tag has VID 0
  kMeter,       // u32 = meter id
  // The pipeline (translated away before a PMD executes a list, except as
  // noted; datapath/xlate.h):
  kGotoTable,  // u8 = table (an instruction: the walk continues there)
  kResubmit,  // port = in_port for the lookup (kOfppInPort: unchanged), u8 = table (0xff: this one)
  kSetField,  // u8 = Field, value/mask (host-order numbers); u16 = OVS's field id (for
              // formatting); flags kLegacy: OVS's mod_nw_*/mod_tp_* spelling, kInstruction:
              // write_metadata. Executed by PMDs on packet fields.
  kMove,      // mac[0] = src Field, mac[1] = dst Field, mac[2] = src ofs, mac[3] = dst ofs,
              // mac[4] = n_bits; port = OVS's src field id, u16 = OVS's dst field id
  kDecTtl,    // executed by PMDs: a TTL of 0 or 1 drops the packet (counted)
  kClone,     // u16 = how many of the following actions run on a copy of the packet;
              // the packet then continues as it was. Executed by PMDs.
  kOutputField,  // output to the port in bits mac[2]..mac[2]+mac[4]-1 of Field u8;
                 // port = OVS's field id, u16 = max_len
  // Controllers (the plain CONTROLLER:N is a kOutput to kOfppController):
  kController,  // controller(...) with options: u8 = PacketInReason, u16 = max_len, port =
                // controller id, flags kPause, mac[0..1] = userdata length (host order);
                // the userdata follows in data_actions_for(length) kData actions
  kPacketIn,    // translated only, executed by PMDs: a copy of the packet as it is goes to
                // the control thread for the bridge's controllers. u8 = PacketInReason,
                // u16 = max_len, port = controller id, mac[0] = table, mac[1] = how many
                // kData follow, mac[2..3] = userdata length, value = rule cookie,
                // mask = the metadata field's value; the kData: pipeline metadata
                // (tags kDataXreg0.., kDataPort), then the userdata (kDataBytes)
  kData,        // payload of the kController/kPacketIn before it; u8 = tag
  kGroup,       // port = group id (lib/flow/group.h)
  // Actions that never reach a PMD (a list with any of them is translated,
  // lib/flow/learn.h and datapath/xlate.h):
  kConjunction,   // port = conjunction id, mac[0] = clause (0-based), mac[1] = n_clauses
  kNote,          // u16 = how many kNoteData follow, port = the note's length in bytes
  kNoteData,      // 28 bytes of a note, from byte 4 of the action (port .. mask)
  kStackPush,     // push bits mac[2]..mac[2]+mac[4]-1 of Field u8 (port = OVS's field id)
  kStackPop,      // pop into those bits
  kWriteActions,  // u16 = how many following actions are written to the action set
  kClearActions,  // empties the action set
  kLearn,         // u16 = how many kLearnSpec follow; the rest: lib/flow/learn.h
  kLearnSpec,     // one field of a learned flow (lib/flow/learn.h)
  // Executed by PMDs, but always translated first (the walk decides):
  kOutputTrunc,  // output(port=P,max_len=N): port, value = max_len; the copy sent is cut
                 // to max_len bytes (OVS's output_trunc)
  // Translated only:
  kMultipath,  // multipath(fields,basis,algorithm,max_link+1,arg,dst): mac[0] = nx_hash_fields,
               // mac[1] = nx_mp_algorithm, u16 = basis, value = max_link, port = arg; the link
               // goes to bits mac[2]..mac[2]+mac[4]-1 of Field u8 (mask = OVS's field id)
  // Connection tracking (lib/flow/ct_action.h). In a rule, kCt may read its
  // zone from a field and name a table; the translation resolves both (the
  // zone becomes immediate, the table a kRecirc after it) and PMDs execute
  // kCt, kCtClear and kRecirc.
  kCt,       // mac[1] = how many kData follow; the rest: lib/flow/ct_action.h
  kCtClear,  // the packet's ct fields to zero
  kRecirc,   // translated only: port = recirculation id (datapath/recirc.h); the packet
             // (a copy, unless this is its last use) is looked up again
  // Tunnels (datapath/tunnel_xlate.h), translated only: push the outer
  // header its kData carry (mac[1] of them, u16 bytes; flags 1: a UDP
  // checksum), then run the rest of the list in the underlay bridge (port =
  // its slot, mac[0] = its index in the snapshot) as if from its internal
  // port (value = that port's ofport); mac[2..3]: the tunnel port's ofport.
  kTnlPush,
  // MPLS (datapath/xlate_mpls.cc), always translated; PMDs execute the
  // translated push/pop. set_mpls_label/tc/ttl are kSetFields on the MPLS
  // fields (kLegacy: OVS's set_mpls_* spelling).
  kPushMpls,    // u16 = ethertype (0x8847/0x8848, host order); translated: value = the
                // label stack entry pushed (host order), mask = 1
  kPopMpls,     // u16 = the ethertype after the pop (host order)
  kDecMplsTtl,  // translated away (a kSetField on mpls_ttl, or the end of the list)
};

// OpenFlow's packet-in reasons, numbered as OVS's enum ofp_packet_in_reason.
enum class PacketInReason : uint8_t {
  kNoMatch = 0,
  kAction,
  kInvalidTtl,
  kActionSet,
  kGroup,
  kPacketOut,
  kExplicitMiss,  // a controller action in a table-miss flow (OpenFlow 1.3+)
  kImplicitMiss,  // no flow matched (sent as no_match)
};

const char* packet_in_reason_name(PacketInReason r);

// kData tags. kDataBytes carries 16 bytes in value and mask (memcpy order).
constexpr uint8_t kDataBytes = 0;
constexpr uint8_t kDataXreg0 = 1;         // .. kDataXreg0 + 7: value = xreg (reg2i | reg2i+1 << 32)
constexpr uint8_t kDataPort = 9;          // port = in_port, value = pkt_mark
constexpr uint8_t kDataCtLabel = 10;      // kCt: value = ct_label lo, mask = hi
constexpr uint8_t kDataCtLabelMask = 11;  // kCt: the label's mask, likewise
constexpr uint8_t kDataNatMin = 12;       // kCt: 16 address bytes (kDataBytes order)
constexpr uint8_t kDataNatMax = 13;
// kCt: exec(move:SRC[ofs..]->ct_mark|ct_label[ofs..]), read at translation:
// mac[0] the source Field, mac[1] its offset, mac[2] bits (<= 64), mac[3]
// 0 ct_mark / 1 ct_label, mac[4] the destination offset.
constexpr uint8_t kDataCtMove = 14;
// kPacketIn of a controller(...,pause): the walk's continuation follows the
// packet-in's own data, as segments: a kDataContSegment (port = the table,
// value = the cookie its actions ran under) and the rest of that action
// list, innermost first (OVS's frozen actions with their unroll_xlate).
constexpr uint8_t kDataContSegment = 15;
constexpr size_t kActionDataBytes = 16;
constexpr size_t data_actions_for(size_t bytes) {
  return (bytes + kActionDataBytes - 1) / kActionDataBytes;
}

struct Action {
  static constexpr uint8_t kPushIfNeeded = 1;
  static constexpr uint8_t kLegacy = 2;       // kSetField as mod_nw_src etc.
  static constexpr uint8_t kInstruction = 4;  // kSetField(metadata) as write_metadata
  static constexpr uint8_t kPause = 8;        // kController: pause (continuations)
  static constexpr uint8_t kWideLo = 16;      // kSetField: the low half of a 128-bit
                                              // set_field (its high half comes first)

  ActionType type;
  uint8_t flags;
  uint16_t u16;   // VID, TPID, or controller max_len
  uint32_t port;  // output port or meter id
  uint8_t mac[6];
  uint8_t u8;  // PCP, table, or Field
  uint8_t pad;
  uint64_t value;  // kSetField
  uint64_t mask;

  static Action output(uint32_t p, uint16_t max_len = 0) {
    return make(ActionType::kOutput, p, max_len);
  }
  static Action set_eth_src(const Mac& m) { return with_mac(ActionType::kSetEthSrc, m); }
  static Action set_eth_dst(const Mac& m) { return with_mac(ActionType::kSetEthDst, m); }
  static Action set_vlan_vid(uint16_t vid, bool push_if_needed = true) {
    Action a = make(ActionType::kSetVlanVid, 0, vid);
    a.flags = push_if_needed ? kPushIfNeeded : 0;
    return a;
  }
  static Action set_vlan_pcp(uint8_t pcp, bool push_if_needed = true) {
    Action a = make(ActionType::kSetVlanPcp, 0, 0);
    a.u8 = pcp;
    a.flags = push_if_needed ? kPushIfNeeded : 0;
    return a;
  }
  static Action strip_vlan() { return make(ActionType::kStripVlan, 0, 0); }
  static Action push_vlan(uint16_t tpid = kEthTypeVlan) {
    return make(ActionType::kPushVlan, 0, tpid);
  }
  static Action meter(uint32_t id) { return make(ActionType::kMeter, id, 0); }
  static Action goto_table(uint8_t table) {
    Action a = make(ActionType::kGotoTable, 0, 0);
    a.u8 = table;
    return a;
  }
  static Action resubmit(uint32_t in_port, uint8_t table) {
    Action a = make(ActionType::kResubmit, in_port, 0);
    a.u8 = table;
    return a;
  }
  // field: a Field (lib/flow/field.h) as a number.
  static Action set_field(uint8_t field, uint64_t value, uint64_t mask, uint16_t ovs_id = 0) {
    Action a = make(ActionType::kSetField, 0, ovs_id);
    a.u8 = field;
    a.value = value & mask;
    a.mask = mask;
    return a;
  }
  static Action move(uint8_t src, unsigned src_ofs, uint8_t dst, unsigned dst_ofs,
                     unsigned n_bits) {
    Action a = make(ActionType::kMove, 0, 0);
    a.mac[0] = src;
    a.mac[1] = dst;
    a.mac[2] = static_cast<uint8_t>(src_ofs);
    a.mac[3] = static_cast<uint8_t>(dst_ofs);
    a.mac[4] = static_cast<uint8_t>(n_bits);
    return a;
  }
  static Action dec_ttl() { return make(ActionType::kDecTtl, 0, 0); }
  static Action clone(uint16_t n_nested) { return make(ActionType::kClone, 0, n_nested); }
  static Action conjunction(uint32_t id, unsigned clause, unsigned n_clauses) {
    Action a = make(ActionType::kConjunction, id, 0);
    a.mac[0] = static_cast<uint8_t>(clause);
    a.mac[1] = static_cast<uint8_t>(n_clauses);
    return a;
  }
  static Action stack(bool push, uint8_t field, unsigned ofs, unsigned n_bits) {
    Action a = make(push ? ActionType::kStackPush : ActionType::kStackPop, 0, 0);
    a.u8 = field;
    a.mac[2] = static_cast<uint8_t>(ofs);
    a.mac[4] = static_cast<uint8_t>(n_bits);
    return a;
  }
  static Action write_actions(uint16_t n_nested) {
    return make(ActionType::kWriteActions, 0, n_nested);
  }
  static Action clear_actions() { return make(ActionType::kClearActions, 0, 0); }
  static Action output_field(uint8_t field, unsigned ofs, unsigned n_bits) {
    Action a = make(ActionType::kOutputField, 0, 0);
    a.u8 = field;
    a.mac[2] = static_cast<uint8_t>(ofs);
    a.mac[4] = static_cast<uint8_t>(n_bits);
    return a;
  }

  static Action data_bytes(const uint8_t* bytes, size_t n) {
    Action a = make(ActionType::kData, 0, 0);
    a.u8 = kDataBytes;
    uint8_t buf[kActionDataBytes] = {};
    std::memcpy(buf, bytes, n < kActionDataBytes ? n : kActionDataBytes);
    std::memcpy(&a.value, buf, 8);
    std::memcpy(&a.mask, buf + 8, 8);
    return a;
  }
  static Action data(uint8_t tag, uint32_t port, uint64_t value) {
    Action a = make(ActionType::kData, port, 0);
    a.u8 = tag;
    a.value = value;
    return a;
  }
  // The userdata length of a kController or kPacketIn.
  uint16_t userdata_len() const {
    return static_cast<uint16_t>(type == ActionType::kController ? mac[0] | mac[1] << 8
                                                                 : mac[2] | mac[3] << 8);
  }
  // How many kData actions follow this one.
  size_t n_data() const {
    if (type == ActionType::kController) return data_actions_for(userdata_len());
    if (type == ActionType::kPacketIn || type == ActionType::kCt || type == ActionType::kTnlPush)
      return mac[1];
    return 0;
  }
  static Action group(uint32_t id) { return make(ActionType::kGroup, id, 0); }
  static Action output_trunc(uint32_t p, uint32_t max_len) {
    Action a = make(ActionType::kOutputTrunc, p, 0);
    a.value = max_len;
    return a;
  }

  bool operator==(const Action& o) const { return std::memcmp(this, &o, sizeof *this) == 0; }
  bool operator!=(const Action& o) const { return !(*this == o); }

  // OVS-like text: "output:2", "NORMAL", "mod_dl_dst:aa:..", "mod_vlan_vid:10", ...
  std::string to_string() const;

 private:
  static Action make(ActionType t, uint32_t p, uint16_t v) {
    Action a;
    std::memset(&a, 0, sizeof a);
    a.type = t;
    a.port = p;
    a.u16 = v;
    return a;
  }
  static Action with_mac(ActionType t, const Mac& m) {
    Action a = make(t, 0, 0);
    std::memcpy(a.mac, m.data(), 6);
    return a;
  }
};

static_assert(sizeof(Action) == 32, "Action is a 32-byte POD");

using ActionList = std::vector<Action>;

// "label=L,tc=T,ttl=N,bos=B" of a label stack entry (host order), as OVS's
// datapath actions print one.
std::string format_mpls_lse(uint32_t lse);
// "drop" for an empty list, else the actions joined by ','.
std::string format_actions(const ActionList& actions);
// True when running the list needs the pipeline's translation (it goes to
// another table or touches the pipeline's metadata), not just execution.
bool actions_need_xlate(const ActionList& actions);
// How many actions after `a` belong to it (a clone's, a write_actions', a
// learn's specs, a note's data, a controller's or packet-in's kData).
inline size_t nested_count(const Action& a) {
  switch (a.type) {
    case ActionType::kClone:
    case ActionType::kWriteActions:
    case ActionType::kLearn:
    case ActionType::kNote:
      return a.u16;
    default:
      return a.n_data();
  }
}
// Actions PMDs never execute: only the pipeline's translation runs them
// (a list with any of them is translated, datapath/xlate.h).
inline bool translated_only(ActionType t) {
  switch (t) {
    case ActionType::kGotoTable:
    case ActionType::kResubmit:
    case ActionType::kMove:
    case ActionType::kOutputField:
    case ActionType::kController:
    case ActionType::kGroup:
      return true;
    case ActionType::kOutputTrunc:
    case ActionType::kCt:  // executed by PMDs once translated
    case ActionType::kCtClear:
    case ActionType::kRecirc:
    case ActionType::kTnlPush:
    case ActionType::kPushMpls:
    case ActionType::kPopMpls:
      return false;
    case ActionType::kDecMplsTtl:
      return true;
    default:
      return t >= ActionType::kConjunction;
  }
}
// A note's bytes (kNote followed by its kNoteData), for formatting.
std::string note_bytes(const Action* note, size_t n_following);
// Appends a note (kNote and its kNoteData) holding `bytes`.
void append_note(ActionList* out, const uint8_t* bytes, size_t len);
// True when the rule is (part of) a conjunctive match: its actions are
// conjunction actions (and notes).
bool actions_are_conjunctive(const ActionList& actions);
// Copies the bytes of kDataBytes actions (at most `len`) into out.
void read_data_bytes(const Action* data, size_t n, uint8_t* out, size_t len);

// True when the list outputs to `port` (for out_port filters in flow_mods
// and stats requests; kOfppNone means "any").
bool actions_output_to(const ActionList& actions, uint32_t port);

}  // namespace ferry
