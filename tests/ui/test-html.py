#!/usr/bin/python3
# test-html.py — the reader's privacy and attachments against a real Dovecot
# (run under tests/fixtures/with-dovecot): an HTML message whose images and
# CSS background point to an HTTP listener of this test is shown without a
# single request reaching it (while its cid: image is served from the
# message and appears on screen), with the remote content bar; "Show Once"
# then loads the remote images. A binary attachment is saved through the
# file chooser and compared byte for byte; View Source shows the raw message.
# WebKit is loaded only when the HTML message is opened: tern's memory map
# (/proc/PID/maps) has no WebKitGTK before and has it after.
# Screenshots of each step go into the test log directory.
#
# Usage: test-html.py PATH-TO-TERN PATH-TO-TERN-CLI
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import base64
import http.server
import imaplib
import os
import struct
import subprocess
import sys
import tempfile
import threading
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import atspi_util as au  # noqa: E402
from uilib import (HOST, PASSWORD, PORT, SYNC_TIMEOUT, USER, add_account, focused_in, key,
                   type_text)  # noqa: E402

TERN = os.path.abspath(sys.argv[1])
CLI = os.path.abspath(sys.argv[2])
LOG_DIR = os.environ.get("TERN_LOG_DIR") or os.getcwd()
PID = os.getpid()
MAGENTA = (255, 0, 255)   # the cid: image
ORANGE = (255, 120, 0)    # the remote image


def png(width, height, rgb):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def b64(data):
    text = base64.b64encode(data).decode()
    return "\r\n".join(text[i:i + 76] for i in range(0, len(text), 76))


class Listener:
    """An HTTP server on 127.0.0.1 that counts every connection and request:
    nothing of a blocked message may reach it, not even a preflight."""

    def __init__(self):
        listener = self
        self.connections = 0
        self.paths = []
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def setup(self):
                with listener.lock:
                    listener.connections += 1
                super().setup()

            def do_GET(self):
                with listener.lock:
                    listener.paths.append(self.path)
                body = png(60, 60, ORANGE)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_GET

            def do_OPTIONS(self):
                with listener.lock:
                    listener.paths.append("OPTIONS " + self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def count(self):
        with self.lock:
            return self.connections + len(self.paths)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def html_message(port):
    base = "http://127.0.0.1:%d" % port
    html = """<html><head><style>
.banner { background: url(%(base)s/background.png); padding: 12px; }
</style></head><body>
<h1>Quarterly privacy news</h1>
<div class="banner">A banner with a remote background.</div>
<p>The inline logo: <img src="cid:logo-%(pid)d@tern.test" width="80" height="80" alt="Logo"></p>
<p>A tracking pixel: <img src="%(base)s/pixel.png?id=%(pid)d" width="60" height="60"
 alt="Pixel"></p>
<p>Read more at <a href="https://example.org/news">example.org</a>.</p>
</body></html>""" % {"base": base, "pid": PID}
    return ("From: News Letter <News@Example.org>\r\n"
            "To: alice@example.org\r\n"
            "Subject: HTML privacy %(pid)d\r\n"
            "Date: Mon, 01 Jan 2035 10:00:00 +0000\r\n"
            "Message-ID: <html-%(pid)d@tern.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/related; boundary=\"rel\"; type=\"multipart/alternative\"\r\n"
            "\r\n"
            "--rel\r\n"
            "Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
            "\r\n"
            "--alt\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n"
            "Quarterly privacy news (plain text).\r\n"
            "--alt\r\n"
            "Content-Type: text/html; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "\r\n"
            "%(html)s\r\n"
            "--alt--\r\n"
            "--rel\r\n"
            "Content-Type: image/png\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-ID: <logo-%(pid)d@tern.test>\r\n"
            "Content-Disposition: inline\r\n"
            "\r\n"
            "%(png)s\r\n"
            "--rel--\r\n") % {"pid": PID, "html": html.replace("=", "=3D").replace("\n", "\r\n"),
                              "png": b64(png(80, 80, MAGENTA))}


def attachment_message(data):
    return ("From: Bob Example <bob@example.org>\r\n"
            "To: alice@example.org\r\n"
            "Subject: Attachment %(pid)d\r\n"
            "Date: Sun, 31 Dec 2034 10:00:00 +0000\r\n"
            "Message-ID: <attachment-%(pid)d@tern.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"mix\"\r\n"
            "\r\n"
            "--mix\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n"
            "Here are the numbers.\r\n"
            "\r\n"
            "> Could you send the numbers?\r\n"
            "> > And the chart, see https://example.org/chart.\r\n"
            "--mix\r\n"
            "Content-Type: application/octet-stream; name=\"numbers-%(pid)d.bin\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=\"numbers-%(pid)d.bin\"\r\n"
            "\r\n"
            "%(data)s\r\n"
            "--mix--\r\n") % {"pid": PID, "data": b64(data)}


def pixels(path, rgb):
    """How many pixels of the PNG at `path` have exactly the colour `rgb`."""
    raw = subprocess.run(["convert", path, "-depth", "8", "rgb:-"], capture_output=True,
                         timeout=60).stdout
    want = bytes(rgb)
    return sum(1 for i in range(0, len(raw) - 2, 3) if raw[i:i + 3] == want)


def shot(name):
    path = os.path.join(LOG_DIR, name)
    au.screenshot(path)
    return path


def open_message(frame, msg_list, xid, subject):
    """Moves the focus in the message list to the row of `subject` with the
    keyboard and opens it with Enter."""
    subprocess.run(["xdotool", "windowfocus", "--sync", xid], timeout=10)
    row = focused_in(msg_list)
    if row is None:
        for _ in range(3):
            key("F6")
            row = au.wait_for(lambda: focused_in(msg_list), "focus in the list", timeout=3,
                              fail=False)
            if row is not None:
                break
    key("Home")
    for _ in range(12):
        row = au.wait_for(lambda: (lambda f: f if f is not None and f.get_role_name() ==
                                   "list item" else None)(focused_in(msg_list)),
                          "a focused message row", timeout=5, fail=False)
        if row is not None and subject in row.get_name():
            key("Return")
            return True
        key("Down")
    return False


def window_named(app, name):
    """A top-level window of `app` (frame, dialog, file chooser) by title."""
    for i in range(app.get_child_count()):
        child = app.get_child_at_index(i)
        if child is not None and child.get_name() == name:
            return child
    return None


def click(button):
    """Activates a button as Orca does (its AT-SPI action)."""
    action = button.get_action_iface()
    return action is not None and action.do_action(0)


def main():
    t = au.Tap()
    os.makedirs(LOG_DIR, exist_ok=True)
    listener = Listener()
    data = os.urandom(50_000)
    try:
        r = add_account(CLI)
        if not t.ok(r.returncode == 0, "tern-cli account add (%s)" % r.stderr.strip()):
            return t.finish()

        c = imaplib.IMAP4(HOST, PORT)
        c.login(USER, PASSWORD)
        typ1, _ = c.append("INBOX", None, None, attachment_message(data).encode())
        typ2, _ = c.append("INBOX", None, None, html_message(listener.port).encode())
        c.logout()
        t.ok(typ1 == typ2 == "OK", "an HTML message and one with an attachment were appended")
        return run_tern(t, listener, data)
    finally:
        listener.close()


def run_tern(t, listener, data):
    html_subject = "HTML privacy %d" % PID
    attachment_subject = "Attachment %d" % PID
    filename = "numbers-%d.bin" % PID

    with au.Launched([TERN]) as tern:
        app = au.wait_for_app("tern", tern.proc)
        frame = au.wait_for(lambda: au.find(app, role="frame", name="Tern"), "the Tern window")
        xid = au.x11_window_for_pid(tern.proc.pid, "Tern")
        if xid:
            subprocess.run(["xdotool", "windowsize", "--sync", xid, "1200", "800"], timeout=10)
        msg_list = au.wait_for(lambda: au.find(frame, role="list", name="Messages"),
                               "the message list")
        au.wait_for(lambda: any(html_subject in (msg_list.get_child_at_index(i).get_name() or "")
                                for i in range(msg_list.get_child_count())),
                    "the new messages in the list", timeout=SYNC_TIMEOUT)
        mapped = au.webkit_mapped(tern.proc.pid)
        t.ok(not mapped, "WebKit is not loaded while no HTML message has been shown (mapped: %s)"
             % mapped)

        # (a) The HTML message: shown, its cid: image served, nothing remote.
        t.ok(open_message(frame, msg_list, xid, html_subject),
             "the HTML message is opened with the keyboard")
        view = au.wait_for(lambda: au.find(frame, name="Message"), "the HTML view",
                           timeout=SYNC_TIMEOUT, fail=False)
        loaded = view is not None and au.wait_for(lambda: "busy" not in au.states(view),
                                                  "the HTML view to finish loading",
                                                  timeout=SYNC_TIMEOUT, fail=False)
        t.ok(loaded, "the HTML view shows the message and finishes loading")
        mapped = au.webkit_mapped(tern.proc.pid)
        t.ok(au.webkit_loaded(tern.proc.pid),
             "WebKit is loaded once an HTML message is shown (mapped: %s)" % mapped)
        path = os.path.join(LOG_DIR, "ui-html-blocked.png")
        logo = au.wait_for(lambda: au.screenshot(path) and pixels(path, MAGENTA),
                           "the cid: image on screen", timeout=15, fail=False)
        t.ok(logo and logo >= 80 * 80 * 0.9,
             "the cid: image is served from the message and drawn (%s magenta pixels)" % logo)
        t.ok(listener.count() == 0 and pixels(path, ORANGE) == 0,
             "no request reached the remote server while the message is shown (%d: %s)"
             % (listener.count(), listener.paths))
        bar = au.wait_for(lambda: au.find(frame, role="label",
                                          name="Remote content is hidden to protect your "
                                          "privacy."), "the remote content bar", timeout=10,
                          fail=False)
        t.ok(bar is not None, "the remote content bar is shown")
        always = au.find(frame, role="push button",
                         name="Always Show From news@example.org")
        t.ok(always is not None, "the bar offers to always show remote content from the sender "
             "(in lower case)")
        unnamed = au.unnamed_interactive(frame)
        t.ok(not unnamed, "every interactive widget has an accessible name (unnamed: %s)"
             % unnamed)
        show_once = au.find(frame, role="push button", name="Show Once")
        t.ok(show_once is not None and click(show_once), "Show Once is activated")
        got = au.wait_for(lambda: (lambda p: p if any("pixel.png" in x for x in p) and
                                   any("background.png" in x for x in p) else None)
                          (list(listener.paths)), "the remote requests", timeout=30,
                          fail=False)
        t.ok(got, "after Show Once the remote image and background are fetched (%s)"
             % listener.paths)
        path = os.path.join(LOG_DIR, "ui-html-shown.png")
        remote = au.wait_for(lambda: au.screenshot(path) and pixels(path, ORANGE),
                             "the remote image on screen", timeout=15, fail=False)
        t.ok(remote, "the remote image is drawn (%s orange pixels)" % remote)
        t.ok(au.wait_for(lambda: au.find(frame, role="label",
                                         name="Remote content is hidden to protect your "
                                         "privacy.") is None, "the bar to go", timeout=10,
                         fail=False), "the remote content bar is gone after Show Once")

        # View Source: the raw message, headers included; Ctrl+U with the
        # focus in the message (Show Once gave it to the HTML view).
        t.ok(au.find(frame, role="push button", name="View Source") is not None,
             "the reader has a View Source button")
        subprocess.run(["xdotool", "windowfocus", "--sync", xid], timeout=10)
        key("ctrl+u")
        source_frame = au.wait_for(lambda: window_named(app, "Message Source"),
                                   "the source window", timeout=10, fail=False)
        t.ok(source_frame is not None, "Ctrl+U opens the source window")
        text = None
        if source_frame is not None:
            text = au.wait_for(lambda: au.find(source_frame, role="text", name="Message source"),
                               "the source text", timeout=SYNC_TIMEOUT, fail=False)

        def source():
            ti = text.get_text_iface()
            return ti.get_text(0, ti.get_character_count())

        raw = au.wait_for(lambda: "Message-ID: <html-%d@tern.test>" % PID in source() and
                          source(), "the raw message", timeout=SYNC_TIMEOUT,
                          fail=False) if text is not None else ""
        t.ok(raw and "Content-ID: <logo-%d@tern.test>" % PID in raw,
             "View Source shows the raw message with its headers")
        shot("ui-html-source.png")
        if source_frame is not None:
            key("Escape")
            t.ok(au.wait_for(lambda: window_named(app, "Message Source") is None,
                             "the source window to close", timeout=10, fail=False),
                 "Escape closes the source window")

        # (b) The attachment: saved through the file chooser, byte for byte.
        t.ok(open_message(frame, msg_list, xid, attachment_subject),
             "the message with an attachment is opened with the keyboard")
        save = au.wait_for(lambda: au.find(frame, role="push button", name="Save " + filename),
                           "the Save button of the attachment", timeout=SYNC_TIMEOUT,
                           fail=False)
        t.ok(save is not None and au.find(frame, role="push button", name="Open " + filename),
             "the attachment row has Open and Save buttons named after the file")
        text_view = au.find(frame, role="text", name="Message text")
        body = ""
        if text_view is not None:
            ti = text_view.get_text_iface()
            body = ti.get_text(0, ti.get_character_count())
        t.ok("Could you send the numbers?" in body, "the plain text body is shown")
        shot("ui-html-attachment.png")
        with tempfile.TemporaryDirectory() as tmp:
            target = os.path.join(tmp, "saved.bin")
            t.ok(save is not None and click(save), "Save… is activated")
            chooser = au.wait_for(lambda: window_named(app, "Save “%s”" % filename),
                                  "the file chooser", timeout=15, fail=False)
            t.ok(chooser is not None, "a file chooser opens")
            if chooser is not None:
                shot("ui-html-chooser.png")
                key("ctrl+a")
                type_text(target)
                key("Return")
            ok = au.wait_for(lambda: os.path.exists(target) and
                             open(target, "rb").read() == data, "the saved file",
                             timeout=SYNC_TIMEOUT, fail=False)
            t.ok(ok, "the attachment is saved with the original bytes (%s bytes)"
                 % (os.path.getsize(target) if os.path.exists(target) else "no file"))
        shot("ui-html-saved.png")

        # Open: the attachment goes to a private cache file first (no
        # application is registered for it here; the row then says so).
        cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "tern",
                             "attachments")
        opened = au.find(frame, role="push button", name="Open " + filename)
        t.ok(opened is not None and click(opened), "Open is activated")

        def cached():
            for root, _, files in os.walk(cache):
                if filename in files:
                    path = os.path.join(root, filename)
                    with open(path, "rb") as f:
                        if f.read() == data:
                            return path
            return None

        path = au.wait_for(cached, "the cached attachment", timeout=SYNC_TIMEOUT, fail=False)
        t.ok(path and os.stat(os.path.dirname(path)).st_mode & 0o077 == 0,
             "Open writes the attachment to a private cache directory (%s)" % path)
        shot("ui-html-opened.png")

        # Show Once was for that showing only; "Always Show From" remembers
        # the sender, and the next time the message loads remote content
        # without asking.
        bar_name = "Remote content is hidden to protect your privacy."
        t.ok(open_message(frame, msg_list, xid, html_subject) and
             au.wait_for(lambda: au.find(frame, role="label", name=bar_name), "the bar again",
                         timeout=SYNC_TIMEOUT, fail=False),
             "opened again, the HTML message asks again")
        always = au.find(frame, role="push button", name="Always Show From news@example.org")
        t.ok(always is not None and click(always), "Always Show From is activated")
        senders = au.wait_for(lambda: (lambda out: out if "news@example.org" in out else None)(
            subprocess.run(["gsettings", "get", "io.github.ternmail.Tern",
                            "remote-content-senders"], capture_output=True, text=True,
                           timeout=10).stdout), "the sender in the settings", timeout=10,
                              fail=False)
        t.ok(senders, "the sender is added to remote-content-senders (%r)" % senders)
        t.ok(open_message(frame, msg_list, xid, attachment_subject),
             "another message is opened")
        au.wait_for(lambda: au.find(frame, role="push button", name="Save " + filename),
                    "the other message", timeout=SYNC_TIMEOUT, fail=False)
        before = listener.count()
        t.ok(open_message(frame, msg_list, xid, html_subject),
             "the HTML message is opened once more")
        view = au.wait_for(lambda: au.find(frame, name="Message"), "the HTML view",
                           timeout=SYNC_TIMEOUT, fail=False)
        t.ok(view is not None and au.wait_for(lambda: "busy" not in au.states(view),
                                              "the HTML view to finish loading",
                                              timeout=SYNC_TIMEOUT, fail=False) and
             listener.count() > before and au.find(frame, role="label", name=bar_name) is None,
             "from a remembered sender remote content loads at once, without the bar "
             "(%d new requests)" % (listener.count() - before))
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
