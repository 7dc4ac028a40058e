#!/usr/bin/python3
# test-cli-imap.py — tern-cli against a real Dovecot: account add over each
# security mode, certificates, wrong passwords, the keyring, folders compared
# with doveadm, fetch compared byte for byte with the stored Maildir files and
# with an independent client (imaplib), and account remove.
#
# Usage (meson suite "imap"):
#   with-dovecot --size N -- /usr/bin/python3 test-cli-imap.py PATH-TO-TERN-CLI
# The fixture's TERN_TEST_* variables describe the server; the test harness
# gives this process private XDG homes and a keyring of its own session.
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import base64
import hashlib
import imaplib
import json
import os
import random
import re
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

import corpus  # noqa: E402  (modified UTF-7 and folder paths, as the fixture writes them)

CLI = os.path.abspath(sys.argv[1])
E = os.environ
HOST = E["TERN_TEST_IMAP_HOST"]
PORT = int(E["TERN_TEST_IMAP_PORT"])
TLS_PORT = int(E["TERN_TEST_IMAPS_PORT"])
CA_FILE = E["TERN_TEST_CA_FILE"]
USER = E["TERN_TEST_IMAP_USER"]
PASSWORD = E["TERN_TEST_IMAP_PASSWORD"]
FIXTURE = E["TERN_TEST_FIXTURE_DIR"]
CONF = os.path.join(FIXTURE, "dovecot.conf")
MAILDIR = os.path.join(FIXTURE, "mail", USER, "Maildir")
with open(E["TERN_TEST_CORPUS_MANIFEST"], encoding="utf-8") as f:
    MANIFEST = json.load(f)
XDG_HOMES = [E[k] for k in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
                            "XDG_STATE_HOME") if k in E]
SCHEMA = "io.github.ternmail.Tern.Password"
TAG = "t%d" % os.getpid()   # account ids unique in the shared session keyring

# Folders the test makes, with what makes names hard: non-ASCII, spaces,
# quotes, "&" (modified UTF-7's escape) and a nested non-ASCII level.
EXTRA_FOLDERS = ['Zeitung & "Presse" 📰', "R&D", "Ünïcödé", "Ünïcödé/Kind  mit  Leerzeichen"]
NEWS = EXTRA_FOLDERS[0]


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, diag=None):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, desc), flush=True)
        if not cond:
            self.failed += 1
            if diag is not None:
                for line in str(diag).splitlines()[:40]:
                    print("#   " + line)
        return cond

    def section(self, desc, fn, *args):
        """Run fn; an exception is one failure instead of the end of the run."""
        try:
            return fn(*args)
        except Exception:
            self.ok(False, desc + ": raised", traceback.format_exc())
            return None


t = Tap()


# -- helpers ------------------------------------------------------------------

def cli(*args, stdin="", env=None, text=True):
    data = stdin if text or stdin is None else stdin.encode()
    return subprocess.run([CLI, *args], input=data, capture_output=True, text=text,
                          timeout=120, env=env)


def one_line_failure(r):
    err = r.stderr if isinstance(r.stderr, str) else r.stderr.decode("utf-8", "replace")
    return r.returncode == 1 and not r.stdout and len(err.strip().splitlines()) == 1


def doveadm(*args):
    r = subprocess.run(["doveadm", "-c", CONF, *args], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise RuntimeError("doveadm %s: %s" % (" ".join(args), r.stderr))
    return r.stdout


def imap():
    c = imaplib.IMAP4(HOST, PORT)
    c.login(USER, PASSWORD)
    return c


def quote(name):
    wire = corpus.mutf7_encode(name)
    return '"' + wire.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_fetch(c, folder, uid, section=""):
    """BODY.PEEK[section] of uid as imaplib sees it (read-only)."""
    typ, _ = c.select(quote(folder), readonly=True)
    assert typ == "OK", folder
    typ, data = c.uid("FETCH", str(uid), "(BODY.PEEK[%s])" % section)
    assert typ == "OK", data
    for item in data:
        if isinstance(item, tuple):
            return item[1]
    raise AssertionError("no body for %s/%d[%s]: %r" % (folder, uid, section, data))


def uids_by_message_id(c, folder):
    """{Message-ID: UID} of a folder, as the server numbers it."""
    typ, _ = c.select(quote(folder), readonly=True)
    assert typ == "OK", folder
    typ, data = c.uid("FETCH", "1:*", "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    assert typ == "OK", data
    out = {}
    for item in data:
        if isinstance(item, tuple):
            uid = int(re.search(rb"UID (\d+)", item[0]).group(1))
            m = re.search(rb"<[^>]+>", item[1])
            if m:
                out[m.group(0).decode()] = uid
    return out


def as_served(stored):
    """What IMAP serves for a Maildir file: Dovecot stores LF line ends and
    sends CRLF (a file that already has CRLF is sent as it is)."""
    return stored if b"\r\n" in stored else stored.replace(b"\n", b"\r\n")


def folder_dir(folder):
    return corpus.folder_path(MAILDIR, folder)


MSGID_RE = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.I | re.M)


def stored_file(folder, message_id):
    """The Maildir file of the message with that Message-ID."""
    for sub in ("cur", "new"):
        d = os.path.join(folder_dir(folder), sub)
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            head = data.split(b"\n\n", 1)[0]
            m = MSGID_RE.search(head)
            if m and m.group(1).decode() == message_id:
                return data
    raise AssertionError("no file for %s in %s" % (message_id, folder))


def fingerprint(pem_file):
    with open(pem_file) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    h = hashlib.sha256(der).hexdigest().upper()
    return ":".join(h[i:i + 2] for i in range(0, len(h), 2))


def files_containing(needle, roots):
    hits = []
    for root in roots:
        for d, _, files in os.walk(root):
            for name in files:
                p = os.path.join(d, name)
                try:
                    with open(p, "rb") as f:
                        if needle in f.read():
                            hits.append(p)
                except OSError:
                    pass
    return hits


def secret_lookup(ident, host=HOST, user=USER, protocol="imap"):
    r = subprocess.run(["secret-tool", "lookup", "xdg:schema", SCHEMA, "account", ident,
                        "protocol", protocol, "host", host, "user", user],
                       capture_output=True, text=True, timeout=30)
    return r.stdout if r.returncode == 0 else None


def config_path(ident):
    return os.path.join(E["XDG_CONFIG_HOME"], "tern", "accounts", ident + ".ini")


def add(ident, port, security, ca_file=CA_FILE, password=PASSWORD, extra=()):
    args = ["account", "add", ident, "--email", "%s@example.org" % USER,
            "--imap", "%s:%d" % (HOST, port), "--imap-security", security, "--user", USER,
            "--password-stdin", *extra]
    if ca_file:
        args += ["--ca-file", ca_file]
    return cli(*args, stdin=password + "\n")


def make_message(message_id, subject, attachment):
    """A multipart/mixed message with CRLF line ends, as APPEND sends it."""
    enc = base64.encodebytes(attachment).replace(b"\n", b"\r\n")
    return (b"From: Test <test@example.org>\r\n"
            b"To: alice@example.org\r\n"
            b"Subject: " + subject.encode() + b"\r\n"
            b"Date: Mon, 02 Jun 2025 10:00:00 +0000\r\n"
            b"Message-ID: " + message_id.encode() + b"\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"=-b0und4ry\"\r\n"
            b"\r\n"
            b"--=-b0und4ry\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"\r\n"
            b"See the attachment.\r\n"
            b"--=-b0und4ry\r\n"
            b"Content-Type: application/octet-stream; name=\"big.bin\"\r\n"
            b"Content-Disposition: attachment; filename=\"big.bin\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n"
            b"\r\n" + enc +
            b"--=-b0und4ry--\r\n")


def append(c, folder, data):
    typ, resp = c.append(quote(folder), None, None, data)
    assert typ == "OK", resp
    m = re.search(rb"APPENDUID \d+ (\d+)", resp[0])
    assert m, resp
    return int(m.group(1))


# -- setup --------------------------------------------------------------------

BIG = {}
NEWS_MSG = {}
UIDS = {}   # folder -> {Message-ID: UID}


def setup():
    for name in EXTRA_FOLDERS:
        doveadm("mailbox", "create", "-u", USER, name)
    doveadm("mailbox", "subscribe", "-u", USER, NEWS)
    c = imap()
    try:
        big = make_message("<big-%s@tern.test>" % TAG, "5 MB attachment",
                           random.Random(5).randbytes(5 * 1024 * 1024))
        BIG.update(data=big, uid=append(c, "INBOX", big), msgid="<big-%s@tern.test>" % TAG)
        small = make_message("<news-%s@tern.test>" % TAG, "Nachrichten", b"\x00\x01\xfe\xff" * 64)
        NEWS_MSG.update(data=small, uid=append(c, NEWS, small))
        for folder in MANIFEST["folders"]:
            UIDS[folder] = uids_by_message_id(c, folder)
    finally:
        c.logout()
    t.ok(len(BIG["data"]) > 5 * 1024 * 1024, "setup: folders created, a %d-byte message appended"
         % len(BIG["data"]))
    missing = [(n, m["message_id"]) for n, f in MANIFEST["folders"].items()
               for m in f["messages"] if m["message_id"] not in UIDS[n]]
    t.ok(not missing, "setup: every corpus message has a UID", missing)


def uid_of(folder, message):
    return UIDS[folder][message["message_id"]]


# -- account add --------------------------------------------------------------

IDS = {"none": TAG + "-plain", "starttls": TAG + "-starttls", "tls": TAG + "-tls"}
PORTS = {"none": PORT, "starttls": PORT, "tls": TLS_PORT}
SMTP_PORT = 587     # never contacted: SMTP is configured, not verified, by account add


def nothing_saved(ident, password):
    return (not os.path.exists(config_path(ident)) and secret_lookup(ident) is None and
            not files_containing(password.encode(), XDG_HOMES))


def test_add_refused():
    ident = TAG + "-wrong"
    r = add(ident, PORT, "none", password=PASSWORD + "-wrong")
    t.ok(one_line_failure(r) and "password" in r.stderr and USER in r.stderr,
         "wrong password: exit 1 with one line about the password", r.stderr)
    t.ok(nothing_saved(ident, PASSWORD + "-wrong"), "wrong password: nothing saved")

    fp = fingerprint(os.path.join(FIXTURE, "server.pem"))
    for security in ("tls", "starttls"):
        ident = "%s-untrusted-%s" % (TAG, security)
        r = add(ident, PORTS[security], security, ca_file=None)
        t.ok(one_line_failure(r) and "not trusted" in r.stderr and fp in r.stderr and
             "--ca-file" in r.stderr,
             "%s without --ca-file: refused, the message names the problem and the SHA-256 "
             "fingerprint" % security, "%s\nwant %s" % (r.stderr, fp))
        t.ok(nothing_saved(ident, PASSWORD), "%s without --ca-file: nothing saved" % security)

    r = add(IDS["none"], 1, "none")
    t.ok(one_line_failure(r) and nothing_saved(IDS["none"], PASSWORD),
         "no server on that port: exit 1, nothing saved", r.stderr)


def test_add():
    for security, ident in IDS.items():
        extra = ["--display-name", "Alice (%s)" % security]
        if security == "tls":
            extra += ["--smtp", "%s:%d" % (HOST, SMTP_PORT), "--smtp-security", "starttls"]
        r = add(ident, PORTS[security], security, extra=extra)
        t.ok(r.returncode == 0 and r.stdout == "" and r.stderr == "",
             "add over %s (port %d) with --ca-file: exit 0, silent" % (security, PORTS[security]),
             r.stderr)

    r = add(IDS["none"], PORT, "none")
    t.ok(one_line_failure(r) and "already" in r.stderr, "adding the same id again: exit 1",
         r.stderr)

    r = cli("account", "list", "--json")
    doc = json.loads(r.stdout) if r.returncode == 0 else []
    mine = {a["id"]: a for a in doc}
    t.ok(all(mine.get(ident, {}).get("imap_security") == security and
             mine[ident]["imap_port"] == PORTS[security] and mine[ident]["ca_file"] == CA_FILE and
             mine[ident]["user"] == USER and mine[ident]["display_name"] == "Alice (%s)" % security
             for security, ident in IDS.items()),
         "account list shows the three accounts as added", doc)

    for ident in IDS.values():
        t.ok(secret_lookup(ident) == PASSWORD,
             "%s: the password is in the keyring under the schema's attributes" % ident)
    t.ok(secret_lookup(IDS["tls"], protocol="smtp") == PASSWORD and
         secret_lookup(IDS["none"], protocol="smtp") is None and
         mine.get(IDS["tls"], {}).get("smtp_port") == SMTP_PORT,
         "with --smtp the password is also stored for the submission server")
    hits = files_containing(PASSWORD.encode(), XDG_HOMES)
    t.ok(not hits, "the password is in no file under the XDG homes", hits)


# -- folders ------------------------------------------------------------------

def expected_folders():
    names = [n for n in doveadm("mailbox", "list", "-u", USER).split("\n") if n]
    subscribed = set(n for n in doveadm("mailbox", "list", "-s", "-u", USER).split("\n") if n)
    status = json.loads(doveadm("-f", "json", "mailbox", "status", "-u", USER,
                                "messages unseen", "*"))
    counts = {s["mailbox"]: (int(s["messages"]), int(s["unseen"])) for s in status}
    roles = {n: (f["special_use"] or "\\").lstrip("\\").lower() or None
             for n, f in MANIFEST["folders"].items()}
    roles["INBOX"] = "inbox"
    return [{"path": n, "name": n.rsplit("/", 1)[-1], "delimiter": "/", "role": roles.get(n),
             "subscribed": n in subscribed, "selectable": True, "total": counts[n][0],
             "unread": counts[n][1]} for n in names]


def test_folders():
    want = sorted(expected_folders(), key=lambda f: f["path"])
    t.ok(all(n in [f["path"] for f in want] for n in EXTRA_FOLDERS) and
         any(f["unread"] for f in want), "doveadm lists the test's folders, some with unread mail")
    for security, ident in IDS.items():
        r = cli("folders", ident, "--json")
        try:
            got = json.loads(r.stdout)
        except ValueError:
            got = None
        t.ok(r.returncode == 0 and isinstance(got, list) and got and got[0]["path"] == "INBOX",
             "folders --json over %s: one JSON array, INBOX first" % security, r.stderr)
        got = sorted(got or [], key=lambda f: f["path"])
        diff = [(g, w) for g, w in zip(got, want) if g != w]
        t.ok(got == want,
             "folders --json over %s equals doveadm mailbox list/status (%d folders)"
             % (security, len(want)),
             "\n".join("got  %r\nwant %r" % d for d in diff) or "got %r\nwant %r" % (got, want))

    r = cli("folders", IDS["tls"])
    lines = r.stdout.splitlines()
    t.ok(r.returncode == 0 and len(lines) == len(want) and lines[0].startswith("INBOX\tinbox\t"),
         "folders as text: one line per folder", r.stdout)

    r = cli("folders", IDS["none"], "--json", env=dict(E, G_MESSAGES_DEBUG="all"))
    t.ok(r.returncode == 0 and "LIST" in r.stderr and PASSWORD not in r.stdout + r.stderr,
         "with every debug domain on, the password appears in no output")
    t.ok(sorted(json.loads(r.stdout), key=lambda f: f["path"]) == want,
         "debug output goes to stderr: stdout is still exactly the JSON document")


# -- fetch --------------------------------------------------------------------

def fetch(ident, folder, uid, section=None, output=None):
    args = ["fetch", ident, folder, str(uid)]
    if section is not None:
        args += ["--section", section]
    if output is not None:
        args += ["--output", output]
    return subprocess.run([CLI, *args], capture_output=True, timeout=120, stdin=subprocess.DEVNULL)


def test_fetch_whole():
    inbox = MANIFEST["folders"]["INBOX"]["messages"]
    for security, ident in IDS.items():
        for message in (inbox[0], inbox[-1]):
            uid = uid_of("INBOX", message)
            r = fetch(ident, "INBOX", uid)
            want = as_served(stored_file("INBOX", message["message_id"]))
            t.ok(r.returncode == 0 and r.stdout == want and not r.stderr,
                 "fetch INBOX %d over %s: the stored file's bytes (%d)" % (uid, security, len(want)),
                 "exit %d, %d bytes, %r" % (r.returncode, len(r.stdout), r.stderr[:300]))

    c = imap()
    try:
        for folder in ("Projects/日本語", "Receipts & Invoices", "Sent"):
            msgs = MANIFEST["folders"][folder]["messages"]
            if not msgs:
                continue
            uid = uid_of(folder, msgs[0])
            r = fetch(IDS["tls"], folder, uid)
            want = as_served(stored_file(folder, msgs[0]["message_id"]))
            t.ok(r.returncode == 0 and r.stdout == want == imap_fetch(c, folder, uid),
                 "fetch %s %d: the stored file's bytes, as imaplib reads them" % (folder, uid))
        r = fetch(IDS["starttls"], NEWS, NEWS_MSG["uid"])
        t.ok(r.returncode == 0 and r.stdout == NEWS_MSG["data"],
             "fetch from %r: the appended bytes" % NEWS, r.stderr)
    finally:
        c.logout()


def test_fetch_sections():
    inbox = MANIFEST["folders"]["INBOX"]["messages"]
    message = next(m for m in inbox if m["attachments"] and m["kind"] == "mixed")
    uid = uid_of("INBOX", message)
    stored = as_served(stored_file("INBOX", message["message_id"]))
    c = imap()
    try:
        for section in ("2", "1.MIME", "2.MIME", "HEADER", "TEXT", "1",
                        "HEADER.FIELDS (From Subject)", "HEADER.FIELDS.NOT (Received)"):
            r = fetch(IDS["tls"], "INBOX", uid, section)
            want = imap_fetch(c, "INBOX", uid, section)
            exact = section.startswith("HEADER.FIELDS") or want in stored
            t.ok(r.returncode == 0 and r.stdout == want and len(want) > 0 and exact,
                 "fetch INBOX %d --section %r: %d bytes, as imaplib reads them and as stored"
                 % (uid, section, len(want)), r.stderr)
        r = fetch(IDS["tls"], "INBOX", uid, "HEADER")
        t.ok(r.stdout == stored[:stored.index(b"\r\n\r\n") + 4],
             "--section HEADER is the stored header block, blank line included")
    finally:
        c.logout()


def test_fetch_big():
    uid, data = BIG["uid"], BIG["data"]
    t0 = time.monotonic()
    r = fetch(IDS["tls"], "INBOX", uid)
    elapsed = time.monotonic() - t0
    t.ok(r.returncode == 0 and r.stdout == data,
         "fetch the 5 MB message over TLS to stdout: identical (%.2f s)" % elapsed,
         "exit %d, %d bytes of %d, %r" % (r.returncode, len(r.stdout), len(data), r.stderr[:300]))
    t.ok(as_served(stored_file("INBOX", BIG["msgid"])) == data,
         "the 5 MB message's Maildir file serves the same bytes")

    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "big.eml")
        r = fetch(IDS["none"], "INBOX", uid, output=out)
        with open(out, "rb") as f:
            got = f.read()
        t.ok(r.returncode == 0 and r.stdout == b"" and got == data,
             "fetch --output FILE: the file holds the 5 MB message, stdout is empty")

        r = fetch(IDS["none"], "INBOX", 4000000000, output=out)
        with open(out, "rb") as f:
            kept = f.read()
        t.ok(one_line_failure(r) and kept == data,
             "a failed fetch --output leaves the existing file alone", r.stderr)
        r = fetch(IDS["none"], "INBOX", 4000000000, output=os.path.join(d, "new.eml"))
        t.ok(one_line_failure(r) and not os.path.exists(os.path.join(d, "new.eml")),
             "a failed fetch --output creates no file", r.stderr)

    c = imap()
    try:
        want = imap_fetch(c, "INBOX", uid, "2")
    finally:
        c.logout()
    r = fetch(IDS["starttls"], "INBOX", uid, "2")
    t.ok(r.returncode == 0 and r.stdout == want and len(want) > 6 * 1024 * 1024 and
         base64.b64decode(r.stdout) == random.Random(5).randbytes(5 * 1024 * 1024),
         "fetch --section 2 of the 5 MB message: its base64 as stored, decoding to the attachment")


def test_fetch_errors_and_seen():
    inbox = MANIFEST["folders"]["INBOX"]["messages"]
    r = fetch(IDS["tls"], "INBOX", 4000000000)
    err = r.stderr.decode("utf-8", "replace")
    t.ok(one_line_failure(r) and "4000000000" in err and "UID" in err,
         "fetch a UID that does not exist: exit 1, a clear message", err)
    r = fetch(IDS["tls"], "No such folder", 1)
    err = r.stderr.decode("utf-8", "replace")
    t.ok(one_line_failure(r) and "No such folder" in err,
         "fetch from a folder that does not exist: exit 1, naming it", err)

    unseen = [uid_of("INBOX", m) for m in inbox if "S" not in m["flags"]]
    if t.ok(unseen, "the corpus has an unseen message in INBOX"):
        uid = unseen[0]
        for section in (None, "TEXT", "1"):
            fetch(IDS["tls"], "INBOX", uid, section)
        c = imap()
        try:
            c.select("INBOX", readonly=True)
            typ, data = c.uid("FETCH", str(uid), "(FLAGS)")
        finally:
            c.logout()
        t.ok(typ == "OK" and b"\\Seen" not in data[0],
             "fetching does not mark the message read", data)


# -- account remove -----------------------------------------------------------

def test_remove():
    for ident in IDS.values():
        cache = os.path.join(E["XDG_DATA_HOME"], "tern", ident)
        os.makedirs(os.path.join(cache, "parts"), exist_ok=True)
        with open(os.path.join(cache, "parts", "1"), "wb") as f:
            f.write(b"cached part")
        r = cli("account", "remove", ident)
        t.ok(r.returncode == 0 and r.stdout == "" and r.stderr == "",
             "remove %s: exit 0, silent" % ident, r.stderr)
        t.ok(not os.path.exists(config_path(ident)) and not os.path.exists(cache) and
             secret_lookup(ident) is None and secret_lookup(ident, protocol="smtp") is None,
             "remove %s: key file, cache and secret are gone" % ident)
    r = cli("account", "list", "--json")
    t.ok(r.returncode == 0 and json.loads(r.stdout) == [], "no accounts left")
    r = cli("folders", IDS["tls"])
    t.ok(one_line_failure(r), "folders of a removed account: exit 1")


# -- a server without LIST-EXTENDED, LIST-STATUS and SPECIAL-USE -------------

def test_fallback():
    """Last, because it reconfigures this run's Dovecot: with a capability
    list that lacks the list extensions, folders comes from LIST + LSUB +
    one STATUS per folder, and must still equal what doveadm says."""
    with open(CONF, "a") as f:
        f.write("\nprotocol imap {\n  imap_capability = IMAP4rev1 SASL-IR ID ENABLE IDLE "
                "LITERAL+ NAMESPACE UIDPLUS\n}\n")
    doveadm("reload")
    ident = TAG + "-basic"
    deadline = time.monotonic() + 10
    while True:     # the reload takes effect for new logins within moments
        c = imap()
        caps = c.capabilities
        c.logout()
        if "LIST-EXTENDED" not in caps or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    t.ok("LIST-EXTENDED" not in caps and "LIST-STATUS" not in caps and "SPECIAL-USE" not in caps,
         "fallback: the server no longer offers the list extensions", caps)
    r = add(ident, PORT, "none")
    t.ok(r.returncode == 0, "fallback: add", r.stderr)
    r = cli("folders", ident, "--json", env=dict(E, G_MESSAGES_DEBUG="tern-imap"))
    got = sorted(json.loads(r.stdout), key=lambda f: f["path"]) if r.returncode == 0 else None
    want = sorted(expected_folders(), key=lambda f: f["path"])
    t.ok(got == want, "fallback: folders --json equals doveadm mailbox list/status",
         "got  %r\nwant %r" % (got, want))
    sent = [line.split("C: ", 1)[1] for line in r.stderr.splitlines() if "C: " in line]
    t.ok(any(c.startswith("A") and ' LIST "" "*"' in c for c in sent) and
         any(' LSUB "" "*"' in c for c in sent) and
         sum(" STATUS " in c for c in sent) == len(want) and
         not any("RETURN" in c for c in sent),
         "fallback: LIST, LSUB and a STATUS per folder, no LIST-EXTENDED syntax",
         "\n".join(sent))
    cli("account", "remove", ident)


def main():
    t0 = time.monotonic()
    print("# tern-cli against Dovecot on %s ports %d/%d" % (HOST, PORT, TLS_PORT))
    t.section("setup", setup)
    t.section("account add refused", test_add_refused)
    t.section("account add", test_add)
    t.section("folders", test_folders)
    t.section("fetch", test_fetch_whole)
    t.section("fetch sections", test_fetch_sections)
    t.section("fetch 5 MB", test_fetch_big)
    t.section("fetch errors", test_fetch_errors_and_seen)
    t.section("account remove", test_remove)
    t.section("fallback", test_fallback)
    print("1..%d" % t.n)
    print("# %d/%d passed in %.1f s" % (t.n - t.failed, t.n, time.monotonic() - t0))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
