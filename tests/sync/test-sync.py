#!/usr/bin/python3
# test-sync.py — `tern-cli sync` keeps the cache equal to the server when
# another device changes the mailbox behind Tern's back (doveadm / imaplib):
# flags and keywords, expunges, new mail, folders created, renamed and
# deleted, UIDVALIDITY reset.  After every step each touched folder's
# `tern-cli list` (UID, flags, size) equals the server's UID FETCH, the
# sync --json counts equal doveadm's and the changes the test made.
#
# Usage (meson suite "sync"):
#   with-dovecot --size N [--no-condstore] -- /usr/bin/python3 test-sync.py TERN-CLI
# With --no-condstore the server offers neither CONDSTORE nor QRESYNC, and
# every folder must be synced in "full" mode (UID/FLAGS comparison).
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

import synclib as L  # noqa: E402
from synclib import t  # noqa: E402

L.init(sys.argv)
ID = "sync-%d" % os.getpid()
MODE = "full" if L.NO_CONDSTORE else "qresync"
rng = random.Random(4)


def capabilities_as_configured():
    c = L.imap()
    try:
        typ, data = c.capability()
        caps = set(data[0].decode().upper().split())
    finally:
        c.logout()
    have = {"CONDSTORE", "QRESYNC"} & caps
    if L.NO_CONDSTORE:
        t.ok(not have, "the server advertises neither CONDSTORE nor QRESYNC after login", caps)
    else:
        t.ok(have == {"CONDSTORE", "QRESYNC"}, "the server advertises CONDSTORE and QRESYNC",
             caps)


def check_counts(doc, what, folders=None, fresh=()):
    """sync --json total/unread against doveadm mailbox status, and the mode.

    fresh: folders the cache knows nothing valid of (first sync, new or
    renamed folder, UIDVALIDITY changed); with nothing to resynchronise from
    they may be fetched whole ("full") even where QRESYNC is offered."""
    counts = L.server_counts()
    bad = []
    for path in folders or L.server_folders():
        e = doc.get(path)
        if e is None:
            bad.append("%s: not in sync --json" % path)
            continue
        if (e.get("total"), e.get("unread")) != counts[path]:
            bad.append("%s: sync says total %s unread %s, server %d/%d"
                       % (path, e.get("total"), e.get("unread"), *counts[path]))
        modes = {MODE, "full"} if path in fresh or fresh == "all" else {MODE}
        if e.get("mode") not in modes:
            bad.append("%s: mode %r, want %s" % (path, e.get("mode"), " or ".join(sorted(modes))))
    return t.ok(not bad, "%s: total, unread and mode (%s%s) of every folder in sync --json "
                "agree with the server" % (what, MODE, ", or full for a first sync" if fresh
                                           and MODE != "full" else ""), "\n".join(bad[:30]))


def check_all(what, folders=None):
    """Every folder (or the named ones): cache equals server."""
    for f in folders or L.server_folders():
        L.check_folder(ID, f, what)


def run_sync(what, *folders):
    doc, r = L.sync(ID, *folders)
    t.ok(doc is not None, "%s: tern-cli sync --json exits 0 with a JSON array" % what,
         L.describe(r))
    return doc or {}


def check_deltas(doc, what, want):
    """want: {path: (new, changed, vanished)}; other folders must say 0/0/0."""
    bad = []
    for path, e in sorted(doc.items()):
        got = (e.get("new"), e.get("changed"), e.get("vanished"))
        exp = want.get(path, (0, 0, 0))
        if got != exp:
            bad.append("%s: new/changed/vanished %s, want %s" % (path, got, exp))
    t.ok(not bad, "%s: new/changed/vanished in sync --json are what the test did" % what,
         "\n".join(bad))


# -- steps ------------------------------------------------------------------------

def step_initial():
    r = L.add_account(ID, L.PORT)
    t.ok(r.returncode == 0, "account add", L.describe(r))
    doc = run_sync("initial sync")
    want = L.server_folders()
    t.ok(sorted(doc) == want, "initial sync: one entry per folder of the server",
         "got %s\nwant %s" % (sorted(doc), want))
    check_counts(doc, "initial sync", fresh="all")
    check_all("initial sync")
    counts = L.server_counts()
    t.ok(all(doc.get(p, {}).get("new") == counts[p][0] and doc[p].get("vanished") == 0
             for p in counts),
         "initial sync: every message counts as new, nothing vanished",
         {p: (e.get("new"), e.get("changed"), e.get("vanished")) for p, e in doc.items()})
    doc = run_sync("sync with no change")
    check_deltas(doc, "sync with no change", {})
    check_counts(doc, "sync with no change")
    # The cache was closed before tern-cli exited: SQLite folded its log back
    # and left the mark that spares the next command the integrity check.
    cache = os.path.join(os.environ["XDG_DATA_HOME"], "tern", ID, "cache.db")
    t.ok(os.path.exists(cache + ".clean") and not os.path.exists(cache + "-wal"),
         "after tern-cli sync the cache is closed cleanly (clean mark, no write-ahead log)",
         sorted(os.listdir(os.path.dirname(cache))))


def step_flags():
    want = {}
    for folder in ("INBOX", "Projects"):
        before = L.server_messages(folder)
        uids = sorted(before)
        pick = rng.sample(uids, min(len(uids), 12))
        touched = set()
        plan = [("add", "\\Flagged"), ("remove", "\\Seen"), ("add", "$Label1"),
                ("add", "\\Seen"), ("remove", "\\Flagged"), ("add", "\\Answered")]
        for i, uid in enumerate(pick):
            op, flag = plan[i % len(plan)]
            has = flag in before[uid]["flags"]
            if (op == "add") == has:
                op = "remove" if has else "add"      # always a real change
            L.doveadm("flags " + op, flag, "mailbox", folder, "uid", str(uid))
            touched.add(uid)
        # A keyword on two more, with a second keyword on one of them.
        extra = [u for u in uids if u not in touched][:2]
        for uid in extra:
            L.doveadm("flags add", "$Label1 Work", "mailbox", folder, "uid", str(uid))
            touched.add(uid)
        after = L.server_messages(folder)
        changed = sum(1 for u in uids if before[u]["flags"] != after[u]["flags"])
        t.ok(changed == len(touched), "flags: doveadm changed the flags of %d messages in %s"
             % (changed, folder))
        want[folder] = (0, changed, 0)
    doc = run_sync("flags changed by another device")
    check_deltas(doc, "flags changed", want)
    check_counts(doc, "flags changed")
    check_all("flags changed", list(want))
    cache = L.cache_state(ID, "INBOX") or {}
    t.ok(any("$Label1" in f and "Work" in f for f, _ in cache.values()),
         "flags: keywords ($Label1, Work) are in the cache's flags")


def step_expunge():
    before = L.server_messages("INBOX")
    gone = rng.sample(sorted(before), 5)
    L.doveadm("expunge", "mailbox", "INBOX", "uid", ",".join(map(str, gone)))
    gone2 = rng.sample(sorted(L.server_messages("Archive")), 2)
    L.doveadm("expunge", "mailbox", "Archive", "uid", ",".join(map(str, gone2)))
    doc = run_sync("messages expunged by another device")
    check_deltas(doc, "expunged", {"INBOX": (0, 0, 5), "Archive": (0, 0, 2)})
    check_counts(doc, "expunged")
    check_all("expunged", ["INBOX", "Archive"])
    cache = L.cache_state(ID, "INBOX") or {}
    t.ok(not set(gone) & set(cache), "expunged: none of the UIDs %s is left in the cache" % gone)


def step_new():
    for i in range(3):
        msg = L.simple_message("<new-%d.%s@tern.test>" % (i, ID), "New mail %d" % i)
        L.doveadm("save", "-m", "INBOX", input=msg)
    for i in range(2):
        L.append("Projects", L.simple_message("<appended-%d.%s@tern.test>" % (i, ID),
                                              "Appended %d" % i), flags="(\\Seen $Label2)")
    doc = run_sync("new mail delivered")
    check_deltas(doc, "new mail", {"INBOX": (3, 0, 0), "Projects": (2, 0, 0)})
    check_counts(doc, "new mail")
    check_all("new mail", ["INBOX", "Projects"])


def step_mixed():
    """Flags, expunge and delivery together, in one folder, between two syncs."""
    before = L.server_messages("INBOX")
    uids = sorted(before)
    gone = uids[:2] + uids[-1:]
    flip = [u for u in uids[2:-1]][:4]
    for u in flip:
        L.doveadm("flags " + ("remove" if "\\Seen" in before[u]["flags"] else "add"), "\\Seen",
                  "mailbox", "INBOX", "uid", str(u))
    L.doveadm("expunge", "mailbox", "INBOX", "uid", ",".join(map(str, gone)))
    L.doveadm("save", "-m", "INBOX", input=L.simple_message("<mixed.%s@tern.test>" % ID, "Mixed"))
    doc = run_sync("flags, expunges and new mail together")
    check_deltas(doc, "flags, expunges and new mail together", {"INBOX": (1, len(flip), 3)})
    check_counts(doc, "flags, expunges and new mail together")
    check_all("flags, expunges and new mail together", ["INBOX"])


def step_folders():
    created = "Neu/Ordner ✓ & Co"
    L.doveadm("mailbox create", created)
    L.append(created, L.simple_message("<in-new-folder.%s@tern.test>" % ID, "In a new folder"))
    renamed_from, renamed_to = "Projects/Überprüfung", "Projects/Geprüft"
    L.doveadm("mailbox rename", renamed_from, renamed_to)
    deleted = "Receipts & Invoices"
    had = len(L.server_messages(deleted) or {})
    L.doveadm("mailbox delete", deleted)
    t.ok(deleted not in L.server_folders() and had > 0,
         "folders: doveadm deleted %r (%d messages), renamed and created folders"
         % (deleted, had))

    doc = run_sync("folders created, renamed and deleted")
    want = L.server_folders()
    t.ok(sorted(doc) == want, "folders: sync --json lists exactly the server's folders",
         "got %s\nwant %s" % (sorted(doc), want))
    t.ok(created in doc and renamed_to in doc and renamed_from not in doc and deleted not in doc,
         "folders: the new and renamed folders are there, the old name and the deleted one "
         "are not")
    check_counts(doc, "folders changed", fresh=(created, renamed_to))
    check_all("folders changed", [created, renamed_to])
    for gone in (renamed_from, deleted):
        doc_l, r = L.cli_json("list", ID, gone, "--limit", L.ALL)
        t.ok(r.returncode == 1 and doc_l is None and r.stderr.strip(),
             "folders: list of the vanished folder %r fails with exit 1 and a message" % gone,
             L.describe(r))


def step_uidvalidity():
    # Sent: deleted and made again with the same messages in reverse order,
    # after one throwaway, so that UIDs, their mapping to messages and
    # UIDVALIDITY all change.
    folder = "Sent"
    c = L.imap()
    try:
        old = L.server_messages(folder, c)
        typ, data = c.select(L.quote(folder), readonly=True)
        old_validity = int(c.untagged_responses.get("UIDVALIDITY", [b"0"])[-1])
        raw = {}
        for uid in old:
            typ, data = c.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw[uid] = next(x[1] for x in data if isinstance(x, tuple))
        c.close()
        L.doveadm("mailbox delete", folder)
        L.doveadm("mailbox create", folder)
        throwaway = L.append(folder, L.simple_message("<throwaway.%s@tern.test>" % ID, "x"), c=c)
        L.doveadm("expunge", "mailbox", folder, "uid", str(throwaway))
        for uid in sorted(old, reverse=True):
            fl = "(%s)" % " ".join(sorted(old[uid]["flags"]))
            L.append(folder, raw[uid], flags=fl, c=c)
        L.doveadm("mailbox update", "--uid-validity", str(old_validity + 1000), folder)
        c.select(L.quote(folder), readonly=True)
        new_validity = int(c.untagged_responses.get("UIDVALIDITY", [b"0"])[-1])
    finally:
        c.logout()
    new = L.server_messages(folder)
    t.ok(new_validity != old_validity and len(new) == len(old) and
         set(new) != set(old),
         "uidvalidity: %s recreated with UIDVALIDITY %d (was %d), %d messages, new UIDs"
         % (folder, new_validity, old_validity, len(new)))
    # INBOX: UIDVALIDITY changed in place (same UIDs, the cache must still
    # be rebuilt, and equal the server afterwards).
    status = L.doveadm("mailbox status", "uidvalidity", "INBOX", json_output=True)
    L.doveadm("mailbox update", "--uid-validity", str(int(status[0]["uidvalidity"]) + 77), "INBOX")

    doc = run_sync("UIDVALIDITY reset")
    check_counts(doc, "UIDVALIDITY reset", fresh=(folder, "INBOX"))
    check_all("UIDVALIDITY reset", [folder, "INBOX"])
    cache = L.cache_state(ID, folder) or {}
    t.ok(set(cache) == set(new) and not set(cache) & (set(old) - set(new)),
         "uidvalidity: the cache holds exactly the server's new UIDs of %s" % folder,
         "cache %s\nserver %s" % (sorted(cache), sorted(new)))
    # Nothing left over from other folders' changes: a final whole comparison.
    doc = run_sync("sync after everything")
    check_deltas(doc, "sync after everything", {})
    check_counts(doc, "sync after everything")
    check_all("final")


def main():
    print("# mode expected: %s" % MODE, flush=True)
    t.section("capabilities", capabilities_as_configured)
    if t.section("initial", step_initial) is None and t.failed:
        pass
    for name, fn in (("flags", step_flags), ("expunge", step_expunge), ("new", step_new),
                     ("mixed", step_mixed), ("folders", step_folders),
                     ("uidvalidity", step_uidvalidity)):
        t.section(name, fn)
    L.cli("account", "remove", ID)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
