# uilib.py — what the UI tests share besides AT-SPI (atspi_util.py): the
# Dovecot fixture's server (TERN_TEST_* from tests/fixtures/with-dovecot),
# keys and text typed with xdotool, a direct IMAP connection to check the
# server independently, the test account added with tern-cli, and lookups in
# the accessible tree.
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import imaplib
import os
import subprocess

import atspi_util as au

E = os.environ
HOST = E.get("TERN_TEST_IMAP_HOST")
PORT = int(E.get("TERN_TEST_IMAP_PORT", "0"))
TLS_PORT = int(E.get("TERN_TEST_IMAPS_PORT", "0"))
CA_FILE = E.get("TERN_TEST_CA_FILE")
USER = E.get("TERN_TEST_IMAP_USER")
PASSWORD = E.get("TERN_TEST_IMAP_PASSWORD")
ACCOUNT = "Alice Test"
SYNC_TIMEOUT = 90


def key(*keys):
    subprocess.run(["xdotool", "key", "--clearmodifiers", *keys], check=True, timeout=10)


def type_text(text):
    subprocess.run(["xdotool", "type", "--clearmodifiers", "--delay", "20", text], check=True,
                   timeout=60)


def imap():
    c = imaplib.IMAP4(HOST, PORT)
    c.login(USER, PASSWORD)
    return c


def add_account(cli, ident="work", name=ACCOUNT):
    """The fixture's account added with tern-cli over implicit TLS."""
    return subprocess.run([cli, "account", "add", ident, "--email", "%s@example.org" % USER,
                           "--display-name", name, "--imap", "%s:%d" % (HOST, TLS_PORT),
                           "--imap-security", "tls", "--user", USER, "--ca-file", CA_FILE,
                           "--password-stdin"], input=PASSWORD + "\n", capture_output=True,
                          text=True, timeout=120)


def child_names(acc):
    """The names of the list items directly under acc."""
    names = []
    for i in range(acc.get_child_count()):
        child = acc.get_child_at_index(i)
        if child is not None and child.get_role_name() == "list item":
            names.append(child.get_name())
    return names


def focused_in(root):
    for acc in au._walk(root):
        try:
            if "focused" in au.states(acc):
                return acc
        except Exception:  # noqa: BLE001 — the tree changes under us
            continue
    return None


def focus_list(msg_list, presses=3):
    """F6 until something in msg_list has the focus; that, or None."""
    for _ in range(presses):
        if focused_in(msg_list) is not None:
            break
        key("F6")
        au.wait_for(lambda: focused_in(msg_list), "focus in the list", timeout=2, fail=False)
    return focused_in(msg_list)


def toplevel(app, name):
    """The application's top-level window called `name`, or None."""
    for i in range(app.get_child_count()):
        child = app.get_child_at_index(i)
        if child is not None and child.get_name() == name:
            return child
    return None


def focusable(root, name):
    """Every focusable element named `name` (a preferences page's tab is there
    twice, for the wide and the narrow window, one of them hidden)."""
    return [a for a in au.find_all(root, name=name) if "focusable" in au.states(a)]


def tab_until_any(candidates, max_presses=40):
    """Press Tab until one of `candidates` has the focus; that one, or None."""
    for _ in range(max_presses):
        hit = au.wait_for(lambda: next((a for a in candidates if "focused" in au.states(a)),
                                       None), "focus", timeout=0.3, fail=False)
        if hit is not None:
            return hit
        key("Tab")
    return None
