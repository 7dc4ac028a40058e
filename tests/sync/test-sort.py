#!/usr/bin/python3
# test-sort.py — sorting at scale (issue #6): every sort order shows the
# whole folder while only part of its headers is cached.
#
# A folder of 300 messages (subjects with and without "Re:", senders with
# and without a display name, sizes, dates in several time zones with ties,
# some without a Date header, \Seen and \Flagged spread) is synchronised
# with TERN_TEST_SYNC_LIMIT=100: the cache holds the newest 100 and the
# folder row still owes the rest, as during a first sync. Then, for every
# sort order in both directions, `tern-cli rows` (the message list model
# with the account's sync session) must list every message of the folder in
# the server's order — UID SORT read here with imaplib (ascending, reversed
# for descending: ties go by UID in the sort's direction, as in the cache),
# UID SEARCH for the UID, unread and flagged orders — with exactly the
# uncached messages as placeholders (no subject). After a full sync the list
# is the cache's own order again: the same messages, and for the keys the
# cache and the server compute alike (date, size, unread, flagged, UID) the
# same order. In between, `rows --sync` holds every row of the server's
# order while a sync stores the missing headers: each placeholder fills in
# place (no items-changed), and then the list is the cache's order; and a
# sort asked while the sync's header FETCH is held back by a proxy is
# answered meanwhile, on a connection of its own. Without
# the server (a proxy taken away) the list is the cache's, without an error.
#
# Usage (meson suite "sync"):
#   with-dovecot --size N -- /usr/bin/python3 test-sort.py TERN-CLI
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import random
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

import synclib as L  # noqa: E402
from synclib import t  # noqa: E402

L.init(sys.argv)
ID = "sort-%d" % os.getpid()
OFFLINE_ID = "sort-off-%d" % os.getpid()
DURING_ID = "sort-during-%d" % os.getpid()
HOLD_DEADLINE = 60  # seconds; only reached when the feature is missing
FOLDER = "Sortierung Übersicht"
N = 300
CACHED = 100
SEED = 6

SUBJECTS = ["Budget", "re: budget", "Re: Budget", "meeting notes", "MEETING", "Lunch?",
            "Zebra crossing", "alpha", "Fwd: alpha", "quarterly report", "", "Über alles"]
PEOPLE = [("Alice Archer", "alice@example.org"), ("bob", "bob@example.org"),
          (None, "carol@example.net"), ("Dave Doe", "dave@example.com"),
          ("ALICE ARCHER", "alice2@example.org"), ("Émile Zola", "emile@example.fr")]
ZONES = ["+0000", "+0200", "-0500", "+0930"]
# Where the cache and the server agree on the key itself.
EXACT = {"date", "size", "unread", "flagged", "uid"}
SORTS = ["date", "from", "subject", "size", "unread", "flagged", "uid"]
DESCENDING = {"date", "size", "unread", "flagged"}  # tern-cli's default direction


def make_corpus():
    rng = random.Random(SEED)
    out = []
    for i in range(N):
        name, addr = rng.choice(PEOPLE)
        sender = "%s <%s>" % (name, addr) if name else addr
        subject = rng.choice(SUBJECTS)
        head = "From: %s\r\nTo: x@example.org\r\nSubject: %s\r\n" % (sender, subject)
        if rng.random() < 0.95:
            # Few distinct instants, written in different zones: ties.
            day = rng.randint(1, 20)
            hour = rng.randint(0, 3) * 6
            zone = rng.choice(ZONES)
            head += "Date: %s, %02d Mar 2025 %02d:00:00 %s\r\n" % (
                ["Sat", "Sun", "Mon", "Tue", "Wed", "Thu", "Fri"][day % 7], day, hour, zone)
        head += ("Message-ID: <sort-%d@example.net>\r\nMIME-Version: 1.0\r\n"
                 "Content-Type: text/plain; charset=utf-8\r\n\r\n" % i)
        body = "x" * rng.choice([10, 10, 200, 1500, rng.randint(1, 4000)]) + "\r\n"
        flags = []
        if rng.random() < 0.5:
            flags.append("\\Seen")
        if rng.random() < 0.2:
            flags.append("\\Flagged")
        out.append(((head + body).encode("utf-8"), flags))
    return out


def numbers(data):
    return [int(x) for x in b" ".join(d for d in data if d).split()]


def server_orders():
    """{(sort, descending): [uid…]} as the server answers."""
    c = L.imap()
    try:
        typ, _ = c.select(L.quote(FOLDER), readonly=True)
        assert typ == "OK"
        typ, data = c.capability()   # after login: the full list
        caps = data[0].decode().upper().split()
        display = "SORT=DISPLAY" in caps
        t.ok("SORT" in caps, "the server offers SORT (%s)" % ("DISPLAYFROM" if display else "FROM"))
        orders = {}
        for sort, key in (("date", "DATE"), ("from", "DISPLAYFROM" if display else "FROM"),
                          ("subject", "SUBJECT"), ("size", "SIZE")):
            typ, data = c.uid("SORT", "(%s)" % key, "UTF-8", "ALL")
            assert typ == "OK", data
            up = numbers(data)
            orders[(sort, False)] = up
            orders[(sort, True)] = up[::-1]
        everything = sorted(numbers(c.uid("SEARCH", None, "ALL")[1]))
        unseen = set(numbers(c.uid("SEARCH", None, "UNSEEN")[1]))
        flagged = set(numbers(c.uid("SEARCH", None, "FLAGGED")[1]))
        orders[("uid", False)] = everything
        orders[("uid", True)] = everything[::-1]
        # The cache's key is the flag's bit, ties by UID in the same direction:
        # ascending, unread (bit clear) first; flagged last.
        for sort, has_bit in (("unread", lambda u: u not in unseen),
                              ("flagged", lambda u: u in flagged)):
            up = [u for u in everything if not has_bit(u)] + [u for u in everything if has_bit(u)]
            orders[(sort, False)] = up
            orders[(sort, True)] = up[::-1]
        return orders
    finally:
        c.logout()


def rows(sort, descending):
    args = ["rows", ID, FOLDER, "--sort", sort]
    if descending != (sort in DESCENDING):
        args.append("--reverse")
    return L.cli_json(*args)


def check_setup():
    c = L.imap()
    c.create(L.quote(FOLDER))
    for data, flags in make_corpus():
        L.append(FOLDER, data, "(%s)" % " ".join(flags) if flags else None, c=c)
    c.logout()
    r = L.add_account(ID, L.PORT)
    if not t.ok(r.returncode == 0, "account add", L.describe(r)):
        return False
    state, r = L.sync(ID, FOLDER, env={"TERN_TEST_SYNC_LIMIT": str(CACHED)})
    if not t.ok(state is not None and FOLDER in state, "a sync limited to the newest %d" % CACHED,
                L.describe(r)):
        return False
    cache = L.cache_state(ID, FOLDER) or {}
    return t.ok(len(cache) == CACHED and sorted(cache) == list(range(N - CACHED + 1, N + 1)),
                "the cache holds the newest %d of %d" % (CACHED, N),
                "cached %d: %s…" % (len(cache), sorted(cache)[:5]))


def check_incomplete(orders):
    cached = set(range(N - CACHED + 1, N + 1))
    for sort in SORTS:
        for descending in (False, True):
            what = "%s %s" % (sort, "descending" if descending else "ascending")
            doc, r = rows(sort, descending)
            if not t.ok(isinstance(doc, dict), "%s: rows --json" % what, L.describe(r)):
                continue
            got = [row["uid"] for row in doc["rows"]]
            expected = orders[(sort, descending)]
            t.ok(doc["server_order"] is True, "%s: the server's order while the cache is "
                 "incomplete" % what)
            t.ok(doc["count"] == N and len(got) == N,
                 "%s: one row per message of the folder (%d)" % (what, len(got)))
            t.ok(got == expected, "%s: the order is the server's" % what,
                 "first differences: %s" % [(i, a, b) for i, (a, b) in
                                            enumerate(zip(got, expected)) if a != b][:8])
            placeholders = {row["uid"] for row in doc["rows"] if row["subject"] is None}
            t.ok(placeholders == set(got) - cached,
                 "%s: exactly the %d uncached messages are placeholders" % (what, N - CACHED),
                 "placeholders %d, uncached %d" % (len(placeholders), len(set(got) - cached)))


def check_sync_in_place():
    """The list in the server's order while the sync stores the rest: every
    placeholder fills in where it is, and then the list is the cache's."""
    doc, r = L.cli_json("rows", ID, FOLDER, "--sort", "subject", "--sync", timeout=180)
    if not t.ok(isinstance(doc, dict) and "sync" in doc, "rows --sync", L.describe(r)):
        return
    s = doc["sync"]
    t.ok(s["server_order_before"] is True and s["placeholders"] == N - CACHED,
         "before the sync: the server's order, %d placeholders" % (N - CACHED), s)
    t.ok(s["filled_in_place"] == N - CACHED,
         "every placeholder filled in, following the sync's progress, while the rows "
         "stayed the server's order", s)
    t.ok(s["changes_in_server_order"] == 0, "no row moved meanwhile (no items-changed)", s)
    t.ok(doc["server_order"] is False and doc["count"] == N,
         "then the cache's own order, every message", "%s, %d" % (doc["server_order"],
                                                                  doc["count"]))


def check_sort_during_sync():
    """A sort asked while the sync fetches headers is answered meanwhile, on
    a connection of its own: a proxy holds the answers to the sync's header
    FETCH until a connection that sent UID SORT (SUBJECT) has logged out. A
    sort queued behind the sync would never come (the deadline ends it)."""
    proxy = L.Proxy()
    r = L.add_account(DURING_ID, proxy.port)
    if not t.ok(r.returncode == 0, "during: account add through a proxy", L.describe(r)):
        return
    state, r = L.sync(DURING_ID, FOLDER, env={"TERN_TEST_SYNC_LIMIT": str(CACHED)})
    if not t.ok(state is not None, "during: a limited sync", L.describe(r)):
        return

    lock = threading.Lock()
    fetching, sorters = set(), set()
    released = threading.Event()
    seen = {"held": False, "timed_out": False, "sorted_during_fetch": False}

    def hook(direction, data, conn):
        if direction == "c2s":
            with lock:
                if b"ENVELOPE" in data:          # the header windows' UID FETCH
                    fetching.add(conn)
                if b"SORT (SUBJECT)" in data:
                    sorters.add(conn)
                if conn in sorters and b"LOGOUT" in data:
                    # The headers' FETCH sent and (held here) not answered
                    # in full: the sync was still running.
                    seen["sorted_during_fetch"] = bool(fetching) and not released.is_set()
                    released.set()
        elif conn in fetching and not released.is_set():
            seen["held"] = True
            if not released.wait(HOLD_DEADLINE):
                seen["timed_out"] = True
                released.set()
        return data

    proxy.hook = hook
    doc, r = L.cli_json("rows", DURING_ID, FOLDER, "--sort", "date", "--sync", "--resort",
                        "subject", timeout=HOLD_DEADLINE * 3)
    proxy.hook = None
    t.ok(seen["sorted_during_fetch"] and not seen["timed_out"],
         "during: the sync's header FETCH was held until the subject sort had been answered "
         "on its own connection", seen)
    if not t.ok(isinstance(doc, dict) and doc.get("sync", {}).get("resorted") is True,
                "during: rows --sync --resort subject", L.describe(r)):
        return
    cache, r = L.cli_json("list", DURING_ID, FOLDER, "--sort", "subject", "--limit", L.ALL)
    t.ok(doc["server_order"] is False and doc["count"] == N and isinstance(cache, list) and
         [row["uid"] for row in doc["rows"]] == [m["uid"] for m in cache],
         "during: then every message, in the cache's subject order", L.describe(r))


def check_offline():
    """The server unreachable: the cache's order, no error."""
    proxy = L.Proxy()
    r = L.add_account(OFFLINE_ID, proxy.port)
    if not t.ok(r.returncode == 0, "offline: account add through a proxy", L.describe(r)):
        return
    state, r = L.sync(OFFLINE_ID, FOLDER, env={"TERN_TEST_SYNC_LIMIT": str(CACHED)})
    t.ok(state is not None, "offline: a limited sync", L.describe(r))
    proxy.offline()
    doc, r = L.cli_json("rows", OFFLINE_ID, FOLDER, "--sort", "subject")
    if not t.ok(isinstance(doc, dict), "offline: rows still answers", L.describe(r)):
        return
    cache, r = L.cli_json("list", OFFLINE_ID, FOLDER, "--sort", "subject", "--limit", L.ALL)
    t.ok(doc["server_order"] is False and doc["count"] == CACHED,
         "offline: the cache's %d messages" % CACHED, "%s %d" % (doc["server_order"],
                                                                   doc["count"]))
    t.ok(isinstance(cache, list) and [row["uid"] for row in doc["rows"]] ==
         [m["uid"] for m in cache], "offline: in the cache's order", L.describe(r))


def check_complete(orders):
    state, r = L.sync(ID, FOLDER)
    if not t.ok(state is not None and FOLDER in state, "a full sync", L.describe(r)):
        return
    for sort in SORTS:
        for descending in (False, True):
            what = "complete, %s %s" % (sort, "descending" if descending else "ascending")
            doc, r = rows(sort, descending)
            if not t.ok(isinstance(doc, dict), "%s: rows --json" % what, L.describe(r)):
                continue
            got = [row["uid"] for row in doc["rows"]]
            expected = orders[(sort, descending)]
            t.ok(doc["server_order"] is False, "%s: the cache's own order" % what)
            t.ok(sorted(got) == sorted(expected) and len(got) == N,
                 "%s: the same %d messages" % (what, N))
            t.ok(all(row["subject"] is not None for row in doc["rows"]),
                 "%s: no placeholders" % what)
            if sort in EXACT:
                t.ok(got == expected, "%s: the same order as the server's" % what,
                     "first differences: %s" % [(i, a, b) for i, (a, b) in
                                                enumerate(zip(got, expected)) if a != b][:8])


def main():
    if not t.section("setup", check_setup):
        return t.finish()
    orders = server_orders()
    t.section("incomplete", check_incomplete, orders)
    t.section("sync in place", check_sync_in_place)
    t.section("sort during sync", check_sort_during_sync)
    t.section("offline", check_offline)
    t.section("complete", check_complete, orders)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
