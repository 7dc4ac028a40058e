#!/usr/bin/python3
# test-ops-kill.py — nothing lost or duplicated when tern-cli dies by SIGKILL
# while it replays the operation queue.
#
# 1. TERN_TEST_CRASH_AT=POINT[:N] for every crash point of the contract:
#    a queue of five operations (move, flag, copy, archive, delete) made with
#    --no-wait, replayed by `sync` that dies at the N-th (1, 2) arrival at
#    POINT; and a single move / copy without --no-wait dying at POINT.
# 2. A real kill -9 from outside: 50 seeded random operations queued, then
#    `sync` is killed by the test's proxy at a seeded point of the replay (the
#    K-th flag/copy/move/expunge command: before it reaches the server, after
#    it did, or after the server's answer reached tern-cli), three times, once
#    at each of these moments, each restart going on with what is left.
# Each time a plain `sync` follows, and the server must hold every message the
# operations say, as often as they say (counted by Message-ID in INBOX,
# Projects, Archive and Trash) with the intended flags; the queue is empty and
# the cache equals the server.
#
# Usage (meson suite "sync"):
#   with-dovecot --size N -- /usr/bin/python3 test-ops-kill.py TERN-CLI
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import random
import re
import signal
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

import synclib as L  # noqa: E402
from synclib import t  # noqa: E402

L.init(sys.argv)
ID = "kill-%d" % os.getpid()
TAG = "k%d" % os.getpid()
PROXY = None
FOLDERS = ("INBOX", "Projects", "Archive", "Trash")
POINTS = ("replay-before-send", "replay-after-send", "replay-after-server",
          "replay-after-complete")
SEED = 9


class Model:
    """What the server must hold, per Message-ID: {folder: [flags, ...]}."""

    def __init__(self):
        self.state = {}
        self.uid = {}

    def add(self, mid, uid, flags):
        self.state[mid] = {"INBOX": [frozenset(flags)]}
        self.uid[mid] = uid

    def apply(self, mid, op, target=None):
        s = self.state[mid]
        cur = s["INBOX"][0]
        if op in ("read", "unread", "flag", "unflag"):
            flag = "\\Seen" if op in ("read", "unread") else "\\Flagged"
            s["INBOX"] = [cur | {flag} if op in ("read", "flag") else cur - {flag}]
            return
        dest = {"delete": "Trash", "archive": "Archive"}.get(op, target)
        s.setdefault(dest, []).append(cur)
        if op != "copy":
            del s["INBOX"]

    def alive(self, mid):
        return "INBOX" in self.state[mid]


def server_view(mids):
    """{Message-ID: {folder: sorted flags of each copy}} on the server."""
    out = {mid: {} for mid in mids}
    c = L.imap()
    try:
        for f in FOLDERS:
            for uid, m in sorted((L.server_messages(f, c) or {}).items()):
                if m["message_id"] in out:
                    out[m["message_id"]].setdefault(f, []).append(m["flags"])
    finally:
        c.logout()
    return out


def norm(view):
    return {mid: {f: sorted(sorted(x) for x in v) for f, v in d.items()}
            for mid, d in view.items()}


def check_end_state(what, model):
    got = norm(server_view(model.state))
    want = norm(model.state)
    bad = ["%s\n  server %s\n  want   %s" % (mid, got[mid], want[mid])
           for mid in sorted(want) if got[mid] != want[mid]]
    t.ok(not bad, "%s: every message where the operations put it, as often, with its flags "
         "(%d messages)" % (what, len(want)), "\n".join(bad[:20]))
    q = L.queue(ID)
    t.ok(q == [], "%s: the queue is empty" % what, q)
    for f in FOLDERS:
        L.check_folder(ID, f, what)
    # No duplicates anywhere, not only among this scenario's messages.
    dups = {f: {mid: uids for mid, uids in L.by_message_id(f).items() if len(uids) > 1}
            for f in FOLDERS}
    expected_dups = {f: {mid for mid, d in model.state.items() if len(d.get(f, [])) > 1}
                     for f in FOLDERS}
    extra = {f: d for f, d in dups.items() if set(d) - expected_dups[f]}
    t.ok(not extra, "%s: no Message-ID more than once in a folder unless copied twice" % what,
         extra)


def new_messages(label, n, flags=None):
    model_items = []
    c = L.imap()
    try:
        for i in range(n):
            mid = "<%s-%d.%s@tern.test>" % (label, i, TAG)
            uid = L.append("INBOX", L.simple_message(mid, "%s %d" % (label, i)),
                           flags=flags, c=c)
            model_items.append((mid, uid))
    finally:
        c.logout()
    doc, r = L.sync(ID, "INBOX")
    if doc is None:
        raise AssertionError("sync INBOX failed: " + L.describe(r))
    return model_items


def op_args(op, uid, target=None):
    return [op, ID, "INBOX", str(uid)] + ([target] if op in ("move", "copy") else [])


def restart(what, model):
    doc, r = L.sync(ID)
    t.ok(doc is not None, "%s: the next sync exits 0" % what, L.describe(r))
    check_end_state(what, model)


def scenario_queue(point, n):
    what = "%s:%d, five queued operations" % (point, n)
    label = "q-%s-%d" % (point, n)
    items = new_messages(label, 5)
    model = Model()
    for mid, uid in items:
        model.add(mid, uid, ())
    ops = [("move", "Projects"), ("flag", None), ("copy", "Projects"), ("archive", None),
           ("delete", None)]
    for (mid, uid), (op, target) in zip(items, ops):
        r = L.cli(*op_args(op, uid, target), "--no-wait")
        if r.returncode != 0:
            t.ok(False, "%s: %s --no-wait exits 0" % (what, op), L.describe(r))
        model.apply(mid, op, target)
    q = L.queue(ID)
    t.ok(isinstance(q, list) and len(q) == 5, "%s: five operations queued" % what, q)
    r = L.cli("sync", ID, env={"TERN_TEST_CRASH_AT": "%s:%d" % (point, n)})
    t.ok(L.killed(r), "%s: sync dies by SIGKILL" % what, L.describe(r))
    restart(what, model)


def scenario_single(point, op):
    what = "%s, %s without --no-wait" % (point, op)
    label = "s-%s-%s" % (point, op)
    (mid, uid), = new_messages(label, 1, flags="(\\Seen)")
    model = Model()
    model.add(mid, uid, ("\\Seen",))
    model.apply(mid, op, "Projects")
    r = L.cli(*op_args(op, uid, "Projects"), env={"TERN_TEST_CRASH_AT": point})
    t.ok(L.killed(r), "%s: dies by SIGKILL" % what, L.describe(r))
    restart(what, model)


COMMAND_RE = re.compile(rb"^(\S+) (?:UID )?(STORE|MOVE|COPY|EXPUNGE)\b", re.I | re.M)


class Killer:
    """A proxy hook that kills a process at the k-th state-changing command."""

    def __init__(self, k, moment):
        self.k = k
        self.moment = moment      # "before-send", "after-send" or "after-reply"
        self.pid = None
        self.seen = 0
        self.tag = None
        self.done = False
        self.lock = threading.Lock()
        self.buf = {}

    def kill(self):
        if not self.done and self.pid:
            self.done = True
            os.kill(self.pid, signal.SIGKILL)

    def __call__(self, direction, data, conn):
        with self.lock:
            if direction == "s2c":
                # Commands must stay readable on the wire: no COMPRESS.
                data = data.replace(b" COMPRESS=DEFLATE", b"")
            if self.done:
                return data
            key = (id(conn), direction)
            buf = self.buf.get(key, b"") + data
            lines = buf.split(b"\n")
            self.buf[key] = lines[-1]
            complete = b"\n".join(lines[:-1])
            if direction == "c2s" and self.tag is None:
                for m in COMMAND_RE.finditer(complete):
                    self.seen += 1
                    if self.seen == self.k:
                        self.tag = m.group(1)
                        if self.moment == "before-send":
                            self.kill()
                            return None          # never reaches the server
                        break
            elif direction == "s2c" and self.tag is not None:
                if re.search(rb"^" + re.escape(self.tag) + rb" (OK|NO|BAD)", complete, re.M):
                    if self.moment == "after-send":
                        # The server has answered; tern-cli never sees it.
                        self.kill()
                        return None
                    # after-reply: the answer reaches tern-cli, then the kill.
                    conn[0].sendall(data)
                    self.kill()
                    return b""
            return data


def scenario_external():
    rng = random.Random(SEED)
    what = "external kill -9 during the replay of 50 operations"
    items = new_messages("x", 24)
    model = Model()
    for mid, uid in items:
        model.add(mid, uid, ())
    ops = []
    for _ in range(50):
        alive = [(mid, uid) for mid, uid in items if model.alive(mid)]
        mid, uid = rng.choice(alive)
        if rng.random() < 0.65:
            op, target = rng.choice(["read", "unread", "flag", "unflag"]), None
        else:
            op = rng.choice(["move", "copy", "copy", "delete", "archive"])
            target = "Projects" if op in ("move", "copy") else None
        ops.append((op, uid, target))
        model.apply(mid, op, target)
    failures = []
    for op, uid, target in ops:
        r = L.cli(*op_args(op, uid, target), "--no-wait")
        if r.returncode != 0:
            failures.append("%s %s: %s" % (op, uid, L.describe(r)))
    t.ok(not failures, "%s: 50 operations queued with --no-wait" % what, "\n".join(failures[:5]))
    q = L.queue(ID)
    t.ok(isinstance(q, list) and 0 < len(q) <= 50, "%s: queue --json lists them (%s)"
         % (what, len(q) if isinstance(q, list) else q))

    # Three kills, one at each moment in a seeded order, each at a seeded
    # command of what is left of the replay; then a sync that completes.
    moments = ["before-send", "after-send", "after-reply"]
    rng.shuffle(moments)
    for i, moment in enumerate(moments):
        left = L.queue(ID)
        if left == []:
            t.note("the queue drained before the %s kill" % moment)
            break
        k = rng.randint(1, 6)
        killer = Killer(k, moment)
        PROXY.hook = killer
        env = dict(os.environ)
        env.pop("TERN_TEST_CRASH_AT", None)
        try:
            p = subprocess.Popen([L.CLI, "sync", ID], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            killer.pid = p.pid
            _, err = p.communicate(timeout=120)
        finally:
            PROXY.hook = None
        if i > 0 and p.returncode == 0 and killer.seen < k:
            # What was left took fewer commands than k (operations may be
            # merged): a finished replay, not a failure; the first kill,
            # with 30 or more operations left, always happens.
            t.note("the replay finished after %d commands, before command %d" % (killer.seen, k))
            break
        t.ok(p.returncode == -signal.SIGKILL,
             "%s: killed at command %d (%s) of the replay, %s operations queued before"
             % (what, k, moment, len(left) if isinstance(left, list) else left),
             "exit %s after %d commands\n%s" % (p.returncode, killer.seen,
                                                err.decode("utf-8", "replace")[-2000:]))
    restart(what, model)


def main():
    global PROXY
    PROXY = L.Proxy()
    r = L.add_account(ID, PROXY.port)
    if not t.ok(r.returncode == 0, "account add", L.describe(r)):
        return t.finish()
    doc, r = L.sync(ID)
    t.ok(doc is not None, "initial sync", L.describe(r))
    for point in POINTS:
        for n in (1, 2):
            t.section("%s:%d" % (point, n), scenario_queue, point, n)
    for point in POINTS:
        for op in ("move", "copy"):
            t.section("%s %s" % (point, op), scenario_single, point, op)
    t.section("external kill", scenario_external)
    L.cli("account", "remove", ID)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
