# synclib.py — shared helpers of the sync suite: TAP output, tern-cli, the
# server's state seen independently (imaplib, doveadm), a TCP proxy that takes
# the server away and brings it back, and an account added through it.
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The tests run under tests/fixtures/with-dovecot, whose TERN_TEST_* variables
# describe the server, inside the harness's private XDG homes and keyring.

import imaplib
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

import corpus  # noqa: E402
import dovecot  # noqa: E402

E = os.environ
HOST = E["TERN_TEST_IMAP_HOST"]
PORT = int(E["TERN_TEST_IMAP_PORT"])
USER = E["TERN_TEST_IMAP_USER"]
PASSWORD = E["TERN_TEST_IMAP_PASSWORD"]
FIXTURE = E["TERN_TEST_FIXTURE_DIR"]
NO_CONDSTORE = E.get("TERN_TEST_IMAP_NO_CONDSTORE") == "1"
MAILDIR = os.path.join(FIXTURE, "mail", USER, "Maildir")
with open(E["TERN_TEST_CORPUS_MANIFEST"], encoding="utf-8") as f:
    MANIFEST = json.load(f)

CLI = None            # set by init()
ALL = "1000000"       # --limit that means "every message"
# Session flag: what one connection sees as \Recent says nothing about the
# mailbox, so it is left out of every comparison.
SESSION_FLAGS = {"\\Recent"}


def init(argv):
    global CLI
    if len(argv) < 2:
        print("usage: %s PATH-TO-TERN-CLI" % argv[0], file=sys.stderr)
        sys.exit(2)
    CLI = os.path.abspath(argv[1])


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
                for line in str(diag).splitlines()[:60]:
                    print("#   " + line)
        return cond

    def note(self, text):
        for line in str(text).splitlines():
            print("# " + line, flush=True)

    def section(self, desc, fn, *args):
        """Run fn; an exception is one failure instead of the end of the run."""
        try:
            return fn(*args)
        except Exception:
            self.ok(False, desc + ": raised", traceback.format_exc())
            return None

    def finish(self):
        print("1..%d" % self.n, flush=True)
        return 1 if self.failed else 0


t = Tap()


# -- tern-cli -----------------------------------------------------------------

def cli(*args, env=None, stdin="", timeout=120):
    e = dict(E)
    e.pop("TERN_TEST_CRASH_AT", None)
    if env:
        e.update(env)
    return subprocess.run([CLI, *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, env=e)


def describe(r):
    return "exit %s\nstdout: %s\nstderr: %s" % (r.returncode, r.stdout[-1500:], r.stderr[-2500:])


def cli_json(*args, **kw):
    """(parsed stdout or None, result)."""
    r = cli(*args, "--json", **kw)
    try:
        doc = json.loads(r.stdout) if r.returncode == 0 else None
    except ValueError:
        doc = None
    return doc, r


def sync(ident, *folders, env=None):
    """tern-cli sync --json: ({path: entry} or None, result)."""
    doc, r = cli_json("sync", ident, *folders, env=env)
    if not isinstance(doc, list):
        return None, r
    return {f.get("path"): f for f in doc}, r


def cache_state(ident, folder):
    """{uid: (flags, size)} as `tern-cli list` shows the cache, or None."""
    doc, r = cli_json("list", ident, folder, "--limit", ALL)
    if not isinstance(doc, list):
        return None
    return {m["uid"]: (frozenset(m["flags"]) - SESSION_FLAGS, m["size"]) for m in doc}


def queue(ident):
    doc, r = cli_json("queue", ident)
    return doc


def op_uids(entry):
    """The UIDs of a queue --json entry: a JSON array of numbers, or an IMAP
    UID set string ("5", "1:3,7") — the contract does not say which."""
    u = entry.get("uids")
    if isinstance(u, list):
        return [int(x) for x in u]
    out = []
    for piece in str(u or "").split(","):
        if not piece:
            continue
        a, _, b = piece.partition(":")
        out.extend(range(int(a), int(b or a) + 1))
    return out


# -- the server, independently -------------------------------------------------

def doveadm(command, *args, **kw):
    kw.setdefault("user", USER)
    return dovecot.doveadm(FIXTURE, command, *args, **kw)


def restart_dovecot(timeout=60):
    """Dovecot killed and started again by with-dovecot; True once it is
    back (on the same ports), False if it could not be."""
    path = E["TERN_TEST_DOVECOT_RESTARTS"]

    def count():
        try:
            with open(path, encoding="utf-8") as f:
                return int(f.read())
        except (OSError, ValueError):
            return 0

    before = count()
    os.kill(int(E["TERN_TEST_DOVECOT_PID"]), signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while count() == before and time.monotonic() < deadline:
        time.sleep(0.05)
    return count() == before + 1


def imap():
    c = imaplib.IMAP4(HOST, PORT)
    c.login(USER, PASSWORD)
    return c


def quote(name):
    wire = corpus.mutf7_encode(name)
    return '"' + wire.replace("\\", "\\\\").replace('"', '\\"') + '"'


FETCH_RE = re.compile(rb"UID (\d+)|FLAGS \(([^)]*)\)|RFC822\.SIZE (\d+)")


def _fetch_items(data):
    """[(meta bytes, literal or None)] of an imaplib FETCH answer."""
    out = []
    for item in data:
        if isinstance(item, tuple):
            out.append((item[0], item[1]))
        elif item and item != b")":
            if out and out[-1][1] is not None and not re.match(rb"\d+ \(", item):
                out[-1] = (out[-1][0] + item, out[-1][1])   # the part after a literal
            else:
                out.append((item, None))
    return out


def server_messages(folder, c=None):
    """{uid: {"flags", "size", "message_id"}} of a folder, read-only, or None
    when the folder does not exist."""
    own = c is None
    c = c or imap()
    try:
        typ, _ = c.select(quote(folder), readonly=True)
        if typ != "OK":
            return None
        typ, data = c.uid("FETCH", "1:*",
                          "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        assert typ == "OK", data
        out = {}
        for meta, lit in _fetch_items(data):
            if meta is None or lit is None and b"UID" not in meta:
                continue
            uid = flags = size = None
            for m in FETCH_RE.finditer(meta):
                if m.group(1):
                    uid = int(m.group(1))
                elif m.group(2) is not None:
                    flags = frozenset(m.group(2).decode().split()) - SESSION_FLAGS
                elif m.group(3):
                    size = int(m.group(3))
            if uid is None:
                continue
            mid = None
            if lit:
                mm = re.search(rb"<[^>\r\n]+>", lit)
                mid = mm.group(0).decode() if mm else None
            out[uid] = {"flags": flags or frozenset(), "size": size, "message_id": mid}
        return out
    finally:
        if own:
            c.logout()


def server_state(folder, c=None):
    """{uid: (flags, size)}: what cache_state() must equal."""
    msgs = server_messages(folder, c)
    if msgs is None:
        return None
    return {u: (m["flags"], m["size"]) for u, m in msgs.items()}


LIST_RE = re.compile(r'^\(([^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (.*)$')


def server_folders():
    """Selectable folders, sorted: the server's LIST without \\Noselect and
    \\NonExistent (doveadm mailbox list also names the parents that
    "mailbox create A/B" leaves without a mailbox of their own)."""
    c = imap()
    try:
        typ, data = c.list('""', "*")
        assert typ == "OK", data
    finally:
        c.logout()
    out = []
    for item in data:
        if isinstance(item, tuple):       # a name sent as a literal
            attrs, name = LIST_RE.match(item[0].decode().rsplit(" {", 1)[0] + " x").group(1), \
                item[1].decode()
        else:
            m = LIST_RE.match(item.decode())
            attrs, name = m.group(1), m.group(2)
            if name.startswith('"'):
                name = re.sub(r'\\(.)', r'\1', name[1:-1])
        if {"\\noselect", "\\nonexistent"} & set(attrs.lower().split()):
            continue
        out.append(corpus.mutf7_decode(name))
    names = set(doveadm("mailbox list").split("\n"))
    assert set(out) <= names, (out, names)
    return sorted(out)


def server_counts():
    """{folder: (messages, unseen)} from doveadm mailbox status."""
    status = doveadm("mailbox status", "messages unseen", "*", json_output=True)
    return {s["mailbox"]: (int(s["messages"]), int(s["unseen"])) for s in status}


def by_message_id(folder, c=None):
    """{Message-ID: [uid, ...]} of a folder on the server ({} if missing)."""
    msgs = server_messages(folder, c) or {}
    out = {}
    for uid, m in sorted(msgs.items()):
        out.setdefault(m["message_id"], []).append(uid)
    return out


def append(folder, data, flags=None, c=None):
    own = c is None
    c = c or imap()
    try:
        typ, resp = c.append(quote(folder), flags, None, data)
        assert typ == "OK", resp
        m = re.search(rb"APPENDUID \d+ (\d+)", resp[0])
        assert m, resp
        return int(m.group(1))
    finally:
        if own:
            c.logout()


def simple_message(message_id, subject, body="Hello.\r\n"):
    return ("From: Test Sender <sender@example.net>\r\n"
            "To: alice@example.org\r\n"
            "Subject: %s\r\n"
            "Date: Mon, 02 Jun 2025 10:00:00 +0000\r\n"
            "Message-ID: %s\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "\r\n%s" % (subject, message_id, body)).encode("utf-8")


def diff_states(cache, server):
    """Lines that say how cache differs from server ({uid: (flags, size)})."""
    if cache is None:
        return ["the cache listing failed"]
    if server is None:
        return ["the folder does not exist on the server"]
    lines = []
    for uid in sorted(set(cache) | set(server)):
        c, s = cache.get(uid), server.get(uid)
        if c != s:
            fmt = lambda v: "absent" if v is None else "%s %s" % (sorted(v[0]), v[1])
            lines.append("uid %d: cache %s, server %s" % (uid, fmt(c), fmt(s)))
    return lines


def check_folder(ident, folder, what):
    cache = cache_state(ident, folder)
    server = server_state(folder)
    d = diff_states(cache, server)
    return t.ok(not d, "%s: %s in the cache equals the server (%d messages)"
                % (what, folder, len(server or {})), "\n".join(d[:30]))


# -- a proxy that can take the server away --------------------------------------

class Proxy:
    """A TCP forwarder on a port of its own in front of Dovecot's cleartext port.

    offline(): stop listening and cut every connection, so connecting fails
    at once (connection refused); online(): listen on the same port again.
    hook(direction, data, conn) is called with each chunk before it is
    forwarded ("c2s" or "s2c"); it may return replacement bytes."""

    def __init__(self, target=(HOST, PORT)):
        self.target = target
        self.lock = threading.Lock()
        self.conns = []
        self.listener = None
        self.port = None
        self.hook = None
        self._bind(0)

    def _bind(self, port):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((HOST, port))
        s.listen(16)
        self.listener = s
        self.port = s.getsockname()[1]
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                if listener is not self.listener:
                    client.close()
                    server.close()
                    return
                self.conns.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client, server):
        peer = {client: (server, "c2s"), server: (client, "s2c")}
        try:
            while True:
                ready, _, _ = select.select([client, server], [], [])
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    dst, direction = peer[s]
                    hook = self.hook
                    if hook is not None:
                        data = hook(direction, data, (client, server))
                        if data is None:
                            return
                    dst.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for s in (client, server):
                try:
                    s.close()
                except OSError:
                    pass
            with self.lock:
                if (client, server) in self.conns:
                    self.conns.remove((client, server))

    def offline(self):
        with self.lock:
            listener, self.listener = self.listener, None
            conns, self.conns = self.conns, []
        if listener is not None:
            # shutdown() wakes the thread blocked in accept() and stops the
            # listening at once; close() alone would leave it listening
            # until that accept() returned.
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        for pair in conns:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def online(self):
        if self.listener is None:
            self._bind(self.port)


def add_account(ident, port):
    """tern-cli account add over the cleartext port (loopback)."""
    return cli("account", "add", ident, "--email", "%s@example.org" % USER,
               "--imap", "%s:%d" % (HOST, port), "--imap-security", "none",
               "--user", USER, "--password-stdin", stdin=PASSWORD + "\n")


def killed(r):
    """True when the process died by SIGKILL."""
    return r.returncode == -signal.SIGKILL
