// One translation's walk (datapath/xlate.h): the state it carries through
// the tables and the steps it takes, shared by the files that implement
// them: datapath/xlate.cc (the pipeline and the actions) and
// datapath/xlate_clone.cc (clones and group buckets, which run nested
// actions on a copy of the packet). The small steps every action takes
// (emit, stop, set_field) are defined here, so they inline into both.
// Internal to the xlate*.cc files.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "datapath/mirror.h"
#include "datapath/xlate.h"
#include "datapath/xlate_fields.h"
#include "datapath/xlate_stack.h"
#include "lib/flow/field.h"

namespace ferry {

class XlateWalk {
 public:
  XlateWalk(const Classifier& cls, const FlowKey& pkt, XlateOut* out, const XlateParams& params)
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

  inline void table_miss(uint8_t table);

  void add_rule(const Rule* r) {
    if (out_->n_rules < kMaxXlateRules) {
      out_->rules[out_->n_rules++] = r;
    } else {
      stop("too many rules visited");
    }
  }

  const OfKey& wc() const { return wc_; }

  // Mirrors (datapath/xlate_mirror.cc; params_.mirrors set). False: the
  // packet came in on a mirror's output port and is dropped, as OVS does.
  bool mirror_ingress();
  void mirror_egress(uint32_t ofport);

  void run_action_set(uint8_t table);

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

  static void emit_to(void* w, const Action& a) { static_cast<XlateWalk*>(w)->emit(a); }
  void emit(const Action& a) {
    if (out_->n_actions >= kMaxXlateActions) return stop("too many actions");
    out_->actions[out_->n_actions++] = a;
    if (commits_headers(a.type)) committed_tci_ = flow_.vlan_tci;
  }

  void set_field(const Action& a) {
    auto f = static_cast<Field>(a.u8);
    if (field_is_mpls(f)) return set_mpls(a);
    field_set(&flow_, f, a.value, a.mask);
    if (field_in_datapath(f)) emit(a);
  }

  // The pipeline and the actions (datapath/xlate.cc). Those declared
  // inline are called from xlate.cc only and defined inline there, so that
  // they inline into do_actions(); the others are called from both files.
  void lookup_and_run(uint8_t table, bool honor_table_miss = false);
  bool do_actions(const Action* acts, size_t n, uint8_t table);
  inline void resubmit(const Action& a, uint8_t table);
  inline void write_actions(const Action* nested, size_t n);
  inline void stack_push(const Action& a);
  inline void stack_pop(const Action& a);
  inline void learn(const Action* head);
  inline void move(const Action& a);
  inline bool dec_ttl();
  inline size_t packet_in(const Action& a, const Action* data, size_t n_data, uint8_t table);
  inline void pause_segment(const Action* rest, size_t n, uint8_t table);
  inline void ct(const Action* a, size_t n_data);
  inline void tunnel_output(const Action& a);
  inline void output_field(const Action& a);
  inline void output_port(const Action& a);

  // MPLS (datapath/xlate_mpls_walk.cc). After a pop_mpls to a non-MPLS
  // ethertype the flow's L3 fields are unknown: the first action that needs
  // them recirculates the packet (mpls_recirc; false: it could not).
  void push_mpls(const Action& a);
  void pop_mpls(const Action& a);
  bool dec_mpls_ttl();
  void set_mpls(const Action& a);
  void mpls_changed(Field f);
  void mpls_recirc(const Action* rest, size_t n, uint8_t table);

  // Clones and groups (datapath/xlate_clone.cc; inline: called there only).
  void clone(const Action* nested, size_t n, uint8_t table, bool bucket = false);
  void group(uint32_t id, uint8_t table);
  inline void log_group(const Group* g, int32_t bucket, bool bucket_step, uint32_t id = 0);
  inline void run_bucket(const Group& g, int b, uint8_t table);

  void mirror_packet(const MirrorPort& p, MirrorMask candidates);

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
  bool was_mpls_ = false;    // popped to IP: the L3 fields are not known (OVS's was_mpls)
  bool frozen_ = false;      // recirculated after a pop_mpls: the walk ends
  MirrorMask mirrored_ = 0;  // mirrors this walk copied to (and their dups)
};

}  // namespace ferry
