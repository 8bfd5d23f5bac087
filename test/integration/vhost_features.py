#!/usr/bin/env python3
"""A vhost-user front end that asks for a feature the back end does not offer.

Connects to a vhost-user socket, reads the offered features
(VHOST_USER_GET_FEATURES), then sets them plus the bit given on the command
line (VHOST_USER_SET_FEATURES). Prints the offered features; exits 0 when
the back end closed the connection (it refused the features), 1 when it
kept it, 2 when the bit was offered after all.
"""
import socket
import struct
import sys

GET_FEATURES, SET_FEATURES, GET_PROTOCOL_FEATURES = 1, 2, 15
VERSION = 0x1


def message(request, payload=b""):
    return struct.pack("<III", request, VERSION, len(payload)) + payload


def main():
    path, bit = sys.argv[1], int(sys.argv[2])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall(message(GET_FEATURES))
    reply = s.recv(12 + 8)
    _, _, size = struct.unpack("<III", reply[:12])
    offered = struct.unpack("<Q", reply[12:12 + size])[0]
    print("offered 0x%016x" % offered)
    if offered & (1 << bit):
        return 2
    s.sendall(message(SET_FEATURES, struct.pack("<Q", offered | (1 << bit))))
    # A back end that refused closes the connection; one that accepted
    # answers the next request.
    try:
        s.sendall(message(GET_PROTOCOL_FEATURES))
        data = s.recv(20)
    except (ConnectionResetError, BrokenPipeError):
        data = b""
    except socket.timeout:
        return 1
    return 0 if not data else 1


if __name__ == "__main__":
    sys.exit(main())
