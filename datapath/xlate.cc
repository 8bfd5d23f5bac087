#include "datapath/xlate.h"

#include <algorithm>
#include <cstring>

#include "datapath/xlate_action_set.h"
#include "datapath/xlate_ct.h"
#include "datapath/xlate_fields.h"
#include "datapath/xlate_mpls.h"
#include "datapath/xlate_packet_in.h"
#include "datapath/xlate_tunnel.h"
#include "datapath/xlate_walk.h"
#include "lib/flow/field.h"
#include "lib/flow/learn.h"

namespace ferry {

// Table `table` had no match for the packet: a table miss.
inline void XlateWalk::table_miss(uint8_t table) {
  if (out_->log) out_->log->push_back(step(table, nullptr));
  if (!params_.packet_in_on_miss) return;
  Action a = Action::output(kOfppController, 0xffff);
  a.type = ActionType::kController;
  a.u8 = static_cast<uint8_t>(PacketInReason::kImplicitMiss);
  a.port = 0;
  packet_in(a, nullptr, 0, table);
}

// OpenFlow 1.1+: the action set runs when the pipeline ends, in OVS's
// order (datapath/xlate_action_set.h). A packet-in from it has reason
// action_set.
void XlateWalk::run_action_set(uint8_t table) {
  if (frozen_) return;  // it runs after the recirculation (OVS freezes it)
  const Action* list[kMaxActionSet + 4];
  const unsigned n = order_action_set(set_, n_set_, list);
  n_set_ = 0;
  if (n == 0) return;
  if (out_->log) {
    XlateStep st = step(0, nullptr);
    st.stopped = "--. Executing action set:";
    st.note = true;
    out_->log->push_back(st);
  }
  const bool saved_in_set = in_action_set_;
  in_action_set_ = true;
  for (unsigned i = 0; i < n && !out_->stopped; i++) {
    if (!do_actions(list[i], 1, table)) break;
  }
  in_action_set_ = saved_in_set;
}

// Looks `table` up with the current flow; runs the winner's actions. A
// miss after a goto_table is a table miss; after a resubmit it is not.
void XlateWalk::lookup_and_run(uint8_t table, bool honor_table_miss) {
  const Rule* r = cls_.lookup(table, flow_, &wc_);
  if (!r) {
    if (honor_table_miss) return table_miss(table);
    if (out_->log) out_->log->push_back(step(table, nullptr));
    return;
  }
  add_rule(r);
  if (out_->stopped) return;
  run_rule(*r, table);
}

// As OVS's xlate_table_action(): only a resubmit back to this table or
// an earlier one deepens the walk (an OVN pipeline resubmits forward
// through 80 tables); any resubmit counts towards kMaxResubmits.
inline void XlateWalk::resubmit(const Action& a, uint8_t table) {
  if (depth_ >= kMaxResubmitDepth) return stop("resubmit depth exceeded");
  if (++resubmits_ > kMaxResubmits) return stop("too many resubmits");
  const uint32_t saved_in_port = flow_.in_port;
  if (a.port != kOfppInPort) flow_.in_port = a.port;
  const uint8_t to = a.u8 == 0xff ? table : a.u8;
  const unsigned deepens = to <= table ? 1 : 0;
  depth_ += deepens;
  nest_++;
  lookup_and_run(to);
  nest_--;
  depth_ -= deepens;
  flow_.in_port = saved_in_port;
}

inline void XlateWalk::write_actions(const Action* nested, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (n_set_ >= kMaxActionSet) return stop("action set too large");
    set_[n_set_++] = &nested[i];
  }
}

inline void XlateWalk::stack_push(const Action& a) {
  if (!stack_.push(flow_, &wc_, a)) stop("stack too deep");
}

inline void XlateWalk::stack_pop(const Action& a) {
  Action s;
  if (stack_.pop(a, &s)) return set_field(s);
  if (out_->log) {  // as OVS: reported, and the walk goes on
    XlateStep st = step(0, nullptr);
    st.stopped = "stack underflow";
    out_->log->push_back(st);
  }
}

inline void XlateWalk::learn(const Action* head) {
  learn_mask(head, &wc_);
  out_->has_learn = true;
  if (out_->learns) out_->learns->learn(head, flow_);
  Action result;
  if (learn_result(cls_, head, &flow_, &result)) set_field(result);
}

inline void XlateWalk::move(const Action& a) {
  if (move_is_wide(a))
    return xlate_wide_move(&flow_, &wc_, a, [this](const Action& s) { emit(s); });
  auto src = static_cast<Field>(a.mac[0]), dst = static_cast<Field>(a.mac[1]);
  const unsigned src_ofs = a.mac[2], dst_ofs = a.mac[3], n = a.mac[4];
  const uint64_t bits = low_bits(n);
  const uint64_t v = (field_get(flow_, src) >> src_ofs) & bits;
  field_mark(&wc_, src, bits << src_ofs);
  field_set(&flow_, dst, v << dst_ofs, bits << dst_ofs);
  if (field_in_datapath(dst)) {
    Action s = Action::set_field(a.mac[1], v << dst_ofs, bits << dst_ofs);
    emit(s);
  }
}

// Returns false when the TTL expired: the action list being run ends.
inline bool XlateWalk::dec_ttl() {
  switch (xlate_dec_ttl(&flow_, &wc_)) {
    case TtlStep::kNotIp:
      return true;
    case TtlStep::kDecremented:
      emit(Action::set_field(static_cast<uint8_t>(Field::kIpTtl), flow_.nw_ttl, 0xff));
      return true;
    case TtlStep::kExpired:
      break;
  }
  // As OVS: this action list ends here (the packet would go to a
  // controller); whatever resubmitted into it carries on.
  out_->ttl_expired = true;
  if (out_->log) {
    XlateStep st = step(0, nullptr);
    st.stopped = "TTL expired (dec_ttl): the rest of this action list is skipped";
    out_->log->push_back(st);
  }
  return false;
}

// A kPacketIn for the controller action `a` (kController, or a kOutput
// to CONTROLLER) with its userdata `data`: the packet as it is now plus
// the pipeline's metadata now.
// Returns where the kPacketIn went (kMaxXlateActions: it did not fit).
inline size_t XlateWalk::packet_in(const Action& a, const Action* data, size_t n_data,
                                   uint8_t table) {
  PacketInAt at;
  at.table = table;
  at.cookie = rule_ ? rule_->cookie : params_.in_packet_out ? UINT64_MAX : 0;
  at.output_reason = params_.in_packet_out ? PacketInReason::kPacketOut
                     : in_action_set_      ? PacketInReason::kActionSet
                                           : PacketInReason::kAction;
  at.table_miss_rule = rule_ && is_table_miss_rule(*rule_);
  const size_t room = kMaxXlateActions - out_->n_actions;
  const size_t n =
      packet_in_actions(a, data, n_data, flow_, at, out_->actions + out_->n_actions, room);
  if (n == 0) {
    stop("too many actions");
    return kMaxXlateActions;
  }
  out_->n_actions = static_cast<uint16_t>(out_->n_actions + n);
  return out_->n_actions - n;
}

// controller(...,pause): the walk stops here; what remains of each action
// list it is in, innermost first, goes with the packet-in (a segment per
// list), as OVS freezes a paused translation.
inline void XlateWalk::pause_segment(const Action* rest, size_t n, uint8_t table) {
  Action& pi = out_->actions[pause_at_];
  if (pi.mac[1] + 1 + n > 255) return stop("continuation too long");
  emit(Action::data(kDataContSegment, table, rule_ ? rule_->cookie : 0));
  for (size_t i = 0; i < n; i++) emit(rest[i]);
  pi.mac[1] = static_cast<uint8_t>(pi.mac[1] + 1 + n);
}

inline void XlateWalk::ct(const Action* a, size_t n_data) {
  CtEmit e;
  xlate_ct(a, n_data, &flow_, &wc_, params_.recirc, &e);
  if (e.error) return stop(e.error);
  for (unsigned k = 0; k < e.n; k++) emit(e.acts[k]);
}

// An output to a tunnel port: its encapsulation in a clone (the walk goes
// on with the inner packet), or, when it cannot be resolved now, the
// output itself (the PMD handles it).
inline void XlateWalk::tunnel_output(const Action& a) {
  if (!xlate_tunnel_output(*params_.tunnels, a, flow_, &wc_, out_)) return emit(a);
  committed_tci_ = flow_.vlan_tci;
}

inline void XlateWalk::output_field(const Action& a) {
  auto f = static_cast<Field>(a.u8);
  const uint64_t bits = low_bits(a.mac[4]);
  field_mark(&wc_, f, bits << a.mac[2]);
  const auto port = static_cast<uint32_t>((field_get(flow_, f) >> a.mac[2]) & bits);
  output_port(Action::output(port));
}

// An output to a port number, as OVS's xlate: never back out the port the
// flow (as the pipeline changed it) came in on, except through IN_PORT,
// which then means that port; the packet's own input port is reached as
// IN_PORT when the pipeline changed in_port (OVN: set_field:0->in_port
// before outputting back).
inline void XlateWalk::output_port(const Action& a) {
  if (a.port == kOfppInPort && flow_.in_port != pkt_in_port_) {
    // IN_PORT is the flow's in_port as the pipeline left it (OVS outputs to
    // flow.in_port), not the port the packet came in on.
    Action o = a;
    o.port = flow_.in_port;
    if (params_.tunnels && params_.tunnels->is_tunnel(o.port)) return tunnel_output(o);
    return emit(o);
  }
  if (a.port == flow_.in_port) {
    if (out_->log) {
      XlateStep st = step(0, nullptr);
      st.stopped = "skipping output to input port";
      st.note = true;
      out_->log->push_back(st);
    }
    return;
  }
  if (params_.tunnels && params_.tunnels->is_tunnel(a.port)) return tunnel_output(a);
  if (a.port == pkt_in_port_) {
    Action o = a;
    o.port = kOfppInPort;
    emit(o);
  } else {
    emit(a);
  }
  if (params_.mirrors) mirror_egress(a.port);
}

// Returns false when the list ended early (an expired TTL).
bool XlateWalk::do_actions(const Action* acts, size_t n, uint8_t table) {
  for (size_t i = 0; i < n; i++) {
    const Action& a = acts[i];
    if (out_->stopped) return true;
    if (was_mpls_ && mpls_needs_recirc(a)) [[unlikely]] {
      mpls_recirc(acts + i, n - i, table);
      return true;
    }
    if (frozen_) [[unlikely]] {
      stop("actions after an MPLS recirculation in an outer list (not supported)");
      return true;
    }
    switch (a.type) {
      case ActionType::kWriteActions: {
        const size_t inner = std::min<size_t>(a.u16, n - i - 1);
        write_actions(acts + i + 1, inner);
        i += inner;
        break;
      }
      case ActionType::kClearActions:
        n_set_ = 0;
        break;
      case ActionType::kStackPush:
        stack_push(a);
        break;
      case ActionType::kStackPop:
        stack_pop(a);
        break;
      case ActionType::kLearn:
        learn(&a);
        i += std::min<size_t>(a.u16, n - i - 1);
        break;
      case ActionType::kNote:
        i += std::min<size_t>(a.u16, n - i - 1);
        break;
      case ActionType::kConjunction:  // only ever in rules lookups skip (classifier.h)
      case ActionType::kNoteData:
      case ActionType::kLearnSpec:
        break;
      case ActionType::kClone: {
        const size_t inner = std::min<size_t>(a.u16, n - i - 1);
        clone(acts + i + 1, inner, table);
        i += inner;
        break;
      }
      case ActionType::kOutputField:
        output_field(a);
        break;
      case ActionType::kGotoTable:  // always forward: no deeper (as OVS)
        nest_++;
        lookup_and_run(a.u8, true);
        nest_--;
        return true;  // an instruction: the last thing a rule does
      case ActionType::kController: {
        const size_t nd = std::min<size_t>(a.n_data(), n - i - 1);
        const size_t at = packet_in(a, acts + i + 1, nd, table);
        i += nd;
        if ((a.flags & Action::kPause) && at < kMaxXlateActions && !out_->stopped) {
          pause_at_ = at;
          out_->paused = true;
        }
        break;
      }
      case ActionType::kCt: {
        const size_t nd = std::min<size_t>(a.n_data(), n - i - 1);
        ct(acts + i, nd);
        i += nd;
        break;
      }
      case ActionType::kCtClear:
        clear_ct_fields(&flow_);
        emit(a);
        break;
      case ActionType::kPacketIn:
      case ActionType::kData:
      case ActionType::kRecirc:
        break;  // never in a rule / consumed with the action before
      case ActionType::kResubmit:
        resubmit(a, table);
        break;
      case ActionType::kSetField:
        set_field(a);
        break;
      case ActionType::kMove:
        move(a);
        break;
      case ActionType::kDecTtl:
        if (!dec_ttl()) return false;
        break;
      case ActionType::kSetEthSrc:
        std::memcpy(flow_.dl_src, a.mac, 6);
        emit(a);
        break;
      case ActionType::kSetEthDst:
        std::memcpy(flow_.dl_dst, a.mac, 6);
        emit(a);
        break;
      case ActionType::kStripVlan:
        flow_.vlan_tci = 0;
        emit(a);
        break;
      case ActionType::kOutput:
        if (a.port == kOfppTable) {  // as OVS: the pipeline again, from table 0
          if (depth_ >= kMaxResubmitDepth) {
            stop("resubmit depth exceeded");
            return true;
          }
          depth_++, nest_++;
          lookup_and_run(0, true);
          depth_--, nest_--;
          break;
        }
        if (a.port == kOfppController) {
          packet_in(a, nullptr, 0, table);
          break;
        }
        output_port(a);
        break;
      case ActionType::kSetVlanVid:
      case ActionType::kSetVlanPcp:
      case ActionType::kPushVlan:
        xlate_vlan_action(a, &flow_, &wc_);
        emit(a);
        break;
      case ActionType::kMeter:
        emit(a);
        break;
      case ActionType::kGroup:
        group(a.port, table);
        break;
      case ActionType::kPushMpls:
        push_mpls(a);
        break;
      case ActionType::kPopMpls:
        pop_mpls(a);
        break;
      case ActionType::kDecMplsTtl:
        if (!dec_mpls_ttl()) return false;
        break;
      default:  // output_trunc, multipath (datapath/xlate_fields.h)
        xlate_extra_action(a, &flow_, &wc_, committed_tci_, emit_to, this);
        break;
    }
    if (out_->paused && !out_->stopped) {
      pause_segment(acts + i + 1, n - i - 1, table);
      return true;
    }
  }
  return true;
}

namespace {

// The packet part of the walk's consulted bits, into *wc.
void merge_wc(const XlateWalk& w, FlowKey* wc, XlateOut* out) {
  if (out->stopped && out->recirc_mark >= 0) {
    // ovs-vswitchd executed the pass before its recirculation; only the
    // failed pass after it is dropped.
    out->n_actions = static_cast<uint16_t>(out->recirc_mark);
    out->stopped = false;
  }
  const uint64_t* src = w.wc().words();
  uint64_t* dst = wc->words();
  for (size_t i = 0; i < FlowKey::kWords; i++) dst[i] |= src[i];
  unwrap_last_tunnel_clone(out);
}

void reset(XlateOut* out) {
  out->n_actions = 0;
  out->n_rules = 0;
  out->n_groups = 0;
  out->recirc_mark = -1;
  out->tnl_clone = -1;
  out->stopped = false;
  out->paused = false;
  out->ttl_expired = false;
  out->has_learn = false;
}

}  // namespace

void xlate(const Classifier& cls, const FlowKey& pkt, const Rule* first, FlowKey* wc, XlateOut* out,
           const XlateParams& params) {
  reset(out);
  XlateWalk w(cls, pkt, out, params);
  if (params.mirrors && !w.mirror_ingress()) return merge_wc(w, wc, out);
  if (first) {
    w.add_rule(first);
    w.run_rule(*first, first->table_id);
    if (!out->stopped && !out->paused) w.run_action_set(first->table_id);
  } else {
    w.table_miss(0);
  }
  merge_wc(w, wc, out);
}

void xlate_resume(const Classifier& cls, const FlowKey& pkt, const FrozenState& state, FlowKey* wc,
                  XlateOut* out, const XlateParams& params) {
  reset(out);
  XlateWalk w(cls, pkt, out, params);
  w.resume(state);
  if (!out->stopped && !out->paused) w.run_action_set(state.table);
  merge_wc(w, wc, out);
}

void xlate_actions(const Classifier& cls, const FlowKey& pkt, const Action* actions, size_t n,
                   FlowKey* wc, XlateOut* out, const XlateParams& params) {
  reset(out);
  XlateWalk w(cls, pkt, out, params);
  const uint8_t table = params.start ? params.start->table : 0;
  if (params.start) w.start_at(*params.start);
  w.run_actions(actions, n, table);
  if (!out->stopped && !out->paused) w.run_action_set(table);
  merge_wc(w, wc, out);
}

}  // namespace ferry