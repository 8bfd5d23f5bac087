// The C structs of fo-ofp.h mirror Ferry's: conversions at the boundary are
// memcpy()s, so every size, offset and constant must agree.
#include <cstddef>

#include "lib/flow/action.h"
#include "lib/flow/ct_action.h"
#include "lib/flow/field.h"
#include "lib/flow/flow_mod.h"
#include "lib/ovs/ofp/fo-msg.h"
#include "lib/ovs/ofp/fo-ofp.h"
#include "lib/ovs/openflow.h"
#include "lib/packet/flow_key.h"

namespace ferry::ovs {
namespace {

#define SAME_FIELD(FERRY, C, FIELD)                                    \
  static_assert(offsetof(FERRY, FIELD) == offsetof(C, FIELD), #FIELD); \
  static_assert(sizeof(FERRY::FIELD) == sizeof(C::FIELD), #FIELD " size")

static_assert(sizeof(FlowKey) == sizeof(fo_flow_key));
SAME_FIELD(FlowKey, fo_flow_key, in_port);
SAME_FIELD(FlowKey, fo_flow_key, vlan_tci);
SAME_FIELD(FlowKey, fo_flow_key, dl_type);
SAME_FIELD(FlowKey, fo_flow_key, dl_dst);
SAME_FIELD(FlowKey, fo_flow_key, nw_proto);
SAME_FIELD(FlowKey, fo_flow_key, nw_tos);
SAME_FIELD(FlowKey, fo_flow_key, dl_src);
SAME_FIELD(FlowKey, fo_flow_key, nw_ttl);
SAME_FIELD(FlowKey, fo_flow_key, nw_frag);
SAME_FIELD(FlowKey, fo_flow_key, nw_src);
SAME_FIELD(FlowKey, fo_flow_key, nw_dst);
SAME_FIELD(FlowKey, fo_flow_key, tp_src);
SAME_FIELD(FlowKey, fo_flow_key, tp_dst);
SAME_FIELD(FlowKey, fo_flow_key, tcp_flags);
SAME_FIELD(FlowKey, fo_flow_key, tun_flags);
SAME_FIELD(FlowKey, fo_flow_key, ipv6_src);
SAME_FIELD(FlowKey, fo_flow_key, ipv6_dst);
SAME_FIELD(FlowKey, fo_flow_key, arp_sha);
SAME_FIELD(FlowKey, fo_flow_key, pad1);
SAME_FIELD(FlowKey, fo_flow_key, arp_tha);
SAME_FIELD(FlowKey, fo_flow_key, pad2);
SAME_FIELD(FlowKey, fo_flow_key, recirc_id);
SAME_FIELD(FlowKey, fo_flow_key, ct_state);
SAME_FIELD(FlowKey, fo_flow_key, ct_nw_proto);
SAME_FIELD(FlowKey, fo_flow_key, ct_zone);
SAME_FIELD(FlowKey, fo_flow_key, ct_mark);
SAME_FIELD(FlowKey, fo_flow_key, ct_tp_src);
SAME_FIELD(FlowKey, fo_flow_key, ct_tp_dst);
SAME_FIELD(FlowKey, fo_flow_key, ct_nw_src);
SAME_FIELD(FlowKey, fo_flow_key, ct_nw_dst);
SAME_FIELD(FlowKey, fo_flow_key, ct_label);
SAME_FIELD(FlowKey, fo_flow_key, ct_ipv6_src);
SAME_FIELD(FlowKey, fo_flow_key, ct_ipv6_dst);
SAME_FIELD(FlowKey, fo_flow_key, tun_id);
SAME_FIELD(FlowKey, fo_flow_key, tun_src);
SAME_FIELD(FlowKey, fo_flow_key, tun_dst);
SAME_FIELD(FlowKey, fo_flow_key, tun_tos);
SAME_FIELD(FlowKey, fo_flow_key, tun_ttl);
SAME_FIELD(FlowKey, fo_flow_key, tun_gbp_id);
SAME_FIELD(FlowKey, fo_flow_key, tun_gbp_flags);
SAME_FIELD(FlowKey, fo_flow_key, tun_tp_dst);
SAME_FIELD(FlowKey, fo_flow_key, tun_md_present);
SAME_FIELD(FlowKey, fo_flow_key, tun_md0);

static_assert(sizeof(OfKey) == sizeof(fo_of_key));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"  // OfKey derives from FlowKey
static_assert(offsetof(OfKey, metadata) == offsetof(fo_of_key, metadata));
static_assert(offsetof(OfKey, regs) == offsetof(fo_of_key, regs));
static_assert(offsetof(OfKey, pkt_mark) == offsetof(fo_of_key, pkt_mark));

static_assert(sizeof(Match) == sizeof(fo_match));
SAME_FIELD(Match, fo_match, key);
SAME_FIELD(Match, fo_match, mask);
#pragma GCC diagnostic pop

static_assert(sizeof(Action) == sizeof(fo_action));
SAME_FIELD(Action, fo_action, type);
SAME_FIELD(Action, fo_action, flags);
SAME_FIELD(Action, fo_action, u16);
SAME_FIELD(Action, fo_action, port);
SAME_FIELD(Action, fo_action, mac);
SAME_FIELD(Action, fo_action, u8);
SAME_FIELD(Action, fo_action, pad);
SAME_FIELD(Action, fo_action, value);
SAME_FIELD(Action, fo_action, mask);

static_assert(static_cast<int>(ActionType::kOutput) == FO_ACT_OUTPUT);
static_assert(static_cast<int>(ActionType::kSetEthSrc) == FO_ACT_SET_ETH_SRC);
static_assert(static_cast<int>(ActionType::kSetEthDst) == FO_ACT_SET_ETH_DST);
static_assert(static_cast<int>(ActionType::kSetVlanVid) == FO_ACT_SET_VLAN_VID);
static_assert(static_cast<int>(ActionType::kSetVlanPcp) == FO_ACT_SET_VLAN_PCP);
static_assert(static_cast<int>(ActionType::kStripVlan) == FO_ACT_STRIP_VLAN);
static_assert(static_cast<int>(ActionType::kPushVlan) == FO_ACT_PUSH_VLAN);
static_assert(static_cast<int>(ActionType::kMeter) == FO_ACT_METER);
static_assert(static_cast<int>(ActionType::kGotoTable) == FO_ACT_GOTO_TABLE);
static_assert(static_cast<int>(ActionType::kResubmit) == FO_ACT_RESUBMIT);
static_assert(static_cast<int>(ActionType::kSetField) == FO_ACT_SET_FIELD);
static_assert(static_cast<int>(ActionType::kMove) == FO_ACT_MOVE);
static_assert(static_cast<int>(ActionType::kDecTtl) == FO_ACT_DEC_TTL);
static_assert(static_cast<int>(ActionType::kClone) == FO_ACT_CLONE);
static_assert(static_cast<int>(ActionType::kOutputField) == FO_ACT_OUTPUT_FIELD);
static_assert(static_cast<int>(ActionType::kController) == FO_ACT_CONTROLLER);
static_assert(static_cast<int>(ActionType::kPacketIn) == FO_ACT_PACKET_IN);
static_assert(static_cast<int>(ActionType::kData) == FO_ACT_DATA);
static_assert(Action::kPause == FO_ACT_F_PAUSE);
static_assert(static_cast<int>(ActionType::kGroup) == FO_ACT_GROUP);
static_assert(static_cast<int>(ActionType::kConjunction) == FO_ACT_CONJUNCTION);
static_assert(static_cast<int>(ActionType::kNote) == FO_ACT_NOTE);
static_assert(static_cast<int>(ActionType::kNoteData) == FO_ACT_NOTE_DATA);
static_assert(static_cast<int>(ActionType::kStackPush) == FO_ACT_STACK_PUSH);
static_assert(static_cast<int>(ActionType::kStackPop) == FO_ACT_STACK_POP);
static_assert(static_cast<int>(ActionType::kWriteActions) == FO_ACT_WRITE_ACTIONS);
static_assert(static_cast<int>(ActionType::kClearActions) == FO_ACT_CLEAR_ACTIONS);
static_assert(static_cast<int>(ActionType::kLearn) == FO_ACT_LEARN);
static_assert(static_cast<int>(ActionType::kLearnSpec) == FO_ACT_LEARN_SPEC);
static_assert(static_cast<int>(ActionType::kOutputTrunc) == FO_ACT_OUTPUT_TRUNC);
static_assert(static_cast<int>(ActionType::kMultipath) == FO_ACT_MULTIPATH);
static_assert(static_cast<int>(ActionType::kCt) == FO_ACT_CT);
static_assert(static_cast<int>(ActionType::kCtClear) == FO_ACT_CT_CLEAR);
static_assert(static_cast<int>(ActionType::kRecirc) == FO_ACT_RECIRC);
static_assert(static_cast<int>(ActionType::kTnlPush) == FO_ACT_TNL_PUSH);
static_assert(static_cast<int>(ActionType::kPushMpls) == FO_ACT_PUSH_MPLS);
static_assert(static_cast<int>(ActionType::kPopMpls) == FO_ACT_POP_MPLS);
static_assert(static_cast<int>(ActionType::kDecMplsTtl) == FO_ACT_DEC_MPLS_TTL);
static_assert(CtSpec::kCommit == FO_CT_F_COMMIT && CtSpec::kForce == FO_CT_F_FORCE &&
              CtSpec::kNat == FO_CT_F_NAT && CtSpec::kSetMark == FO_CT_F_SET_MARK &&
              CtSpec::kSetLabel == FO_CT_F_SET_LABEL);
static_assert(CtSpec::kNatSrc == FO_NAT_F_SRC && CtSpec::kNatDst == FO_NAT_F_DST &&
              CtSpec::kNatPersistent == FO_NAT_F_PERSISTENT && CtSpec::kNatHash == FO_NAT_F_HASH &&
              CtSpec::kNatRandom == FO_NAT_F_RANDOM &&
              CtSpec::kNatAddrRange == FO_NAT_F_ADDR_RANGE &&
              CtSpec::kNatPortRange == FO_NAT_F_PORT_RANGE && CtSpec::kNatIpv6 == FO_NAT_F_IPV6);
static_assert(kDataCtLabel == FO_DATA_CT_LABEL && kDataCtLabelMask == FO_DATA_CT_LABEL_MASK &&
              kDataNatMin == FO_DATA_NAT_MIN && kDataNatMax == FO_DATA_NAT_MAX);
static_assert(Action::kPushIfNeeded == FO_ACT_F_PUSH_IF_NEEDED);
static_assert(Action::kLegacy == FO_ACT_F_LEGACY);
static_assert(Action::kInstruction == FO_ACT_F_INSTRUCTION);
static_assert(static_cast<int>(Field::kInPort) == FO_F_IN_PORT);
static_assert(static_cast<int>(Field::kArpTha) == FO_F_ARP_THA);
static_assert(static_cast<int>(Field::kMetadata) == FO_F_METADATA);
static_assert(static_cast<int>(Field::kPktMark) == FO_F_PKT_MARK);
static_assert(static_cast<int>(Field::kTunId) == FO_F_TUN_ID);
static_assert(static_cast<int>(Field::kTunGbpFlags) == FO_F_TUN_GBP_FLAGS);
static_assert(static_cast<int>(Field::kTunMetadata0) == FO_F_TUN_METADATA0);
static_assert(static_cast<int>(Field::kArpOp) == FO_F_ARP_OP);
static_assert(static_cast<int>(Field::kNdTargetLo) == FO_F_ND_TARGET_LO);
static_assert(static_cast<int>(Field::kMplsLabel) == FO_F_MPLS_LABEL);
static_assert(static_cast<int>(Field::kMplsTtl) == FO_F_MPLS_TTL);
static_assert(static_cast<int>(Field::kNdTarget) == FO_F_ND_TARGET);
static_assert(static_cast<int>(Field::kCount) == FO_F_COUNT);
static_assert(static_cast<int>(Field::kXxreg0) == FO_F_XXREG0);
static_assert(static_cast<int>(Field::kReg0) == FO_F_REG0);
static_assert(static_cast<int>(Field::kXreg0) == FO_F_XREG0);
static_assert(static_cast<int>(Field::kIpv6SrcHi) == FO_F_IPV6_SRC_HI);
static_assert(static_cast<int>(Field::kIpv6Label) == FO_F_IPV6_LABEL);
static_assert(static_cast<int>(Field::kIpv6Src) == FO_F_IPV6_SRC);
static_assert(static_cast<int>(Field::kXxreg0) == FO_F_XXREG0);
static_assert(static_cast<int>(Field::kCount) == FO_F_COUNT);
static_assert(Action::kWideLo == FO_ACT_F_WIDE_LO);

static_assert(static_cast<int>(FlowModCommand::kAdd) == FO_ADD);
static_assert(static_cast<int>(FlowModCommand::kModify) == FO_MODIFY);
static_assert(static_cast<int>(FlowModCommand::kModifyStrict) == FO_MODIFY_STRICT);
static_assert(static_cast<int>(FlowModCommand::kDelete) == FO_DELETE);
static_assert(static_cast<int>(FlowModCommand::kDeleteStrict) == FO_DELETE_STRICT);

static_assert(kFlowSendFlowRem == FO_FF_SEND_FLOW_REM);
static_assert(kFlowCheckOverlap == FO_FF_CHECK_OVERLAP);
static_assert(kFlowResetCounts == FO_FF_RESET_COUNTS);
static_assert(kFlowNoPktCounts == FO_FF_NO_PKT_COUNTS);
static_assert(kFlowNoBytCounts == FO_FF_NO_BYT_COUNTS);

static_assert(static_cast<int>(OfType::kFeaturesRequest) == FO_MSG_FEATURES_REQUEST);
static_assert(static_cast<int>(OfType::kGetConfigRequest) == FO_MSG_GET_CONFIG_REQUEST);
static_assert(static_cast<int>(OfType::kSetConfig) == FO_MSG_SET_CONFIG);
static_assert(static_cast<int>(OfType::kFlowMod) == FO_MSG_FLOW_MOD);
static_assert(static_cast<int>(OfType::kBarrierRequest) == FO_MSG_BARRIER_REQUEST);
static_assert(static_cast<int>(OfType::kFlowStatsRequest) == FO_MSG_FLOW_STATS_REQUEST);
static_assert(static_cast<int>(OfType::kAggregateStatsRequest) == FO_MSG_AGGREGATE_STATS_REQUEST);
static_assert(static_cast<int>(OfType::kPortStatsRequest) == FO_MSG_PORT_STATS_REQUEST);
static_assert(static_cast<int>(OfType::kPortDescRequest) == FO_MSG_PORT_DESC_REQUEST);
static_assert(static_cast<int>(OfType::kDescStatsRequest) == FO_MSG_DESC_STATS_REQUEST);
static_assert(static_cast<int>(OfType::kTableStatsRequest) == FO_MSG_TABLE_STATS_REQUEST);
static_assert(static_cast<int>(OfType::kBundleControl) == FO_MSG_BUNDLE_CONTROL);
static_assert(static_cast<int>(OfType::kBundleAdd) == FO_MSG_BUNDLE_ADD);
static_assert(static_cast<int>(OfType::kPacketOut) == FO_MSG_PACKET_OUT);
static_assert(static_cast<int>(OfType::kMeterMod) == FO_MSG_METER_MOD);
static_assert(static_cast<int>(OfType::kMeterStatsRequest) == FO_MSG_METER_STATS_REQUEST);
static_assert(static_cast<int>(OfType::kMeterConfigRequest) == FO_MSG_METER_CONFIG_REQUEST);
static_assert(static_cast<int>(OfType::kMeterFeaturesRequest) == FO_MSG_METER_FEATURES_REQUEST);
static_assert(static_cast<int>(OfType::kRoleRequest) == FO_MSG_ROLE_REQUEST);
static_assert(static_cast<int>(OfType::kCtFlush) == FO_MSG_CT_FLUSH);
static_assert(static_cast<int>(OfType::kTlvTableMod) == FO_MSG_TLV_TABLE_MOD);
static_assert(static_cast<int>(OfType::kTlvTableRequest) == FO_MSG_TLV_TABLE_REQUEST);
static_assert(static_cast<int>(OfType::kResume) == FO_MSG_RESUME);
static_assert(kDataContSegment == FO_DATA_CONT_SEGMENT);
static_assert(static_cast<int>(OfRole::kSlave) == FO_ROLE_SLAVE);

}  // namespace
}  // namespace ferry::ovs
