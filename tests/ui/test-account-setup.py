#!/usr/bin/python3
# test-account-setup.py — the account assistant against a real Dovecot (run
# under tests/fixtures/with-dovecot), driven with the keyboard alone: tern
# starts with no account; the empty state's Add Account button opens the
# assistant; name, address and password are typed; the lookup of a domain
# under .invalid fails at once and leads to the manual page; implicit TLS
# without the test CA leads to the untrusted-certificate page, whose
# fingerprint must be the server certificate's (as openssl computes it).
# Cancel there saves nothing; Trust with a wrong password shows the
# wrong-password error on the page and saves nothing; the right password
# saves the account: it shows in the sidebar, the key file pins the
# certificate, the password is in the keyring and in no file under the XDG
# homes. Screenshots of each step go into the test log directory.
#
# Usage: test-account-setup.py PATH-TO-TERN
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import configparser
import os
import re
import subprocess
import sys
import tempfile

import gi

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import atspi_util as au  # noqa: E402
from uilib import focusable, key, tab_until_any, toplevel, type_text  # noqa: E402


TERN = os.path.abspath(sys.argv[1])
LOG_DIR = os.environ.get("TERN_LOG_DIR") or os.getcwd()
E = os.environ
HOST = E["TERN_TEST_IMAP_HOST"]
TLS_PORT = int(E["TERN_TEST_IMAPS_PORT"])
USER = E["TERN_TEST_IMAP_USER"]
PASSWORD = E["TERN_TEST_IMAP_PASSWORD"]
SERVER_PEM = os.path.join(E["TERN_TEST_FIXTURE_DIR"], "server.pem")
NAME = "Alice Setup"
EMAIL = "alice@example.invalid"
WRONG_PASSWORD = "not-the-password-7"
ACCOUNT_ID = "alice-example.invalid"
TIMEOUT = 60


def replace_text(text):
    """Replace what the focused entry holds, as a person would: select all, type."""
    key("ctrl+a")
    type_text(text)


def x11_window_gone(pid, name):
    """Whether tern has no X11 window titled `name`. Asked of X rather than
    AT-SPI: GTK 4.8's AT-SPI bridge can crash when asked about a window that
    is being destroyed."""
    r = subprocess.run(["xdotool", "search", "--all", "--pid", str(pid), "--name",
                        "^%s$" % re.escape(name)], capture_output=True, text=True, timeout=10)
    return r.stdout.split() == []


def label_matching(root, pattern):
    """A showing label (or alert: errors are announced as alerts) whose text
    matches `pattern`."""
    for acc in au.find_all(root):
        try:
            if acc.get_role_name() in ("label", "alert", "status bar") and \
                    re.search(pattern, acc.get_name() or ""):
                return acc
        except gi.repository.GLib.Error:
            continue
    return None


def unnamed(root):
    """Like au.unnamed_interactive, less the list inside each combo row that
    only displays its current choice (libadwaita's, not focusable; the combo
    box itself is named)."""
    names = []
    for acc in au._walk(root):
        try:
            if acc.get_role_name() in au.INTERACTIVE_ROLES and au.is_showing(acc) and \
                    not acc.get_name() and not any(
                        a.get_role_name() == "combo box" for a in ancestors(acc)):
                names.append(acc.get_role_name())
        except gi.repository.GLib.Error:
            continue
    return names


def ancestors(acc):
    out = []
    p = acc.get_parent()
    while p is not None and len(out) < 40:
        out.append(p)
        p = p.get_parent()
    return out


def tab_until(root, acc, max_presses=40):
    """Press Tab until `acc` has the keyboard focus (within the focused
    window, whichever it is)."""
    for _ in range(max_presses):
        if au.wait_for(lambda: "focused" in au.states(acc), "focus", timeout=0.3, fail=False):
            return True
        key("Tab")
    return False


def openssl_fingerprint(pem_path):
    r = subprocess.run(["openssl", "x509", "-in", pem_path, "-noout", "-fingerprint", "-sha256"],
                       capture_output=True, text=True, check=True, timeout=30)
    return r.stdout.strip().split("=", 1)[1].upper()


def files_containing(roots, needle):
    hits = []
    for root in roots:
        for dirpath, _, names in os.walk(root):
            for n in names:
                path = os.path.join(dirpath, n)
                try:
                    with open(path, "rb") as f:
                        if needle in f.read():
                            hits.append(path)
                except OSError:
                    continue
    return hits


def account_files(config_home):
    d = os.path.join(config_home, "tern", "accounts")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def keyring_password(account_id):
    r = subprocess.run(["secret-tool", "lookup", "account", account_id, "protocol", "imap"],
                       capture_output=True, text=True, timeout=30)
    return r.stdout if r.returncode == 0 else None


def main():
    t = au.Tap()
    os.makedirs(LOG_DIR, exist_ok=True)
    # Homes of our own: the session's may hold other tests' accounts.
    home = tempfile.mkdtemp(prefix="account-setup.", dir=E.get("TERN_TEST_HOME"))
    homes = {v: os.path.join(home, v.split("_")[1].lower())
             for v in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")}
    for d in homes.values():
        os.makedirs(d)
    config_home = homes["XDG_CONFIG_HOME"]
    want_fingerprint = openssl_fingerprint(SERVER_PEM)

    with au.Launched([TERN], env=homes) as tern:
        app = au.wait_for_app("tern", tern.proc)
        frame = au.wait_for(lambda: au.find(app, role="frame", name="Tern"), "the Tern window")
        xid = au.x11_window_for_pid(tern.proc.pid, "Tern")
        add = au.wait_for(lambda: au.find(frame, role="push button", name="Add Account"),
                          "the empty state's Add Account button")
        presses = au.focus_with_tab(add, xid)
        t.ok(presses is not None, "Tab reaches Add Account (%s presses)" % presses)
        key("Return")
        dlg = au.wait_for(lambda: toplevel(app, "Add Account"), "the account assistant")
        t.ok(dlg is not None, "Enter on Add Account opens the assistant")
        au.wait_for(lambda: au.find(dlg, role="text", name="Your Name"), "the name row")

        # Page 1: the focus starts in the name row; Tab walks the rows. (GTK
        # 4.8 does not give an entry row's text to AT-SPI: what was typed
        # where is checked in the saved key file below.)
        type_text(NAME)
        key("Tab")
        type_text(EMAIL)
        key("Tab")
        type_text(PASSWORD)
        t.ok(unnamed(dlg) == [], "every control of the first page has a name (%s)"
             % unnamed(dlg))
        au.screenshot(os.path.join(LOG_DIR, "ui-account-welcome.png"))

        # Enter: the lookup of a .invalid domain fails at once → manual page.
        key("Return")
        info = au.wait_for(lambda: label_matching(dlg, r"Could not find the mail server"),
                           "the manual page's explanation", timeout=TIMEOUT, fail=False)
        t.ok(info is not None, "an address nobody can look up leads to the manual page, "
             "saying why (%r)" % (info and info.get_name()))
        au.wait_for(lambda: au.find(dlg, role="text", name="IMAP Server"), "the server row")

        # The focus starts on the server row: server, port, (security: TLS,
        # the default), user; the password came from the first page.
        type_text(HOST)
        key("Tab")
        replace_text(str(TLS_PORT))
        key("Tab")  # the security combo, left at TLS
        key("Tab")
        replace_text(USER)
        t.ok(unnamed(dlg) == [], "every control of the manual page has a name (%s)"
             % unnamed(dlg))
        security = au.find(dlg, role="combo box", name="IMAP Security")
        t.ok(security is not None and label_matching(security, "^TLS$") is not None,
             "security is TLS")
        au.screenshot(os.path.join(LOG_DIR, "ui-account-manual.png"))

        # Continue without the test CA: the certificate page.
        key("Return")
        fp = au.wait_for(lambda: label_matching(dlg, r"^([0-9A-F]{2}:){31}[0-9A-F]{2}$"),
                         "the certificate page's fingerprint", timeout=TIMEOUT, fail=False)
        shown = fp.get_name() if fp else None
        t.ok(shown == want_fingerprint, "the certificate page shows the server's SHA-256 "
             "fingerprint (shown %s, openssl %s)" % (shown, want_fingerprint))
        reason = label_matching(dlg, r"not signed by an authority")
        t.ok(reason is not None, "it says why the certificate is not trusted")
        for title in ("Issued To", "Issued By", "Valid From", "Valid Until"):
            t.ok(label_matching(dlg, "^%s$" % title) is not None, "it shows %s" % title)
        t.ok(label_matching(dlg, r"CN=localhost") is not None, "the subject names the server")
        refuse = au.find(dlg, role="push button", name="Cancel")
        trust = au.find(dlg, role="push button", name="Trust This Certificate")
        t.ok(refuse is not None and trust is not None, "Cancel and Trust This Certificate")
        t.ok(unnamed(dlg) == [], "every control of the certificate page has a name (%s)"
             % unnamed(dlg))
        t.ok(au.wait_for(lambda: "focused" in au.states(refuse), "focus on Cancel", timeout=5,
                         fail=False), "the focus is on Cancel, so Enter refuses")
        au.screenshot(os.path.join(LOG_DIR, "ui-account-certificate.png"))

        # Cancel: back to the settings, nothing saved.
        key("Return")
        refused = au.wait_for(lambda: label_matching(dlg, r"certificate was not trusted"),
                              "the refusal message", timeout=10, fail=False)
        t.ok(refused is not None, "Cancel returns to the settings and says nothing was saved")
        t.ok(account_files(config_home) == [], "no account file after Cancel (%s)"
             % account_files(config_home))
        t.ok(keyring_password(ACCOUNT_ID) is None, "no password in the keyring after Cancel")

        # A wrong password, then Trust: the error is shown on the page.
        # Back on the settings the focus is on the server row again; the
        # password row is four Tabs on (port, security, user, password).
        for _ in range(4):
            key("Tab")
        replace_text(WRONG_PASSWORD)
        key("Return")
        trust = au.wait_for(lambda: au.find(dlg, role="push button",
                                            name="Trust This Certificate"),
                            "the certificate page again", timeout=TIMEOUT, fail=False)
        t.ok(trust is not None, "Continue shows the certificate page again")
        # The page's buttons are still in the tree from the first time: the
        # page is there once it has put the focus on Cancel again.
        au.wait_for(lambda: "focused" in au.states(refuse), "focus on Cancel again",
                    timeout=TIMEOUT, fail=False)
        key("Tab")
        t.ok(au.wait_for(lambda: "focused" in au.states(trust), "focus on Trust", timeout=5,
                         fail=False), "Tab moves from Cancel to Trust This Certificate")
        key("Return")
        wrong = au.wait_for(lambda: label_matching(dlg, r"Wrong user name or password"),
                            "the wrong-password error", timeout=TIMEOUT, fail=False)
        t.ok(wrong is not None, "a wrong password is shown on the page in plain words (%r)"
             % (wrong and wrong.get_name()))
        au.screenshot(os.path.join(LOG_DIR, "ui-account-error.png"))
        t.ok(account_files(config_home) == [], "nothing saved after the wrong password")

        # The right password: the trusted certificate is kept, so this saves.
        key("ctrl+a")
        type_text(PASSWORD)
        key("Return")
        closed = au.wait_for(lambda: x11_window_gone(tern.proc.pid, "Add Account"),
                             "the assistant to close", timeout=TIMEOUT, fail=False)
        t.ok(closed, "with the right password the account is saved and the assistant closes")
        files = account_files(config_home)
        t.ok(files == [ACCOUNT_ID + ".ini"], "one account file, named from the address (%s)"
             % files)
        if files:
            kf = configparser.ConfigParser(interpolation=None)
            kf.read(os.path.join(config_home, "tern", "accounts", files[0]))
            t.ok(kf.get("Account", "Email", fallback=None) == EMAIL and
                 kf.get("IMAP", "Host", fallback=None) == HOST and
                 kf.get("IMAP", "Port", fallback=None) == str(TLS_PORT) and
                 kf.get("IMAP", "Security", fallback=None) == "tls" and
                 kf.get("IMAP", "User", fallback=None) == USER and
                 kf.get("Account", "DisplayName", fallback=None) == NAME,
                 "the key file holds the settings typed")
            t.ok("BEGIN CERTIFICATE" in kf.get("IMAP", "PinnedCertificate", fallback=""),
                 "the key file pins the trusted certificate")
        t.ok(au.wait_for(lambda: au.find(frame, role="label", name=NAME), "the sidebar",
                         timeout=TIMEOUT, fail=False) is not None,
             "the sidebar shows the new account '%s'" % NAME)
        t.ok(keyring_password(ACCOUNT_ID) == PASSWORD, "the password is in the keyring")
        leaks = files_containing(homes.values(), PASSWORD.encode())
        t.ok(leaks == [], "no file under the XDG homes contains the password (%s)" % leaks)
        au.screenshot(os.path.join(LOG_DIR, "ui-account-added.png"))

        # The window's own connection (the model's, not the assistant's)
        # uses the pinned certificate too: the folders arrive.
        sidebar = au.wait_for(lambda: au.find(frame, role="list", name="Folders of " + NAME),
                              "the folder list", timeout=TIMEOUT, fail=False)
        inbox = sidebar and au.wait_for(
            lambda: any(sidebar.get_child_at_index(i).get_name().startswith("Inbox")
                        for i in range(sidebar.get_child_count())),
            "INBOX in the sidebar", timeout=TIMEOUT, fail=False)
        t.ok(inbox, "the account's folders load over the pinned certificate")

        # Preferences (Ctrl+comma) list the account.
        subprocess.run(["xdotool", "windowfocus", "--sync", xid], timeout=10)
        key("ctrl+comma")
        prefs = au.wait_for(lambda: toplevel(app, "Preferences"), "the preferences",
                            timeout=10, fail=False)
        t.ok(prefs is not None, "Ctrl+comma opens the preferences")
        if prefs is None:
            return t.finish()
        edit = au.wait_for(lambda: au.find(prefs, role="push button", name="Edit " + NAME),
                           "the account's Edit button", timeout=10, fail=False)
        t.ok(edit is not None, "the preferences list the account with an Edit button")
        t.ok(unnamed(prefs) == [], "every preferences control has a name (%s)" % unnamed(prefs))
        au.screenshot(os.path.join(LOG_DIR, "ui-account-preferences.png"))

        # Edit: the assistant opens on the settings with the stored password;
        # Enter verifies again (over the pinned certificate) and saves.
        t.ok(tab_until(prefs, edit), "Tab reaches the Edit button")
        key("Return")
        edit_dlg = au.wait_for(lambda: toplevel(app, "Edit Account"), "the edit assistant",
                               timeout=10, fail=False)
        t.ok(edit_dlg is not None, "Enter on Edit opens the assistant to edit the account")
        if edit_dlg is not None:
            cont = au.wait_for(lambda: au.find(edit_dlg, role="push button", name="Continue"),
                               "Continue")
            au.wait_for(lambda: "sensitive" in au.states(cont), "the stored password",
                        timeout=TIMEOUT, fail=False)
            au.screenshot(os.path.join(LOG_DIR, "ui-account-edit.png"))
            key("Return")
            t.ok(au.wait_for(lambda: x11_window_gone(tern.proc.pid, "Edit Account"),
                             "the edit to save", timeout=TIMEOUT, fail=False),
                 "Enter re-verifies with the stored password and saves the account")
            t.ok(account_files(config_home) == [ACCOUNT_ID + ".ini"] and
                 keyring_password(ACCOUNT_ID) == PASSWORD,
                 "after editing, the key file and the keyring password are still there")

        # Reading page: GSettings changed elsewhere show up, and removing an
        # allowed sender writes GSettings.
        gs_env = dict(os.environ, **homes)
        subprocess.run(["gsettings", "set", "io.github.ternmail.Tern", "remote-content-senders",
                        "['bob@example.org']"], env=gs_env, check=True, timeout=30)
        subprocess.run(["gsettings", "set", "io.github.ternmail.Tern", "mark-read-delay", "5"],
                       env=gs_env, check=True, timeout=30)
        t.ok(tab_until_any(focusable(prefs, "Reading")), "Tab reaches the Reading page")
        key("Return")
        remove_sender = au.wait_for(
            lambda: au.find(prefs, role="push button", name="Remove bob@example.org"),
            "the allowed sender's row", timeout=10, fail=False)
        t.ok(remove_sender is not None, "an allowed sender set in GSettings is listed")
        delay = au.find(prefs, role="combo box", name="Mark as Read")
        t.ok(delay is not None and label_matching(delay, "^After 5 seconds$") is not None,
             "the mark-read delay shows the GSettings value (After 5 seconds)")
        au.screenshot(os.path.join(LOG_DIR, "ui-account-preferences-reading.png"))
        if remove_sender is not None and tab_until(prefs, remove_sender):
            key("Return")
        got = au.wait_for(lambda: (lambda r: r.stdout.strip() if "bob" not in r.stdout
                                   else None)(subprocess.run(
                                       ["gsettings", "get", "io.github.ternmail.Tern",
                                        "remote-content-senders"], env=gs_env,
                                       capture_output=True, text=True, timeout=30)),
                          "the sender to be removed", timeout=10, fail=False)
        t.ok(got is not None, "its remove button removes it from GSettings (%s)" % got)

        # Remove: a confirmation, then key file, keyring and sidebar entry go.
        if tab_until_any(focusable(prefs, "Accounts")):
            key("Return")
        remove = au.wait_for(lambda: au.find(prefs, role="push button", name="Remove " + NAME),
                             "the Remove button", timeout=10, fail=False)
        t.ok(remove is not None and tab_until(prefs, remove), "Tab reaches the Remove button")
        key("Return")
        # GTK 4.8 names AdwMessageDialog's buttons "_Remove Remove".
        confirm = au.wait_for(lambda: next(
            (b for b in au.find_all(app, role="push button")
             if b.get_name() in ("Remove", "_Remove Remove")), None),
            "the confirmation", timeout=10, fail=False)
        t.ok(confirm is not None, "Remove asks for confirmation")
        t.ok(account_files(config_home) == [ACCOUNT_ID + ".ini"], "nothing removed before "
             "confirming")
        if confirm is not None and tab_until(app, confirm):
            key("Return")
        t.ok(au.wait_for(lambda: account_files(config_home) == [], "the key file to go",
                         timeout=TIMEOUT, fail=False), "confirming removes the key file")
        t.ok(keyring_password(ACCOUNT_ID) is None, "and the password in the keyring")
        t.ok(au.wait_for(lambda: au.find(frame, role="push button", name="Add Account"),
                         "the empty state", timeout=TIMEOUT, fail=False) is not None,
             "the main window is back to its empty state")
        key("Escape")
        t.ok(au.wait_for(lambda: x11_window_gone(tern.proc.pid, "Preferences"),
                         "preferences closed", timeout=10, fail=False),
             "Escape closes the preferences")

        # Escape cancels the assistant, saving nothing.
        add = au.find(frame, role="push button", name="Add Account")
        if add is not None and au.focus_with_tab(add, xid) is not None:
            key("Return")
        t.ok(au.wait_for(lambda: toplevel(app, "Add Account"), "the assistant", timeout=10,
                         fail=False) is not None, "Add Account opens the assistant again")
        type_text(NAME)
        key("Escape")
        t.ok(au.wait_for(lambda: x11_window_gone(tern.proc.pid, "Add Account"),
                         "the assistant to close", timeout=10, fail=False) and
             account_files(config_home) == [],
             "Escape closes the assistant and saves nothing")

    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
