#!/usr/bin/python3
# test-reading.py — the main window against a real Dovecot (run under
# tests/fixtures/with-dovecot): an account added with tern-cli shows in the
# sidebar with the server's folders and unread counts (compared with what
# imaplib's STATUS says), INBOX lists its messages, a message opened with the
# keyboard alone shows its subject and body text in the reader (compared with
# the raw message fetched independently), F6 moves the focus between panes,
# new mail arrives with F5 and, through IDLE, without it, as do flags and
# expunges made elsewhere, and every visible control has an accessible name.
# Screenshots of each step go into the test log directory.
#
# A click on a row reads it; a Ctrl+click only selects.
# Usage: test-reading.py PATH-TO-TERN PATH-TO-TERN-CLI
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
from uilib import ACCOUNT, SYNC_TIMEOUT, add_account, child_names, focused_in, imap, key  # noqa: E402
import corpus  # noqa: E402

TERN = os.path.abspath(sys.argv[1])
CLI = os.path.abspath(sys.argv[2])
LOG_DIR = os.environ.get("TERN_LOG_DIR") or os.getcwd()


def server_folders(c):
    """{decoded path: (messages, unseen)} for every selectable folder."""
    typ, data = c.list()
    assert typ == "OK", data
    out = {}
    for line in data:
        line = line.decode()
        m = re.match(r'\((?P<flags>[^)]*)\) (?:"(?P<sep>[^"]*)"|NIL) (?P<name>.*)$', line)
        if not m or "\\Noselect" in m.group("flags") or "\\NonExistent" in m.group("flags"):
            continue
        wire = m.group("name")
        if wire.startswith('"'):
            wire = wire[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        typ, st = c.status('"%s"' % wire.replace("\\", "\\\\").replace('"', '\\"'),
                           "(MESSAGES UNSEEN)")
        assert typ == "OK", st
        counts = dict(re.findall(r"(MESSAGES|UNSEEN) (\d+)", st[0].decode()))
        out[corpus.mutf7_decode(wire)] = (int(counts["MESSAGES"]), int(counts["UNSEEN"]))
    return out


def expected_label(path, unseen):
    name = "Inbox" if path == "INBOX" else path.split("/")[-1]
    return "%s, %d unread" % (name, unseen) if unseen else name


def inbox_messages(c):
    """[(subject, body text, whether the body is plain text)] of every INBOX
    message, read independently."""
    typ, _ = c.select("INBOX", readonly=True)
    assert typ == "OK"
    typ, data = c.uid("FETCH", "1:*", "(BODY.PEEK[])")
    assert typ == "OK", data
    out = []
    for item in data:
        if not isinstance(item, tuple):
            continue
        msg = email.message_from_bytes(item[1], policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain", "html"))
        text = ""
        if body is not None:
            try:
                text = body.get_content()
            except (LookupError, ValueError):
                text = ""
            if body.get_content_type() == "text/html":
                text = re.sub(r"(?is)<(style|script|head)\b.*?</\1>", " ", text)
                text = re.sub(r"<[^>]+>", " ", text)
        plain = body is not None and body.get_content_type() == "text/plain"
        out.append((str(msg.get("Subject", "")), text, plain))
    return out


def words(text):
    return re.findall(r"\w{4,}", text)


def main():
    t = au.Tap()
    os.makedirs(LOG_DIR, exist_ok=True)

    r = add_account(CLI)
    if not t.ok(r.returncode == 0, "tern-cli account add (%s)" % r.stderr.strip()):
        return t.finish()

    c = imap()
    folders = server_folders(c)
    expected = {expected_label(p, unseen) for p, (total, unseen) in folders.items() if total}
    messages = inbox_messages(c)
    c.logout()
    t.ok("INBOX" in folders and folders["INBOX"][0] > 0,
         "the server has %d folders, INBOX with %s messages" % (len(folders),
                                                                 folders.get("INBOX")))

    # The protocol trace (LOGIN and AUTHENTICATE are redacted in it).
    trace = os.path.join(LOG_DIR, "ui-reading-imap.log")
    with au.Launched([TERN], env={"G_MESSAGES_DEBUG": "tern-imap"}, log=trace) as tern:
        app = au.wait_for_app("tern", tern.proc)
        frame = au.wait_for(lambda: au.find(app, role="frame", name="Tern"), "the Tern window")
        xid = au.x11_window_for_pid(tern.proc.pid, "Tern")
        if xid:
            subprocess.run(["xdotool", "windowsize", "--sync", xid, "1200", "760"], timeout=10)
        t.ok(au.wait_for(lambda: au.find(frame, role="label", name=ACCOUNT), "the account header",
                         fail=False) is not None, "the sidebar shows the account '%s'" % ACCOUNT)
        sidebar = au.wait_for(lambda: au.find(frame, role="list", name="Folders of " + ACCOUNT),
                              "the folder list")

        shown = au.wait_for(lambda: expected <= set(child_names(sidebar)) and
                            child_names(sidebar), "the server's folders and counts",
                            timeout=SYNC_TIMEOUT, fail=False) or child_names(sidebar)
        t.ok(expected <= set(shown), "the sidebar shows every server folder with its unread "
             "count (missing: %s; shown: %s)" % (sorted(expected - set(shown)), shown))
        t.ok(shown and shown[0].startswith("Inbox"), "INBOX comes first (%s)" % shown[:1])
        au.screenshot(os.path.join(LOG_DIR, "ui-reading-folders.png"))

        # INBOX is opened at start; its rows fill in from the cache.
        msg_list = au.wait_for(lambda: au.find(frame, role="list", name="Messages"),
                               "the message list")
        subjects = {s for s, _, _ in messages}
        rows = au.wait_for(lambda: [n for n in child_names(msg_list)
                                    if any(s and s in n for s in subjects)],
                           "message rows with subjects", timeout=SYNC_TIMEOUT, fail=False)
        t.ok(rows, "INBOX lists messages with speakable labels (e.g. %r)" % (rows or [None])[0])

        # Keyboard only: F6 to the sidebar, F6 to the list, Home, Enter.
        subprocess.run(["xdotool", "windowfocus", "--sync", xid], timeout=10)
        key("F6")
        in_sidebar = au.wait_for(lambda: (lambda f: f is not None and
                                          f.get_name().startswith("Inbox"))(focused_in(sidebar)),
                                 "focus in the sidebar", timeout=5, fail=False)
        f = focused_in(frame)
        t.ok(in_sidebar, "F6 moves the focus to the sidebar's selected folder (focus: %s %r)"
             % (f and f.get_role_name(), f and f.get_name()))
        key("F6")
        row = au.wait_for(lambda: focused_in(msg_list), "focus in the message list", timeout=5,
                          fail=False)
        t.ok(row is not None, "F6 again moves the focus to the message list")
        key("Home")
        row = au.wait_for(lambda: (lambda f: f if f is not None and f.get_role_name() ==
                                   "list item" else None)(focused_in(msg_list)),
                          "a focused message row", timeout=5, fail=False)
        label = row.get_name() if row is not None else ""
        t.ok(row is not None and label, "a message row has the focus: %r" % label)
        # On with Down to a plain text message with a subject of its own, so
        # that its words can be read back from the reader's text view (HTML
        # goes to the web view).
        counts = {}
        for s_, _, _ in messages:
            counts[s_] = counts.get(s_, 0) + 1
        plain = {s_ for s_, _, p in messages if p and s_ and counts[s_] == 1}
        for _ in range(40):
            if any(p in label for p in plain):
                break
            key("Down")
            previous = label
            au.wait_for(lambda: (lambda f: f is not None and f.get_name() != previous)(
                focused_in(msg_list)), "the next row", timeout=2, fail=False)
            f = focused_in(msg_list)
            label = f.get_name() if f is not None else ""
        trace_at = os.path.getsize(trace)
        key("Return")

        text_view = au.wait_for(lambda: au.find(frame, role="text", name="Message text"),
                                "the reader", timeout=SYNC_TIMEOUT, fail=False)
        t.ok(text_view is not None, "Enter opens the message in the reader")
        subject = None
        body = ""
        if text_view is not None:
            # The reader's subject: the nearest label above the text that
            # is a message's subject (the list's rows are further away).
            all_subjects = {s for s, _, _ in messages if s}
            node = text_view.get_parent()
            for _ in range(12):
                if node is None:
                    break
                hits = [a.get_name() for a in au.find_all(node, role="label")
                        if a.get_name() in all_subjects]
                if hits:
                    subject = hits[0]
                    break
                node = node.get_parent()

            def read_text():
                ti = text_view.get_text_iface()
                return ti.get_text(0, ti.get_character_count())

            body = au.wait_for(lambda: read_text().strip(), "the message text", fail=False) or ""
        match = [(s, b) for s, b, _ in messages if s and s == subject]
        t.ok(match and subject in label,
             "the reader shows the subject of the opened row (%r)" % subject)
        want = words(match[0][1])[:20] if match else []
        have = set(words(body))
        found = [w for w in want if w in have]
        t.ok(want and len(found) >= 0.8 * len(want),
             "the reader shows the message's body text (%d of %d words: %s)"
             % (len(found), len(want), want[:8]))
        # Each sync leaves the folder on screen selected: its messages are
        # fetched without an EXAMINE first (0.15 s on a large Maildir).
        with open(trace, "rb") as f:
            f.seek(trace_at)
            sent = [line.split(b"C: ", 1)[1].decode("utf-8", "replace").strip()
                    for line in f if b" C: " in line]
        t.ok(any("FETCH" in c and "BODY.PEEK" in c for c in sent)
             and not any(" EXAMINE " in " %s " % c for c in sent),
             "the message's text is fetched with INBOX already selected (sent: %s)" % sent[:6])
        # Loaded on a thread while the first message was fetched, so that the
        # first HTML one does not freeze the window loading it.
        mapped = au.wait_for(lambda: au.webkit_loaded(tern.proc.pid), "WebKit loaded", timeout=10,
                             fail=False)
        t.ok(mapped, "WebKit was loaded beside the first message (mapped: %s)"
             % au.webkit_mapped(tern.proc.pid))
        key("F6")
        t.ok(au.wait_for(lambda: "focused" in au.states(text_view), "focus in the reader",
                         timeout=5, fail=False),
             "F6 moves the focus on to the reader (focus: %s)"
             % ((lambda f: f and (f.get_role_name(), f.get_name()))(focused_in(frame)),)) \
            if text_view else None

        # New mail on the server reaches the open list with F5 (one sync,
        # its new UIDs applied to the list).
        fresh = "Fresh news %d" % os.getpid()
        c = imap()
        typ, data = c.append("INBOX", None, None,
                             ("From: Bob Example <bob@example.org>\r\nTo: alice@example.org\r\n"
                              "Subject: %s\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
                              "Message-ID: <fresh-%d@example.org>\r\n\r\nHello.\r\n"
                              % (fresh, os.getpid())).encode())
        c.logout()
        t.ok(typ == "OK", "a new message was appended to INBOX on the server (%s)" % data)
        key("F5")
        t.ok(au.wait_for(lambda: [n for n in child_names(msg_list) if fresh in n],
                         "the new message in the list", timeout=SYNC_TIMEOUT, fail=False),
             "after F5 the open INBOX lists the new message")
        t.ok(au.wait_for(lambda: ("Inbox, %d unread" % (folders["INBOX"][1] + 1))
                         in child_names(sidebar), "the new unread count", timeout=SYNC_TIMEOUT,
                         fail=False),
             "after F5 the sidebar counts the new message as unread")

        # And without F5: the window idles on INBOX (IDLE), so mail that
        # another device puts there shows up by itself.
        pushed = "Pushed news %d" % os.getpid()
        c = imap()
        typ, data = c.append("INBOX", None, None,
                             ("From: Carol Example <carol@example.org>\r\nTo: alice@example.org\r\n"
                              "Subject: %s\r\nDate: Thu, 26 Nov 2026 11:00:00 +0000\r\n"
                              "Message-ID: <pushed-%d@example.org>\r\n\r\nHello again.\r\n"
                              % (pushed, os.getpid())).encode())
        c.logout()
        t.ok(typ == "OK" and au.wait_for(lambda: [n for n in child_names(msg_list) if pushed in n],
                                         "the pushed message in the list",
                                         timeout=SYNC_TIMEOUT, fail=False),
             "without F5, new mail appears in the open INBOX (IDLE)")
        t.ok(au.wait_for(lambda: ("Inbox, %d unread" % (folders["INBOX"][1] + 2))
                         in child_names(sidebar), "the new unread count", timeout=SYNC_TIMEOUT,
                         fail=False),
             "and the sidebar counts it as unread")

        # Flags and deletions made on another device come the same way.
        def pushed_row():
            return next((n for n in child_names(msg_list) if pushed in n), None)

        c = imap()
        c.select("INBOX")
        typ, found = c.uid("SEARCH", "HEADER", "Message-ID", "<pushed-%d@example.org>"
                           % os.getpid())
        uid = found[0].split()[0].decode() if typ == "OK" and found[0] else None
        c.uid("STORE", uid, "+FLAGS", "(\\Seen \\Flagged)")
        c.logout()
        row = au.wait_for(lambda: (lambda n: n if n and "flagged" in n.lower()
                                   and not n.startswith("Unread") else None)(pushed_row()),
                          "the pushed message read and flagged", timeout=SYNC_TIMEOUT, fail=False)
        t.ok(uid and row, "a flag and \\Seen set elsewhere show in its row without F5 (%r)"
             % pushed_row())
        t.ok(au.wait_for(lambda: ("Inbox, %d unread" % (folders["INBOX"][1] + 1))
                         in child_names(sidebar), "the unread count", timeout=SYNC_TIMEOUT,
                         fail=False),
             "and the sidebar's unread count drops by one")
        c = imap()
        c.select("INBOX")
        c.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
        c.expunge()
        c.logout()
        t.ok(au.wait_for(lambda: pushed_row() is None, "the expunged row to go",
                         timeout=SYNC_TIMEOUT, fail=False),
             "a message expunged elsewhere leaves the list without F5")

        # The mouse: a click on another row reads it; a Ctrl+click only adds
        # a row to the selection and leaves the reader as it is.
        def list_item(subject_):
            for i in range(msg_list.get_child_count()):
                child = msg_list.get_child_at_index(i)
                # The subject is one of the label's comma-separated parts.
                if child is not None and \
                        ", %s, " % subject_ in ", %s, " % (child.get_name() or ""):
                    return child
            return None

        def click_row(row, *modifiers):
            x, y, w, h = (lambda e: (e.x, e.y, e.width, e.height))(
                row.get_extents(au.Atspi.CoordType.WINDOW))
            cmd = ["xdotool", "mousemove", "--window", xid, str(x + w // 2), str(y + h // 2)]
            for m in modifiers:
                cmd += ["keydown", m]
            cmd += ["click", "1"]
            for m in modifiers:
                cmd += ["keyup", m]
            subprocess.run(cmd, check=True, timeout=10)

        def on_screen(row):
            e, v = row.get_extents(au.Atspi.CoordType.WINDOW), \
                msg_list.get_extents(au.Atspi.CoordType.WINDOW)
            return e.height > 0 and e.y >= v.y and e.y + e.height <= v.y + v.height

        others = [s_ for s_ in sorted(plain) if s_ != subject and list_item(s_) is not None
                  and on_screen(list_item(s_))]
        clicked = others[0] if others else None
        if clicked is not None and xid:
            click_row(list_item(clicked))
        t.ok(clicked is not None and au.wait_for(
            lambda: au.find(frame, role="label", name=clicked), "the clicked message",
            timeout=SYNC_TIMEOUT, fail=False),
            "a click on a row opens that message in the reader (%r)" % clicked)
        extra = others[1] if len(others) > 1 else None
        if extra is not None and xid:
            click_row(list_item(extra), "ctrl")
        selected = au.wait_for(
            lambda: (lambda n: n if n >= 2 else None)(sum(
                1 for i in range(msg_list.get_child_count())
                if "selected" in au.states(msg_list.get_child_at_index(i)))),
            "two selected rows", timeout=10, fail=False)
        t.ok(extra is not None and selected and au.find(frame, role="label", name=clicked)
             is not None and au.find(frame, role="label", name=extra) is None,
             "a Ctrl+click selects a second row and the reader stays on the first "
             "(%s selected)" % selected)

        unnamed = au.unnamed_interactive(frame)
        t.ok(not unnamed, "every interactive widget has an accessible name (unnamed: %s)"
             % unnamed)
        au.screenshot(os.path.join(LOG_DIR, "ui-reading-message.png"))

        # Narrow: the leaflet folds and shows one pane with a Back button.
        if xid:
            subprocess.run(["xdotool", "windowsize", "--sync", xid, "400", "700"], timeout=10)
            back = au.wait_for(lambda: au.find(frame, role="push button", name="Back"),
                               "a Back button on the narrow window", timeout=10, fail=False)
            t.ok(back is not None, "a narrow window folds to one pane with a Back button")
            au.screenshot(os.path.join(LOG_DIR, "ui-reading-narrow.png"))

    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
