#include "datapath/batchable.h"

namespace ferry {

bool batchable_actions(const ActionList& actions) {
  if (actions.empty()) return false;
  for (size_t i = 0; i + 1 < actions.size(); i++) {
    switch (actions[i].type) {
      case ActionType::kSetEthSrc:
      case ActionType::kSetEthDst:
      case ActionType::kSetVlanVid:
      case ActionType::kSetVlanPcp:
      case ActionType::kStripVlan:
      case ActionType::kPushVlan:
      case ActionType::kMeter:
        break;
      default:  // outputs, clones, IP rewrites, the pipeline's actions
        return false;
    }
  }
  const Action& last = actions.back();
  if (last.type != ActionType::kOutput) return false;
  switch (last.port) {
    case kOfppNormal:
    case kOfppFlood:
    case kOfppAll:
    case kOfppController:
      return false;
    default:
      return true;
  }
}

}  // namespace ferry
