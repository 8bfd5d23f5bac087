#include "datapath/xlate.h"

#include <algorithm>

#include "datapath/group_select.h"
#include "datapath/xlate_action_set.h"
#include "datapath/xlate_ct.h"
#include "datapath/xlate_fields.h"
#include "datapath/xlate_packet_in.h"
#include "datapath/xlate_stack.h"
#include "datapath/xlate_tunnel.h"
#include "lib/flow/field.h"
#include "lib/flow/learn.h"

namespace ferry {

namespace {

class Walk {
 public:
  Walk(const Classifier& cls, const FlowKey& pkt, XlateOut* out, const XlateParams& params)
      : cls_(cls),
        groups_(params.groups),
        flow_(of_key(pkt)),
        wc_(zero_of_key()),
        out_(out),
        params_(params),
        pkt_in_port_(flow_.in_port) {}

  // Runs a rule found in `table` (already counted in out_->rules).
  void run_rule(const Rule& r, uint8_t table) {
    if (out_->log) out_->log->push_back(step(table, &r));
    const Rule* saved = rule_;
    rule_ = &r;
    do_actions(r.actions->data(), r.actions->size(), table);
    rule_ = saved;
  }

  // A recirculated packet: from the table and metadata its id froze.
  void resume(const FrozenState& st) {
    st.restore(&flow_);
    lookup_and_run(st.table, true);
  }

  // A list that belongs to no rule (a packet-out's).
  void run_actions(const Action* acts, size_t n, uint8_t table) { do_actions(acts, n, table); }
  void start_at(const XlateStart& st) {
    flow_.metadata = st.metadata;
    std::copy(st.regs, st.regs + 16, flow_.regs);
    flow_.pkt_mark = st.pkt_mark;
  }

  // Table `table` had no match for the packet: a table miss.
  void table_miss(uint8_t table) {
    if (out_->log) out_->log->push_back(step(table, nullptr));
    if (!params_.packet_in_on_miss) return;
    Action a = Action::output(kOfppController, 0xffff);
    a.type = ActionType::kController;
    a.u8 = static_cast<uint8_t>(PacketInReason::kImplicitMiss);
    a.port = 0;
    packet_in(a, nullptr, 0, table);
  }

  void add_rule(const Rule* r) {
    if (out_->n_rules < kMaxXlateRules) {
      out_->rules[out_->n_rules++] = r;
    } else {
      stop("too many rules visited");
    }
  }

  const OfKey& wc() const { return wc_; }

  // OpenFlow 1.1+: the action set runs when the pipeline ends, in OVS's
  // order (datapath/xlate_action_set.h). A packet-in from it has reason
  // action_set.
  void run_action_set(uint8_t table) {
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

 private:
  XlateStep step(uint8_t table, const Rule* r) const {
    XlateStep s;
    s.table = table;
    s.depth = static_cast<uint8_t>(nest_);
    s.rule = r;
    return s;
  }

  void stop(const char* why) {
    if (!out_->stopped && out_->log) {
      XlateStep s = step(0, nullptr);
      s.stopped = why;
      out_->log->push_back(s);
    }
    out_->stopped = true;
  }

  static void emit_to(void* w, const Action& a) { static_cast<Walk*>(w)->emit(a); }
  void emit(const Action& a) {
    if (out_->n_actions >= kMaxXlateActions) return stop("too many actions");
    out_->actions[out_->n_actions++] = a;
    if (commits_headers(a.type)) committed_tci_ = flow_.vlan_tci;
  }

  // Looks `table` up with the current flow; runs the winner's actions. A
  // miss after a goto_table is a table miss; after a resubmit it is not.
  void lookup_and_run(uint8_t table, bool honor_table_miss = false) {
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
  void resubmit(const Action& a, uint8_t table) {
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

  void write_actions(const Action* nested, size_t n) {
    for (size_t i = 0; i < n; i++) {
      if (n_set_ >= kMaxActionSet) return stop("action set too large");
      set_[n_set_++] = &nested[i];
    }
  }

  void stack_push(const Action& a) {
    if (!stack_.push(flow_, &wc_, a)) stop("stack too deep");
  }

  void stack_pop(const Action& a) {
    Action s;
    if (stack_.pop(a, &s)) return set_field(s);
    if (out_->log) {  // as OVS: reported, and the walk goes on
      XlateStep st = step(0, nullptr);
      st.stopped = "stack underflow";
      out_->log->push_back(st);
    }
  }

  void learn(const Action* head) {
    learn_mask(head, &wc_);
    out_->has_learn = true;
    if (out_->learns) out_->learns->learn(head, flow_);
    Action result;
    if (learn_result(cls_, head, &flow_, &result)) set_field(result);
  }

  void set_field(const Action& a) {
    auto f = static_cast<Field>(a.u8);
    field_set(&flow_, f, a.value, a.mask);
    if (field_in_datapath(f)) emit(a);
  }

  void move(const Action& a) {
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
  bool dec_ttl() {
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

  // A clone's actions run on a copy: emitted after a kClone that counts
  // them; the flow (not the consulted bits) is as it was afterwards. As
  // OVS, a clone has its own copy of the stack and the action set, and
  // runs its action set at its end; a group bucket (`bucket`) shares the
  // walk's (OVS's xlate_group_bucket restores only the flow).
  void clone(const Action* nested, size_t n, uint8_t table, bool bucket = false) {
    const size_t at = out_->n_actions;
    emit(Action::clone(0));
    if (out_->stopped) return;
    const OfKey saved = flow_;
    if (bucket) {
      do_actions(nested, n, table);
    } else {
      const Action* saved_set[kMaxActionSet];
      const unsigned saved_n_set = n_set_;
      std::copy(set_, set_ + n_set_, saved_set);
      XlateStack saved_stack;
      stack_.copy_to(&saved_stack);
      do_actions(nested, n, table);
      if (!out_->stopped && !out_->paused) run_action_set(table);
      std::copy(saved_set, saved_set + saved_n_set, set_);
      n_set_ = saved_n_set;
      saved_stack.copy_to(&stack_);
    }
    flow_ = saved;
    out_->actions[at].u16 = static_cast<uint16_t>(out_->n_actions - at - 1);
  }

  // A kPacketIn for the controller action `a` (kController, or a kOutput
  // to CONTROLLER) with its userdata `data`: the packet as it is now plus
  // the pipeline's metadata now.
  // Returns where the kPacketIn went (kMaxXlateActions: it did not fit).
  size_t packet_in(const Action& a, const Action* data, size_t n_data, uint8_t table) {
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
  void pause_segment(const Action* rest, size_t n, uint8_t table) {
    Action& pi = out_->actions[pause_at_];
    if (pi.mac[1] + 1 + n > 255) return stop("continuation too long");
    emit(Action::data(kDataContSegment, table, rule_ ? rule_->cookie : 0));
    for (size_t i = 0; i < n; i++) emit(rest[i]);
    pi.mac[1] = static_cast<uint8_t>(pi.mac[1] + 1 + n);
  }

  void log_group(const Group* g, int32_t bucket, bool bucket_step, uint32_t id = 0) {
    if (!out_->log) return;
    XlateStep s = step(0, nullptr);
    s.group = g;
    s.bucket = bucket;
    s.bucket_step = bucket_step;
    s.missing_group = id;
    out_->log->push_back(s);
  }

  // A bucket runs as a clone of the packet (OVS restores the flow after
  // each bucket), one level deeper.
  void run_bucket(const Group& g, int b, uint8_t table) {
    const Bucket& bk = g.buckets[static_cast<size_t>(b)];
    log_group(&g, b, true);
    if (bk.exec.empty()) return;  // an action set without output, resubmit or group
    depth_++, nest_++;
    clone(bk.exec.data(), bk.exec.size(), table, true);
    depth_--, nest_--;
  }

  // OVS's xlate_group_action(): all and indirect run every bucket, select
  // and fast_failover the one they pick; the group's counters take the
  // packets.
  void group(uint32_t id, uint8_t table) {
    if (depth_ >= kMaxResubmitDepth) return stop("resubmit depth exceeded");
    if (resubmits_ > kMaxResubmits) return stop("too many resubmits");
    const Group* g = groups_ ? groups_->find(id) : nullptr;
    if (!g) return log_group(nullptr, -1, false, id);  // as OVS: nothing happens
    int b = -1;
    if (g->type == GroupType::kSelect) {
      if (g->selection == Selection::kDpHash) out_->recirc_mark = out_->n_actions;
      b = select_bucket(*g, *groups_, flow_, &wc_);
    } else if (g->type == GroupType::kFastFailover) {
      b = first_live_bucket(*g, *groups_);
    }
    const bool every = g->type == GroupType::kAll || g->type == GroupType::kIndirect;
    log_group(g, every ? -1 : (b < 0 ? -2 : b), false);
    if (!every && b < 0) return;  // no live bucket: nothing, not even counted
    if (out_->n_groups >= kMaxXlateGroups) return stop("too many groups visited");
    out_->groups[out_->n_groups++] = GroupHit{g->stats.get(), every ? -1 : b};
    if (!every) return run_bucket(*g, b, table);
    for (size_t i = 0; i < g->buckets.size() && !out_->stopped && !out_->paused; i++) {
      run_bucket(*g, static_cast<int>(i), table);
    }
  }

  void ct(const Action* a, size_t n_data) {
    CtEmit e;
    xlate_ct(a, n_data, &flow_, &wc_, params_.recirc, &e);
    if (e.error) return stop(e.error);
    for (unsigned k = 0; k < e.n; k++) emit(e.acts[k]);
  }

  // An output to a tunnel port: its encapsulation in a clone (the walk goes
  // on with the inner packet), or, when it cannot be resolved now, the
  // output itself (the PMD handles it).
  void tunnel_output(const Action& a) {
    if (!xlate_tunnel_output(*params_.tunnels, a, flow_, &wc_, out_)) return emit(a);
    committed_tci_ = flow_.vlan_tci;
  }

  void output_field(const Action& a) {
    auto f = static_cast<Field>(a.u8);
    const uint64_t bits = low_bits(a.mac[4]);
    field_mark(&wc_, f, bits << a.mac[2]);
    const auto port = static_cast<uint32_t>((field_get(flow_, f) >> a.mac[2]) & bits);
    output_port(Action::output(port));
  }

  // An output to a port number, as OVS's xlate: never back out the port the
  // flow (as the pipeline changed it) came in on, except through IN_PORT;
  // the packet's own input port is reached as IN_PORT when the pipeline
  // changed in_port (OVN: set_field:0->in_port before outputting back).
  void output_port(const Action& a) {
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
      return emit(o);
    }
    emit(a);
  }

  // Returns false when the list ended early (an expired TTL).
  bool do_actions(const Action* acts, size_t n, uint8_t table) {
    for (size_t i = 0; i < n; i++) {
      const Action& a = acts[i];
      if (out_->stopped) return true;
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
        default:  // output_trunc, MPLS (datapath/xlate_fields.h)
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

  const Classifier& cls_;
  const GroupSnapshot* groups_;
  OfKey flow_;
  OfKey wc_;
  XlateOut* out_;
  const XlateParams& params_;
  const Rule* rule_ = nullptr;  // the rule whose actions run (cookie, table-miss rule)
  unsigned depth_ = 0;          // OVS's translation depth: resubmits back to a table <= this one
  unsigned nest_ = 0;           // how deep the trace prints a step (every resubmit, goto_table)
  const uint32_t pkt_in_port_;  // the packet's input port (OpenFlow number)
  unsigned resubmits_ = 0;
  const Action* set_[kMaxActionSet];  // the action set, as written (pointers into rules)
  unsigned n_set_ = 0;
  XlateStack stack_;
  size_t pause_at_ = 0;                      // the paused packet-in's kPacketIn (out_->paused)
  bool in_action_set_ = false;               // running the action set (packet-in reason action_set)
  uint16_t committed_tci_ = flow_.vlan_tci;  // the TCI the last output sent (output_trunc)
};

// The packet part of the walk's consulted bits, into *wc.
void merge_wc(const Walk& w, FlowKey* wc, XlateOut* out) {
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
  Walk w(cls, pkt, out, params);
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
  Walk w(cls, pkt, out, params);
  w.resume(state);
  if (!out->stopped && !out->paused) w.run_action_set(state.table);
  merge_wc(w, wc, out);
}

void xlate_actions(const Classifier& cls, const FlowKey& pkt, const Action* actions, size_t n,
                   FlowKey* wc, XlateOut* out, const XlateParams& params) {
  reset(out);
  Walk w(cls, pkt, out, params);
  const uint8_t table = params.start ? params.start->table : 0;
  if (params.start) w.start_at(*params.start);
  w.run_actions(actions, n, table);
  if (!out->stopped && !out->paused) w.run_action_set(table);
  merge_wc(w, wc, out);
}

}  // namespace ferry
