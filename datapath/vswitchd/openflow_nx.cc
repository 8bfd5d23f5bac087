// Nicira-extension messages outside the flow tables: NXT_CT_FLUSH_ZONE and
// NXT_CT_FLUSH (ovs-ofctl ct-flush; ovn-controller flushes a zone it
// assigns), NXT_TLV_TABLE_MOD (ovs-ofctl add-tlv-map; ovn-controller maps
// its Geneve option at start), NXT_RESUME (a paused packet-in's
// continuation, as ovn-controller's pinctrl sends it back: DHCP, ...).
#include <cstring>

#include "datapath/vswitchd/bridge.h"
#include "datapath/vswitchd/openflow_handler.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(of_nx_log, "openflow");

namespace ferry {

namespace {

ct::Tuple ct_tuple(const ovs::OfCtTuple& t, uint8_t l3, uint8_t proto) {
  ct::Tuple out;
  out.ipv6 = l3 == 6;
  out.proto = proto;
  std::memcpy(out.src.b, t.src.data(), sizeof out.src.b);
  std::memcpy(out.dst.b, t.dst.data(), sizeof out.dst.b);
  out.sport = t.src_port;
  out.dport = t.dst_port;
  out.icmp_id = t.icmp_id;
  out.icmp_type = t.icmp_type;
  out.icmp_code = t.icmp_code;
  return out;
}

}  // namespace

// As OVS's handle_nxt_ct_flush(): no reply; the tuples (when any) narrow
// the flush as dpctl/flush-conntrack's do.
void OpenFlowHandler::handle_ct_flush(const ovs::OfCtFlush& f) {
  Datapath* dp = bridge_->datapath();
  if (!dp) return;  // nothing tracked before DPDK is up
  ct::CtMatch match;
  match.l3 = f.l3;
  match.proto = f.ip_proto;
  match.orig = ct_tuple(f.orig, f.l3, f.ip_proto);
  match.reply = ct_tuple(f.reply, f.l3, f.ip_proto);
  const uint16_t zone = f.zone.value_or(0);
  const bool any =
      f.l3 || f.ip_proto || !(match.orig == ct::Tuple{}) || !(match.reply == ct::Tuple{});
  auto n = any ? dp->conntrack().flush(f.zone ? &zone : nullptr, match)
               : dp->conntrack().flush(f.zone ? &zone : nullptr, nullptr);
  if (!n) {
    FLOG_WARN(of_nx_log, "%s: conntrack flush failed: %s", bridge_->name().c_str(),
              n.error().message.c_str());
    return;
  }
  FLOG_DBG(of_nx_log, "%s: conntrack flush%s%s: %zu connections", bridge_->name().c_str(),
           f.zone ? " of zone " : "", f.zone ? std::to_string(zone).c_str() : "", *n);
}

void OpenFlowHandler::handle_tlv_table_mod(Conn& c, const ovs::OfMessage& msg,
                                           const ovs::OfTlvMod& mod) {
  TlvTable& t = bridge_->tlv_table();
  switch (mod.command) {
    case ovs::OfTlvMod::Command::kAdd: {
      Status st = t.add(mod.maps);
      if (!st.ok()) {
        FLOG_INFO(of_nx_log, "%s: TLV map refused: %s", bridge_->name().c_str(),
                  st.error().message.c_str());
        const int code = st.error().code;
        return c.of->send_error(
            msg, code == TlvTable::kErrAlreadyMapped ? ovs::OfError::kTlvAlreadyMapped
                 : code == TlvTable::kErrDupEntry    ? ovs::OfError::kTlvDupEntry
                                                     : ovs::OfError::kTlvTableFull);
      }
      break;
    }
    case ovs::OfTlvMod::Command::kDelete: {
      std::vector<uint16_t> idx;
      for (const TlvMapping& m : mod.maps) idx.push_back(m.index);
      t.remove(idx);
      break;
    }
    case ovs::OfTlvMod::Command::kClear:
      t.clear();
      break;
  }
  bridge_->publish_tlv_table();
  FLOG_INFO(of_nx_log, "%s: TLV map now has %zu mappings (%u bytes of option space)",
            bridge_->name().c_str(), t.mappings().size(), t.space_used());
}

// As OVS's nxt_resume: the packet (as the controller rewrote it) runs the
// continuation's actions from the table and with the metadata of the pause.
// Not carried (Ferry's continuations hold neither): the NXAST stack, the
// action set, mirrors, conntrack state; the segments run as one list in the
// innermost table.
void OpenFlowHandler::handle_resume(Conn& c, const ovs::OfMessage& msg, const ovs::OfResume& r) {
  if (r.bridge != bridge_->continuation_id())
    return c.of->send_error(msg, ovs::OfError::kResumeStale);
  Datapath* dp = bridge_->datapath();
  if (!dp) return c.of->send_error(msg, ovs::OfError::kEperm);
  XlateStart start;
  start.table = r.table_id;
  start.metadata = r.metadata;
  std::copy(r.regs, r.regs + 16, start.regs);
  start.pkt_mark = r.pkt_mark;
  bridge_->publish_flows(false);
  Status st =
      dp->execute(bridge_->slot(), r.in_port, r.packet.data(), r.packet.size(), r.actions, &start);
  if (!st.ok()) {
    FLOG_INFO(of_nx_log, "%s: resume failed: %s", bridge_->name().c_str(),
              st.error().message.c_str());
    c.of->send_error(msg, ovs::OfError::kEperm);
  }
}

}  // namespace ferry
