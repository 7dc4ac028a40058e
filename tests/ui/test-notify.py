#!/usr/bin/python3
# test-notify.py — notifications of new mail and running in the background,
# against a real Dovecot (run under tests/fixtures/with-dovecot) and a
# notification server of the test's own on the session bus (this script
# again, with --notification-server: it owns org.gtk.Notifications, which
# GNotification prefers, and org.freedesktop.Notifications, and prints what
# it is sent as JSON lines).
#
# First run: the Preferences' Notifications page turns on Run in Background
# (keyboard only; the autostart entry appears), Ctrl+W hides the window and
# tern keeps running; mail delivered to INBOX is announced with its sender
# and subject; the notification's Mark as Read button, invoked over D-Bus as
# a notification server does, sets \Seen on the server; two more messages
# are summed up in one notification whose Delete button moves both to the
# Trash; app.quit ends tern although it runs in the background. Second run,
# started with --background and a second, never synced account: no window
# shows, mail that came in meanwhile is announced, the new account's first
# sync is not; clicking the notification opens the message in the window;
# turning the preference off removes the autostart entry.
#
# Usage: test-notify.py PATH-TO-TERN PATH-TO-TERN-CLI
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import re
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

APP_ID = "io.github.ternmail.Tern"


# The notification server ------------------------------------------------------------

GTK_XML = """<node><interface name="org.gtk.Notifications">
  <method name="AddNotification">
    <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="a{sv}" direction="in"/>
  </method>
  <method name="RemoveNotification">
    <arg type="s" direction="in"/><arg type="s" direction="in"/>
  </method>
</interface></node>"""

FDO_XML = """<node><interface name="org.freedesktop.Notifications">
  <method name="Notify">
    <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
    <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
    <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/>
  </method>
  <method name="CloseNotification"><arg type="u" direction="in"/></method>
  <method name="GetCapabilities"><arg type="as" direction="out"/></method>
  <method name="GetServerInformation">
    <arg type="s" direction="out"/><arg type="s" direction="out"/>
    <arg type="s" direction="out"/><arg type="s" direction="out"/>
  </method>
  <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
  <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
</interface></node>"""


def notification_server():
    from gi.repository import Gio, GLib

    def emit(record):
        print(json.dumps(record), flush=True)

    def text(dict_variant, key):
        v = dict_variant.lookup_value(key, None)
        return v.get_string() if v is not None and v.get_type_string() == "s" else None

    counter = [0]

    def on_call(conn, sender, path, iface, method, params, invocation):
        if method == "AddNotification":
            n = params.get_child_value(2)
            target = n.lookup_value("default-action-target", None)
            buttons = []
            bv = n.lookup_value("buttons", None)
            for i in range(bv.n_children() if bv is not None else 0):
                b = bv.get_child_value(i)
                bt = b.lookup_value("target", None)
                buttons.append({"label": text(b, "label"), "action": text(b, "action"),
                                "target": bt.print_(True) if bt is not None else None})
            emit({"kind": "add", "app": params.get_child_value(0).get_string(),
                  "id": params.get_child_value(1).get_string(), "title": text(n, "title"),
                  "body": text(n, "body"), "default_action": text(n, "default-action"),
                  "default_target": target.print_(True) if target is not None else None,
                  "buttons": buttons})
            invocation.return_value(None)
        elif method == "RemoveNotification":
            emit({"kind": "remove", "app": params.get_child_value(0).get_string(),
                  "id": params.get_child_value(1).get_string()})
            invocation.return_value(None)
        elif method == "Notify":
            counter[0] += 1
            args = params.unpack()
            emit({"kind": "notify", "app": args[0], "title": args[3], "body": args[4],
                  "actions": list(args[5]), "number": counter[0]})
            invocation.return_value(GLib.Variant("(u)", (counter[0],)))
        elif method == "CloseNotification":
            emit({"kind": "close", "number": params.unpack()[0]})
            invocation.return_value(None)
        elif method == "GetCapabilities":
            invocation.return_value(GLib.Variant("(as)", (["actions", "body"],)))
        elif method == "GetServerInformation":
            invocation.return_value(GLib.Variant("(ssss)", ("test", "Tern", "1", "1.2")))

    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    bus.register_object("/org/gtk/Notifications",
                        Gio.DBusNodeInfo.new_for_xml(GTK_XML).interfaces[0], on_call)
    bus.register_object("/org/freedesktop/Notifications",
                        Gio.DBusNodeInfo.new_for_xml(FDO_XML).interfaces[0], on_call)
    owned = []
    loop = GLib.MainLoop()

    def acquired(conn, name):
        owned.append(name)
        if len(owned) == 2:
            emit({"kind": "ready"})

    def lost(conn, name):
        sys.stderr.write("notification server: lost %s\n" % name)
        loop.quit()

    for name in ("org.gtk.Notifications", "org.freedesktop.Notifications"):
        Gio.bus_own_name_on_connection(bus, name, Gio.BusNameOwnerFlags.NONE, acquired, lost)
    loop.run()
    return 1


if len(sys.argv) > 1 and sys.argv[1] == "--notification-server":
    sys.exit(notification_server())


# The test ---------------------------------------------------------------------------

import atspi_util as au  # noqa: E402
from gi.repository import Gio, GLib  # noqa: E402
from uilib import (ACCOUNT, SYNC_TIMEOUT, add_account, child_names, focusable, imap,  # noqa: E402
                   key, tab_until_any, toplevel)

TERN = os.path.abspath(sys.argv[1])
CLI = os.path.abspath(sys.argv[2])
LOG_DIR = os.environ.get("TERN_LOG_DIR") or os.getcwd()
AUTOSTART = os.path.join(os.environ.get("XDG_CONFIG_HOME") or
                         os.path.expanduser("~/.config"), "autostart", APP_ID + ".desktop")
PID = os.getpid()
HOME = "Alice Home"


class Server:
    """The notification server as a child process; records what it got."""

    def __init__(self):
        self.records = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                                      "--notification-server"], stdout=subprocess.PIPE,
                                     text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.records.append(record)

    def all(self, kind=None):
        with self.lock:
            return [r for r in self.records if kind is None or r["kind"] == kind]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def gsettings(*args):
    return subprocess.run(["gsettings", *args], capture_output=True, text=True, timeout=30,
                          check=True).stdout.strip()


def visible_window(pid, name="Tern"):
    r = subprocess.run(["xdotool", "search", "--onlyvisible", "--all", "--pid", str(pid),
                        "--name", "^%s$" % name], capture_output=True, text=True, timeout=10)
    ids = r.stdout.split()
    return ids[-1] if ids else None


def activate_action(bus, name, target):
    """What a notification server does when a button is clicked: the
    application's org.freedesktop.Application.ActivateAction."""
    params = GLib.Variant("(sava{sv})", (name, [target] if target is not None else [], {}))
    bus.call_sync(APP_ID, "/" + APP_ID.replace(".", "/"), "org.freedesktop.Application",
                  "ActivateAction", params, None, Gio.DBusCallFlags.NONE, 30000, None)


def click(bus, record, label=None):
    """Invokes a recorded notification's button (or its default action)."""
    if label is None:
        action, target = record["default_action"], record["default_target"]
    else:
        button = next((b for b in record["buttons"] if b["label"] == label), None)
        if button is None:
            return False
        action, target = button["action"], button["target"]
    if not action.startswith("app."):
        return False
    activate_action(bus, action[4:], GLib.Variant.parse(None, target, None, None)
                    if target is not None else None)
    return True


def deliver(*messages):
    """Appends (sender name, sender address, subject, message-id) messages to
    INBOX, unread, in one connection."""
    c = imap()
    try:
        for name, addr, subject, mid in messages:
            typ, data = c.append("INBOX", None, None, (
                "From: %s <%s>\r\nTo: alice@example.org\r\nSubject: %s\r\n"
                "Date: Thu, 26 Nov 2026 12:00:00 +0000\r\nMessage-ID: %s\r\n\r\n"
                "Something new.\r\n" % (name, addr, subject, mid)).encode())
            if typ != "OK":
                return False
    finally:
        c.logout()
    return True


def server_uids(folder, mid):
    c = imap()
    try:
        typ, _ = c.select('"%s"' % folder, readonly=True)
        assert typ == "OK"
        typ, data = c.uid("SEARCH", None, "HEADER", "Message-ID", mid)
        return [int(u) for u in data[0].split()] if typ == "OK" and data[0] else []
    finally:
        c.logout()


def server_seen(mid):
    c = imap()
    try:
        c.select("INBOX", readonly=True)
        typ, data = c.uid("SEARCH", None, "HEADER", "Message-ID", mid)
        uids = data[0].split() if typ == "OK" and data[0] else []
        if not uids:
            return None
        typ, data = c.uid("FETCH", uids[0].decode(), "(FLAGS)")
        return typ == "OK" and b"\\Seen" in data[0]
    finally:
        c.logout()


def unnamed_controls(root):
    """au.unnamed_interactive less the list inside each combo row (on the
    Reading page) that only displays its current choice; libadwaita's, not
    focusable, and the combo box itself is named."""
    names = []
    for acc in au._walk(root):
        try:
            if acc.get_role_name() not in au.INTERACTIVE_ROLES or not au.is_showing(acc) or \
                    acc.get_name():
                continue
            parent, in_combo = acc.get_parent(), False
            while parent is not None and not in_combo:
                in_combo = parent.get_role_name() == "combo box"
                parent = parent.get_parent()
            if not in_combo:
                names.append(acc.get_role_name())
        except GLib.Error:
            continue
    return names


def adds_for(server, ident):
    return [r for r in server.all("add") if r["id"] == ident]


def wait_add(server, ident, test, what):
    return au.wait_for(lambda: next((r for r in reversed(adds_for(server, ident)) if test(r)),
                                    None), what, timeout=SYNC_TIMEOUT, fail=False)


def main():
    t = au.Tap()
    os.makedirs(LOG_DIR, exist_ok=True)
    server = Server()
    try:
        return run(t, server)
    finally:
        server.stop()


def run(t, server):
    if not t.ok(au.wait_for(lambda: server.all("ready"), "the notification server", fail=False),
                "the test's notification server owns org.gtk.Notifications"):
        return t.finish()
    r = add_account(CLI)
    if not t.ok(r.returncode == 0, "tern-cli account add (%s)" % r.stderr.strip()):
        return t.finish()
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    inbox_id = "new-mail/work/INBOX"

    # First run ----------------------------------------------------------------------
    with au.Launched([TERN]) as tern:
        app = au.wait_for_app("tern", tern.proc)
        frame = au.wait_for(lambda: au.find(app, role="frame", name="Tern"), "the Tern window")
        xid = au.x11_window_for_pid(tern.proc.pid, "Tern")
        sidebar = au.wait_for(lambda: au.find(frame, role="list", name="Folders of " + ACCOUNT),
                              "the folder list")
        synced = au.wait_for(lambda: any(n.startswith("Inbox") for n in child_names(sidebar))
                             and any(n.startswith("Trash") for n in child_names(sidebar)),
                             "the first sync", timeout=SYNC_TIMEOUT, fail=False)
        t.ok(synced, "the first sync lists INBOX with its unread count (%s)"
             % child_names(sidebar))
        t.ok(server.all("add") == [], "no notification for the first sync (%s)"
             % [r["title"] for r in server.all("add")])

        # Preferences, keyboard only: Notifications page, Run in Background.
        subprocess.run(["xdotool", "windowfocus", "--sync", xid], timeout=10)
        key("ctrl+comma")
        prefs = au.wait_for(lambda: toplevel(app, "Preferences"), "the preferences", timeout=10,
                            fail=False)
        page = prefs and au.wait_for(lambda: focusable(prefs, "Notifications"), "the page tab",
                                     timeout=10, fail=False)
        t.ok(page and tab_until_any(page), "Tab reaches the Notifications page")
        key("Return")
        # GTK 4.8 gives a switch the role "check box"; the row names it.
        switch = au.wait_for(lambda: au.find(prefs, role="check box", name="Run in Background"),
                             "the Run in Background switch", timeout=10, fail=False)
        # Tab stops at the row (whose activatable widget is the switch) or
        # at the switch.
        t.ok(switch is not None and
             tab_until_any([switch] + focusable(prefs, "Run in Background")),
             "Tab reaches the Run in Background switch")
        key("space")
        t.ok(au.wait_for(lambda: gsettings("get", APP_ID, "run-in-background") == "true",
                         "the setting", timeout=10, fail=False),
             "Space turns Run in Background on")
        entry = au.wait_for(lambda: os.path.exists(AUTOSTART) and open(AUTOSTART).read(),
                            "the autostart entry", timeout=10, fail=False) or ""
        t.ok(re.search(r"^Exec=.*--background", entry, re.M) and
             "X-GNOME-Autostart-enabled=true" in entry,
             "an autostart entry starts tern --background at login (%s)" % AUTOSTART)

        expander = au.wait_for(lambda: focusable(prefs, ACCOUNT), "the account's folders",
                               timeout=10, fail=False)
        t.ok(expander, "the New Mail group has a row for the account's folders")
        if expander and tab_until_any(expander):
            key("Return")
        junk = au.wait_for(lambda: au.find(prefs, role="check box",
                                           name="Junk"),
                           "the Junk folder's check box", timeout=10, fail=False)
        t.ok(junk is not None, "expanded with Enter, it lists the folders with named check boxes")
        unnamed = unnamed_controls(prefs)
        t.ok(not unnamed, "every control on the page has an accessible name (%s)" % unnamed)
        au.screenshot(os.path.join(LOG_DIR, "ui-notify-preferences.png"))
        key("Escape")
        au.wait_for(lambda: visible_window(tern.proc.pid, "Preferences") is None,
                    "the preferences to close", timeout=10, fail=False)

        # Closing the window leaves tern running.
        subprocess.run(["xdotool", "windowfocus", "--sync", xid], timeout=10)
        key("ctrl+w")
        t.ok(au.wait_for(lambda: visible_window(tern.proc.pid) is None, "the window to hide",
                         timeout=10, fail=False), "Ctrl+W closes the window")
        t.ok(tern.proc.poll() is None, "tern keeps running in the background")

        # New mail is announced with sender and subject.
        sender, subject, mid = ("Nora Notify %d" % PID, "Lunch on Friday %d" % PID,
                                "<notify-1-%d@example.org>" % PID)
        t.ok(deliver((sender, "nora@example.org", subject, mid)), "a message is delivered")
        note = wait_add(server, inbox_id, lambda r: sender in (r["title"] or ""),
                        "the notification")
        t.ok(note is not None and subject in (note["body"] or ""),
             "a notification names the sender and subject (%s)"
             % ((note and (note["title"], note["body"])),))
        if note is None:
            print("# the notification server got: %s" % server.all())
            print("# tern is %s" % ("running" if tern.proc.poll() is None
                                          else "gone: status %s" % tern.proc.poll()))
        t.ok(note is not None and note["app"] == APP_ID and
             note["default_action"] == "app.show-message" and
             [b["label"] for b in note["buttons"]] == ["Mark as Read", "Delete"],
             "it opens the message when clicked and has Mark as Read and Delete buttons (%s)"
             % ((note and (note["default_action"], note["buttons"])),))
        t.ok(all(sender in (r["title"] or "") for r in server.all("add")),
             "no other notification was sent (%s)" % [r["title"] for r in server.all("add")])

        # Mark as Read, as the notification server would invoke it.
        removed = len([r for r in server.all("remove") if r["id"] == inbox_id])
        t.ok(note is not None and click(bus, note, "Mark as Read"),
             "its Mark as Read button is invoked over D-Bus")
        t.ok(au.wait_for(lambda: server_seen(mid), "\\Seen on the server", timeout=SYNC_TIMEOUT,
                         fail=False), "Mark as Read sets \\Seen on the server")
        t.ok(au.wait_for(lambda: len([r for r in server.all("remove") if r["id"] == inbox_id])
                         > removed, "the withdrawal", timeout=10, fail=False),
             "and withdraws the notification")

        # Two more: one notification sums them up; Delete moves both to Trash.
        more = [("Olga Other %d" % PID, "olga@example.org", "Budget review %d" % PID,
                 "<notify-2-%d@example.org>" % PID),
                ("Paul Person %d" % PID, "paul@example.org", "Train tickets %d" % PID,
                 "<notify-3-%d@example.org>" % PID)]
        t.ok(deliver(*more), "two more messages are delivered")
        summary = wait_add(server, inbox_id, lambda r: r["title"] == "2 new messages",
                           "the summary")
        body = (summary or {}).get("body") or ""
        t.ok(summary is not None and all(m[0] in body and m[2] in body for m in more),
             "one notification sums up both: %r / %r" % (summary and summary["title"], body))
        t.ok(summary is not None and click(bus, summary, "Delete"),
             "its Delete button is invoked over D-Bus")
        t.ok(au.wait_for(lambda: all(server_uids("INBOX", m[3]) == [] and
                                     server_uids("Trash", m[3]) for m in more),
                         "the messages in the Trash", timeout=SYNC_TIMEOUT, fail=False),
             "Delete moves both messages to the Trash on the server")
        t.ok(tern.proc.poll() is None and visible_window(tern.proc.pid) is None,
             "all the while tern ran without a window")
        au.screenshot(os.path.join(LOG_DIR, "ui-notify-background.png"))

        # app.quit quits, background or not.
        activate_action(bus, "quit", None)
        try:
            tern.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        t.ok(tern.proc.poll() is not None, "app.quit ends tern although it runs in the "
             "background (status %s)" % tern.proc.returncode)

    # Second run: --background, and an account never synced ---------------------------
    r = add_account(CLI, "home", HOME)
    t.ok(r.returncode == 0, "a second account is added (%s)" % r.stderr.strip())
    sender, subject, mid = ("Quentin Quiet %d" % PID, "While you were away %d" % PID,
                            "<notify-4-%d@example.org>" % PID)
    t.ok(deliver((sender, "quentin@example.org", subject, mid)),
         "a message is delivered while tern is not running")
    before = len(server.all("add"))
    with au.Launched([TERN, "--background"]) as tern:
        note = wait_add(server, inbox_id, lambda r: sender in (r["title"] or ""),
                        "the notification")
        t.ok(note is not None and subject in (note["body"] or ""),
             "started with --background, tern announces mail that came meanwhile (%s)"
             % ((note and (note["title"], note["body"])),))
        t.ok(tern.proc.poll() is None and visible_window(tern.proc.pid) is None,
             "and shows no window")

        # Clicking the notification opens the message.
        removed = len([r for r in server.all("remove") if r["id"] == inbox_id])
        t.ok(note is not None and click(bus, note), "its default action is invoked over D-Bus")
        t.ok(au.wait_for(lambda: visible_window(tern.proc.pid), "the window", timeout=30,
                         fail=False), "the window shows")
        app = au.wait_for_app("tern", tern.proc)
        frame = au.wait_for(lambda: au.find(app, role="frame", name="Tern"), "the Tern window",
                            fail=False)
        t.ok(frame is not None and au.wait_for(
            lambda: au.find(frame, role="label", name=subject), "the message in the reader",
            timeout=SYNC_TIMEOUT, fail=False), "with the message open in the reader")
        t.ok(au.wait_for(lambda: len([r for r in server.all("remove") if r["id"] == inbox_id])
                         > removed, "the withdrawal", timeout=10, fail=False),
             "and the notification is withdrawn")
        au.screenshot(os.path.join(LOG_DIR, "ui-notify-opened.png"))

        # The second account's first sync (which included the new message)
        # is no news. Its sidebar shows once that sync is done.
        home = frame and au.wait_for(
            lambda: (lambda s: s is not None and any(n.startswith("Inbox")
                                                     for n in child_names(s)))(
                au.find(frame, role="list", name="Folders of " + HOME)),
            "the second account's folders", timeout=SYNC_TIMEOUT, fail=False)
        t.ok(home, "the second account's folders are listed")

        # Off again: the autostart entry goes.
        gsettings("set", APP_ID, "run-in-background", "false")
        t.ok(au.wait_for(lambda: not os.path.exists(AUTOSTART), "the autostart entry to go",
                         timeout=10, fail=False),
             "turning Run in Background off removes the autostart entry")
        home_adds = [r for r in server.all("add")[before:] if r["id"].startswith("new-mail/home/")]
        t.ok(home_adds == [], "no notification for the second account's first sync (%s)"
             % [(r["title"], r["body"]) for r in home_adds])
        activate_action(bus, "quit", None)
        try:
            tern.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        t.ok(tern.proc.poll() is not None, "app.quit ends tern")

    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
