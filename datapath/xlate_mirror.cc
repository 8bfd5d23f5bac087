// A walk's mirrored copies (datapath/mirror.h): the ingress mirrors of the
// packet's input port before the pipeline's actions, a port's egress
// mirrors after each output to it, each mirror at most once per walk (as
// OVS's ctx->mirrors, with the mirrors that share its output port).
#include <arpa/inet.h>

#include "datapath/mirror.h"
#include "datapath/xlate_walk.h"

namespace ferry {

bool XlateWalk::mirror_ingress() {
  const MirrorPort* p = params_.mirrors->port(flow_.in_port);
  if (!p) return true;
  // OVS drops what arrives on a port reserved for mirroring, before any rule.
  if (p->out) return false;
  mirror_packet(*p, p->src);
  return true;
}

void XlateWalk::mirror_egress(uint32_t ofport) {
  const MirrorPort* p = params_.mirrors->port(ofport);
  if (p && p->dst) mirror_packet(*p, p->dst);
}

// A copy to the output port of each mirror in `candidates` that selects the
// packet's VLAN, tagged as that port's configuration says (OVS's
// output_normal()); a copy whose tag differs from the packet's runs in a
// clone, so the packet goes on unchanged.
void XlateWalk::mirror_packet(const MirrorPort& p, MirrorMask candidates) {
  candidates &= ~mirrored_;
  if (!candidates) return;
  const MirrorSnapshot& ms = *params_.mirrors;
  wc_.vlan_tci = 0xffff;  // the VLAN decides: validity, selection, the copy's tag
  const uint16_t tci = ntohs(flow_.vlan_tci);
  const auto vid = p.vlan.input_vlan(tci);
  if (!vid) return;
  const auto pcp = static_cast<uint16_t>((tci & kVlanCfi) ? tci & (7u << kVlanPcpShift) : 0);
  for (unsigned i = 0; i < ms.mirrors.size() && !out_->stopped; i++) {
    const MirrorMask bit = MirrorMask{1} << i;
    if (!(candidates & bit) || (mirrored_ & bit)) continue;
    const DpMirror& m = ms.mirrors[i];
    if (m.has_vlans && !m.vlans.test(*vid)) continue;
    mirrored_ |= m.dups;
    const MirrorPort* out = ms.port(m.out_ofport);
    if (!out) continue;
    if (out_->n_groups >= kMaxXlateGroups) return stop("too many groups visited");
    out_->groups[out_->n_groups++] = GroupHit{m.stats.get(), -1};
    const Action o =
        m.snaplen ? Action::output_trunc(out->ofport, m.snaplen) : Action::output(out->ofport);
    const uint16_t want = mirror_output_tci(out->vlan, *vid, pcp);
    if (want == flow_.vlan_tci) {
      emit(o);
      continue;
    }
    const size_t at = out_->n_actions;
    emit(Action::clone(0));
    if (!want) {
      emit(Action::strip_vlan());
    } else {
      emit(Action::set_vlan_vid(*vid, true));
      emit(Action::set_vlan_pcp(static_cast<uint8_t>(pcp >> kVlanPcpShift), true));
    }
    emit(o);
    if (!out_->stopped) out_->actions[at].u16 = static_cast<uint16_t>(out_->n_actions - at - 1);
  }
}

}  // namespace ferry
