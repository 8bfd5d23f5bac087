// Frames written byte by byte (by an independent script, not by
// FrameBuilder), whose checksums tcpdump -vvv reports as correct. Shared by
// the parser and builder tests.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "lib/packet/flow_key.h"

namespace ferry::golden {

// "52:54:00:12:34:56" and "52:54:00:ab:cd:ef" in every frame below.
constexpr Mac kMacA = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
constexpr Mac kMacB = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};

inline std::vector<uint8_t> from_hex(std::string_view s) {
  auto nib = [](char c) -> uint8_t {
    return static_cast<uint8_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  };
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(nib(s[i]) << 4 | nib(s[i + 1])));
  }
  return out;
}

// IPv4 TCP SYN 10.0.0.1:12345 > 10.0.0.2:80, id 0x1234, DF, seq 1, padded to 60.
constexpr std::string_view kTcpSyn =
    "525400abcdef525400123456080045000028123440004006149a0a0000010a000002303900500000000100000000"
    "5002ffff6b560000000000000000";
// IPv4 TCP PSH|ACK with 18 bytes of payload, tos 0xb8, ttl 63, id 7 (72 bytes).
constexpr std::string_view kTcpFull =
    "525400abcdef525400123456080045b8003a000700003f0666fd0a0000010a00000230390050010203040a0b0c0d"
    "5018ffff72710000474554202f20485454502f312e300d0a0d0a";
// 802.1Q VID 10 PCP 3, IPv4 UDP 192.168.1.10:1000 > 192.168.1.20:2000 "hello", ttl 5.
constexpr std::string_view kUdpVlan =
    "525400abcdef5254001234568100600a080045000021000000000511325ec0a8010ac0a8011403e807d0000d2cdb"
    "68656c6c6f000000000000000000";
// ICMP echo request 10.1.1.1 > 10.1.1.2 id 0x1d seq 1, 8 bytes of data, ip id 0x100.
constexpr std::string_view kIcmpEcho =
    "525400abcdef52540012345608004500002401000000400163d50a0101010a0101020800ebd1001d000100010203"
    "0405060700000000000000000000";
// IPv6 UDP 2001:db8::1.546 > 2001:db8::2.547 "dhcp", class 0x2e, label 0x12345, hlim 255.
constexpr std::string_view kIpv6Udp =
    "525400abcdef52540012345686dd62e12345000c11ff20010db800000000000000000000000120010db800000000"
    "000000000000000202220223000cd84364686370";
// ICMPv6 echo request 2001:db8::1 > 2001:db8::2 id 7 seq 9 "ping".
constexpr std::string_view kIcmpv6Echo =
    "525400abcdef52540012345686dd60000000000c3a4020010db800000000000000000000000120010db800000000"
    "0000000000000002800045630007000970696e67";
// IPv4 with 8 bytes of options (router alert, NOPs, EOL), UDP 5000 > 5001 "x", ttl 1.
constexpr std::string_view kIpv4OptsUdp =
    "525400abcdef52540012345608004700002500000000011137ac0a000001e0000016940400000101010013881389"
    "000976b378000000000000000000";
constexpr std::string_view kArpRequest =
    "ffffffffffff525400123456080600010800060400015254001234560a0000010000000000000a00000200000000"
    "0000000000000000000000000000";
constexpr std::string_view kArpReply =
    "525400123456525400abcdef08060001080006040002525400abcdef0a0000025254001234560a00000100000000"
    "0000000000000000000000000000";
constexpr std::string_view kGarp =
    "ffffffffffff525400123456080600010800060400015254001234560a0000010000000000000a00000100000000"
    "0000000000000000000000000000";
// QEMU's self-announce: RARP reverse request for kMacA.
constexpr std::string_view kRarp =
    "ffffffffffff525400123456803500010800060400035254001234560000000052540012345600000000000000"
    "000000000000000000000000000000";
// First IPv4 fragment (MF, offset 0, id 0x4242) carrying the UDP header 53 > 53.
constexpr std::string_view kFragFirst =
    "525400abcdef52540012345608004500003442422000401104750a0000010a000002003500350020eb4100000000"
    "0000000000000000000000000000000000000000";
// Later IPv4 fragment: offset 1480, 16 bytes, no L4 header.
constexpr std::string_view kFragLater =
    "525400abcdef525400123456080045000024424200b9401123cc0a0000010a000002000102030405060708090a0b"
    "0c0d0e0f00000000000000000000";

}  // namespace ferry::golden
