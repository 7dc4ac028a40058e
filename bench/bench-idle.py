#!/usr/bin/python3
# bench-idle.py — the delay from delivery to `tern-cli idle`'s "new" event
# (issue #6), next to the delay until a raw IMAP client idling on the same
# INBOX sees the EXISTS, measured for the same deliveries in the same run;
# then the same for a folder other than the INBOX, which tern-cli watches
# through NOTIFY, next to the raw client's NOTIFY STATUS for that folder.
# Each message is delivered with `doveadm save`; the clock starts before it.
#
# Usage (meson benchmark "idle", `make bench`):
#   with-dovecot --size 0 -- python3 bench-idle.py TERN-CLI
# Environment: BENCH_IDLE_MESSAGES (default 20).
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import queue
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
sys.dont_write_bytecode = True

import dovecot  # noqa: E402

E = os.environ
CLI = os.path.abspath(sys.argv[1])
N = max(1, int(E.get("BENCH_IDLE_MESSAGES", "20")))
HOST = E["TERN_TEST_IMAP_HOST"]
TLS_PORT = int(E["TERN_TEST_IMAPS_PORT"])
CA_FILE = E["TERN_TEST_CA_FILE"]
USER = E["TERN_TEST_IMAP_USER"]
PASSWORD = E["TERN_TEST_IMAP_PASSWORD"]
FIXTURE = E["TERN_TEST_FIXTURE_DIR"]
BUDGET_S = 2.0
OTHER = "Archive"


def raw_idler(events, other_events, ready):
    """A bare IMAP client in IDLE on INBOX over TLS: each EXISTS, timed; with
    NOTIFY, each STATUS of OTHER too."""
    ctx = ssl.create_default_context(cafile=CA_FILE)
    s = ctx.wrap_socket(socket.create_connection((HOST, TLS_PORT)), server_hostname=HOST)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"a LOGIN %s %s\r\n" % (USER.encode(), PASSWORD.encode()))
    while not f.readline().startswith(b"a "):
        pass
    s.sendall(b"b EXAMINE INBOX\r\n")
    while not f.readline().startswith(b"b "):
        pass
    s.sendall(b"n NOTIFY SET (selected (MessageNew MessageExpunge)) "
              b"(mailboxes %s (MessageNew MessageExpunge))\r\n" % OTHER.encode())
    while not f.readline().startswith(b"n "):
        pass
    s.sendall(b"c IDLE\r\n")
    f.readline()  # "+ idling"
    ready.set()
    for line in f:
        if line.rstrip().endswith(b"EXISTS"):
            events.put(time.monotonic())
        elif line.startswith(b"* STATUS %s " % OTHER.encode()):
            other_events.put(time.monotonic())


def deliver(folder, i):
    data = ("From: Bench <bench@example.net>\r\nTo: %s@example.org\r\n"
            "Subject: IDLE bench %d\r\nMessage-ID: <idle-bench-%s-%d@example.net>\r\n"
            "\r\nHello.\r\n" % (USER, i, folder, i)).encode()
    t0 = time.monotonic()
    dovecot.doveadm(FIXTURE, "save", "-m", folder, user=USER, input=data)
    return t0


def since(q, t0):
    """Seconds from t0 to the first event in q at or after it (Dovecot may
    send two STATUS for one delivery, the second late)."""
    while True:
        when = q.get(timeout=60)
        if when >= t0:
            return when - t0


def report(what, raw, tern, baseline):
    raw_med, tern_med = statistics.median(raw), statistics.median(tern)
    print("%-52s %8.3fs %8s" % (baseline, raw_med, "1.00"))
    print("%-52s %8.3fs %7.2fx <= %.0f s %s" % (
        what, tern_med, tern_med / raw_med if raw_med else 0,
        BUDGET_S, "ok" if max(tern) <= BUDGET_S else "MISSED"))
    print("%-52s %8.3fs" % (what.split(" prints")[0] + ", slowest", max(tern)))


def main():
    # The corpus is empty: the other folder is made here.
    dovecot.doveadm(FIXTURE, "mailbox create", OTHER, user=USER, check=False)
    r = subprocess.run([CLI, "account", "add", "bench", "--email", "%s@example.org" % USER,
                        "--imap", "%s:%d" % (HOST, TLS_PORT), "--imap-security", "tls",
                        "--user", USER, "--ca-file", CA_FILE, "--password-stdin"],
                       input=PASSWORD + "\n", capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        return 1

    raw_events = queue.Queue()
    raw_other = queue.Queue()
    ready = threading.Event()
    threading.Thread(target=raw_idler, args=(raw_events, raw_other, ready), daemon=True).start()
    ready.wait(30)

    tern_events = queue.Queue()
    tern_other = queue.Queue()
    idling = threading.Event()
    proc = subprocess.Popen([CLI, "idle", "bench", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)

    def out():
        for line in proc.stdout:
            ev = json.loads(line)
            if ev.get("event") == "new":
                (tern_events if ev.get("folder") == "INBOX" else tern_other).put(time.monotonic())

    def err():
        for line in proc.stderr:
            if "idle: idling" in line:
                idling.set()

    threading.Thread(target=out, daemon=True).start()
    threading.Thread(target=err, daemon=True).start()
    if not idling.wait(60):
        print("tern-cli idle did not start idling", file=sys.stderr)
        proc.kill()
        return 1

    raw, tern, raw_o, tern_o = [], [], [], []
    try:
        for i in range(N):
            t0 = deliver("INBOX", i)
            raw.append(since(raw_events, t0))
            tern.append(since(tern_events, t0))
        for i in range(N):
            t0 = deliver(OTHER, i)
            raw_o.append(since(raw_other, t0))
            tern_o.append(since(tern_other, t0))
    finally:
        proc.terminate()
        proc.wait(timeout=20)

    print("delivery (doveadm save) to notice, %d messages one at a time, medians" % N)
    print("%-52s %9s %8s %s" % ("what", "value", "ratio", "budget"))
    report("tern-cli idle prints the new event", raw, tern,
           "raw IMAP client in IDLE sees EXISTS (baseline)")
    report("tern-cli idle prints the new event in %s" % OTHER, raw_o, tern_o,
           "raw client sees NOTIFY's STATUS %s (baseline)" % OTHER)
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    os._exit(status)
