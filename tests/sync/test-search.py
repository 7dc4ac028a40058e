#!/usr/bin/python3
# test-search.py — `tern-cli search` against `doveadm search` on the same
# real Dovecot, for the same criteria.
#
# A corpus generated here (seeded, so every run is the same) goes into a
# folder of its own by APPEND: subjects, senders, To and Cc drawn from small
# vocabularies with non-ASCII words (Überprüfung, José, Straße, 日本語) as
# RFC 2047 encoded words, bodies as 8bit, quoted-printable and base64 UTF-8,
# some with a PDF attached (multipart/mixed), flags and dates spread over
# three months. Each query of the table runs through tern-cli and, written
# independently as IMAP SEARCH keys, through doveadm; the UID sets must be
# equal:
#   - bodies not cached: the merged answer (cache, then UID SEARCH) for every
#     query, and the cache alone (--local) for the queries on headers, flags
#     and dates;
#   - after `tern-cli show` of every message (bodies cached and indexed): the
#     merged answer and the cache alone, for every query.
# Then one folder versus every folder, the JSON fields, mail delivered after
# the sync (found by the server alone), a bad query, and the server taken
# away (a proxy): the cache's answer with a warning.
#
# The cache matches words by prefix (FTS5) where the server matches
# substrings, so the vocabulary has no word inside another; search latency
# is reported as TAP comments, never asserted.
#
# Usage (meson suite "sync"):
#   with-dovecot --size N -- /usr/bin/python3 test-search.py TERN-CLI
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import base64
import email.header
import os
import quopri
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

import synclib as L  # noqa: E402
from synclib import t  # noqa: E402

L.init(sys.argv)
ID = "search-%d" % os.getpid()
OFFLINE_ID = "search-off-%d" % os.getpid()
FOLDER = "Suche Überprüfung"
N = 80
SEED = 6

WORDS = ["kittiwake", "puffin", "guillemot", "razorbill", "gannet", "fulmar", "shearwater",
         "petrel", "albatross", "cormorant", "Überprüfung", "Straße", "naïve", "café", "Zürich",
         "日本語", "skua", "dunlin", "whimbrel", "godwit", "Uberprufung"]
PEOPLE = [("José Núñez", "jose@example.net"), ("Dörte Weiß", "doerte@example.de"),
          ("Bob Smith", "bob@example.org"), ("Carol Jones", "carol@example.org"),
          ("Dave Brown", "dave@example.com"), ("Erin Æther", "erin@example.com")]


def header_value(text):
    """RFC 2047 for non-ASCII, as mail clients write it."""
    try:
        text.encode("ascii")
        return text
    except UnicodeEncodeError:
        return email.header.Header(text, "utf-8").encode()


def address(person):
    return "%s <%s>" % (header_value(person[0]), person[1])


def make_corpus():
    rng = random.Random(SEED)
    messages = []
    for i in range(N):
        subject = " ".join(rng.sample(WORDS, rng.randint(2, 3)))
        body_words = rng.sample(WORDS, rng.randint(3, 6))
        # Phrases, in order and out of it.
        if rng.random() < 0.2:
            subject += rng.choice([" naïve café", " café naïve"])
        if rng.random() < 0.3:
            body_words.append(rng.choice(["gannet fulmar", "fulmar gannet"]))
        body = "Hello,\r\n\r\n%s and more.\r\n\r\nRegards\r\n" % " ".join(body_words)
        sender = rng.choice(PEOPLE)
        to = rng.sample([p for p in PEOPLE if p != sender], rng.randint(1, 2))
        cc = rng.sample([p for p in PEOPLE if p != sender and p not in to], rng.randint(0, 2))
        day = rng.randint(0, 89)
        when = time.gmtime(1704110400 + day * 86400)  # 2024-01-01 12:00 UTC
        encoding = rng.choice(["8bit", "quoted-printable", "base64"])
        attach = rng.random() < 0.3
        flags = []
        if rng.random() < 0.5:
            flags.append("\\Seen")
        if rng.random() < 0.25:
            flags.append("\\Flagged")
        raw = body.encode("utf-8")
        if encoding == "quoted-printable":
            payload = quopri.encodestring(raw).replace(b"\n", b"\r\n").replace(b"\r\r", b"\r")
        elif encoding == "base64":
            payload = base64.encodebytes(raw).replace(b"\n", b"\r\n")
        else:
            payload = raw
        head = ("From: %s\r\nTo: %s\r\n%sSubject: %s\r\n"
                "Date: %s\r\nMessage-ID: <search-%d@example.net>\r\nMIME-Version: 1.0\r\n"
                % (address(sender), ", ".join(address(p) for p in to),
                   "Cc: %s\r\n" % ", ".join(address(p) for p in cc) if cc else "",
                   header_value(subject), time.strftime("%a, %d %b %Y %H:%M:%S +0000", when), i))
        text_part = ("Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: %s\r\n\r\n" % encoding).encode() + payload
        if attach:
            pdf = base64.encodebytes(b"%PDF-1.4\n% binary stuff 0123456789\n").replace(b"\n", b"\r\n")
            data = (head + "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n"
                    "--b%d\r\n" % (i, i)).encode() + text_part + (
                "\r\n--b%d\r\nContent-Type: application/pdf\r\n"
                "Content-Disposition: attachment; filename=\"file.pdf\"\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n" % i).encode() + pdf + (
                "\r\n--b%d--\r\n" % i).encode()
        else:
            data = head.encode() + text_part
        messages.append((data, flags))
    return messages


def anyfield(w):
    """Free text: the fields the cache indexes, in doveadm's infix OR syntax
    (tern sends the same as IMAP's prefix OR)."""
    return ["(", "SUBJECT", w, "OR", "FROM", w, "OR", "TO", w, "OR", "CC", w, "OR", "BODY", w, ")"]


# (tern-cli query, doveadm search keys (doveadm's syntax), looks into bodies)
QUERIES = [
    ("kittiwake", anyfield("kittiwake"), True),
    ("subject:puffin", ["SUBJECT", "puffin"], False),
    ("subject:Überprüfung", ["SUBJECT", "Überprüfung"], False),
    ("subject:ÜBERPRÜFUNG", ["SUBJECT", "ÜBERPRÜFUNG"], False),
    ("subject:uberprufung", ["SUBJECT", "uberprufung"], False),
    ("from:José", ["FROM", "José"], False),
    ("from:jose", ["FROM", "jose"], False),
    ("from:dörte", ["FROM", "dörte"], False),
    ("body:guillemot", ["BODY", "guillemot"], True),
    ("body:straße", ["BODY", "straße"], True),
    ("body:zürich -is:read", ["BODY", "zürich", "UNSEEN"], True),
    ("\"gannet fulmar\"", anyfield("gannet fulmar"), True),
    ("-subject:puffin", ["NOT", "SUBJECT", "puffin"], False),
    ("subject:skua -from:bob", ["SUBJECT", "skua", "NOT", "FROM", "bob"], False),
    ("to:carol", ["TO", "carol"], False),
    ("cc:carol", ["CC", "carol"], False),
    ("-to:bob", ["NOT", "TO", "bob"], False),
    ("cc:Æther", ["CC", "Æther"], False),
    ("has:attachment", ["HEADER", "Content-Type", "multipart/mixed"], False),
    ("-has:attachment is:flagged", ["NOT", "HEADER", "Content-Type", "multipart/mixed",
                                     "FLAGGED"], False),
    ("is:unread", ["UNSEEN"], False),
    ("is:flagged -is:read", ["FLAGGED", "NOT", "SEEN"], False),
    ("before:2024-02-01", ["SENTBEFORE", "1-Feb-2024"], False),
    ("after:2024-03-01", ["SENTSINCE", "1-Mar-2024"], False),
    ("after:2024-02-01 before:2024-03-01 body:razorbill",
     ["SENTSINCE", "1-Feb-2024", "SENTBEFORE", "1-Mar-2024", "BODY", "razorbill"], True),
    ("Zürich", anyfield("Zürich"), True),
    ("subject:日本語", ["SUBJECT", "日本語"], False),
    ("-body:petrel", ["NOT", "BODY", "petrel"], True),
    ("subject:\"naïve café\"", ["SUBJECT", "naïve café"], False),
    ("body:godwit subject:dunlin -is:flagged", ["BODY", "godwit", "SUBJECT", "dunlin", "NOT",
                                                "FLAGGED"], True),
]


def doveadm_uids(keys, mailbox=FOLDER):
    out = L.doveadm("search", "mailbox", mailbox, "(", *keys, ")")
    return sorted(int(line.split()[1]) for line in out.splitlines() if line.strip())


def search(query, *extra, ident=ID):
    start = time.monotonic()
    doc, r = L.cli_json("search", ident, query, *extra)
    elapsed = time.monotonic() - start
    return doc, r, elapsed


def uids_of(doc):
    return sorted(h["uid"] for h in doc)


def compare_all(phase, local_too):
    times = []
    short = 0
    for query, keys, body in QUERIES:
        expected = doveadm_uids(keys)
        doc, r, elapsed = search(query, "--folder", FOLDER)
        times.append(elapsed)
        if t.ok(isinstance(doc, list), "%s: search %r exits 0 with a list" % (phase, query),
                L.describe(r)):
            got = uids_of(doc)
            t.ok(got == expected, "%s: %r finds what doveadm finds (%d)" % (phase, query,
                                                                          len(expected)),
                 "tern-cli: %s\ndoveadm:  %s" % (got, expected))
        if body and not local_too:
            # The cache cannot know yet: what it finds alone differs.
            doc, r, _ = search(query, "--folder", FOLDER, "--local")
            if isinstance(doc, list) and uids_of(doc) != expected:
                short += 1
            continue
        doc, r, elapsed = search(query, "--folder", FOLDER, "--local")
        if t.ok(isinstance(doc, list), "%s: search --local %r exits 0" % (phase, query),
                L.describe(r)):
            got = uids_of(doc)
            t.ok(got == expected, "%s: %r in the cache alone finds what doveadm finds (%d)"
                 % (phase, query, len(expected)), "tern-cli: %s\ndoveadm:  %s" % (got, expected))
    if not local_too:
        t.ok(short > 0, "%s: the cache alone misses body matches (%d queries), so the "
             "server answered them" % (phase, short))
    times.sort()
    t.note("%s: tern-cli search (process start, cache and server) median %.1f ms, max %.1f ms"
           % (phase, times[len(times) // 2] * 1000, times[-1] * 1000))


def check_setup():
    c = L.imap()
    c.create(L.quote(FOLDER))
    for data, flags in make_corpus():
        L.append(FOLDER, data, "(%s)" % " ".join(flags) if flags else None, c=c)
    c.logout()
    r = L.add_account(ID, L.PORT)
    if not t.ok(r.returncode == 0, "account add", L.describe(r)):
        return False
    state, r = L.sync(ID)
    return t.ok(state is not None and FOLDER in state, "sync of every folder", L.describe(r))


def check_each_query_has_answers():
    # The table is worth something only if its answers are not all empty or full.
    sizes = [len(doveadm_uids(keys)) for _, keys, _ in QUERIES]
    t.ok(len(QUERIES) >= 20, "at least 20 queries (%d)" % len(QUERIES))
    t.ok(sum(1 for s in sizes if 0 < s < N) >= len(QUERIES) - 2,
         "the queries split the corpus (sizes %s)" % sizes)


def check_cache_bodies():
    doc, r = L.cli_json("list", ID, FOLDER, "--limit", L.ALL)
    if not t.ok(isinstance(doc, list) and len(doc) == N, "list the folder", L.describe(r)):
        return
    failed = []
    for m in doc:
        shown, r = L.cli_json("show", ID, FOLDER, str(m["uid"]))
        if shown is None:
            failed.append((m["uid"], L.describe(r)))
    t.ok(not failed, "show caches every body", failed[:3])


def check_json_and_scope():
    doc, r, _ = search("subject:puffin")
    if t.ok(isinstance(doc, list) and doc, "search without --folder", L.describe(r)):
        h = doc[0]
        t.ok(set(h) == {"folder", "uid", "subject", "from", "date"},
             "hits have folder, uid, subject, from, date", h)
        t.ok(all(x["folder"] == FOLDER for x in doc), "puffins only in their folder")
        dates = [x["date"] for x in doc]
        t.ok(dates == sorted(dates, reverse=True), "newest first", dates)
        t.ok("puffin" in h["subject"].lower() and h["from"]["address"],
             "subject and sender filled in", h)
    # Every folder: flagged mail, compared folder by folder with doveadm.
    expected = set()
    out = L.doveadm("fetch", "mailbox uid", "mailbox", "*", "FLAGGED")
    mailbox = None
    for line in out.splitlines():
        if line.startswith("mailbox: "):
            mailbox = line[len("mailbox: "):]
        elif line.startswith("uid: "):
            expected.add((mailbox, int(line[5:])))
    doc, r, _ = search("is:flagged")
    if t.ok(isinstance(doc, list), "search is:flagged in every folder", L.describe(r)):
        got = {(h["folder"], h["uid"]) for h in doc}
        t.ok(got == expected and len({f for f, _ in got}) > 1,
             "every folder's flagged mail, as doveadm finds it (%d)" % len(expected),
             "only tern: %s\nonly doveadm: %s" % (sorted(got - expected)[:10],
                                                 sorted(expected - got)[:10]))


def check_unsynced():
    # Delivered after the last sync: only the server knows it.
    uid = L.append(FOLDER, L.simple_message("<unsynced-puffin@example.net>",
                                            "A puffin not synchronised yet"))
    expected = doveadm_uids(["SUBJECT", "puffin"])
    doc, r, _ = search("subject:puffin", "--folder", FOLDER)
    if t.ok(isinstance(doc, list), "unsynced: search exits 0", L.describe(r)):
        t.ok(uid in expected and uids_of(doc) == expected,
             "unsynced: the new message is found, with the rest", (uids_of(doc), expected))
        new = [h for h in doc if h["uid"] == uid]
        t.ok(new and new[0]["subject"] is None and doc[0]["uid"] == uid,
             "unsynced: listed first, without a summary", doc[:2])
    doc, r, _ = search("subject:puffin", "--folder", FOLDER, "--local")
    t.ok(isinstance(doc, list) and uid not in uids_of(doc), "unsynced: not in the cache alone")


def check_bad_query():
    r = L.cli("search", ID, "is:bogus")
    t.ok(r.returncode == 1 and "is:bogus" in r.stderr and not r.stdout,
         "a bad query fails with a message", L.describe(r))
    r = L.cli("search", ID, "subject:x", "--folder", "No such folder")
    t.ok(r.returncode == 1 and "No such folder" in r.stderr, "an unknown folder fails",
         L.describe(r))


def check_offline():
    proxy = L.Proxy()
    r = L.add_account(OFFLINE_ID, proxy.port)
    if not t.ok(r.returncode == 0, "offline: account add through a proxy", L.describe(r)):
        return
    state, r = L.sync(OFFLINE_ID, FOLDER)
    t.ok(state is not None, "offline: sync", L.describe(r))
    doc, r = L.cli_json("show", OFFLINE_ID, FOLDER, "1")
    proxy.offline()
    query, keys, _ = QUERIES[1]  # subject: the cache knows it without bodies
    doc, r, _ = search(query, "--folder", FOLDER, ident=OFFLINE_ID)
    if t.ok(isinstance(doc, list), "offline: search still answers", L.describe(r)):
        t.ok(uids_of(doc) == doveadm_uids(keys), "offline: the cache's answer is complete for "
             "a header query")
        t.ok("cache alone" in r.stderr, "offline: a warning says the server was not searched",
             r.stderr)


def main():
    if not t.section("setup", check_setup):
        return t.finish()
    t.section("queries", check_each_query_has_answers)
    t.section("uncached", compare_all, "bodies uncached", False)
    t.section("cache bodies", check_cache_bodies)
    t.section("cached", compare_all, "bodies cached", True)
    t.section("json and scope", check_json_and_scope)
    t.section("unsynced", check_unsynced)
    t.section("bad query", check_bad_query)
    t.section("offline", check_offline)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
