#!/usr/bin/env python3
"""One QMP command to a QEMU monitor socket; prints its "return" as JSON.

    qmp.py SOCKET COMMAND ['{"arg": ...}']
    qmp.py SOCKET --events SECONDS NAME...   prints events until one of NAME

Exit status 1 with QEMU's error on stderr when the command fails.
"""
import json
import socket
import sys
import time


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.read()  # greeting
        self.command("qmp_capabilities")

    def read(self, timeout=None):
        self.sock.settimeout(timeout)
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("QMP socket closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, name, args=None):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self.read()
            if "return" in reply or "error" in reply:
                return reply


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    qmp = Qmp(argv[1])
    if argv[2] == "--events":
        deadline = time.monotonic() + float(argv[3])
        names = set(argv[4:])
        while time.monotonic() < deadline:
            try:
                msg = qmp.read(max(0.01, deadline - time.monotonic()))
            except socket.timeout:
                break
            if "event" in msg:
                print(json.dumps(msg), flush=True)
                if msg["event"] in names:
                    return 0
        sys.stderr.write("qmp.py: none of %s within %s s\n" % (" ".join(names), argv[3]))
        return 1
    args = json.loads(argv[3]) if len(argv) > 3 else None
    reply = qmp.command(argv[2], args)
    if "error" in reply:
        sys.stderr.write("qmp.py: %s: %s\n" % (argv[2], reply["error"].get("desc", reply)))
        return 1
    print(json.dumps(reply["return"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
