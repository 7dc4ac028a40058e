#!/usr/bin/python3
# test-smoke.py — start the real `tern` under Xvfb and look at it the way a
# screen reader does, through AT-SPI: the window is there under its accessible
# name, the empty state offers a focusable, named "Add Account" button, the
# primary menu button has a name, Ctrl+Q quits, the window size is remembered
# across runs, a second launch hands over to the running instance, and
# SIGTERM quits cleanly (the account's cache gets its clean mark). Without a
# GPU (no DRM node) tern draws with GTK's cairo renderer rather than GL on
# llvmpipe, and an explicit GSK_RENDERER is obeyed.
# A screenshot of the empty state goes into the test log directory.
#
# Usage: test-smoke.py PATH-TO-TERN
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import atspi_util as au  # noqa: E402

TERN = os.path.abspath(sys.argv[1])
LOG_DIR = os.environ.get("TERN_LOG_DIR") or os.getcwd()


def settings_keyfile():
    return os.path.join(os.environ["XDG_CONFIG_HOME"], "glib-2.0", "settings", "keyfile")


def read_settings():
    values = {}
    try:
        with open(settings_keyfile(), encoding="utf-8") as f:
            for line in f:
                if "=" in line:
                    key, value = line.strip().split("=", 1)
                    values[key] = value
    except FileNotFoundError:
        pass
    return values


def has_gpu_node():
    try:
        return any(n.startswith(("renderD", "card")) for n in os.listdir("/dev/dri"))
    except OSError:
        return False


def renderer(paint_log):
    """The renderer tern noted in its paint log (src/ui/tern-paint-marks.c)."""
    try:
        with open(paint_log, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[1].startswith("renderer="):
                    return parts[1][len("renderer="):]
    except OSError:
        pass
    return None


def main():
    t = au.Tap()
    os.makedirs(LOG_DIR, exist_ok=True)
    paint_log = os.path.join(LOG_DIR, "ui-smoke-paint-marks")
    for leftover in (paint_log, paint_log + "-gl"):
        if os.path.exists(leftover):
            os.unlink(leftover)

    with au.Launched([TERN], env={"TERN_PAINT_LOG": paint_log, "GSK_RENDERER": None}) as tern:
        app = au.wait_for_app("tern", tern.proc)
        frame = au.wait_for(lambda: au.find(app, role="frame", name="Tern"), "the Tern window")
        t.ok(frame is not None, "window found by accessible name 'Tern'")
        used = au.wait_for(lambda: renderer(paint_log), "the renderer note", fail=False)
        if has_gpu_node():
            t.ok(used is not None, "with a GPU node, GTK chose its renderer: %s" % used)
        else:
            t.ok(used == "GskCairoRenderer",
                 "without a GPU node, the cairo renderer is used (got %s)" % used)

        button = au.wait_for(lambda: au.find(frame, role="push button", name="Add Account"),
                             "the Add Account button")
        t.ok(button is not None, "'Add Account' button found by accessible name")
        states = au.states(button)
        t.ok("focusable" in states, "'Add Account' is focusable (states: %s)" % sorted(states))
        t.ok(("showing" in states or "visible" in states) and
             ("enabled" in states or "sensitive" in states),
             "'Add Account' is showing and enabled")
        xid = au.x11_window_for_pid(tern.proc.pid, "Tern")
        t.ok(xid is not None, "found the X11 window")
        presses = au.focus_with_tab(button, xid)
        t.ok(presses is not None, "'Add Account' is reached with Tab (%s presses)" % presses)

        menu = au.find(frame, role="toggle button", name="Main Menu") or \
            au.find(frame, role="push button", name="Main Menu")
        t.ok(menu is not None, "primary menu button has the accessible name 'Main Menu'")

        unnamed = au.unnamed_interactive(frame)
        t.ok(not unnamed, "every interactive widget has an accessible name (unnamed: %s)" % unnamed)

        shot = os.path.join(LOG_DIR, "ui-smoke-empty-state.png")
        t.ok(au.screenshot(shot), "screenshot saved to %s" % shot)

        # A second launch must hand over to the running instance and exit.
        second = subprocess.run([TERN], timeout=30, capture_output=True)
        t.ok(second.returncode == 0, "second launch exits 0 (single instance)")
        t.ok(len(au.find_all(app, role="frame", name="Tern")) == 1,
             "still exactly one main window after the second launch")

        # The window size is remembered: resize, quit with Ctrl+Q, check the
        # stored size, start again and check the window comes back at that size.
        subprocess.run(["xdotool", "windowsize", "--sync", xid, "1000", "650"], check=True,
                       timeout=10)
        au.wait_for(lambda: au.x11_size(xid) == (1000, 650), "the resize", fail=False)
        subprocess.run(["xdotool", "windowfocus", "--sync", xid], timeout=10)
        subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+q"], check=True, timeout=10)
        try:
            rc = tern.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            rc = None
        t.ok(rc == 0, "Ctrl+Q quits tern with status 0 (got %r)" % rc)
        settings = read_settings()
        t.ok(settings.get("window-width") == "1000" and settings.get("window-height") == "650",
             "window size stored in GSettings (%s)" % settings)

    # GSK_RENDERER, when set, is what GTK uses.
    with au.Launched([TERN], env={"TERN_PAINT_LOG": paint_log + "-gl",
                                  "GSK_RENDERER": "gl"}) as tern:
        app = au.wait_for_app("tern", tern.proc)
        au.wait_for(lambda: au.find(app, role="frame", name="Tern"), "the Tern window")
        used = au.wait_for(lambda: renderer(paint_log + "-gl"), "the renderer note", fail=False)
        t.ok(used is not None and "GL" in used, "GSK_RENDERER=gl is obeyed (got %s)" % used)
        xid = au.x11_window_for_pid(tern.proc.pid, "Tern")
        au.wait_for(lambda: au.x11_size(xid) == (1000, 650), "restored size", fail=False)
        size = au.x11_size(xid)
        t.ok(size == (1000, 650), "window comes back at the stored size (%s)" % (size,))

    # With an account configured, the window lists it instead of the empty state.
    accounts = os.path.join(os.environ["XDG_CONFIG_HOME"], "tern", "accounts")
    os.makedirs(accounts, exist_ok=True)
    with open(os.path.join(accounts, "work.ini"), "w", encoding="utf-8") as f:
        f.write("[Account]\nDisplayName=Wörk\nEmail=alice@example.org\n"
                "[IMAP]\nHost=imap.example.org\nPort=993\nSecurity=tls\nUser=alice\n")
    with au.Launched([TERN]) as tern:
        app = au.wait_for_app("tern", tern.proc)
        frame = au.wait_for(lambda: au.find(app, role="frame", name="Tern"), "the Tern window")
        row = au.wait_for(lambda: au.find(frame, name="Wörk"), "the account row", fail=False)
        t.ok(row is not None, "the configured account is listed by its display name")
        # (GTK 4.8 reports hidden stack pages as "visible", so whether the empty
        # state is hidden is checked on the screenshot, not through AT-SPI.)
        au.screenshot(os.path.join(LOG_DIR, "ui-smoke-accounts.png"))

        # SIGTERM (a logout) quits as Ctrl+Q does: the account's cache is
        # closed cleanly and marked so, which a killed process cannot do.
        cache = os.path.join(os.environ["XDG_DATA_HOME"], "tern", "work", "cache.db")
        t.ok(au.wait_for(lambda: os.path.exists(cache), "the account's cache", fail=False),
             "the account's cache is opened (%s)" % cache)
        t.ok(not os.path.exists(cache + ".clean"), "no clean mark while it is open")
        tern.proc.terminate()
        try:
            rc = tern.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            rc = None
        t.ok(rc == 0, "SIGTERM quits tern with status 0 (got %r)" % rc)
        t.ok(os.path.exists(cache + ".clean") and not os.path.exists(cache + "-wal"),
             "and its cache was closed cleanly (%s)" % os.listdir(os.path.dirname(cache)))

    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
