# atspi_util.py — what the UI tests share: starting tern, reading its
# accessibility tree through AT-SPI (as Orca does), keyboard and X11 helpers,
# screenshots, and TAP output.
#
# Waiting is always for a condition with a deadline, never a fixed sleep.
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import subprocess
import sys
import time

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi  # noqa: E402

DEFAULT_TIMEOUT = 30.0
INTERACTIVE_ROLES = {
    "push button", "toggle button", "check box", "radio button", "entry", "text",
    "password text", "combo box", "menu item", "check menu item", "radio menu item",
    "link", "slider", "spin button", "switch", "list item", "tree item", "tab",
}


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, message):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, message), flush=True)
        return cond

    def finish(self):
        print("1..%d" % self.n, flush=True)
        return 1 if self.failed or self.n == 0 else 0


class Launched:
    """A child process that is killed, and waited for, however the test ends.
    In `env`, a value of None removes that variable; `log`, a path, takes the
    process's standard output and error (GLib writes debug messages to
    standard output)."""

    def __init__(self, argv, env=None, log=None):
        self.argv = argv
        self.env = env
        self.log = log
        self.proc = None

    def __enter__(self):
        env = dict(os.environ)
        env.setdefault("GDK_BACKEND", "x11")
        for name, value in (self.env or {}).items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        out = open(self.log, "wb") if self.log else None
        try:
            self.proc = subprocess.Popen(self.argv, env=env, stdout=out,
                                         stderr=subprocess.STDOUT if out else None)
        finally:
            if out is not None:
                out.close()
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return False


class Timeout(Exception):
    pass


def wait_for(fn, what, timeout=DEFAULT_TIMEOUT, fail=True):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = fn()
        except (gi.repository.GLib.Error, RuntimeError):
            value = None
        if value:
            return value
        if time.monotonic() >= deadline:
            if fail:
                raise Timeout("timed out after %.0f s waiting for %s" % (timeout, what))
            return value
        time.sleep(0.05)


def wait_for_app(name, proc, timeout=DEFAULT_TIMEOUT):
    """The AT-SPI application object of the process `proc`."""

    def look():
        if proc.poll() is not None:
            raise Timeout("%s exited with status %s before it appeared on AT-SPI"
                          % (name, proc.returncode))
        desktop = Atspi.get_desktop(0)
        for i in range(desktop.get_child_count()):
            app = desktop.get_child_at_index(i)
            if app is None:
                continue
            try:
                if app.get_process_id() == proc.pid:
                    return app
            except gi.repository.GLib.Error:
                continue
        return None

    return wait_for(look, "%s on the accessibility bus" % name, timeout)


def _walk(root, depth=0, max_depth=40):
    if root is None or depth > max_depth:
        return
    yield root
    try:
        n = root.get_child_count()
    except gi.repository.GLib.Error:
        return
    for i in range(n):
        try:
            child = root.get_child_at_index(i)
        except gi.repository.GLib.Error:
            continue
        yield from _walk(child, depth + 1, max_depth)


def _matches(root, role, name, showing_only):
    for acc in _walk(root):
        try:
            if role is not None and acc.get_role_name() != role:
                continue
            if name is not None and acc.get_name() != name:
                continue
            if showing_only and acc.get_role_name() != "application" and \
                    not is_showing(acc):
                continue
        except gi.repository.GLib.Error:
            continue
        yield acc


def find_all(root, role=None, name=None, showing_only=True):
    return list(_matches(root, role, name, showing_only))


def find(root, role=None, name=None, showing_only=True):
    """The first match in tree order; the rest of the tree is not walked
    (each node is a round trip to the application)."""
    return next(_matches(root, role, name, showing_only), None)


def states(acc):
    state_set = acc.get_state_set()
    return {Atspi.StateType(s).value_nick.replace("-", " ") for s in state_set.get_states()}


def is_showing(acc):
    # GTK 4.8 exposes "visible" but never "showing" (newer GTK has both).
    st = states(acc)
    return "showing" in st or "visible" in st


def focus_with_tab(acc, xid, max_presses=12):
    """Press Tab in the window until `acc` has the keyboard focus, as a keyboard
    user would; the number of presses it took, or None. (GTK 4.8 does not
    implement AT-SPI's Component.GrabFocus, and Tab is the real test anyway.)"""
    subprocess.run(["xdotool", "windowfocus", "--sync", xid], timeout=10)
    for presses in range(max_presses + 1):
        if wait_for(lambda: "focused" in states(acc), "focus", timeout=0.5, fail=False):
            return presses
        subprocess.run(["xdotool", "key", "--clearmodifiers", "Tab"], check=True, timeout=10)
    return None


def unnamed_interactive(root):
    """Showing interactive widgets without an accessible name: Orca would read
    them as just their role."""
    unnamed = []
    for acc in _walk(root):
        try:
            role = acc.get_role_name()
            if role in INTERACTIVE_ROLES and is_showing(acc) and not acc.get_name():
                unnamed.append(role)
        except gi.repository.GLib.Error:
            continue
    return unnamed


def screenshot(path):
    result = subprocess.run(["import", "-window", "root", path], capture_output=True,
                            timeout=30)
    if result.returncode != 0:
        sys.stderr.write(result.stderr.decode(errors="replace"))
    return result.returncode == 0 and os.path.getsize(path) > 0


# WebKitGTK, its JavaScriptCore, and Tern's module that links them.
WEBKIT_FILES = ("libwebkitgtk-6.0.so", "libjavascriptcoregtk-6.0.so", "tern-webkit.so")


def webkit_mapped(pid):
    """The files of WEBKIT_FILES that process `pid` has mapped."""
    with open("/proc/%d/maps" % pid) as f:
        paths = {line.split(None, 5)[5].strip() for line in f if len(line.split(None, 5)) == 6}
    return sorted(os.path.basename(p) for p in paths
                  if any(os.path.basename(p).startswith(name) for name in WEBKIT_FILES))


def webkit_loaded(pid):
    """Whether process `pid` has every file of WEBKIT_FILES mapped."""
    mapped = webkit_mapped(pid)
    return all(any(m.startswith(name) for m in mapped) for name in WEBKIT_FILES)


def x11_window_for_pid(pid, name):
    def look():
        result = subprocess.run(["xdotool", "search", "--all", "--pid", str(pid), "--name",
                                 "^%s$" % name], capture_output=True, text=True, timeout=10)
        ids = result.stdout.split()
        return ids[-1] if ids else None

    return wait_for(look, "the X11 window of %d" % pid, fail=False)


def x11_size(xid):
    """(width, height) of an X11 window, or None."""
    if xid is None:
        return None
    result = subprocess.run(["xdotool", "getwindowgeometry", "--shell", xid],
                            capture_output=True, text=True, timeout=10)
    values = dict(line.split("=", 1) for line in result.stdout.split() if "=" in line)
    try:
        return (int(values["WIDTH"]), int(values["HEIGHT"]))
    except KeyError:
        return None
