#!/usr/bin/python3
# test-actions.py — message actions in the main window against a real Dovecot
# (run under tests/fixtures/with-dovecot), with the keyboard only: Delete moves
# the selected message to the Trash on the server, Ctrl+Z brings it back to
# INBOX with its flags, `a` archives, `s` and `m` flag and mark unread a
# multi-selection, `v` moves through the folder popover, the account header
# counts the changes waiting for the server down to none, and the sort chosen
# in the sort menu is kept per folder. The server is read independently with
# imaplib, messages compared by Message-ID. Screenshots of the toast and the
# move popover go into the test log directory.
#
# Usage: test-actions.py PATH-TO-TERN PATH-TO-TERN-CLI
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
sys.dont_write_bytecode = True
import atspi_util as au  # noqa: E402
from uilib import (ACCOUNT, SYNC_TIMEOUT, add_account, child_names, focus_list, focused_in, imap,
                   key, type_text)  # noqa: E402
import corpus  # noqa: E402

TERN = os.path.abspath(sys.argv[1])
CLI = os.path.abspath(sys.argv[2])
LOG_DIR = os.environ.get("TERN_LOG_DIR") or os.getcwd()
TAG = os.getpid()


def flags_of(folder, message_id):
    """The flags (a frozenset) of the message with that Message-ID in folder,
    or None when the folder does not have it."""
    c = imap()
    try:
        typ, _ = c.select('"%s"' % corpus.mutf7_encode(folder), readonly=True)
        if typ != "OK":
            return None
        typ, data = c.uid("SEARCH", None, "HEADER", "Message-ID", message_id)
        uids = data[0].split() if typ == "OK" and data and data[0] else []
        if not uids:
            return None
        typ, data = c.uid("FETCH", uids[0].decode(), "(FLAGS)")
        m = re.search(rb"FLAGS \(([^)]*)\)", data[0] if data and data[0] else b"")
        # \Recent is the session's, not the message's.
        return frozenset(f for f in m.group(1).decode().split() if f != "\\Recent") \
            if m else frozenset()
    finally:
        c.logout()


def on_server(folder, message_id):
    return flags_of(folder, message_id) is not None


def append(subject, hour, flags):
    mid = "<action-%s-%d@example.org>" % (subject.replace(" ", "-").lower(), TAG)
    c = imap()
    typ, data = c.append("INBOX", flags, None,
                         ("From: %s Sender <%s@example.org>\r\nTo: alice@example.org\r\n"
                          "Subject: %s %d\r\nDate: Thu, 26 Nov 2026 %02d:00:00 +0000\r\n"
                          "Message-ID: %s\r\n\r\nText of %s.\r\n"
                          % (subject, subject.split()[-1].lower(), subject, TAG, hour, mid,
                             subject)).encode())
    c.logout()
    assert typ == "OK", data
    return "%s %d" % (subject, TAG), mid


def listed(msg_list, subject):
    return any(subject in n for n in child_names(msg_list))


def named(root, pattern, role=None):
    """Accessibles under root whose name matches pattern (shown or not)."""
    out = []
    for acc in au._walk(root):
        try:
            if re.search(pattern, acc.get_name() or "") and \
                    (role is None or role in acc.get_role_name()):
                out.append(acc)
        except Exception:  # noqa: BLE001
            continue
    return out


def describe(accs):
    out = []
    for acc in accs[:12]:
        try:
            out.append("%s %r %s" % (acc.get_role_name(), acc.get_name(),
                                     sorted(au.states(acc))))
        except Exception:  # noqa: BLE001
            continue
    return out


def label_texts(frame):
    out = []
    for acc in au.find_all(frame, role="label"):
        try:
            out.append(acc.get_name())
        except Exception:  # noqa: BLE001
            continue
    return out


def main():
    t = au.Tap()
    os.makedirs(LOG_DIR, exist_ok=True)

    r = add_account(CLI)
    if not t.ok(r.returncode == 0, "tern-cli account add (%s)" % r.stderr.strip()):
        return t.finish()

    # Three messages newer than the corpus, so that they are the list's top
    # rows (newest first): C, B, A. C is flagged and read, to see its flags
    # survive a delete and its undo; A and B are read, for "mark unread".
    subj_a, mid_a = append("Action Alpha", 10, r"(\Seen)")
    subj_b, mid_b = append("Action Bravo", 11, r"(\Seen)")
    subj_c, mid_c = append("Action Charlie", 12, r"(\Seen \Flagged)")
    flags_c = flags_of("INBOX", mid_c)
    t.ok(flags_c is not None and "\\Flagged" in flags_c,
         "the test messages are on the server (C's flags: %s)" % sorted(flags_c or []))

    with au.Launched([TERN]) as tern:
        app = au.wait_for_app("tern", tern.proc)
        frame = au.wait_for(lambda: au.find(app, role="frame", name="Tern"), "the Tern window")
        xid = au.x11_window_for_pid(tern.proc.pid, "Tern")
        if xid:
            subprocess.run(["xdotool", "windowsize", "--sync", xid, "1200", "760"], timeout=10)
        msg_list = au.wait_for(lambda: au.find(frame, role="list", name="Messages"),
                               "the message list")
        t.ok(au.wait_for(lambda: listed(msg_list, subj_a) and listed(msg_list, subj_c),
                         "the test messages in INBOX", timeout=SYNC_TIMEOUT, fail=False),
             "INBOX lists the test messages")

        def focus_top_row():
            """The keyboard's way to the list's first row: F6 until the list has
            the focus, then Home."""
            subprocess.run(["xdotool", "windowfocus", "--sync", xid], timeout=10)
            focus_list(msg_list)
            key("Home")
            return au.wait_for(lambda: (lambda f: f if f is not None and f.get_role_name() ==
                                        "list item" and "selected" in au.states(f)
                                        else None)(focused_in(msg_list)),
                               "a focused, selected row", timeout=5, fail=False)

        def no_changes_waiting():
            return not [s for s in label_texts(frame) if "waiting" in s]

        # Delete ---------------------------------------------------------------------------
        row = focus_top_row()
        t.ok(row is not None and subj_c in row.get_name(),
             "Home selects the newest message (%r)" % (row and row.get_name()))
        key("Delete")
        started = time.monotonic()
        walks = []

        def toast_parts():
            t0 = time.monotonic()
            found = named(frame, r"^1 message deleted$|Undo")
            walks.append(round(time.monotonic() - t0, 1))
            return found if any("deleted" in x.get_name() for x in found) and \
                any("button" in x.get_role_name() for x in found) else None

        found = au.wait_for(toast_parts, "the toast and its Undo button", timeout=9,
                            fail=False) or []
        au.screenshot(os.path.join(LOG_DIR, "ui-actions-toast.png"))
        t.ok(found, "a toast says so and offers Undo (%s; searched %s s after Delete, "
             "walks of %s s)" % (describe(found), round(time.monotonic() - started, 1), walks))
        t.ok(au.wait_for(lambda: not listed(msg_list, subj_c), "C to leave the list",
                         timeout=10, fail=False),
             "Delete takes the message out of the list at once")
        t.ok(au.wait_for(lambda: not on_server("INBOX", mid_c) and on_server("Trash", mid_c),
                         "C in the Trash on the server", timeout=SYNC_TIMEOUT, fail=False),
             "after the replay the server has the message in Trash, not in INBOX")
        t.ok(au.wait_for(no_changes_waiting, "no changes waiting", timeout=SYNC_TIMEOUT,
                         fail=False),
             "the account header shows no changes waiting once the server has them")

        # Undo -----------------------------------------------------------------------------
        key("ctrl+z")
        t.ok(au.wait_for(lambda: on_server("INBOX", mid_c) and not on_server("Trash", mid_c),
                         "C back in INBOX on the server", timeout=SYNC_TIMEOUT, fail=False),
             "Ctrl+Z brings the message back to INBOX on the server")
        back = flags_of("INBOX", mid_c)
        t.ok(back == flags_c, "with the same flags (%s, before %s)"
             % (sorted(back or []), sorted(flags_c)))
        t.ok(au.wait_for(lambda: listed(msg_list, subj_c), "C back in the list",
                         timeout=SYNC_TIMEOUT, fail=False),
             "and back in the open list")
        au.wait_for(no_changes_waiting, "no changes waiting", timeout=SYNC_TIMEOUT, fail=False)

        # Archive --------------------------------------------------------------------------
        row = focus_top_row()
        t.ok(row is not None and subj_c in row.get_name(),
             "the restored message is the top row again (%r)" % (row and row.get_name()))
        key("a")
        t.ok(au.wait_for(lambda: on_server("Archive", mid_c) and not on_server("INBOX", mid_c),
                         "C in Archive on the server", timeout=SYNC_TIMEOUT, fail=False),
             "`a` archives: the server has the message in Archive")
        au.wait_for(lambda: not listed(msg_list, subj_c), "C to leave the list", timeout=10,
                    fail=False)
        au.wait_for(no_changes_waiting, "no changes waiting", timeout=SYNC_TIMEOUT, fail=False)

        # Flag and mark unread a multi-selection -------------------------------------------
        row = focus_top_row()
        key("shift+Down")
        selected = au.wait_for(lambda: (lambda s: s if len(s) == 2 else None)(
            [c.get_name() for c in (msg_list.get_child_at_index(i)
                                    for i in range(msg_list.get_child_count()))
             if c is not None and "selected" in au.states(c)]), "two selected rows", timeout=5,
            fail=False) or []
        t.ok(len(selected) == 2 and any(subj_a in s for s in selected) and
             any(subj_b in s for s in selected),
             "Shift+Down selects the two top messages (%s)" % selected)
        key("s")
        key("m")
        want = lambda f: f is not None and "\\Flagged" in f and "\\Seen" not in f  # noqa: E731
        t.ok(au.wait_for(lambda: want(flags_of("INBOX", mid_a)) and
                         want(flags_of("INBOX", mid_b)), "A and B flagged and unread",
                         timeout=SYNC_TIMEOUT, fail=False),
             "`s` then `m` flag both and mark both unread on the server (A %s, B %s)"
             % (sorted(flags_of("INBOX", mid_a) or []), sorted(flags_of("INBOX", mid_b) or [])))
        t.ok(au.wait_for(no_changes_waiting, "no changes waiting", timeout=SYNC_TIMEOUT,
                         fail=False),
             "the pending count goes back to none after the replay")

        # Move through the popover ---------------------------------------------------------
        row = focus_top_row()
        name = row.get_name() if row is not None else ""
        key("v")
        search = au.wait_for(lambda: [a for a in named(app, r"^Find a folder to move to$")
                                      if "focused" in au.states(a)],
                             "the focused search entry", timeout=5, fail=False)
        t.ok(search, "`v` opens the move popover with the focus in its search entry (%s)"
             % describe(named(app, r"^Find a folder")))
        type_text("Receipts")
        folders = au.wait_for(lambda: named(app, r"^Folders to move to$", "list"),
                              "the folder list", timeout=5, fail=False)
        folders = folders[0] if folders else None
        shown = au.wait_for(lambda: (lambda n: n if n == ["Receipts & Invoices"] else None)(
            child_names(folders)) if folders else None, "the filtered folders", timeout=5,
            fail=False)
        t.ok(shown, "typing filters the folders (%s)"
             % (child_names(folders) if folders else None))
        au.screenshot(os.path.join(LOG_DIR, "ui-actions-move.png"))
        key("Return")
        moved = subj_a if subj_a in name else subj_b
        mid = mid_a if moved == subj_a else mid_b
        t.ok(au.wait_for(lambda: on_server("Receipts & Invoices", mid), "the moved message",
                         timeout=SYNC_TIMEOUT, fail=False),
             "Enter moves the message there on the server (%s)" % moved)
        au.wait_for(no_changes_waiting, "no changes waiting", timeout=SYNC_TIMEOUT, fail=False)

        # Mark read when opened ----------------------------------------------------------------
        row = focus_top_row()
        t.ok(row is not None and subj_a in row.get_name() and
             "\\Seen" not in (flags_of("INBOX", mid_a) or {"\\Seen"}),
             "the unread message A is the top row now (%r)" % (row and row.get_name()))
        key("Return")
        t.ok(au.wait_for(lambda: "\\Seen" in (flags_of("INBOX", mid_a) or ()),
                         "A read on the server", timeout=SYNC_TIMEOUT, fail=False),
             "a message opened with Enter is marked read on the server after mark-read-delay")

        # Sort by sender, kept per folder ----------------------------------------------------
        before = child_names(msg_list)[:8]
        sort_button = au.find(frame, role="toggle button", name="Sort and Group") or \
            au.find(frame, role="push button", name="Sort and Group")
        t.ok(sort_button is not None, "the list has a Sort and Group button")
        # From the list, Shift+Tab goes back to the list's header bar (forward,
        # Tab would go into the reader's web view). The focus lands on the
        # menu button's inner toggle.
        focus_top_row()
        presses = None
        for n in range(8):
            f = focused_in(frame)
            if f is not None and (f.get_name() == "Sort and Group" or (
                    f.get_parent() is not None and f.get_parent().get_name() == "Sort and Group")):
                presses = n
                break
            key("shift+Tab")
        sender = []
        if presses is not None:
            key("space")
            sender = au.wait_for(lambda: named(app, r"^_?Sender$"), "the Sender item",
                                 timeout=5, fail=False) or []
            for _ in range(12):
                if sender and "focused" in au.states(sender[0]):
                    break
                key("Down")
                au.wait_for(lambda: sender and "focused" in au.states(sender[0]), "focus",
                            timeout=0.5, fail=False)
            key("Return")
        after = au.wait_for(lambda: (lambda n: n if n[:8] != before else None)(
            child_names(msg_list)), "a new order", timeout=10, fail=False) or []
        t.ok(after and after[:8] != before,
             "choosing Sender in the sort menu reorders the list (%s → %s; Tab presses %s; "
             "item %s)" % (before[:3], after[:3], presses, describe(sender)))
        # To another folder and back, with the keyboard.
        subprocess.run(["xdotool", "windowfocus", "--sync", xid], timeout=10)
        sidebar = au.find(frame, role="list", name="Folders of " + ACCOUNT)
        for _ in range(3):
            f = focused_in(sidebar)
            if f is not None:
                break
            key("F6")
            au.wait_for(lambda: focused_in(sidebar), "focus in the sidebar", timeout=2,
                        fail=False)
        key("Down")
        au.wait_for(lambda: not listed(msg_list, subj_b) and not listed(msg_list, subj_a),
                    "another folder", timeout=10, fail=False)
        key("Up")
        again = au.wait_for(lambda: (lambda n: n if n[:8] == after[:8] else None)(
            child_names(msg_list)), "the sender order again", timeout=10, fail=False)
        t.ok(again, "back in INBOX the list is still sorted by sender (%s)"
             % child_names(msg_list)[:3])

        unnamed = au.unnamed_interactive(frame)
        t.ok(not unnamed, "every interactive widget has an accessible name (unnamed: %s)"
             % unnamed)

    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
