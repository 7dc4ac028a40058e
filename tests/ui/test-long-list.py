#!/usr/bin/python3
# test-long-list.py — what a screen reader hears when the focus jumps through
# a folder longer than the rows GTK keeps (some 200): End, Home and Page Up
# bind rows anew, and a row's accessible label goes up after the frame
# (src/ui/tern-message-row.c). The row that takes the focus must already say
# its own message when the focus event arrives: the test asks for its name
# from the focus event's handler, as Orca does, and compares it with what
# the row says once all is quiet, and with the subject the reader shows
# when that row is opened. Run under tests/fixtures/with-dovecot.
#
# Usage: test-long-list.py PATH-TO-TERN PATH-TO-TERN-CLI
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
sys.dont_write_bytecode = True
import atspi_util as au  # noqa: E402
from gi.repository import Atspi, Gio, GLib  # noqa: E402
from uilib import SYNC_TIMEOUT, add_account, focus_list, focused_in, imap, key  # noqa: E402

TERN = os.path.abspath(sys.argv[1])
CLI = os.path.abspath(sys.argv[2])
LOG_DIR = os.environ.get("TERN_LOG_DIR") or os.getcwd()
PLACEHOLDER = "Loading…"


class BusOrder:
    """Signals on the accessibility bus, in the order tern sent them: a row
    that is focused must not change its name afterwards, unless from the
    placeholder (its message loaded). A change after the focus event is a
    label that was late: a screen reader has read the old one by then."""

    def __init__(self):
        addr = Gio.bus_get_sync(Gio.BusType.SESSION, None).call_sync(
            "org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus", "GetAddress", None,
            GLib.VariantType.new("(s)"), Gio.DBusCallFlags.NONE, 5000, None).unpack()[0]
        self.bus = Gio.DBusConnection.new_for_address_sync(
            addr, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        self.signals = []
        self.sub = self.bus.signal_subscribe(None, "org.a11y.atspi.Event.Object", None, None,
                                             None, Gio.DBusSignalFlags.NONE, self.on_signal)

    def on_signal(self, bus, sender, path, iface, member, params):
        kind, detail1 = params[0], params[1]
        if member == "StateChanged" and kind == "focused" and detail1 == 1:
            self.signals.append(("focus", path, None))
        elif member == "PropertyChange" and kind == "accessible-name":
            self.signals.append(("name", path, params[3]))

    def late_labels(self):
        """(path, name before the focus, name after) for every focused row
        whose name changed after its focus event, not from the placeholder."""
        late = []
        for i, (what, path, _) in enumerate(self.signals):
            if what != "focus":
                continue
            before = None
            for w, p, value in self.signals[:i]:
                if w == "name" and p == path:
                    before = value
            for w, p, value in self.signals[i + 1:]:
                if w == "focus" and p != path:
                    break
                if w != "name" or p != path:
                    continue
                if before is not None and value != before and before != PLACEHOLDER:
                    late.append((path, before, value))
                before = value
        return late

    def close(self):
        self.bus.signal_unsubscribe(self.sub)


class FocusEvents:
    """The names of list items as they were when their focus event came: the
    name is asked for in the handler, before anything else is done."""

    def __init__(self):
        self.heard = []
        self.listener = Atspi.EventListener.new(self.on_event)
        self.listener.register("object:state-changed:focused")

    def on_event(self, event):
        try:
            if event.detail1 == 1 and event.source.get_role_name() == "list item":
                self.heard.append(event.source.get_name())
        except Exception:  # noqa: BLE001 — a row can go while we ask
            pass

    def pump(self):
        while GLib.MainContext.default().iteration(False):
            pass

    def next(self, timeout=10):
        """The name heard with the next focus event on a list item."""
        start = len(self.heard)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump()
            if len(self.heard) > start:
                return self.heard[start]
            time.sleep(0.01)
        return None

    def close(self):
        self.listener.deregister("object:state-changed:focused")


def settled_name(msg_list):
    """The focused row's name once it stays the same and is not the
    placeholder."""
    last, since = None, time.monotonic()
    end = time.monotonic() + 20
    while time.monotonic() < end:
        f = focused_in(msg_list)
        name = f.get_name() if f is not None and f.get_role_name() == "list item" else None
        if name != last:
            last, since = name, time.monotonic()
        elif name and name != PLACEHOLDER and time.monotonic() - since > 0.5:
            return name
        time.sleep(0.05)
    return last


def main():
    t = au.Tap()
    os.makedirs(LOG_DIR, exist_ok=True)

    r = add_account(CLI)
    if not t.ok(r.returncode == 0, "tern-cli account add (%s)" % r.stderr.strip()):
        return t.finish()
    r = subprocess.run([CLI, "sync", "work"], capture_output=True, text=True, timeout=300)
    if not t.ok(r.returncode == 0, "tern-cli sync (%s)" % r.stderr.strip()):
        return t.finish()
    c = imap()
    typ, data = c.select("INBOX", readonly=True)
    total = int(data[0])
    c.logout()
    t.ok(total > 400, "INBOX holds %d messages, twice the rows GTK keeps" % total)

    with au.Launched([TERN]) as tern:
        app = au.wait_for_app("tern", tern.proc)
        frame = au.wait_for(lambda: au.find(app, role="frame", name="Tern"), "the Tern window")
        xid = au.x11_window_for_pid(tern.proc.pid, "Tern")
        if xid:
            subprocess.run(["xdotool", "windowsize", "--sync", xid, "1200", "760"], timeout=10)
            subprocess.run(["xdotool", "windowfocus", "--sync", xid], timeout=10)
        msg_list = au.wait_for(lambda: au.find(frame, role="list", name="Messages"),
                               "the message list")
        au.wait_for(lambda: msg_list.get_child_count() > 100, "the rows",
                    timeout=SYNC_TIMEOUT)
        # A screen reader that has looked at every row: their labels are
        # signalled from then on, as for Orca's flat review.
        for i in range(msg_list.get_child_count()):
            child = msg_list.get_child_at_index(i)
            if child is not None:
                child.get_name()

        t.ok(focus_list(msg_list) is not None, "F6 puts the focus in the message list")

        order = BusOrder()
        events = FocusEvents()
        try:
            for k in ("End", "Home", "End", "Page_Up", "Page_Up", "Home"):
                events.pump()
                key(k)
                heard = events.next()
                final = settled_name(msg_list)
                events.pump()
                t.ok(heard is not None and heard != "" and
                     (heard == final or heard == PLACEHOLDER),
                     "after %s the focused row said its own label with the focus event "
                     "(heard %r, then %r)" % (k, heard, final))
            late = order.late_labels()
            focused = sum(1 for what, _, _ in order.signals if what == "focus")
            t.ok(focused >= 6 and not late,
                 "no focused row changed its label after its focus event (%d focus events, "
                 "%d signals; late: %s)" % (focused, len(order.signals), late[:3]))
        finally:
            events.close()
            order.close()

        # The label is the message's: open it and read the reader's subject.
        row = focused_in(msg_list)
        label = row.get_name() if row is not None else ""
        key("Return")
        reader = au.wait_for(lambda: au.find(frame, role="text", name="Message text") or
                             au.find(frame, name="Message"), "the reader", timeout=20,
                             fail=False)
        subjects = [a.get_name() for a in au.find_all(frame, role="label")
                    if a.get_name() and len(a.get_name()) > 3 and a.get_name() in label]
        t.ok(reader is not None and subjects,
             "the row's label %r names the message the reader shows (%s)" % (label, subjects))
        au.screenshot(os.path.join(LOG_DIR, "ui-long-list.png"))
    return t.finish()


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    os._exit(status)
