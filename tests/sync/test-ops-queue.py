#!/usr/bin/python3
# test-ops-queue.py — the operation queue: every operation (read, unread,
# flag, unflag, delete, archive, move, copy, and delete in the Trash) made
# while the server is unreachable exits 0, is shown by `queue` and already by
# `list`, leaves the server alone, and once the server is back a `sync`
# replays it: the server ends in the intended state (checked with imaplib by
# Message-ID, nothing duplicated), the queue is empty and the cache equals
# the server.  Then undo, before and after replay, for a flag and a move.
#
# Usage (meson suite "sync"):
#   with-dovecot --size N -- /usr/bin/python3 test-ops-queue.py TERN-CLI
# The account talks to Dovecot through a proxy of the test's (synclib.Proxy)
# that the test switches off: connections are refused, as when offline.
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

import synclib as L  # noqa: E402
from synclib import t  # noqa: E402

L.init(sys.argv)
ID = "ops-%d" % os.getpid()
TAG = "q%d" % os.getpid()
PROXY = None
TARGET = "Projects"
FOLDERS = ("INBOX", TARGET, "Archive", "Trash")

# op -> (initial flags, what to check)
OPS = ["read", "unread", "flag", "unflag", "delete", "archive", "move", "copy"]
INITIAL = {"read": None, "unread": "(\\Seen)", "flag": "(\\Seen)", "unflag": "(\\Seen \\Flagged)",
           "delete": "(\\Seen)", "archive": "(\\Seen)", "move": "(\\Seen $Label3)",
           "copy": "(\\Flagged)"}
FLAG_EFFECT = {"read": ("\\Seen", True), "unread": ("\\Seen", False),
               "flag": ("\\Flagged", True), "unflag": ("\\Flagged", False)}
DEST = {"delete": "Trash", "archive": "Archive", "move": TARGET, "copy": TARGET}
MSG = {}     # name -> {"id": Message-ID, "uid": INBOX UID}


def msgid(name):
    return "<%s.%s@tern.test>" % (name, TAG)


def new_message(name, flags):
    mid = msgid(name)
    uid = L.append("INBOX", L.simple_message(mid, "Queue test %s" % name), flags=flags)
    MSG[name] = {"id": mid, "uid": uid}
    return uid


def where(mid):
    """{folder: [flags of each copy]} for a Message-ID on the server."""
    out = {}
    c = L.imap()
    try:
        for f in FOLDERS:
            for uid, m in sorted((L.server_messages(f, c) or {}).items()):
                if m["message_id"] == mid:
                    out.setdefault(f, []).append(m["flags"])
    finally:
        c.logout()
    return out


def cache_flags(folder, uid):
    st = L.cache_state(ID, folder) or {}
    return st.get(uid, (None, None))[0]


def check_in_sync(what):
    for f in FOLDERS:
        L.check_folder(ID, f, what)


def setup():
    global PROXY
    PROXY = L.Proxy()
    r = L.add_account(ID, PROXY.port)
    t.ok(r.returncode == 0, "account add through the proxy", L.describe(r))
    for op in OPS:
        new_message(op, INITIAL[op])
    for name in ("undo-flag-early", "undo-flag-late"):
        new_message(name, "(\\Seen)")
    for name in ("undo-move-early", "undo-move-late"):
        new_message(name, "(\\Seen $Label1)")
    new_message("batch", None)
    doc, r = L.sync(ID)
    t.ok(doc is not None and "INBOX" in doc, "initial sync", L.describe(r))
    check_in_sync("initial sync")


def offline_op(op, folder, uid, *extra):
    """Run op with the server unreachable; checks exit, warning and queue."""
    PROXY.offline()
    r = L.cli(op, ID, folder, str(uid), *extra)
    t.ok(r.returncode == 0 and r.stderr.strip(),
         "%s offline: exit 0 with a warning on stderr" % op, L.describe(r))
    q = L.queue(ID)
    mine = [e for e in q or [] if e.get("folder") == folder and uid in L.op_uids(e)]
    t.ok(isinstance(q, list) and len(q) == 1 and len(mine) == 1,
         "%s offline: queue --json shows exactly this operation" % op, q)
    return q


def test_one(op):
    m = MSG[op]
    uid = m["uid"]
    before = where(m["id"])
    dest = DEST.get(op)
    dest_cache = len(L.cache_state(ID, dest) or {}) if dest else None
    offline_op(op, "INBOX", uid, *([dest] if op in ("move", "copy") else []))

    # The cache shows the effect at once.
    cache = L.cache_state(ID, "INBOX") or {}
    if op in FLAG_EFFECT:
        flag, on = FLAG_EFFECT[op]
        got = cache.get(uid, (frozenset(), 0))[0]
        t.ok(uid in cache and (flag in got) == on,
             "%s offline: list already shows %s %s" % (op, flag, "set" if on else "cleared"),
             sorted(got))
    else:
        present = uid in cache
        t.ok(present == (op == "copy"),
             "%s offline: list of INBOX %s the message" % (op, "still has" if op == "copy"
                                                           else "no longer has"))
        n = len(L.cache_state(ID, dest) or {})
        t.ok(n == dest_cache + 1, "%s offline: list of %s has one more message (%d -> %d)"
             % (op, dest, dest_cache, n))
    t.ok(where(m["id"]) == before, "%s offline: the server has not changed" % op)

    PROXY.online()
    doc, r = L.sync(ID)
    t.ok(doc is not None, "%s: sync with the server back exits 0" % op, L.describe(r))
    q = L.queue(ID)
    t.ok(q == [], "%s: the queue is empty after the replay" % op, q)
    after = where(m["id"])
    initial = before["INBOX"][0]
    if op in FLAG_EFFECT:
        flag, on = FLAG_EFFECT[op]
        want = {"INBOX": [initial | {flag} if on else initial - {flag}]}
    elif op == "copy":
        want = {"INBOX": [initial], dest: [initial]}
    else:
        want = {dest: [initial]}
    t.ok(after == want, "%s: the server ends in the intended state, once" % op,
         "got  %s\nwant %s" % (after, want))
    check_in_sync("after %s" % op)


def test_delete_in_trash():
    mid = MSG["delete"]["id"]
    uids = L.by_message_id("Trash").get(mid, [])
    if not t.ok(len(uids) == 1, "delete in Trash: the deleted message is in the Trash once",
                uids):
        return
    offline_op("delete", "Trash", uids[0])
    t.ok(uids[0] not in (L.cache_state(ID, "Trash") or {}),
         "delete in Trash offline: list of Trash no longer has it")
    PROXY.online()
    doc, r = L.sync(ID)
    t.ok(doc is not None and L.queue(ID) == [], "delete in Trash: replayed, queue empty",
         L.describe(r))
    t.ok(where(mid) == {}, "delete in Trash: the message is expunged, in no folder",
         where(mid))
    check_in_sync("after delete in Trash")


def test_batch():
    """Several operations offline on one message, replayed in order."""
    m = MSG["batch"]
    PROXY.offline()
    for op in ("read", "flag"):
        r = L.cli(op, ID, "INBOX", str(m["uid"]))
        t.ok(r.returncode == 0, "batch: %s offline exits 0" % op, L.describe(r))
    r = L.cli("move", ID, "INBOX", str(m["uid"]), TARGET)
    t.ok(r.returncode == 0, "batch: move offline exits 0", L.describe(r))
    q = L.queue(ID)
    t.ok(isinstance(q, list) and len(q) == 3, "batch: three operations queued", q)
    PROXY.online()
    # Any operation command replays the queue; here an unrelated one.
    other = MSG["read"]["uid"]
    r = L.cli("unread", ID, "INBOX", str(other))
    t.ok(r.returncode == 0 and L.queue(ID) == [],
         "batch: an online operation replays the queue and drains it", L.describe(r))
    got = where(m["id"])
    want = {TARGET: [frozenset({"\\Seen", "\\Flagged"})]}
    t.ok(got == want, "batch: read, flag, move replayed in order: flagged and seen in %s, once"
         % TARGET, "got %s\nwant %s" % (got, want))
    t.ok("\\Seen" not in where(MSG["read"]["id"])["INBOX"][0],
         "batch: the online unread reached the server too")
    L.sync(ID)
    check_in_sync("after batch")


def test_undo_flag(early):
    name = "undo-flag-early" if early else "undo-flag-late"
    m = MSG[name]
    before = where(m["id"])
    args = ["flag", ID, "INBOX", str(m["uid"])] + (["--no-wait"] if early else [])
    r = L.cli(*args)
    t.ok(r.returncode == 0, "%s: flag exits 0" % name, L.describe(r))
    if early:
        q = L.queue(ID)
        t.ok(isinstance(q, list) and len(q) == 1, "%s: with --no-wait it is queued" % name, q)
    else:
        t.ok("\\Flagged" in where(m["id"])["INBOX"][0], "%s: replayed, flagged on the server"
             % name)
    r = L.cli("undo", ID)
    t.ok(r.returncode == 0, "%s: undo exits 0" % name, L.describe(r))
    t.ok(L.queue(ID) == [], "%s: the queue is empty after undo" % name)
    t.ok(where(m["id"]) == before, "%s: the server's flags are as before the flag" % name,
         "got %s\nwant %s" % (where(m["id"]), before))
    t.ok(cache_flags("INBOX", m["uid"]) == before["INBOX"][0],
         "%s: the cache shows the flags as before" % name)
    L.sync(ID)
    check_in_sync("after %s" % name)


def test_undo_move(early):
    name = "undo-move-early" if early else "undo-move-late"
    m = MSG[name]
    before = where(m["id"])
    args = ["move", ID, "INBOX", str(m["uid"]), TARGET] + (["--no-wait"] if early else [])
    r = L.cli(*args)
    t.ok(r.returncode == 0, "%s: move exits 0" % name, L.describe(r))
    if early:
        q = L.queue(ID)
        t.ok(isinstance(q, list) and len(q) == 1, "%s: with --no-wait it is queued" % name, q)
    else:
        got = where(m["id"])
        t.ok(got == {TARGET: before["INBOX"]}, "%s: replayed, in %s on the server" % (name, TARGET),
             got)
    r = L.cli("undo", ID)
    t.ok(r.returncode == 0, "%s: undo exits 0" % name, L.describe(r))
    t.ok(L.queue(ID) == [], "%s: the queue is empty after undo" % name)
    got = where(m["id"])
    t.ok(got == before, "%s: the message is back in INBOX once, with its flags, not in %s"
         % (name, TARGET), "got %s\nwant %s" % (got, before))
    L.sync(ID)
    check_in_sync("after %s" % name)


def main():
    if t.section("setup", setup) is None and t.failed:
        L.cli("account", "remove", ID)
        return t.finish()
    for op in OPS:
        t.section(op, test_one, op)
        PROXY.online()
    t.section("delete in Trash", test_delete_in_trash)
    PROXY.online()
    t.section("batch", test_batch)
    PROXY.online()
    for early in (True, False):
        t.section("undo flag", test_undo_flag, early)
        t.section("undo move", test_undo_move, early)
    L.cli("account", "remove", ID)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
