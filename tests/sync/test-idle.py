#!/usr/bin/python3
# test-idle.py — `tern-cli idle` against a real Dovecot (issue #6): a message
# delivered with `doveadm save` arrives as a "new" event with its UID, a flag
# changed with `doveadm flags` as "flags", an expunge as "expunge"; IDLE is
# restarted on its interval and keeps reporting; the server ending the
# connection (`doveadm kick`) and the network going away and coming back (a
# proxy) are recovered from without anyone's help. The delay from delivery to
# event is printed, never asserted (`make bench` has the figure).
#
# Usage: with-dovecot --size N -- test-idle.py PATH-TO-TERN-CLI
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import synclib as L  # noqa: E402

L.init(sys.argv)
t = L.Tap()
ID = "idle"
EVENT_TIMEOUT = 30
RESTART = 3  # seconds between IDLE restarts in this test


class Watch:
    """tern-cli idle --json, its events and its standard error, as they come."""

    def __init__(self):
        env = dict(os.environ)
        env["TERN_IDLE_RESTART"] = str(RESTART)
        env["G_MESSAGES_DEBUG"] = "tern-sync"
        self.proc = subprocess.Popen([L.CLI, "idle", ID, "--json"], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, text=True)
        self.events = queue.Queue()
        self.err = []
        self.err_lock = threading.Lock()
        threading.Thread(target=self._out, daemon=True).start()
        threading.Thread(target=self._err, daemon=True).start()

    def _out(self):
        for line in self.proc.stdout:
            try:
                self.events.put((time.monotonic(), json.loads(line)))
            except ValueError:
                self.events.put((time.monotonic(), {"bad": line}))

    def _err(self):
        for line in self.proc.stderr:
            with self.err_lock:
                self.err.append(line.rstrip("\n"))

    def stderr_count(self, pattern):
        with self.err_lock:
            return sum(1 for line in self.err if re.search(pattern, line))

    def wait_stderr(self, pattern, at_least=1, timeout=EVENT_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.stderr_count(pattern) >= at_least:
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def wait_event(self, event, uid, timeout=EVENT_TIMEOUT):
        """(arrival time, every event seen on the way) or (None, events)."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None, seen
            try:
                when, ev = self.events.get(timeout=left)
            except queue.Empty:
                return None, seen
            seen.append(ev)
            if ev.get("event") == event and ev.get("uid") == uid and ev.get("folder") == "INBOX":
                return when, seen

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def tail(self):
        with self.err_lock:
            return "\n".join(self.err[-15:])


def deliver(n):
    mid = "<idle-%d-%d@example.net>" % (n, os.getpid())
    data = L.simple_message(mid, "IDLE test %d" % n)
    sent = time.monotonic()
    L.doveadm("save", "-m", "INBOX", input=data)
    c = L.imap()
    try:
        c.select("INBOX", readonly=True)
        typ, found = c.uid("SEARCH", "HEADER", "Message-ID", mid)
        uids = [int(x) for x in found[0].split()] if typ == "OK" else []
    finally:
        c.logout()
    return sent, (uids[0] if len(uids) == 1 else None)


def main():
    proxy = L.Proxy()
    r = L.add_account(ID, proxy.port)
    if not t.ok(r.returncode == 0, "account add through the proxy", L.describe(r)):
        return t.finish()

    w = Watch()
    try:
        t.ok(w.wait_stderr(r"idle: idling"), "tern-cli idle syncs, then idles", w.tail())

        sent, uid = deliver(1)
        when, seen = w.wait_event("new", uid)
        t.ok(uid is not None and when is not None,
             "a message saved with doveadm arrives as a new event with its UID %s "
             "(after %.2f s)" % (uid, (when - sent) if when else -1), "events: %s" % seen)

        L.doveadm("flags add", "\\Flagged", "mailbox", "INBOX", "uid", str(uid))
        when, seen = w.wait_event("flags", uid)
        t.ok(when is not None, "a flag added with doveadm arrives as a flags event",
             "events: %s" % seen)

        L.doveadm("expunge", "mailbox", "INBOX", "uid", str(uid))
        when, seen = w.wait_event("expunge", uid)
        t.ok(when is not None, "an expunge with doveadm arrives as an expunge event",
             "events: %s" % seen)

        # IDLE is ended and begun again every RESTART seconds here.
        restarts = w.stderr_count(r"restarting IDLE")
        t.ok(w.wait_stderr(r"restarting IDLE", restarts + 2, timeout=RESTART * 4 + 10),
             "IDLE is restarted on its interval", w.tail())
        sent, uid = deliver(2)
        when, seen = w.wait_event("new", uid)
        t.ok(when is not None, "after restarts new mail still arrives (%.2f s)"
             % ((when - sent) if when else -1), "events: %s" % seen)

        # The server ends the connection (as when Dovecot restarts).
        connects = w.stderr_count(r"idle: idling")
        L.doveadm("kick", L.USER, user=None)
        t.ok(w.wait_stderr(r"trying again|idle: waiting", timeout=EVENT_TIMEOUT),
             "the dropped connection is noticed", w.tail())
        t.ok(w.wait_stderr(r"idle: idling", connects + 1, timeout=EVENT_TIMEOUT),
             "and a new one made without user action", w.tail())
        sent, uid = deliver(3)
        when, seen = w.wait_event("new", uid)
        t.ok(when is not None, "new mail arrives on the new connection (%.2f s)"
             % ((when - sent) if when else -1), "events: %s" % seen)

        # The network goes away: connections refused until it is back.
        connects = w.stderr_count(r"idle: idling")
        retries = w.stderr_count(r"trying again")
        proxy.offline()
        t.ok(w.wait_stderr(r"trying again", retries + 2, timeout=EVENT_TIMEOUT),
             "while offline, connecting is retried", w.tail())
        sent, uid = deliver(4)
        proxy.online()
        t.ok(w.wait_stderr(r"idle: idling", connects + 1, timeout=EVENT_TIMEOUT + 60),
             "back online, it idles again", w.tail())
        when, seen = w.wait_event("new", uid, timeout=EVENT_TIMEOUT + 60)
        t.ok(when is not None, "mail delivered while offline arrives after the reconnect",
             "events: %s" % seen)

        status = w.stop()
        t.ok(status == 0, "SIGTERM ends tern-cli idle with status 0 (%s)" % status, w.tail())
    finally:
        w.stop()
        proxy.offline()
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
