# An os-ken application (the OpenFlow library OpenStack Neutron's OVS agent is
# built on) that makes the bridge a learning switch out of four tables,
# registers, a flood group, packet-ins and packet-outs, for
# test/integration/osken.sh:
#
#   table 0  classify   every packet: reg1 = 1 (came from a VM port), goto 1
#   table 1  src known  in_port=P,dl_src=M: goto 2; miss: CONTROLLER
#   table 2  dst lookup dl_dst=M: reg2 = port, goto 3; miss and broadcast:
#                       group 1 (type all: one bucket per port)
#   table 3  output     reg2=P: output:P
#
# A packet-in (from table 1) teaches the controller the source: it installs
# the table-1 and table-2 entries and sends the packet back with a
# packet-out to TABLE, through the tables again. Every packet-in is logged
# with its table and registers to OSKEN_SWITCH_LOG, which the test reads.
import os

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, packet
from os_ken.ofproto import ofproto_v1_3

LOG_PATH = os.environ.get("OSKEN_SWITCH_LOG", "/dev/null")
FLOOD_GROUP = 1


def log(line):
    with open(LOG_PATH, "a") as f:
        f.write(line + "\n")


class TableSwitch(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.macs = {}  # dpid -> {mac: port}

    def flow(self, dp, table, priority, match, actions=None, goto=None):
        ofp, p = dp.ofproto, dp.ofproto_parser
        inst = []
        if actions:
            inst.append(p.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions))
        if goto is not None:
            inst.append(p.OFPInstructionGotoTable(goto))
        dp.send_msg(p.OFPFlowMod(datapath=dp, table_id=table, priority=priority, match=match,
                                 instructions=inst))

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def features(self, ev):
        dp = ev.msg.datapath
        ofp, p = dp.ofproto, dp.ofproto_parser
        dp.send_msg(p.OFPFlowMod(datapath=dp, command=ofp.OFPFC_DELETE, table_id=ofp.OFPTT_ALL,
                                 out_port=ofp.OFPP_ANY, out_group=ofp.OFPG_ANY))
        self.flow(dp, 0, 0, p.OFPMatch(), [p.OFPActionSetField(reg1=1)], goto=1)
        self.flow(dp, 1, 0, p.OFPMatch(),
                  [p.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)])
        dp.send_msg(p.OFPPortDescStatsRequest(dp, 0))
        log("connected dpid=%016x" % dp.id)

    @set_ev_cls(ofp_event.EventOFPPortDescStatsReply, MAIN_DISPATCHER)
    def ports(self, ev):
        dp = ev.msg.datapath
        ofp, p = dp.ofproto, dp.ofproto_parser
        ports = sorted(d.port_no for d in ev.msg.body if d.port_no < ofp.OFPP_MAX)
        buckets = [p.OFPBucket(actions=[p.OFPActionOutput(n)]) for n in ports]
        dp.send_msg(p.OFPGroupMod(dp, ofp.OFPGC_ADD, ofp.OFPGT_ALL, FLOOD_GROUP, buckets))
        self.flow(dp, 2, 0, p.OFPMatch(), [p.OFPActionGroup(FLOOD_GROUP)])
        for n in ports:
            self.flow(dp, 3, 10, p.OFPMatch(reg2=n), [p.OFPActionOutput(n)])
        dp.send_msg(p.OFPBarrierRequest(dp))
        log("ports %s" % ",".join(str(n) for n in ports))

    @set_ev_cls(ofp_event.EventOFPBarrierReply, MAIN_DISPATCHER)
    def barrier(self, ev):
        log("ready")

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, p = dp.ofproto, dp.ofproto_parser
        in_port = msg.match["in_port"]
        eth = packet.Packet(msg.data).get_protocol(ethernet.ethernet)
        reg1 = msg.match.get("reg1", 0)
        log("packet-in table=%d reason=%d in_port=%d reg1=%d src=%s dst=%s"
            % (msg.table_id, msg.reason, in_port, reg1, eth.src, eth.dst))
        self.macs.setdefault(dp.id, {})[eth.src] = in_port
        self.flow(dp, 1, 100, p.OFPMatch(in_port=in_port, eth_src=eth.src), goto=2)
        self.flow(dp, 2, 100, p.OFPMatch(eth_dst=eth.src),
                  [p.OFPActionSetField(reg2=in_port)], goto=3)
        # Back through the tables, now that they know the source.
        dp.send_msg(p.OFPPacketOut(datapath=dp, buffer_id=ofp.OFP_NO_BUFFER, in_port=in_port,
                                   actions=[p.OFPActionOutput(ofp.OFPP_TABLE)], data=msg.data))
