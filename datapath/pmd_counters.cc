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
    case DropReason::kMirrorPort:
      return "mirror_port";
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
    case DropReason::kTtlExpired:
      return "ttl_expired";
    case DropReason::kRecircDepth:
      return "recirc_depth";
    case DropReason::kRecircQueueFull:
      return "recirc_queue_full";
    case DropReason::kCtUnavailable:
      return "ct_unavailable";
    case DropReason::kTunnelNoRoute:
      return "tunnel_no_route";
    case DropReason::kTunnelNeighMiss:
      return "tunnel_neigh_miss";
    case DropReason::kTunnelTruncated:
      return "tunnel_truncated";
    case DropReason::kTunnelBadChecksum:
      return "tunnel_bad_checksum";
    case DropReason::kTunnelBadHeader:
      return "tunnel_bad_header";
    case DropReason::kTunnelCriticalOption:
      return "tunnel_critical_option";
    case DropReason::kTunnelNoPort:
      return "tunnel_no_port";
    case DropReason::kXlateStopped:
      return "pipeline_stopped";
    default:
      return "unknown";
  }
}

NamedCounters named_counters(const PmdCounters& c) {
  NamedCounters out = {
      {"rx", c.rx_packets.get()},
      {"tx", c.tx_packets.get()},
      {"emc", c.emc_hits.get()},
      {"simple", c.simple_hits.get()},
      {"hits", c.megaflow_hits.get()},
      {"misses", c.megaflow_misses.get()},
      {"install_fail", c.megaflow_install_fail.get()},
      {"subtables", c.subtable_lookups.get()},
      {"tx_batches", c.tx_batches.get()},
      {"tx_batch_packets", c.tx_batch_packets.get()},
      {"busy", c.cycles_busy.get()},
      {"idle", c.cycles_idle.get()},
      {"sleeps", c.sleeps.get()},
      {"iterations", c.iterations.get()},
      {"bursts", c.burst_hist[0].get() + c.burst_hist[1].get() + c.burst_hist[2].get() +
                     c.burst_hist[3].get() + c.burst_hist[4].get() + c.burst_hist[5].get()},
      {"sleep_us", c.sleep_us.get()},
      {"learn_full", c.learn_queue_full.get()},
      {"revalidations", c.revalidations.get()},
      {"upcalls", c.upcalls.get()},
      {"upcalls_limited", c.upcalls_limited.get()},
      {"packet_in_consumed", c.packet_in_consumed.get()}};
  for (size_t i = 1; i < static_cast<size_t>(DropReason::kCount); i++) {  // 0: kOk, unused
    out.emplace_back(std::string("drop:") + drop_reason_name(static_cast<DropReason>(i)),
                     c.drops[i].get());
  }
  return out;
}

}  // namespace ferry
