// The walk's MPLS actions (datapath/xlate_walk.h), on the flow steps of
// datapath/xlate_mpls.h.
#include "datapath/xlate_mpls.h"
#include "datapath/xlate_walk.h"

namespace ferry {

void XlateWalk::push_mpls(const Action& a) {
  uint32_t lse = 0;
  if (xlate_push_mpls(&flow_, &wc_, a.u16, &lse) == MplsStep::kTooMany)
    return stop("push_mpls: the packet would have more MPLS labels than the 3 supported");
  Action p = a;
  p.value = lse;
  p.mask = 1;  // translated: value is the entry pushed
  emit(p);
}

void XlateWalk::pop_mpls(const Action& a) {
  switch (xlate_pop_mpls(&flow_, &wc_, a.u16)) {
    case MplsStep::kNothing:
      return;
    case MplsStep::kTooMany:
      return stop("pop_mpls: the packet has more MPLS labels than the 3 supported");
    default:
      break;
  }
  if (!eth_type_mpls(a.u16) && params_.recirc) was_mpls_ = true;
  emit(a);
}

// The outer entry changed: a push just emitted takes the change (as OVS
// commits its set_mpls_* into the push_mpls), else a set_field carries it.
void XlateWalk::mpls_changed(Field f) {
  if (out_->n_actions && out_->actions[out_->n_actions - 1].type == ActionType::kPushMpls) {
    out_->actions[out_->n_actions - 1].value = flow_.mpls_lse(0);
    return;
  }
  emit(Action::set_field(static_cast<uint8_t>(f), field_get(flow_, f), low_bits(field_bits(f))));
}

void XlateWalk::set_mpls(const Action& a) {
  if (!xlate_set_mpls(&flow_, &wc_, a)) return;  // not MPLS: nothing, as OVS
  if (out_->n_actions && out_->actions[out_->n_actions - 1].type == ActionType::kPushMpls) {
    out_->actions[out_->n_actions - 1].value = flow_.mpls_lse(0);
    return;
  }
  emit(a);
}

// Returns false when the action list ends here.
bool XlateWalk::dec_mpls_ttl() {
  if (xlate_dec_mpls_ttl(&flow_, &wc_) == MplsStep::kDone) {
    mpls_changed(Field::kMplsTtl);
    return true;
  }
  out_->ttl_expired = true;
  if (out_->log) {
    XlateStep st = step(0, nullptr);
    st.stopped = "MPLS decrement TTL exception: the rest of this action list is skipped";
    out_->log->push_back(st);
  }
  return false;
}

// As OVS's recirc_for_mpls(): the packet is looked up again, as it is now
// (popped), where the rest of the walk would go. Ferry's frozen state is a
// table and the pipeline's metadata, so the rest must be one resubmit to a
// table (with in_port unchanged) or a goto_table; anything else stops the
// walk (the packet is dropped, counted as pipeline_stopped).
void XlateWalk::mpls_recirc(const Action* rest, size_t n, uint8_t table) {
  const Action& a = rest[0];
  int to = -1;
  if (n == 1 && a.type == ActionType::kResubmit &&
      (a.port == kOfppInPort || a.port == flow_.in_port))
    to = a.u8 == 0xff ? table : a.u8;
  if (n == 1 && a.type == ActionType::kGotoTable) to = a.u8;
  if (to < 0)
    return stop("after pop_mpls: only a resubmit(,T) or goto_table can follow (recirculation)");
  const uint32_t id = params_.recirc->intern(FrozenState::at(static_cast<uint8_t>(to), flow_));
  if (id == 0) return stop("recirculation table full");
  Action r = Action::clear_actions();
  r.type = ActionType::kRecirc;
  r.port = id;
  emit(r);
  was_mpls_ = false;
  frozen_ = true;
}

}  // namespace ferry
