#include "datapath/xlate_tunnel.h"

#include <algorithm>

namespace ferry {

bool xlate_tunnel_output(const TunnelXlate& tunnels, const Action& a, const OfKey& flow, OfKey* wc,
                         XlateOut* out) {
  const size_t at = out->n_actions;
  if (at >= kMaxXlateActions) return false;
  unsigned n = 0;
  if (!tunnels.encap(a.port, flow, wc, out->actions + at + 1,
                     static_cast<unsigned>(kMaxXlateActions - at - 1), &n))
    return false;
  out->actions[at] = Action::clone(static_cast<uint16_t>(n));
  out->n_actions = static_cast<uint16_t>(at + 1 + n);
  out->tnl_clone = static_cast<int>(at);
  return true;
}

void unwrap_last_tunnel_clone(XlateOut* out) {
  const int at = out->tnl_clone;
  if (at >= 0 && out->actions[at].type == ActionType::kClone &&
      at + 1 + out->actions[at].u16 == out->n_actions) {
    std::copy(out->actions + at + 1, out->actions + out->n_actions, out->actions + at);
    out->n_actions--;
  }
}

}  // namespace ferry
