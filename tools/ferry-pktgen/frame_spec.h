// Frames from a compact text SPEC, built with FrameBuilder (lengths and
// checksums filled in, padded to 60 bytes unless pad(to=N) says otherwise).
//
// Items, in this order (vlan may repeat, outermost first; the others at most
// once; numbers are decimal or 0x..):
//   eth(dst=MAC,src=MAC[,type=T])        type only without an L3 item
//   vlan(vid=V[,pcp=P][,dei][,tpid=0x8100])
//   one L3 item:
//     ipv4(src=IP,dst=IP[,tos=][,ttl=][,id=][,df][,proto=])
//     ipv6(src=IP6,dst=IP6[,tc=][,hlim=][,label=][,proto=])
//     arp(op=request|reply|N,sha=MAC,spa=IP,tpa=IP[,tha=MAC])
//     garp(mac=MAC,ip=IP)                gratuitous ARP request, broadcast
//     rarp(mac=MAC)                      reverse request (as QEMU announces)
//   one L4 item (after ipv4/ipv6 only):
//     udp(sport=P,dport=P)
//     tcp(sport=P,dport=P[,flags=SA|0x12][,seq=][,ack=])   flags letters FSRPAUECN, default S
//     icmp(echo|echo-reply[,id=][,seq=])  or  icmp(type=T[,code=][,rest=])
//   payload(hex=HEX | len=N | text=TEXT)  len=N is the counting pattern 00 01 02 ..
//   pad(to=N)                            0 disables padding
//
// eth() may be left out after arp/garp/rarp: requests then go to broadcast
// from the sender's MAC, replies to tha from sha. An explicit eth() always
// wins.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "lib/util/result.h"

namespace ferry::pktgen {

Result<std::vector<uint8_t>> build_frame_from_spec(std::string_view spec);

}  // namespace ferry::pktgen
