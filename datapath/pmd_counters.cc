#include "datapath/pmd_counters.h"

namespace ferry {

const char* drop_reason_name(DropReason r) {
  auto i = static_cast<uint8_t>(r);
  if (i < static_cast<uint8_t>(ParseStatus::kCount))
    return parse_status_name(static_cast<ParseStatus>(i));
  switch (r) {
    case DropReason::kNoRule:
      return "flow_table_miss";
    case DropReason::kActionDrop:
      return "action_drop";
    case DropReason::kVlanInvalid:
      return "vlan_invalid";
    case DropReason::kReservedMulticast:
      return "reserved_multicast";
    case DropReason::kToInPort:
      return "output_to_in_port";
    case DropReason::kController:
      return "output_to_controller";
    case DropReason::kMeter:
      return "meter_drop";
    case DropReason::kFdbMiss:
      return "fdb_miss";
    case DropReason::kNoVlanMembers:
      return "flood_no_members";
    case DropReason::kBadOutPort:
      return "bad_out_port";
    case DropReason::kTxQueueFull:
      return "tx_queue_full";
    case DropReason::kNoMbuf:
      return "no_mbuf";
    case DropReason::kNoHeadroom:
      return "no_headroom";
    default:
      return "unknown";
  }
}

}  // namespace ferry
