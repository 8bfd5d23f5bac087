"""Raw AF_PACKET sockets on the far ends of both switches' ports.

Sockets are opened inside the namespace of their interface (setns(2) on
this thread, then back), so one process sees every wire. A frame the
kernel handed up with its VLAN tag stripped into metadata gets the tag
back from PACKET_AUXDATA: what is compared is the frame as on the wire.
"""

import ctypes
import os
import select
import socket
import struct
import time

import dt_packet as P

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
CLONE_NEWNET = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, 'setns: ' + os.strerror(e))


def open_in_netns(ns, ifname):
    """A raw socket bound to ifname in namespace ns (None: this one)."""
    own = os.open('/proc/self/ns/net', os.O_RDONLY)
    target = os.open('/var/run/netns/' + ns, os.O_RDONLY) if ns else None
    try:
        if target is not None:
            _setns(target)
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind((ifname, 0))
        s.setblocking(False)
        return s
    finally:
        if target is not None:
            _setns(own)
            os.close(target)
        os.close(own)


def _with_vlan(frame, anc):
    for level, kind, data in anc:
        if level == SOL_PACKET and kind == PACKET_AUXDATA and len(data) >= 20:
            status, _, _, _, _, tci, tpid = struct.unpack('IIIHHHH', data[:20])
            if status & TP_STATUS_VLAN_VALID:
                if not status & TP_STATUS_VLAN_TPID_VALID:
                    tpid = 0x8100
                return frame[:12] + struct.pack('!HH', tpid, tci) + frame[12:]
    return frame


class Wires:
    """ports[side][ofport] -> socket; ofport 'LOCAL' is the bridge's tap."""

    def __init__(self, env, n_ports):
        self.ports = {}
        self.by_fd = {}
        for side in ('ferry', 'ovs'):
            m = {}
            for i in range(1, n_ports + 1):
                m[i] = open_in_netns(env.ns['tester'], '%s%d' % (side[0], i))
            m['LOCAL'] = open_in_netns(env.ns[side], 'br0')
            self.ports[side] = m
            for port, s in m.items():
                self.by_fd[s.fileno()] = (side, port, s)
        self.poller = select.poll()
        for fd in self.by_fd:
            self.poller.register(fd, select.POLLIN)

    def send(self, side, port, frame):
        """port: an OpenFlow port number (0xfffe: LOCAL, the bridge's tap)."""
        self.ports[side]['LOCAL' if port == 0xfffe else port].send(frame)

    def _read(self, s):
        out = []
        while True:
            try:
                data, anc, _, addr = s.recvmsg(65535, socket.CMSG_SPACE(32))
            except BlockingIOError:
                return out
            if addr[2] == PACKET_OUTGOING:
                continue  # our own transmissions on this interface
            out.append(_with_vlan(data, anc))

    def drain(self):
        """Discards whatever is pending; returns how many frames that was."""
        n = 0
        for _, _, s in self.by_fd.values():
            n += len(self._read(s))
        return n

    def collect(self, quiet_ms, max_ms, sink):
        """Reads until nothing has arrived for quiet_ms (at most max_ms).
        sink(side, port, frame) gets every frame."""
        start = last = time.monotonic()
        while True:
            now = time.monotonic()
            wait = min(last + quiet_ms / 1000.0, start + max_ms / 1000.0) - now
            if wait <= 0:
                return
            for fd, _ in self.poller.poll(wait * 1000):
                side, port, s = self.by_fd[fd]
                for frame in self._read(s):
                    sink(side, port, frame)
                    last = time.monotonic()

    def close(self):
        for _, _, s in self.by_fd.values():
            s.close()


def tagged(frame):
    return P.find_tag(frame)
