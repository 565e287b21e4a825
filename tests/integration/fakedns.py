#!/usr/bin/env python3
# SPDX-License-Identifier: EUPL-1.2
"""fakedns.py ADDR COUNTFILE - a DNS server for the fault tests, on a loopback address.

Answers every UDP query on ADDR:53 at once with NXDOMAIN (the question echoed),
so a resolver pointed at it fails fast and no query leaves the machine; appends
each queried name to COUNTFILE.  Exits on SIGTERM.  Loopback addresses only.
"""
import signal
import socket
import sys

addr, countfile = sys.argv[1], sys.argv[2]
if not addr.startswith("127."):
    sys.exit("fakedns: loopback addresses only")
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
with open(countfile, "a", buffering=1) as log:
    print("ready", file=log)
    while True:
        q, peer = s.recvfrom(4096)
        if len(q) < 12:
            continue
        # the name of the first question, for the log
        name, i = [], 12
        while i < len(q) and q[i] != 0:
            n = q[i]
            name.append(q[i + 1:i + 1 + n].decode("ascii", "replace"))
            i += n + 1
        print("query " + ".".join(name[:64]), file=log)
        # header: same id, QR=1, opcode and RD copied, RA=1, RCODE=3; the one
        # question (name, type, class) echoed, no other records
        flags = bytes([0x80 | (q[2] & 0x79), 0x83])
        s.sendto(q[:2] + flags + b"\0\1\0\0\0\0\0\0" + q[12:i + 5], peer)
