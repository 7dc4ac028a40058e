#!/usr/bin/python3
# test-search.py — the search bar over the message list against a real
# Dovecot (run under tests/fixtures/with-dovecot), with the keyboard only:
# Ctrl+F opens it; a from: query and a body: query (no body is cached: no
# message was opened) list as many results as imaplib's UID SEARCH finds on
# the server; a word typed in lower case finds a subject with it in upper
# case and umlauts; a message put into another folder on the server is found
# with the scope "All folders of this account", first as a placeholder and,
# once its folder is synchronised, with its subject; "All accounts" finds
# each message in both of two accounts on the same mailbox, each row naming
# its account and folder; Tab goes entry → scope → results, Down from the
# entry into the results, and Enter opens a result in the reader (and marks it
# read on the server); a malformed query shows an error; Escape goes from the
# results back to the entry and from there brings the folder's list back.
# Every control has an accessible name. Screenshots go into the test log
# directory.
#
# Usage: test-search.py PATH-TO-TERN PATH-TO-TERN-CLI
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import email
import email.policy
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
sys.dont_write_bytecode = True
import atspi_util as au  # noqa: E402
from uilib import (ACCOUNT, CA_FILE, HOST, PASSWORD, SYNC_TIMEOUT, TLS_PORT, USER, add_account,
                   child_names, focused_in, imap, key, type_text)  # noqa: E402
import corpus  # noqa: E402

TERN = os.path.abspath(sys.argv[1])
CLI = os.path.abspath(sys.argv[2])
LOG_DIR = os.environ.get("TERN_LOG_DIR") or os.getcwd()
TAG = os.getpid()
SECOND = "Bob Second"
STATUS_RE = re.compile(r"^(\d+ results?|No messages found|Searching.*|Could not search.*)")


def inbox():
    """[(uid, from address, subject, plain body text)] of INBOX, read independently."""
    c = imap()
    try:
        typ, _ = c.select("INBOX", readonly=True)
        assert typ == "OK"
        typ, data = c.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
        assert typ == "OK", data
        out = []
        for item in data:
            if not isinstance(item, tuple):
                continue
            uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
            msg = email.message_from_bytes(item[1], policy=email.policy.default)
            body = msg.get_body(preferencelist=("plain",))
            text = ""
            if body is not None:
                try:
                    text = body.get_content()
                except (LookupError, ValueError):
                    text = ""
            sender = msg["From"].addresses[0].addr_spec if msg["From"] and \
                msg["From"].addresses else ""
            out.append((uid, sender, str(msg.get("Subject", "")), text))
        return out
    finally:
        c.logout()


def server_search(folder, *criteria, literal=None):
    """The UIDs imaplib's UID SEARCH finds in folder; `literal` (UTF-8 text)
    goes last, as a literal, with CHARSET UTF-8."""
    c = imap()
    try:
        typ, _ = c.select('"%s"' % corpus.mutf7_encode(folder), readonly=True)
        assert typ == "OK"
        if literal is not None:
            c.literal = literal.encode()
            typ, data = c.uid("SEARCH", "CHARSET", "UTF-8", *criteria)
        else:
            typ, data = c.uid("SEARCH", *criteria)
        assert typ == "OK", data
        return [int(u) for u in data[0].split()] if data and data[0] else []
    finally:
        c.logout()


def server_folders():
    """Every selectable folder's decoded name."""
    c = imap()
    try:
        typ, data = c.list()
        assert typ == "OK", data
        out = []
        for line in data:
            m = re.match(r'\((?P<flags>[^)]*)\) (?:"[^"]*"|NIL) (?P<name>.*)$', line.decode())
            if not m or "\\Noselect" in m.group("flags"):
                continue
            name = m.group("name")
            if name.startswith('"'):
                name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            out.append(corpus.mutf7_decode(name))
        return out
    finally:
        c.logout()


def server_flags(folder, tag):
    """The flags of the message whose subject has tag (ASCII) in folder."""
    c = imap()
    try:
        typ, _ = c.select('"%s"' % corpus.mutf7_encode(folder), readonly=True)
        typ, data = c.uid("SEARCH", "SUBJECT", '"%s"' % tag)
        uids = data[0].split() if typ == "OK" and data and data[0] else []
        if not uids:
            return None
        typ, data = c.uid("FETCH", uids[0].decode(), "(FLAGS)")
        m = re.search(rb"FLAGS \(([^)]*)\)", data[0] if data and data[0] else b"")
        return set(m.group(1).decode().split()) if m else set()
    finally:
        c.logout()


def append(folder, subject, body, flags=None):
    c = imap()
    try:
        raw = ("From: Ulrike Überall <ulrike@example.de>\r\nTo: alice@example.org\r\n"
               "Subject: %s\r\nDate: Thu, 26 Nov 2026 09:00:00 +0000\r\n"
               "Message-ID: <search-%d-%d@example.org>\r\nMIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
               "\r\n%s\r\n" % (subject, TAG, abs(hash(subject)) % 100000, body)).encode()
        typ, data = c.append('"%s"' % corpus.mutf7_encode(folder), flags, None, raw)
        assert typ == "OK", data
    finally:
        c.logout()


def entry_text(entry):
    """The text in the search entry (its text part may be a child)."""
    for acc in au._walk(entry):
        try:
            ti = acc.get_text_iface()
            if ti is not None:
                return ti.get_text(0, ti.get_character_count())
        except Exception:  # noqa: BLE001 — the tree changes under us
            continue
    return None


def status_of(frame):
    for acc in au.find_all(frame, role="label"):
        name = acc.get_name() or ""
        if STATUS_RE.match(name):
            return name
    return None


def count_status(n):
    return "1 result" if n == 1 else "No messages found" if n == 0 else "%d results" % n


def main():
    t = au.Tap()
    os.makedirs(LOG_DIR, exist_ok=True)

    r = add_account(CLI)
    if not t.ok(r.returncode == 0, "tern-cli account add (%s)" % r.stderr.strip()):
        return t.finish()
    # A second account on the same mailbox, for the scope "All accounts".
    r = subprocess.run([CLI, "account", "add", "zz-second", "--email", "%s@example.org" % USER,
                        "--display-name", SECOND, "--imap", "%s:%d" % (HOST, TLS_PORT),
                        "--imap-security", "tls", "--user", USER, "--ca-file", CA_FILE,
                        "--password-stdin"], input=PASSWORD + "\n", capture_output=True,
                       text=True, timeout=120)
    t.ok(r.returncode == 0, "a second account added (%s)" % r.stderr.strip())
    messages = [m for m in inbox() if str(TAG) not in m[2]]
    t.ok(len(messages) > 10, "INBOX has %d messages on the server" % len(messages))

    # A sender with several messages, for from:.
    counts = {}
    for _, sender, _, _ in messages:
        counts[sender] = counts.get(sender, 0) + 1
    sender = max(counts, key=lambda s: (counts[s], s))
    from_uids = server_search("INBOX", "FROM", '"%s"' % sender)

    # A word of some bodies that no subject has, for body:.
    subjects_text = " ".join(s for _, _, s, _ in messages).lower()
    body_word, body_uids = None, []
    candidates = sorted({w for _, _, _, b in messages for w in re.findall(r"[A-Za-z]{7,}", b)
                         if w.lower() not in subjects_text})
    for w in candidates:
        uids = server_search("INBOX", "BODY", '"%s"' % w)
        if 1 <= len(uids) <= 8 and all(w.lower() not in s.lower() for _, _, s, _ in messages):
            body_word, body_uids = w, uids
            break
    t.ok(body_word is not None, "a body word for the test: %r in %d messages"
         % (body_word, len(body_uids)))

    # A subject in upper case with umlauts, to be found in lower case.
    umlaut_subject = "GRÜSSE AUS ÜBERLINGEN %d" % TAG
    append("INBOX", umlaut_subject, "Schöne Grüße vom Bodensee.")
    server = server_search("INBOX", "SUBJECT", literal="überlingen")
    t.ok(len(server) == 1, "the server finds 'überlingen' in the subject (%s)" % server)

    with au.Launched([TERN]) as tern:
        app = au.wait_for_app("tern", tern.proc)
        frame = au.wait_for(lambda: au.find(app, role="frame", name="Tern"), "the Tern window")
        xid = au.x11_window_for_pid(tern.proc.pid, "Tern")
        if xid:
            subprocess.run(["xdotool", "windowsize", "--sync", xid, "1200", "760"], timeout=10)
        msg_list = au.wait_for(lambda: au.find(frame, role="list", name="Messages"),
                               "the message list")
        all_subjects = {s for _, _, s, _ in messages if s}
        au.wait_for(lambda: [n for n in child_names(msg_list)
                             if any(s in n for s in all_subjects)],
                    "INBOX's rows", timeout=SYNC_TIMEOUT)
        sidebar = au.find(frame, role="list", name="Folders of " + ACCOUNT)
        # The first sync is over when the sidebar shows the other folders' counts.
        au.wait_for(lambda: any(n.startswith("Archive") for n in child_names(sidebar)),
                    "the other folders", timeout=SYNC_TIMEOUT, fail=False)
        subprocess.run(["xdotool", "windowfocus", "--sync", xid], timeout=10)

        # Ctrl+F opens the bar with the focus in its entry.
        key("ctrl+f")
        entry = au.wait_for(lambda: au.find(frame, name="Search mail"), "the search entry",
                            timeout=10, fail=False)
        t.ok(entry is not None and au.wait_for(
            lambda: (lambda f: f is not None and f.get_name() == "Search mail")(
                focused_in(frame)), "focus in the search entry", timeout=5, fail=False),
             "Ctrl+F opens the search bar with the focus in the entry (focus: %s)"
             % ((lambda f: f and (f.get_role_name(), f.get_name()))(focused_in(frame)),))

        # from: — as many results as the server finds, and the right ones.
        type_text("from:%s" % sender)
        want = count_status(len(from_uids))
        got = au.wait_for(lambda: status_of(frame) == want and status_of(frame),
                          "the from: results", timeout=SYNC_TIMEOUT, fail=False)
        t.ok(got, "from:%s finds what the server's UID SEARCH FROM finds: %r (status: %r)"
             % (sender, want, status_of(frame)))
        results = au.find(frame, role="list", name="Search results")
        from_subjects = {s for u, _, s, _ in messages if u in from_uids}
        rows = child_names(results) if results else []
        t.ok(results is not None and rows and
             all(any(s in n for s in from_subjects) for n in rows),
             "the results list shows those messages (%d rows, e.g. %r)"
             % (len(rows), rows[:1]))
        t.ok(not au.find(frame, role="list", name="Messages"),
             "the results take the place of the folder's list")

        # body: — no body is cached (nothing was opened): the server answers.
        key("ctrl+f")
        type_text("body:%s" % body_word)
        want = count_status(len(body_uids))
        got = au.wait_for(lambda: status_of(frame) == want and status_of(frame),
                          "the body: results", timeout=SYNC_TIMEOUT, fail=False)
        body_subjects = {s for u, _, s, _ in messages if u in body_uids}
        rows = child_names(results) if results else []
        t.ok(got and rows and all(any(s in n for s in body_subjects) for n in rows),
             "body:%s finds the %d messages the server finds though their bodies are not "
             "cached (status: %r, rows: %r)" % (body_word, len(body_uids), status_of(frame),
                                                rows[:2]))

        # Mail delivered a moment ago, into the folder the searches above
        # left open on the session's connection: the server's answer must
        # include it (its view is refreshed first), whether or not IDLE has
        # brought it into the cache yet.
        quokka = "Quokka sighting %d" % TAG
        append("INBOX", quokka, "Spotted near the pier.")
        key("ctrl+f")
        type_text("quokka")
        row = au.wait_for(lambda: [n for n in child_names(results) if quokka in n],
                          "the message just delivered", timeout=SYNC_TIMEOUT, fail=False)
        t.ok(row and au.wait_for(lambda: status_of(frame) == "1 result", "one result",
                                 timeout=SYNC_TIMEOUT, fail=False),
             "a message delivered just now is found (rows: %r, status: %r)"
             % (row or child_names(results), status_of(frame)))

        # Non-ASCII: lower case finds upper case, on both paths.
        # xdotool can drop a character it must first map to a key: again
        # until the entry has it all (Ctrl+F selects the text to replace).
        for _ in range(4):
            key("ctrl+f")
            key("udiaeresis")
            type_text("berlingen")
            if au.wait_for(lambda: entry_text(entry) == "überlingen", "the typed query",
                           timeout=3, fail=False):
                break
        t.ok(entry_text(entry) == "überlingen",
             "the entry holds 'überlingen' (%r)" % entry_text(entry))
        row = au.wait_for(lambda: [n for n in child_names(results) if umlaut_subject in n],
                          "the umlaut result", timeout=SYNC_TIMEOUT, fail=False)
        t.ok(row, "'überlingen' finds %r (rows: %r)" % (umlaut_subject, child_names(results)))
        t.ok(au.wait_for(lambda: status_of(frame) == "1 result", "one result",
                         timeout=SYNC_TIMEOUT, fail=False),
             "and only it (status: %r)" % status_of(frame))
        au.screenshot(os.path.join(LOG_DIR, "ui-search-results.png"))

        # Down from the entry into the results, Enter opens the message.
        key("Down")
        focused = au.wait_for(lambda: (lambda f: f if f is not None and f.get_role_name() ==
                                       "list item" else None)(focused_in(results)),
                              "a focused result", timeout=5, fail=False)
        t.ok(focused is not None and umlaut_subject in focused.get_name(),
             "Down moves the focus from the entry to the first result (%r)"
             % (focused and focused.get_name()))
        key("Return")
        text_view = au.wait_for(lambda: au.find(frame, role="text", name="Message text"),
                                "the reader", timeout=SYNC_TIMEOUT, fail=False)
        body = ""
        if text_view is not None:
            ti = text_view.get_text_iface()
            body = au.wait_for(lambda: ti.get_text(0, ti.get_character_count()).strip(),
                               "the message text", fail=False) or ""
        t.ok("Bodensee" in body, "Enter opens the result in the reader (text: %r)" % body[:60])
        t.ok(au.wait_for(lambda: "\\Seen" in (server_flags("INBOX", str(TAG)) or set()),
                         "\\Seen on the server", timeout=SYNC_TIMEOUT, fail=False),
             "the opened result is marked read on the server")

        # Scope: a message the server has in another folder, not synced yet.
        zebra = "Zebra crossing %d" % TAG
        append("Archive/2024", zebra, "Stripes.")
        key("ctrl+f")
        type_text("zebra")
        t.ok(au.wait_for(lambda: status_of(frame) == "No messages found", "no result in INBOX",
                         timeout=SYNC_TIMEOUT, fail=False),
             "'zebra' finds nothing in this folder (status: %r)" % status_of(frame))
        # Tab to the scope, open it, choose "All folders of this account".
        scope = au.find(frame, name="Search In")
        key("Tab")
        t.ok(scope is not None and au.wait_for(lambda: (lambda f: f is not None and (
            f.get_name() or "").startswith("Search In"))(focused_in(frame)),
            "focus on the scope", timeout=5, fail=False),
             "Tab moves from the entry to the scope (focus: %s)"
             % ((lambda f: f and (f.get_role_name(), f.get_name()))(focused_in(frame)),))
        key("space")
        au.wait_for(lambda: au.find(app, name="All folders of this account"), "the scope list",
                    timeout=5, fail=False)
        key("Down")
        key("Return")
        row = au.wait_for(lambda: [n for n in child_names(results) if zebra in n],
                          "the other folder's result", timeout=SYNC_TIMEOUT, fail=False)
        t.ok(row and "Archive/2024" in row[0],
             "'All folders of this account' finds it in Archive/2024 once synchronised (%r)"
             % (row or child_names(results)))
        unnamed = au.unnamed_interactive(frame)
        t.ok(not unnamed, "every interactive widget has an accessible name (unnamed: %s)"
             % unnamed)
        # Tab on from the scope reaches the results.
        key("Tab")
        t.ok(au.wait_for(lambda: focused_in(results) is not None, "focus in the results",
                         timeout=5, fail=False),
             "Tab moves from the scope into the results (focus: %s)"
             % ((lambda f: f and (f.get_role_name(), f.get_name()))(focused_in(frame)),))
        au.screenshot(os.path.join(LOG_DIR, "ui-search-scope.png"))

        # All accounts: both accounts read the same mailbox, so every
        # message is found twice, each named with its account.
        key("ctrl+f")
        type_text("from:%s" % sender)
        key("Tab")
        key("space")
        au.wait_for(lambda: au.find(app, name="All accounts"), "the scope list", timeout=5,
                    fail=False)
        key("Down")
        key("Return")
        everywhere = sum(len(server_search(f, "FROM", '"%s"' % sender))
                         for f in server_folders())
        want = count_status(2 * everywhere)
        t.ok(au.wait_for(lambda: status_of(frame) == want, "results of both accounts",
                         timeout=SYNC_TIMEOUT, fail=False),
             "'All accounts' finds the messages in both accounts: %r (status: %r)"
             % (want, status_of(frame)))
        rows = child_names(results)
        t.ok(any("%s — Inbox" % ACCOUNT in n for n in rows) and
             any("%s — Inbox" % SECOND in n for n in rows),
             "each result names its account and folder (e.g. %r)" % rows[:2])
        au.screenshot(os.path.join(LOG_DIR, "ui-search-all-accounts.png"))

        # A query the language refuses says why.
        key("ctrl+f")
        type_text("before:yesterday")
        t.ok(au.wait_for(lambda: (lambda s: s and s != "Searching…" and not STATUS_RE.match(s))(
            next((a.get_name() for a in au.find_all(frame, role="label")
                  if "before" in (a.get_name() or "")), None)), "the parse error", timeout=10,
            fail=False), "a malformed query shows an error under the bar")

        # Escape in the results goes back to the entry; there, Escape clears
        # and closes the bar, and the folder's list comes back.
        key("ctrl+f")
        type_text("from:%s" % sender)
        au.wait_for(lambda: (lambda st: st and st.endswith("results"))(status_of(frame)),
                    "results", timeout=SYNC_TIMEOUT, fail=False)
        key("Down")
        au.wait_for(lambda: focused_in(results), "focus in the results", timeout=5, fail=False)
        key("Escape")
        t.ok(au.wait_for(lambda: (lambda f: f is not None and f.get_name() == "Search mail")(
            focused_in(frame)), "focus in the entry", timeout=5, fail=False),
             "Escape in the results goes back to the search entry")
        key("Escape")
        t.ok(au.wait_for(lambda: au.find(frame, role="list", name="Messages"),
                         "the folder's list", timeout=10, fail=False) is not None and
             au.find(frame, role="list", name="Search results") is None,
             "Escape closes the search and the folder's list comes back")
        t.ok(au.find(frame, name="Search mail") is None, "and the search bar is hidden")
        t.ok(au.wait_for(lambda: focused_in(msg_list), "focus in the list", timeout=5,
                         fail=False), "and the focus is back in the folder's list")

    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
