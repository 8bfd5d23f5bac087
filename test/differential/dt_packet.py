"""Packets for the differential tester: a flow-like model -> exact bytes.

A packet is described by a dict `pkt` whose keys follow Open vSwitch's
flow conventions (the same ones ovs-ofctl matches use), so a rule's match
can be applied to it field by field:

  shape     one of SHAPES below (which headers the frame carries)
  in_port   OpenFlow port the frame enters on
  dl_src, dl_dst            48-bit ints
  vlans     list of (tpid, tci) outer first; tci without the CFI bit
            (the "present" bit is implied by the tag being there)
  dl_type   the innermost Ethernet type (for shape 'eth': any)
  nw_src, nw_dst            IPv4 (or ARP SPA/TPA) 32-bit ints
  ipv6_src, ipv6_dst        128-bit ints
  nw_proto  IP protocol (ARP: opcode)
  nw_tos    the whole TOS / traffic class byte (DSCP << 2 | ECN)
  nw_ttl    TTL / hop limit
  nw_frag   0, 'first' or 'later'
  tp_src, tp_dst            L4 ports (ICMP: type and code)
  tcp_flags 12 bits
  arp_sha, arp_tha          48-bit ints
  ipv6_label                20 bits
  extra     optional: a malformation applied after building ('trunc:N',
            'badihl', 'totlen+N', 'totlen-N', 'pad:N')
  tag       bytes placed at the start of the payload (identifies the packet)
  plen      payload length after the tag

build(pkt) returns the frame's bytes; describe(pkt) a one-line summary.
Nothing here needs anything beyond the Python standard library.
"""

import struct

# shape -> (dl_type, nw_proto or None)
SHAPES = {
    'eth': (None, None),
    'arp': (0x0806, None),
    'rarp': (0x8035, None),
    'ip': (0x0800, None),
    'tcp': (0x0800, 6),
    'udp': (0x0800, 17),
    'icmp': (0x0800, 1),
    'sctp': (0x0800, 132),
    'ipv6': (0x86dd, None),
    'tcp6': (0x86dd, 6),
    'udp6': (0x86dd, 17),
    'icmp6': (0x86dd, 58),
    'sctp6': (0x86dd, 132),
}
IPV4_SHAPES = ('ip', 'tcp', 'udp', 'icmp', 'sctp')
IPV6_SHAPES = ('ipv6', 'tcp6', 'udp6', 'icmp6', 'sctp6')
L4_PORT_SHAPES = ('tcp', 'udp', 'sctp', 'tcp6', 'udp6', 'sctp6')
ARP_SHAPES = ('arp', 'rarp')

TAG_MAGIC = b'\xfdFDT'


def mac_bytes(v):
    return v.to_bytes(6, 'big')


def mac_str(v):
    return ':'.join('%02x' % b for b in mac_bytes(v))


def ip4_str(v):
    return '.'.join(str(b) for b in v.to_bytes(4, 'big'))


def ip6_str(v):
    b = v.to_bytes(16, 'big')
    groups = ['%x' % int.from_bytes(b[i:i + 2], 'big') for i in range(0, 16, 2)]
    # Longest run of zero groups becomes '::' (RFC 5952).
    best, cur = (0, 0), None
    for i, g in enumerate(groups + ['x']):
        if g == '0':
            cur = (cur[0], i + 1) if cur else (i, i + 1)
        else:
            if cur and cur[1] - cur[0] > best[1] - best[0]:
                best = cur
            cur = None
    if best[1] - best[0] >= 2:
        return ':'.join(groups[:best[0]]) + '::' + ':'.join(groups[best[1]:])
    return ':'.join(groups)


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def make_tag(index, case_no):
    """8 bytes: magic, packet index, case number (mod 2^16)."""
    return TAG_MAGIC + struct.pack('!HH', index & 0xffff, case_no & 0xffff)


def find_tag(frame):
    """(index, case_no) of the first tag in frame, or None."""
    i = frame.find(TAG_MAGIC)
    if i < 0 or i + 8 > len(frame):
        return None
    return struct.unpack('!HH', frame[i + 4:i + 8])


def _payload(pkt):
    tag = pkt.get('tag', b'')
    n = pkt.get('plen', 16)
    # A deterministic filler (not random: cases are replayed from their hex).
    return tag + bytes((i * 7 + 3) & 0xff for i in range(n))


def _l4(pkt, src6=None, dst6=None, src4=None, dst4=None):
    shape = pkt['shape']
    proto = SHAPES[shape][1] if SHAPES[shape][1] is not None else pkt.get('nw_proto', 0)
    pay = _payload(pkt)
    if pkt.get('nw_frag') == 'later':
        return pay  # a later fragment carries no L4 header

    def pseudo(length):
        if src6 is not None:
            return src6 + dst6 + struct.pack('!IxxxB', length, proto)
        return src4 + dst4 + struct.pack('!xBH', proto, length)

    if proto == 6 and shape in ('tcp', 'tcp6'):
        flags = pkt.get('tcp_flags', 0x010) & 0xfff
        hdr = struct.pack('!HHIIHHHH', pkt.get('tp_src', 0), pkt.get('tp_dst', 0), 0x01020304, 0,
                          (5 << 12) | flags, 8192, 0, 0)
        seg = hdr + pay
        c = csum(pseudo(len(seg)) + seg)
        return seg[:16] + struct.pack('!H', c) + seg[18:]
    if proto == 17 and shape in ('udp', 'udp6'):
        seg = struct.pack('!HHHH', pkt.get('tp_src', 0), pkt.get('tp_dst', 0), 8 + len(pay), 0) + pay
        c = csum(pseudo(len(seg)) + seg) or 0xffff
        return seg[:6] + struct.pack('!H', c) + seg[8:]
    if proto == 132 and shape in ('sctp', 'sctp6'):
        # Common header only (checksum left 0: no switch checks it).
        return struct.pack('!HHII', pkt.get('tp_src', 0), pkt.get('tp_dst', 0), 0x11223344, 0) + pay
    if proto == 1 and shape == 'icmp':
        seg = struct.pack('!BBHHH', pkt.get('tp_src', 8) & 0xff, pkt.get('tp_dst', 0) & 0xff, 0, 0x4242,
                          1) + pay
        c = csum(seg)
        return seg[:2] + struct.pack('!H', c) + seg[4:]
    if proto == 58 and shape == 'icmp6':
        seg = struct.pack('!BBHI', pkt.get('tp_src', 128) & 0xff, pkt.get('tp_dst', 0) & 0xff, 0,
                          0x42420001) + pay
        c = csum(pseudo(len(seg)) + seg)
        return seg[:2] + struct.pack('!H', c) + seg[4:]
    return pay


def _ipv4(pkt):
    src = pkt.get('nw_src', 0).to_bytes(4, 'big')
    dst = pkt.get('nw_dst', 0).to_bytes(4, 'big')
    proto = SHAPES[pkt['shape']][1]
    if proto is None:
        proto = pkt.get('nw_proto', 0)
    body = _l4(pkt, src4=src, dst4=dst)
    frag = pkt.get('nw_frag', 0)
    fragword = 0x2000 if frag == 'first' else (0x0000 | 25) if frag == 'later' else 0x4000
    tot = 20 + len(body)
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, pkt.get('nw_tos', 0), tot, 0x1234, fragword,
                      pkt.get('nw_ttl', 64), proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
    return hdr + body


def _ipv6(pkt):
    src = pkt.get('ipv6_src', 0).to_bytes(16, 'big')
    dst = pkt.get('ipv6_dst', 0).to_bytes(16, 'big')
    proto = SHAPES[pkt['shape']][1]
    if proto is None:
        proto = pkt.get('nw_proto', 59)
    body = _l4(pkt, src6=src, dst6=dst)
    nh = proto
    frag = pkt.get('nw_frag', 0)
    if frag:
        off = 0 if frag == 'first' else 25
        body = struct.pack('!BBHI', proto, 0, (off << 3) | (1 if frag == 'first' else 0), 0x1234) + body
        nh = 44
    tc = pkt.get('nw_tos', 0)
    first = (6 << 28) | (tc << 20) | (pkt.get('ipv6_label', 0) & 0xfffff)
    return struct.pack('!IHBB', first, len(body), nh, pkt.get('nw_ttl', 64)) + src + dst + body


def _arp(pkt):
    body = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, pkt.get('nw_proto', 1),
                       mac_bytes(pkt.get('arp_sha', 0)), pkt.get('nw_src', 0).to_bytes(4, 'big'),
                       mac_bytes(pkt.get('arp_tha', 0)), pkt.get('nw_dst', 0).to_bytes(4, 'big'))
    return body + _payload(pkt)  # the tag rides in the trailer


def dl_type_of(pkt):
    t = SHAPES[pkt['shape']][0]
    return t if t is not None else pkt.get('dl_type', 0x88b5)


def build(pkt):
    shape = pkt['shape']
    if shape in IPV4_SHAPES:
        l3 = _ipv4(pkt)
    elif shape in IPV6_SHAPES:
        l3 = _ipv6(pkt)
    elif shape in ARP_SHAPES:
        l3 = _arp(pkt)
    else:
        l3 = _payload(pkt)
    frame = mac_bytes(pkt.get('dl_dst', 0)) + mac_bytes(pkt.get('dl_src', 0))
    for tpid, tci in pkt.get('vlans', []):
        frame += struct.pack('!HH', tpid, tci)
    frame += struct.pack('!H', dl_type_of(pkt)) + l3
    return malform(frame, pkt)


def _l3_offset(pkt):
    return 14 + 4 * len(pkt.get('vlans', []))


def malform(frame, pkt):
    """Applies pkt['extra'] (a deliberate defect) to the built frame."""
    extra = pkt.get('extra')
    if not extra:
        return frame
    kind, _, arg = extra.partition(':')
    l3 = _l3_offset(pkt)
    ipv4 = pkt['shape'] in IPV4_SHAPES
    if kind == 'trunc':  # keep only the first N bytes after the L3 header start
        return frame[:l3 + int(arg)]
    if kind == 'pad':  # trailing bytes after the IP packet (as Ethernet padding)
        return frame + bytes(int(arg))
    if kind == 'totlen' and ipv4:  # IP total length off by N (checksum kept valid)
        b = bytearray(frame)
        tot = struct.unpack('!H', b[l3 + 2:l3 + 4])[0] + int(arg)
        b[l3 + 2:l3 + 4] = struct.pack('!H', tot & 0xffff)
        b[l3 + 10:l3 + 12] = b'\0\0'
        b[l3 + 10:l3 + 12] = struct.pack('!H', csum(bytes(b[l3:l3 + 20])))
        return bytes(b)
    if kind == 'ihl' and ipv4:  # IHL set to N words
        b = bytearray(frame)
        b[l3] = 0x40 | (int(arg) & 0xf)
        return bytes(b)
    if kind == 'ver':  # IP version nibble set to N
        b = bytearray(frame)
        b[l3] = (int(arg) << 4) | (b[l3] & 0xf)
        return bytes(b)
    return frame


def describe(pkt):
    """A short human summary, in the spirit of ovs-ofctl's flow syntax."""
    shape = pkt['shape']
    in_port = pkt.get('in_port', 0)
    parts = [shape, 'in_port=' + ('LOCAL' if in_port == 0xfffe else '%d' % in_port),
             'dl_src=' + mac_str(pkt.get('dl_src', 0)), 'dl_dst=' + mac_str(pkt.get('dl_dst', 0))]
    for tpid, tci in pkt.get('vlans', []):
        parts.append('vlan(tpid=0x%04x,vid=%d,pcp=%d)' % (tpid, tci & 0xfff, tci >> 13))
    if shape == 'eth':
        parts.append('dl_type=0x%04x' % dl_type_of(pkt))
    if shape in IPV4_SHAPES:
        parts += ['nw_src=' + ip4_str(pkt.get('nw_src', 0)), 'nw_dst=' + ip4_str(pkt.get('nw_dst', 0))]
    if shape in IPV6_SHAPES:
        parts += ['ipv6_src=' + ip6_str(pkt.get('ipv6_src', 0)), 'ipv6_dst=' + ip6_str(pkt.get('ipv6_dst', 0))]
        if pkt.get('ipv6_label'):
            parts.append('ipv6_label=0x%x' % pkt['ipv6_label'])
    if shape in IPV4_SHAPES + IPV6_SHAPES:
        if shape in ('ip', 'ipv6'):
            parts.append('nw_proto=%d' % pkt.get('nw_proto', 0))
        parts += ['nw_tos=%d' % pkt.get('nw_tos', 0), 'nw_ttl=%d' % pkt.get('nw_ttl', 64)]
        if pkt.get('nw_frag'):
            parts.append('frag=' + pkt['nw_frag'])
    if shape in L4_PORT_SHAPES or shape in ('icmp', 'icmp6'):
        parts += ['tp_src=%d' % pkt.get('tp_src', 0), 'tp_dst=%d' % pkt.get('tp_dst', 0)]
    if shape in ('tcp', 'tcp6'):
        parts.append('tcp_flags=0x%03x' % pkt.get('tcp_flags', 0))
    if shape in ARP_SHAPES:
        parts += ['arp_op=%d' % pkt.get('nw_proto', 1), 'arp_spa=' + ip4_str(pkt.get('nw_src', 0)),
                  'arp_tpa=' + ip4_str(pkt.get('nw_dst', 0)), 'arp_sha=' + mac_str(pkt.get('arp_sha', 0)),
                  'arp_tha=' + mac_str(pkt.get('arp_tha', 0))]
    if pkt.get('extra'):
        parts.append('extra=' + pkt['extra'])
    return ','.join(parts)
