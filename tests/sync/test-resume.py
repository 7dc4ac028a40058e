#!/usr/bin/python3
# test-resume.py — an interrupted sync resumes where it stopped (issue #4):
# tern-cli is killed (SIGKILL, at the sync-after-window crash point) after the
# second window of a cold sync; the cache then holds the newest messages
# only, and the next sync fetches the rest and nothing twice.
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import sys

import synclib as L
from synclib import t

ID = "resume"


def main():
    L.init(sys.argv)
    r = L.add_account(ID, L.PORT)
    if not t.ok(r.returncode == 0, "account added", L.describe(r)):
        return t.finish()

    server = L.server_state("INBOX")
    n = len(server)
    t.ok(n > 600, "INBOX is large enough for three windows (%d messages)" % n)

    doc, r = L.sync(ID, "INBOX", env={"TERN_TEST_CRASH_AT": "sync-after-window:2"})
    t.ok(L.killed(r), "the first sync dies by SIGKILL after its second window", L.describe(r))

    cache = L.cache_state(ID, "INBOX") or {}
    newest = sorted(server)[-len(cache):] if cache else []
    t.ok(0 < len(cache) < n, "the cache holds part of INBOX (%d of %d)" % (len(cache), n))
    t.ok(sorted(cache) == newest, "what it holds are the newest messages",
         "cached %s … %s" % (sorted(cache)[:3], sorted(cache)[-3:]))
    t.ok(all(cache[u] == server[u] for u in cache), "with the server's flags and sizes")

    doc, r = L.sync(ID, "INBOX")
    t.ok(r.returncode == 0 and doc is not None and "INBOX" in doc, "the next sync succeeds",
         L.describe(r))
    if doc is not None and "INBOX" in doc:
        got = doc["INBOX"]
        t.ok(got.get("new") == n - len(cache),
             "it fetches only what was missing (%d new, %d expected)"
             % (got.get("new", -1), n - len(cache)))
        t.ok(got.get("total") == n, "INBOX total is %d" % n, got)
    L.check_folder(ID, "INBOX", "after the resumed sync")

    doc, r = L.sync(ID, "INBOX")
    t.ok(r.returncode == 0 and doc is not None and doc.get("INBOX", {}).get("new") == 0,
         "a third sync finds nothing new", L.describe(r))
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
