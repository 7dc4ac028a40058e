#!/usr/bin/python3
# raw-fetch.py — the baseline of the sync benchmark: the least a client can do
# to get a folder's headers. Plain IMAP, LOGIN, ENABLE CONDSTORE when offered,
# SELECT, then ONE `UID FETCH 1:* (...)` of the items the sync fetches, and
# nothing done with the answer but counting its bytes until the tagged OK.
#
# Usage: raw-fetch.py [--select-only | --show UID] HOST PORT USER PASSWORD [MAILBOX]
# --select-only stops after the SELECT (the baseline of a resync: what the
# server takes to open the folder in a new session).
# --show UID opens the folder read-only (EXAMINE) and fetches the message's
# first part, BODY.PEEK[1], instead: the baseline of showing one uncached
# message, as `tern-cli show` does it.
# Prints one JSON object on stdout: {"bytes", "fetch_ms", "cpu_ms", "total_ms",
# "items", "condstore"} (cpu_ms: this process's own CPU time, to show it is
# not what limits the baseline); exits 1 on any error (message on stderr).
#
# Reads in 1 MiB chunks and looks for the tagged response only at the end of
# a chunk (the server sends nothing after it, so it always ends the last
# chunk), which keeps this client far faster than the server feeding it.
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import socket
import sys
import time

# What the sync fetches for new headers (the lead's sync uses the same list).
ITEMS = ("UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE MODSEQ "
         "BODY.PEEK[HEADER.FIELDS (REFERENCES)]")
ITEMS_NO_CONDSTORE = ITEMS.replace(" MODSEQ", "")
CHUNK = 1 << 20
KEEP = 8192


class Conn:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=600)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray(CHUNK)
        self.view = memoryview(self.buf)
        self.n = 0

    def command(self, tag, text):
        """Send one command; return (tagged line, all untagged bytes)."""
        self.sock.sendall(tag.encode() + b" " + text.encode() + b"\r\n")
        return self.read_until(tag.encode())

    def read_until(self, tag):
        """Read until the tagged line; only the last 8 KiB of output is kept."""
        needle = b"\r\n" + tag + b" "
        tail = b"\r\n"            # a tagged line at the very start also matches
        total = 0
        while True:
            n = self.sock.recv_into(self.view, CHUNK)
            if n == 0:
                raise OSError("server closed the connection")
            total += n
            tail = (tail + bytes(self.view[max(0, n - KEEP):n]))[-KEEP:]
            if self.buf[n - 1] != 0x0A:       # not at a line end yet
                continue
            # The last line of what arrived so far.
            end = len(tail) - 2
            start = tail.rfind(b"\r\n", 0, end)
            if start >= 0 and tail.startswith(needle, start):
                line = tail[start + 2:].decode("utf-8", "replace").strip()
                return line, total, tail[:start + 2]


def main(argv):
    select_only = "--select-only" in argv
    argv = [a for a in argv if a != "--select-only"]
    show_uid = None
    if "--show" in argv:
        i = argv.index("--show")
        show_uid = int(argv[i + 1])
        del argv[i:i + 2]
    if len(argv) not in (5, 6):
        print("usage: raw-fetch.py [--select-only | --show UID] HOST PORT USER PASSWORD "
              "[MAILBOX]", file=sys.stderr)
        return 2
    host, port, user, password = argv[1], int(argv[2]), argv[3], argv[4]
    mailbox = argv[5] if len(argv) == 6 else "INBOX"
    t0 = time.monotonic()
    c = Conn(host, port)
    greeting = c.sock.recv(4096)
    if not greeting.startswith(b"* OK"):
        raise OSError("unexpected greeting: %r" % greeting[:200])

    def q(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    line, _, untagged = c.command("L1", "LOGIN %s %s" % (q(user), q(password)))
    if not line.startswith("L1 OK"):
        raise OSError("LOGIN failed: " + line)
    caps = (line + " " + untagged.decode("utf-8", "replace")).upper()
    if "CAPABILITY" not in caps:
        line, _, untagged = c.command("L2", "CAPABILITY")
        caps = untagged.decode("utf-8", "replace").upper()
    condstore = " CONDSTORE" in caps or " QRESYNC" in caps
    if condstore:
        line, _, _ = c.command("L3", "ENABLE CONDSTORE")
        if not line.startswith("L3 OK"):
            raise OSError("ENABLE failed: " + line)
    t_select = time.monotonic()
    line, _, _ = c.command("L4", ("EXAMINE " if show_uid else "SELECT ") + q(mailbox))
    if not line.startswith("L4 OK"):
        raise OSError("SELECT failed: " + line)
    select_ms = (time.monotonic() - t_select) * 1000.0
    if show_uid is not None:
        line, nbytes, _ = c.command("L5", "UID FETCH %d (BODY.PEEK[1])" % show_uid)
        if not line.startswith("L5 OK"):
            raise OSError("UID FETCH failed: " + line)
        c.command("L9", "LOGOUT")
        json.dump({"bytes": nbytes, "select_ms": select_ms,
                   "total_ms": (time.monotonic() - t0) * 1000.0}, sys.stdout)
        sys.stdout.write("\n")
        return 0
    if select_only:
        c.command("L9", "LOGOUT")
        json.dump({"select_ms": select_ms, "total_ms": (time.monotonic() - t0) * 1000.0,
                   "condstore": condstore}, sys.stdout)
        sys.stdout.write("\n")
        return 0
    items = ITEMS if condstore else ITEMS_NO_CONDSTORE
    t1 = time.monotonic()
    line, nbytes, _ = c.command("Zq7F", "UID FETCH 1:* (%s)" % items)
    t2 = time.monotonic()
    if not line.startswith("Zq7F OK"):
        raise OSError("UID FETCH failed: " + line)
    try:
        c.command("L9", "LOGOUT")
    except OSError:
        pass
    c.sock.close()
    cpu = os.times()
    json.dump({"bytes": nbytes, "fetch_ms": (t2 - t1) * 1000.0, "select_ms": select_ms,
               "cpu_ms": (cpu.user + cpu.system) * 1000.0,
               "total_ms": (time.monotonic() - t0) * 1000.0, "items": items,
               "condstore": condstore}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, ValueError) as e:
        print("raw-fetch: %s" % e, file=sys.stderr)
        sys.exit(1)
