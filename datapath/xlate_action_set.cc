#include "datapath/xlate_action_set.h"

namespace ferry {

unsigned order_action_set(const Action* const* set, unsigned n_set, const Action** list) {
  const Action* strip = nullptr;
  const Action* push = nullptr;
  const Action* dec = nullptr;
  const Action* final_action = nullptr;
  int final_class = -1;
  unsigned n_sets = 0;
  const Action* sets[64];
  for (unsigned i = 0; i < n_set && n_sets < 64; i++) {
    const Action* a = set[i];
    switch (a->type) {
      case ActionType::kStripVlan:
        strip = a;
        break;
      case ActionType::kPushVlan:
        push = a;
        break;
      case ActionType::kDecTtl:
        dec = a;
        break;
      case ActionType::kResubmit:
      case ActionType::kOutput:
      case ActionType::kGroup: {
        const int cls = a->type == ActionType::kResubmit ? 0
                        : a->type == ActionType::kOutput ? 1
                                                         : 2;
        if (cls >= final_class) {
          final_action = a;
          final_class = cls;
        }
        break;
      }
      case ActionType::kSetField:
      case ActionType::kMove:
      case ActionType::kSetEthSrc:
      case ActionType::kSetEthDst:
      case ActionType::kSetVlanVid:
      case ActionType::kSetVlanPcp:
        sets[n_sets++] = a;
        break;
      default:  // not allowed in an action set: ignored, as OVS
        break;
    }
  }
  if (!final_action) return 0;
  unsigned n = 0;
  for (const Action* a : {strip, push, dec}) {
    if (a) list[n++] = a;
  }
  for (unsigned i = 0; i < n_sets; i++) list[n++] = sets[i];
  list[n++] = final_action;
  return n;
}

}  // namespace ferry
