#!/usr/bin/python3
# test-hostile-server.py — proves the hostile IMAP server delivers what each
# scenario claims, and always goes away by itself
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-hostile-server.py [SCENARIO...]     (TAP on stdout)
#
# Every scenario is played against CarefulClient, a small raw-socket IMAP
# client written to behave as Tern must (bounded lines, literals and nesting,
# strict literal/quoted/atom syntax, known tags only, STARTTLS with the
# pre-handshake buffer discarded and CAPABILITY asked again, certificate
# validation, timeouts).  For each scenario the test checks:
#   - the client fails (or succeeds) exactly as the scenario's client_error
#     says, and for the reason the scenario is about;
#   - the bytes are really there: the injection in the same recv() as the
#     STARTTLS OK, 100 MiB without CRLF, BYE in the right state, stalls that
#     stall, literal sizes as announced;
#   - the server's own verdict on its expectations (expect_failures) is empty;
#   - the server exits by itself, with a result file.
# Then the harness's own life: hard timeout, SIGTERM, parent death (with and
# without PR_SET_PDEATHSIG), concurrent connections, --list, and that clients
# that do the wrong thing are caught.

import base64
import concurrent.futures
import ctypes
import json
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import scenarios as S  # noqa: E402

SERVER = os.path.join(HERE, "hostile-server.py")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
STALL_TIMEOUT = 1.0           # the client's read timeout where the server stalls
TIMEOUT = 10.0                # ... and everywhere else (generous: loaded CI machines)
WORKERS = 3                   # scenarios run this many at a time
PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl

n_tests = 0
n_failed = 0


def ok(cond, message, diag=None):
    global n_tests, n_failed
    n_tests += 1
    if not cond:
        n_failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n_tests, message), flush=True)
    if not cond and diag is not None:
        for line in str(diag).splitlines()[:40]:
            print("#   " + line, flush=True)
    return cond


# --- the careful client ---------------------------------------------------------

class ClientError(Exception):
    def __init__(self, kind, reason=""):
        super().__init__("%s (%s)" % (kind, reason) if reason else kind)
        self.kind = kind
        self.reason = reason


def protocol(reason):
    return ClientError("protocol", reason)


class Lit(bytes):
    """A literal token."""


class Quoted(bytes):
    """A quoted-string token."""


class Response:
    def __init__(self, tag, status=None, text=b"", tokens=None, parts=None):
        self.tag = tag              # b"*", b"+" or a command tag
        self.status = status        # OK/NO/BAD/BYE/PREAUTH for status responses
        self.text = text            # status responses: the rest of the line
        self.tokens = tokens or []  # data responses: parsed tokens after "*"
        self.parts = parts or []

    def code(self):
        m = re.match(rb"\[([^\]]*)\]", self.text)
        return m.group(1) if m else b""


def parse_parts(parts, depth_max):
    """Tokens of a data response: parts = [line, literal, line, ...], each
    line with its CRLF and, when a literal follows, its {n} marker."""
    root = []
    stack = [root]
    for i in range(0, len(parts), 2):
        body = parts[i][:-2]
        if i + 1 < len(parts):
            body = body[:body.rindex(b"{")]
        pos, end = 0, len(body)
        while pos < end:
            c = body[pos]
            if c == 0x20:
                pos += 1
            elif c == 0x28:                                       # (
                if len(stack) > depth_max:
                    raise protocol("depth")
                stack[-1].append([])
                stack.append(stack[-1][-1])
                pos += 1
            elif c == 0x29:                                       # )
                if len(stack) == 1:
                    raise protocol("syntax")
                stack.pop()
                pos += 1
            elif c == 0x22:                                       # "
                value = bytearray()
                pos += 1
                while True:
                    if pos >= end:
                        raise protocol("quoted")
                    c = body[pos]
                    if c == 0x22:
                        break
                    if c == 0:
                        raise protocol("nul")
                    if c == 0x5C:
                        if pos + 1 >= end or body[pos + 1] not in (0x22, 0x5C):
                            raise protocol("quoted")
                        pos += 1
                        c = body[pos]
                    value.append(c)
                    pos += 1
                stack[-1].append(Quoted(value))
                pos += 1
            elif c == 0x7B:                                       # {
                raise protocol("literal-syntax")
            elif c == 0:
                raise protocol("nul")
            elif c < 0x20 or c == 0x7F:
                raise protocol("syntax")
            else:
                start = pos
                while pos < end and body[pos] not in b' ()"{':
                    if body[pos] == 0:
                        raise protocol("nul")
                    if body[pos] < 0x20 or body[pos] == 0x7F:
                        raise protocol("syntax")
                    if body[pos] == 0x5B:                         # [ ... ] in BODY[...]
                        close = body.find(b"]", pos)
                        if close < 0:
                            raise protocol("syntax")
                        if 0 in body[pos:close]:
                            raise protocol("nul")
                        pos = close
                    pos += 1
                stack[-1].append(bytes(body[start:pos]))
        if i + 1 < len(parts):
            stack[-1].append(Lit(parts[i + 1]))
    if len(stack) != 1:
        raise protocol("syntax")
    return root


class CarefulClient:
    LINE_MAX = 1024 * 1024
    LITERAL_MAX = 16 * 1024 * 1024
    DEPTH_MAX = 64

    def __init__(self, port, ca_file, timeout=TIMEOUT):
        self.port = port
        self.ca_file = ca_file
        self.timeout = timeout
        self.sock = None
        self.buf = bytearray()
        self.tls = False
        self.chunks = []            # what each recv() returned before TLS
        self.discarded = b""        # bytes thrown away at STARTTLS
        self.pending = set()
        self.n = 0
        self.state = "connecting"   # IMAP state, for "where did it happen"
        self.command_name = None    # the command in flight
        self.fetched_before_bye = False
        self.last_parts = []
        self.last_marker = None
        self.trace = []

    # -- bytes

    def connect(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        self.sock.settimeout(self.timeout)
        self.state = "greeting"

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    def send(self, data):
        self.trace.append((">", data[:200]))
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError) as e:
            raise ClientError("closed", str(e))

    def fill(self):
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise ClientError("timeout")
        except (ConnectionResetError, BrokenPipeError) as e:
            raise ClientError("closed", str(e))
        except ssl.SSLError as e:
            raise ClientError("closed", "TLS: %s" % e)
        if not data:
            raise ClientError("closed", "EOF")
        if not self.tls and len(self.chunks) < 64:
            self.chunks.append(data)
        self.buf += data

    def read_line(self):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                if i > self.LINE_MAX:
                    raise protocol("line-length")
                line = bytes(self.buf[:i + 1])
                del self.buf[:i + 1]
                if not line.endswith(b"\r\n"):
                    raise protocol("syntax")
                return line
            if len(self.buf) > self.LINE_MAX:
                raise protocol("line-length")
            self.fill()

    def read_exact(self, n):
        while len(self.buf) < n:
            self.fill()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    # -- responses

    def read_response(self):
        line = self.read_line()
        self.trace.append(("<", line[:200]))
        if line.startswith(b"+"):
            if 0 in line:
                raise protocol("nul")
            return Response(b"+", text=line[1:].strip())
        m = re.match(rb"([^ \r\n]+) (OK|NO|BAD|BYE|PREAUTH)(?: (.*))?\r\n$", line, re.I | re.S)
        if m:
            if 0 in line:
                raise protocol("nul")
            tag, status = m.group(1), m.group(2).upper()
            if tag != b"*":
                if tag not in self.pending or status in (b"BYE", b"PREAUTH"):
                    raise protocol("unknown-tag")
            elif status == b"BYE" and self.command_name != "LOGOUT":
                raise ClientError("bye", (m.group(3) or b"").decode("utf-8", "replace"))
            return Response(tag, status, m.group(3) or b"")
        if not line.startswith(b"* "):
            raise protocol("syntax")
        parts = [line]
        self.last_parts = parts
        while True:
            m = re.search(rb"\{([^{}\r\n]*)\}\r\n$", line)
            if not m:
                break
            self.last_marker = m.group(0)[:-2]
            if not re.fullmatch(rb"[0-9]+", m.group(1)):
                raise protocol("literal-syntax")
            size = int(m.group(1))
            if size > self.LITERAL_MAX:
                raise protocol("literal-size")
            parts.append(self.read_exact(size))
            line = self.read_line()
            parts.append(line)
        tokens = parse_parts(parts, self.DEPTH_MAX)
        if len(tokens) >= 2 and tokens[1] == b"BYE":
            raise ClientError("bye")
        return Response(b"*", tokens=tokens[1:], parts=parts)

    def command(self, text, continuations=(), state=None):
        """Send one command; answer each '+' with the next continuation;
        return (untagged responses, tagged response)."""
        self.n += 1
        tag = b"t%03d" % self.n
        self.pending.add(tag)
        self.command_name = text.split(" ", 1)[0].upper()
        if self.command_name == "UID":
            self.command_name = " ".join(text.split(" ", 2)[:2]).upper()
        first, *rest = text.encode().split(b"\0")      # \0 marks where a literal starts
        rest = list(rest) + [c.encode() if isinstance(c, str) else c for c in continuations]
        self.send(tag + b" " + first + b"\r\n")
        untagged = []
        while True:
            r = self.read_response()
            if r.tag == b"+":
                if not rest:
                    raise protocol("unexpected continuation")
                self.send(rest.pop(0) + b"\r\n")
            elif r.tag == tag:
                self.pending.discard(tag)
                self.command_name = None
                if state is not None and r.status == b"OK":
                    self.state = state
                return untagged, r
            else:
                if r.tokens[1:2] == [b"FETCH"]:
                    self.fetched_before_bye = True
                untagged.append(r)

    # -- TLS

    def wrap(self):
        ctx = ssl.create_default_context(cafile=self.ca_file)
        try:
            self.sock = ctx.wrap_socket(self.sock, server_hostname="127.0.0.1")
        except ssl.SSLCertVerificationError as e:
            raise ClientError("certificate", e.verify_message)
        except (ssl.SSLError, ConnectionResetError, socket.timeout) as e:
            raise ClientError("closed", "TLS handshake: %s" % e)
        self.sock.settimeout(self.timeout)
        self.tls = True


def caps_of(untagged, tagged=None):
    for r in untagged:
        if r.tokens[:1] == [b"CAPABILITY"]:
            return {t.upper() for t in r.tokens[1:]}
    for r in ([tagged] if tagged else []) + untagged:
        code = r.code() if r.status else b""
        if code.upper().startswith(b"CAPABILITY "):
            return set(code.upper().split()[1:])
    return None


def fetch_items(responses):
    for r in responses:
        if r.tokens[1:2] == [b"FETCH"] and isinstance(r.tokens[2], list):
            items = r.tokens[2]
            return {bytes(items[i]).upper(): items[i + 1] for i in range(0, len(items) - 1, 2)}
    return {}


def run_client(sc, port, ca_file, auth="auto", chatty=False, trust_injected=False,
               ignore_tls=False, timeout=TIMEOUT, needs=None):
    """What Tern must do, on `sc`'s account type, as far as sc.needs.  Returns
    (outcome dict, client)."""
    c = CarefulClient(port, ca_file, timeout)
    needs = S.NEEDS.index(needs or sc.needs)
    out = {"error": None, "reason": "", "body": None, "subject": None}
    started = time.monotonic()
    try:
        c.connect()
        if sc.security == "tls":
            c.wrap()
        greeting = c.read_response()
        if greeting.status == b"PREAUTH":
            if sc.security == "starttls" and not ignore_tls:
                raise ClientError("preauth-unencrypted")
            c.state = "authenticated"
        elif greeting.status != b"OK":
            raise protocol("greeting")
        else:
            c.state = "not-authenticated"
        caps = caps_of([], greeting)
        if caps is None:
            caps = caps_of(*c.command("CAPABILITY"))
        if sc.security == "starttls" and not ignore_tls:
            if b"STARTTLS" not in caps:
                raise ClientError("starttls-missing")
            untagged, r = c.command("STARTTLS")
            if r.status != b"OK":
                raise ClientError("starttls-missing", r.status.decode())
            if not trust_injected:
                c.discarded = bytes(c.buf)
                c.buf.clear()
            c.wrap()
            if trust_injected and b"CAPABILITY" in bytes(c.buf):
                caps = set(re.search(rb"CAPABILITY ([^\]]*)", bytes(c.buf)).group(1).split())
                c.read_response()
            else:
                caps = caps_of(*c.command("CAPABILITY"))
        if c.state == "not-authenticated":
            user, password = S.USER, S.PASSWORD
            plain = base64.b64encode(b"\0%s\0%s" % (user.encode(), password.encode())).decode()
            if auth == "auto":
                auth = ("sasl-ir" if {b"SASL-IR", b"AUTH=PLAIN"} <= caps else
                        "sasl" if b"AUTH=PLAIN" in caps else "login")
            if auth == "sasl-ir":
                untagged, r = c.command("AUTHENTICATE PLAIN " + plain, state="authenticated")
            elif auth == "sasl":
                untagged, r = c.command("AUTHENTICATE PLAIN", [plain], state="authenticated")
            elif auth == "login-literal":
                untagged, r = c.command('LOGIN "%s" {%d}\0%s' % (user, len(password), password),
                                        state="authenticated")
            else:
                untagged, r = c.command('LOGIN "%s" "%s"' % (user, password),
                                        state="authenticated")
            if r.status != b"OK":
                raise ClientError("auth-failed", r.text.decode("utf-8", "replace"))
        if chatty:
            for cmd in ("CAPABILITY", "ENABLE UTF8=ACCEPT", 'ID ("name" "tern-selftest")',
                        "NAMESPACE", 'LIST "" ""', 'LIST "" "*"',
                        "STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)", "EXAMINE INBOX"):
                untagged, r = c.command(cmd)
                if r.status != b"OK":
                    raise ClientError("unexpected", "%s: %r" % (cmd, r.text))
        if needs >= S.NEEDS.index("select"):
            untagged, r = c.command("SELECT INBOX", state="selected")
            if r.status != b"OK":
                raise ClientError("unexpected", "SELECT: %r" % r.text)
        if chatty:
            for cmd in ("UID SEARCH ALL", "UID FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE "
                        "ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])",
                        "UID STORE 1 +FLAGS (\\Flagged)", "NOOP"):
                untagged, r = c.command(cmd)
                if r.status != b"OK":
                    raise ClientError("unexpected", "%s: %r" % (cmd, r.text))
        if needs >= S.NEEDS.index("fetch"):
            untagged, r = c.command("UID FETCH 1 (UID FLAGS ENVELOPE BODY.PEEK[])")
            items = fetch_items(untagged)
            out["body"] = items.get(b"BODY[]")
            env = items.get(b"ENVELOPE")
            out["subject"] = env[1] if isinstance(env, list) and len(env) > 1 else None
        if needs == S.NEEDS.index("idle") or chatty:
            c.n += 1
            tag = b"t%03d" % c.n
            c.pending.add(tag)
            c.command_name = "IDLE"
            c.send(tag + b" IDLE\r\n")
            if c.read_response().tag != b"+":
                raise protocol("IDLE without continuation")
            c.state = "idle"
            deadline = time.monotonic() + 0.5
            c.sock.settimeout(0.1)
            while time.monotonic() < deadline:
                try:
                    c.read_response()
                except ClientError as e:
                    if e.kind != "timeout":
                        raise
            c.sock.settimeout(c.timeout)
            c.send(b"DONE\r\n")
            while c.read_response().tag != tag:
                pass
            c.pending.discard(tag)
            c.state = "selected"
        c.command("LOGOUT")
        c.state = "logout"
    except ClientError as e:
        out["error"], out["reason"] = e.kind, e.reason
    finally:
        out["state"] = c.state
        out["command"] = c.command_name
        out["duration"] = time.monotonic() - started
        c.close()
    return out, c


def run_modseq_client(sc, port, ca_file, timeout=TIMEOUT):
    """For a scenario with a Mailbox: two visits of INBOX, the way a client
    resynchronises with QRESYNC.  The first connection ENABLEs QRESYNC, does
    SELECT INBOX (CONDSTORE) and UID FETCH 1:* (UID FLAGS MODSEQ); it stays
    open while the second ENABLEs QRESYNC and does SELECT INBOX (QRESYNC
    (uidvalidity highestmodseq-of-the-first)), so the server needs no
    --linger.  Returns (outcome dict, the second client); the outcome's
    "visits" holds what each connection saw."""
    out = {"error": None, "reason": "", "visits": []}
    clients = []
    started = time.monotonic()
    try:
        for i in range(2):
            c = CarefulClient(port, ca_file, timeout)
            clients.append(c)
            c.connect()
            if c.read_response().status != b"OK":
                raise protocol("greeting")
            c.state = "not-authenticated"
            plain = base64.b64encode(b"\0%s\0%s" % (S.USER.encode(), S.PASSWORD.encode()))
            untagged, r = c.command("AUTHENTICATE PLAIN " + plain.decode(), state="authenticated")
            if r.status != b"OK":
                raise ClientError("auth-failed", r.text.decode("utf-8", "replace"))
            visit = {"enabled": [], "highestmodseq": None, "uidnext": None, "exists": None,
                     "vanished": [], "fetches": {}, "messages": {}}
            untagged, r = c.command("ENABLE QRESYNC")
            for resp in untagged:
                if resp.tokens[:1] == [b"ENABLED"]:
                    visit["enabled"] += [bytes(t).decode() for t in resp.tokens[1:]]
            if i == 0:
                select = "SELECT INBOX (CONDSTORE)"
            else:
                select = "SELECT INBOX (QRESYNC (%d %d))" % (
                    S.UIDVALIDITY, out["visits"][0]["highestmodseq"] or 1)
            untagged, r = c.command(select, state="selected")
            if r.status != b"OK":
                raise ClientError("unexpected", "%s: %r" % (select, r.text))
            for resp in untagged:
                code = resp.code().split() if resp.status else []
                if code[:1] in ([b"HIGHESTMODSEQ"], [b"UIDNEXT"]) and len(code) == 2:
                    visit[code[0].decode().lower()] = int(code[1])
                elif resp.tokens[1:2] == [b"EXISTS"]:
                    visit["exists"] = int(resp.tokens[0])
                elif resp.tokens[:1] == [b"VANISHED"]:
                    visit["vanished"].append(bytes(resp.tokens[-1]).decode())
            visit["fetches"] = _fetched(untagged)
            if i == 0:
                untagged, r = c.command("UID FETCH 1:* (UID FLAGS MODSEQ)")
                visit["messages"] = _fetched(untagged)
            else:
                # Selected again: is the old mailbox closed with [CLOSED]?
                untagged, r = c.command("SELECT INBOX (CONDSTORE)")
                visit["closed"] = any(resp.status and resp.code().upper() == b"CLOSED"
                                      for resp in untagged)
            out["visits"].append(visit)
        for c in reversed(clients):
            c.command("LOGOUT")
            c.state = "logout"
    except ClientError as e:
        out["error"], out["reason"] = e.kind, e.reason
    finally:
        out["state"] = clients[-1].state if clients else "connecting"
        out["command"] = clients[-1].command_name if clients else None
        out["duration"] = time.monotonic() - started
        for c in clients:
            c.close()
    return out, clients[-1]


def _fetched(responses):
    """{uid: (flags, modseq or None)} of the untagged FETCH responses."""
    out = {}
    for r in responses:
        if r.tokens[1:2] != [b"FETCH"] or not isinstance(r.tokens[2], list):
            continue
        items = r.tokens[2]
        items = {bytes(items[i]).upper(): items[i + 1] for i in range(0, len(items) - 1, 2)}
        modseq = items.get(b"MODSEQ")
        out[int(items[b"UID"])] = (frozenset(bytes(f).decode() for f in items.get(b"FLAGS", [])),
                                   int(modseq[0]) if modseq else None)
    return out


def _compact(numbers):
    out = []
    for n in sorted(numbers):
        if out and out[-1][1] == n - 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return ",".join("%d" % a if a == b else "%d:%d" % (a, b) for a, b in out)


def modseq_claims(sc, out):
    """What each visit of a Mailbox scenario must have seen: the truth about
    versions[0] and [1], except for the lie, which must be there."""
    mb = sc.mailbox
    if len(out["visits"]) != 2:
        yield False, "both visits happened: %s %s" % (out["error"], out["reason"])
        return
    first, second = out["visits"]
    v0, v1 = mb.version(0), mb.version(1)
    omit0 = mb.omit_modseq and mb.lies(0)
    omit1 = mb.omit_modseq and mb.lies(1)
    yield first["enabled"] == ["QRESYNC"] and second["enabled"] == ["QRESYNC"], \
        "ENABLE QRESYNC answered '* ENABLED QRESYNC' (%r, %r)" % (first["enabled"],
                                                                 second["enabled"])
    yield (first["highestmodseq"], first["uidnext"], first["exists"]) == \
        (v0.highestmodseq, v0.uidnext, len(v0.messages)), \
        "first SELECT: HIGHESTMODSEQ %s, UIDNEXT %s, %s EXISTS" % (
            first["highestmodseq"], first["uidnext"], first["exists"])
    want = {u: (f, None if omit0 else m) for u, (f, m) in v0.messages.items()}
    yield first["messages"] == want, "first visit's UID FETCH 1:* (UID FLAGS MODSEQ): %s" % (
        "no MODSEQ" if omit0 else "flags and MODSEQ as held"), \
        (first["messages"], want)
    yield first["fetches"] == {} and first["vanished"] == [], "no changes in a CONDSTORE SELECT"
    since = v0.highestmodseq
    if mb.lies(1) and mb.qresync_highestmodseq is not None:
        highest = mb.qresync_highestmodseq
        yield highest < since, "HIGHESTMODSEQ went backwards: %d after %d" % (highest, since)
    else:
        highest = v1.highestmodseq
    yield (second["highestmodseq"], second["uidnext"], second["exists"]) == \
        (highest, v1.uidnext, len(v1.messages)), \
        "second SELECT (QRESYNC): HIGHESTMODSEQ %s (%s), UIDNEXT %s, %s EXISTS" % (
            second["highestmodseq"], highest, second["uidnext"], second["exists"])
    gone = [u for u, m in v1.expunged.items() if since < m <= highest]
    if mb.lies(1) and mb.qresync_vanished is not None:
        want_vanished = [mb.qresync_vanished]
        first_uid = int(re.match(r"\d+", mb.qresync_vanished).group(0))
        last_uid = int(re.findall(r"\d+", mb.qresync_vanished)[-1])
        yield last_uid >= v1.uidnext, "VANISHED names UIDs at or above UIDNEXT %d (%s)" % (
            v1.uidnext, mb.qresync_vanished)
        if first_uid < v1.uidnext:
            yield any(first_uid <= u <= last_uid for u in v1.messages), \
                "... and UIDs the server still has"
    else:
        want_vanished = [_compact(gone)] if gone else []
    yield second["vanished"] == want_vanished, "VANISHED (EARLIER): %r (expected %r)" % (
        second["vanished"], want_vanished)
    want = {u: (f, None if omit1 else m) for u, (f, m) in v1.messages.items()
            if since < m <= highest}
    yield second["fetches"] == want, "QRESYNC FETCH answers: %r (expected %r)" % (
        sorted(second["fetches"]), sorted(want))
    closed = not (mb.omit_closed and mb.lies(1))
    yield second.get("closed") == closed, "SELECT while selected: [CLOSED] %s" % (
        "sent" if closed else "left out")


# --- running the server ----------------------------------------------------------

def _pdeathsig():
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class Run:
    """One server process for one scenario."""

    def __init__(self, tmp, name, *extra, start=True):
        self.dir = tempfile.mkdtemp(prefix=name + ".", dir=tmp)
        self.port_file = os.path.join(self.dir, "port")
        self.result_file = os.path.join(self.dir, "result.json")
        self.ca_file = os.path.join(self.dir, "ca.pem")
        self.args = [PYTHON, SERVER, "--scenario", name, "--port-file", self.port_file,
                     "--result", self.result_file, "--ca-out", self.ca_file,
                     "--parent-pid", str(os.getpid()), *extra]
        self.proc = None
        self.port = None
        if start:
            self.start()

    def start(self):
        # PR_SET_PDEATHSIG in the child before exec: no window in which our
        # death goes unnoticed (the server sets it again itself, harmlessly).
        self.stderr_file = os.path.join(self.dir, "stderr")
        with open(self.stderr_file, "wb") as err:
            self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE,
                                         stdin=subprocess.DEVNULL, stderr=err,
                                         preexec_fn=_pdeathsig)
        STARTED.append(self.proc.pid)
        r, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if r else b""
        if not line.strip().isdigit():
            raise RuntimeError("server did not start: %r %s" % (line, self.stderr()))
        self.port = int(line)
        return self

    def stderr(self):
        with open(self.stderr_file, errors="replace") as f:
            return f.read()

    def finish(self, timeout=10):
        """Wait for the server to exit by itself; its result (None if it did not)."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        finally:
            self.proc.stdout.close()
        try:
            with open(self.result_file) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None


STARTED = []


def sc_named(name):
    return S.SCENARIOS[name]


# --- per-scenario claims -----------------------------------------------------------

def claims(name, out, client, res):
    """(condition, message) pairs: the bytes the scenario claims to send, seen
    from the client side."""
    sc = sc_named(name)
    reason = out["reason"]
    marker = client.last_marker
    if name == "happy-plain" or name == "happy-tls":
        yield out["body"] == S.MESSAGE, "the message arrives intact"
        yield res["credentials"][0]["password"] == S.PASSWORD, "the password is in the result"
    if name == "happy-starttls":
        yield out["body"] == S.MESSAGE, "the message arrives over TLS"
        yield client.discarded == b"", "nothing to discard after a clean STARTTLS OK"
        yield not res["credentials_in_clear"] and res["credentials"][0]["tls"], \
            "credentials only after the handshake"
    if name == "starttls-injection":
        chunk = [c for c in client.chunks if b"Begin TLS" in c]
        injected = b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n"
        yield len(chunk) == 1 and injected in chunk[0], \
            "the injection arrives in the same recv() as the STARTTLS OK: %r" % chunk
        yield b"injected" in client.discarded, "the client discarded the injected bytes"
    if name == "starttls-withheld":
        yield res["client_lines"] == [], "the client gave up without a word: %r" \
            % res["client_lines"]
    if name == "starttls-refused":
        yield res["client_lines"] == ["t001 STARTTLS"], \
            "STARTTLS asked, refused, nothing more: %r" % res["client_lines"]
    if name == "preauth-on-starttls":
        yield res["client_lines"] == [], "the client said nothing: %r" % res["client_lines"]
    if name in ("starttls-untrusted-cert", "tls-wrong-host"):
        yield res["end"] == "tls-failed", "the server saw the handshake fail: %r" % res["end"]
    if name == "literal-zero":
        yield out["body"] == b"" and isinstance(out["body"], Lit), "BODY[] is a {0} literal"
        yield out["subject"] == b"" and isinstance(out["subject"], Lit), "subject is a {0} literal"
    if name.startswith("literal-huge"):
        size = {"literal-huge": b"9223372036854775808",
                "literal-huge-u64max": b"18446744073709551615",
                "literal-huge-u64wrap": b"18446744073709551626",
                "literal-huge-u32wrap": b"4294967306"}[name]
        yield reason == "literal-size" and marker == b"{%s}" % size, \
            "literal size %s rejected as too large (%s, %r)" % (size.decode(), reason, marker)
    if name.startswith("literal-garbage") or name == "literal-no-crlf":
        want = {"literal-garbage": b"{12a}", "literal-garbage-negative": b"{-1}",
                "literal-garbage-empty": b"{}", "literal-garbage-space": b"{ 5}",
                "literal-no-crlf": None}[name]
        yield reason == "literal-syntax" and (want is None or marker == want), \
            "malformed literal %r rejected (%s, %r)" % (want, reason, marker)
        if want is None:
            yield b"{5}hello)" in client.last_parts[0], "'{5}hello' on the line"
    if name in ("close-mid-literal", "reset-mid-literal"):
        yield client.last_marker == b"{1000}" and bytes(client.buf) in (b"0123456789", b""), \
            "{1000} announced, at most 10 bytes came: %r" % bytes(client.buf)
        if name == "close-mid-literal":
            yield bytes(client.buf) == b"0123456789", "exactly 10 bytes came before EOF"
    if name in ("quoted-unterminated", "quoted-escape-eol"):
        yield reason == "quoted", "quoted string rejected (%s)" % reason
    if name == "bodystructure-deep":
        yield reason == "depth", "nesting rejected (%s)" % reason
        line = client.last_parts[0]
        yield line.count(b"(") == 10000 + 2 and line.count(b")") == 10000 + 2, \
            "10 000 nested parentheses, balanced (%d/%d)" % (line.count(b"("), line.count(b")"))
    if name in ("nul-bytes", "nul-bytes-atom"):
        yield reason == "nul", "NUL rejected (%s)" % reason
        where = b'"Sub\x00ject"' if name == "nul-bytes" else b" $Lab\x00el)"
        yield where in client.last_parts[0], "NUL where claimed"
    if name in ("line-100mb", "line-100mb-fetch"):
        yield reason == "line-length", "line bound hit (%s)" % reason
        yield res["bytes_sent"] >= CarefulClient.LINE_MAX, "at least 1 MiB sent"
    if name == "unknown-tag":
        yield reason == "unknown-tag", "unknown tag rejected (%s)" % reason
    if name.startswith("bye-"):
        where = {"bye-greeting": ("greeting", None),
                 "bye-after-capability": ("not-authenticated", "CAPABILITY"),
                 "bye-after-starttls": ("not-authenticated", "STARTTLS"),
                 "bye-during-login": ("not-authenticated", "AUTHENTICATE"),
                 "bye-after-login": ("authenticated", "SELECT"),
                 "bye-after-select": ("selected", "UID FETCH"),
                 "bye-during-idle": ("idle", "IDLE"),
                 "bye-during-fetch": ("selected", "UID FETCH")}[name]
        yield (out["state"], out["command"]) == where, \
            "BYE in state %s during %s: %r" % (where + ((out["state"], out["command"]),))
        if name == "bye-during-fetch":
            yield client.fetched_before_bye, "an untagged FETCH came before the BYE"
        if name == "bye-after-select":
            yield not client.fetched_before_bye, "nothing fetched before the BYE"
    if name.startswith("stall-"):
        yield out["duration"] >= STALL_TIMEOUT, "the client waited its full timeout (%.2f s)" \
            % out["duration"]
        if name == "stall-mid-response":
            yield bytes(client.buf) == b"Hello, ", "half the literal came: %r" % bytes(client.buf)
        if name == "stall-greeting":
            yield client.chunks == [], "not one byte came"
    if sc.security == "tls" and name != "tls-wrong-host":
        yield res["tls"], "implicit TLS"


def test_scenario(tmp, name):
    """(condition, message, diagnostics) for one scenario; runs in a worker
    thread, so it reports rather than printing."""
    sc = sc_named(name)
    run = Run(tmp, name, "--timeout", "30")
    timeout = STALL_TIMEOUT if sc.expect.get("client_error") == "timeout" else TIMEOUT
    if sc.mailbox is not None:
        out, client = run_modseq_client(sc, run.port, run.ca_file, timeout=timeout)
    else:
        out, client = run_client(sc, run.port, run.ca_file, timeout=timeout)
    res = run.finish()
    yield (res is not None, "%s: the server exits by itself and writes its result" % name,
           None)
    if res is None:
        return
    yield (out["error"] == sc.expect.get("client_error"),
           "%s: client outcome %r as expected (%s)" % (name, out["error"], out["reason"]),
           "\n".join("%s %r" % t for t in client.trace[-12:]))
    yield (res["expect_failures"] == [], "%s: the server's expectations hold" % name,
           json.dumps({k: res[k] for k in ("expect_failures", "end", "client_lines")})[:3000])
    yield (res["end"] != "server-error" and res["stop"] in ("finished",),
           "%s: ended cleanly (%s/%s)" % (name, res["end"], res["stop"]),
           run.stderr())
    for cond, message in claims(name, out, client, res):
        yield bool(cond), "%s: %s" % (name, message), None
    if sc.mailbox is not None:
        for claim in modseq_claims(sc, out):
            cond, message, diag = (claim + (None,))[:3]
            yield bool(cond), "%s: %s" % (name, message), diag
        yield [c.get("visit") for c in res["connections"]] == [0, 1], \
            "%s: the result numbers the visits" % name, None


def collect(tmp, name):
    try:
        return list(test_scenario(tmp, name))
    except Exception:
        import traceback
        return [(False, "%s: the self-test ran" % name, traceback.format_exc())]


# --- the harness itself ---------------------------------------------------------------

def _alive(pid):
    """Running, as opposed to gone or a zombie nobody reaped yet."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_gone(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_harness(tmp):
    # --list and the scenario data
    r = subprocess.run([PYTHON, SERVER, "--list"], capture_output=True, timeout=30)
    listed = json.loads(r.stdout) if r.returncode == 0 else []
    ok([s["name"] for s in listed] == list(S.SCENARIOS), "--list names every scenario")
    ok(all(s["doc"] and "client_error" in s["expect"] for s in listed),
       "every scenario has a docstring and an expected client outcome")
    required = ["starttls-withheld", "starttls-injection", "preauth-on-starttls", "literal-zero",
                "literal-huge", "literal-garbage", "quoted-unterminated", "bodystructure-deep",
                "nul-bytes", "line-100mb", "unknown-tag", "bye-greeting", "bye-after-capability",
                "bye-after-login", "bye-after-select", "bye-during-idle", "bye-during-fetch",
                "close-mid-literal", "stall-greeting", "stall-mid-response", "stall-after-login",
                "happy-plain", "happy-starttls"]
    ok(all(n in S.SCENARIOS for n in required), "the issue's cases are all there")
    r = subprocess.run([PYTHON, SERVER, "--scenario", "no-such-thing", "--port-file", "x",
                        "--result", "y"], capture_output=True, timeout=30)
    ok(r.returncode == 2 and b"unknown scenario" in r.stderr,
       "an unknown scenario is a usage error")

    # port file, CA, stdout agree; the CA validates the server for 127.0.0.1 and localhost
    run = Run(tmp, "happy-tls", "--timeout", "30", "--linger", "1")
    with open(run.port_file) as f:
        ok(int(f.read()) == run.port, "port file and stdout agree")
    for host in ("127.0.0.1", "localhost"):
        ctx = ssl.create_default_context(cafile=run.ca_file)
        try:
            with socket.create_connection(("127.0.0.1", run.port), timeout=5) as s:
                with ctx.wrap_socket(s, server_hostname=host) as t:
                    t.settimeout(5)
                    ok(t.recv(100).startswith(b"* OK"), "certificate valid for %s" % host)
                    t.sendall(b"a LOGOUT\r\n")
                    while t.recv(1000):
                        pass
        except (OSError, ssl.SSLError) as e:
            ok(False, "certificate valid for %s: %s" % (host, e))
    res = run.finish()
    ok(res is not None and len(res["connections"]) == 2 and res["client_disconnected"],
       "two connections in a row, both served")

    # several connections at once
    run = Run(tmp, "happy-plain", "--timeout", "30")
    a = CarefulClient(run.port, run.ca_file)
    b = CarefulClient(run.port, run.ca_file)
    a.connect()
    b.connect()
    got = (a.read_response().status, b.read_response().status)
    a.command("LOGOUT")
    b.command("LOGOUT")
    a.close()
    b.close()
    res = run.finish()
    ok(got == (b"OK", b"OK") and res and len(res["connections"]) == 2,
       "two concurrent connections, each greeted")

    # the 100 MiB line really is 100 MiB without CRLF, streamed, then silence
    run = Run(tmp, "line-100mb", "--timeout", "30")
    s = socket.create_connection(("127.0.0.1", run.port), timeout=5)
    s.settimeout(5)
    total, crlf, t0 = 0, False, time.monotonic()
    head = s.recv(5)
    while total < S.BIG:
        data = s.recv(1 << 20)
        if not data:
            break
        crlf = crlf or b"\n" in data or b"\r" in data
        total += len(data)
    s.settimeout(0.3)
    try:
        extra = s.recv(10)
    except socket.timeout:
        extra = None
    s.close()
    res = run.finish()
    ok(head == b"* OK " and total == S.BIG and not crlf and extra is None,
       "line-100mb: '* OK ' + %d bytes, no CR/LF, then silence (%.1f s)"
       % (total, time.monotonic() - t0))
    ok(res and res["bytes_sent"] == S.BIG + 5 and res["client_disconnected"],
       "line-100mb: the server counted every byte and saw the client go")

    # a client that goes away mid-stream: the server stops quietly
    run = Run(tmp, "line-100mb-fetch", "--timeout", "30")
    out, client = run_client(sc_named("line-100mb-fetch"), run.port, run.ca_file)
    res = run.finish()
    ok(res and res["end"] == "client-closed" and res["bytes_sent"] < S.BIG and
       res["connections"][0]["error"] is None,
       "a client that leaves mid-stream stops the stream quietly (%s bytes)"
       % (res and res["bytes_sent"]))

    # other authentication forms reach the generic responder, and a chatty
    # client's whole command set is answered with well-formed responses
    for auth in ("sasl", "login", "login-literal"):
        run = Run(tmp, "happy-plain", "--timeout", "30")
        out, client = run_client(sc_named("happy-plain"), run.port, run.ca_file, auth=auth)
        res = run.finish()
        ok(out["error"] is None and out["body"] == S.MESSAGE and res and
           [(c["user"], c["password"]) for c in res["credentials"] if c["password"]] ==
           [(S.USER, S.PASSWORD)], "happy-plain with %s: %s" % (auth, out["error"]),
           diag=client.trace[-6:])
    run = Run(tmp, "happy-starttls", "--timeout", "30")
    out, client = run_client(sc_named("happy-starttls"), run.port, run.ca_file, chatty=True)
    res = run.finish()
    ok(out["error"] is None and res and res["expect_failures"] == [],
       "a chatty client (ENABLE, ID, NAMESPACE, LIST, STATUS, EXAMINE, SEARCH, STORE, IDLE)"
       " is answered in good form: %s %s" % (out["error"], out["reason"]),
       diag=client.trace[-6:])

    # clients that do the wrong thing are caught by the expectations
    run = Run(tmp, "starttls-injection", "--timeout", "30")
    out, client = run_client(sc_named("starttls-injection"), run.port, run.ca_file,
                             trust_injected=True)
    res = run.finish()
    ok(res and any("capability_after_tls" in f for f in res["expect_failures"]),
       "a client that trusts the injected capabilities is caught")
    for name in ("starttls-withheld", "preauth-on-starttls"):
        run = Run(tmp, name, "--timeout", "30", "--check")
        out, client = run_client(sc_named(name), run.port, run.ca_file, ignore_tls=True,
                                 needs="select")
        res = run.finish()
        ok(res and res["expect_failures"] != [] and run.proc.returncode == 3 and
           (res["credentials_in_clear"] or name == "preauth-on-starttls"),
           "%s: a client that carries on in clear is caught (--check exits %s): %s"
           % (name, run.proc.returncode, res and res["expect_failures"]))

    # --summary: the verdict as a GKeyFile, for C tests; --check exits 0 when all is well
    summary = os.path.join(tmp, "summary.ini")
    run = Run(tmp, "starttls-withheld", "--timeout", "30", "--check", "--summary", summary)
    out, client = run_client(sc_named("starttls-withheld"), run.port, run.ca_file,
                             ignore_tls=True)
    res = run.finish()
    with open(summary) as f:
        text = f.read()
    ok(run.proc.returncode == 3 and "\n[result]\n" in text and
       "\ncredentials_in_clear=true\n" in text and "\ntls=false\n" in text and
       "\nclient_error=starttls-missing\n" in text and
       "\nexpect_failures=credentials_seen is True, expected False;\n" in text,
       "--summary writes the verdict as a key file", diag=text)
    run = Run(tmp, "happy-plain", "--timeout", "30", "--check", "--summary", summary)
    out, client = run_client(sc_named("happy-plain"), run.port, run.ca_file)
    res = run.finish()
    with open(summary) as f:
        text = f.read()
    ok(run.proc.returncode == 0 and "\nexpect_failures=\n" in text and
       "\nclient_error=none\n" in text, "--check exits 0 when the expectations hold",
       diag=text)

    # the hard timeout: nobody connects / a client that never leaves
    run = Run(tmp, "happy-plain", "--timeout", "1")
    t0 = time.monotonic()
    res = run.finish()
    ok(res and res["stop"] == "hard-timeout" and res["end"] == "no-connection" and
       time.monotonic() - t0 < 3, "no client: the hard timeout ends the server")
    run = Run(tmp, "stall-greeting", "--timeout", "1.5")
    s = socket.create_connection(("127.0.0.1", run.port), timeout=5)
    t0 = time.monotonic()
    res = run.finish()
    s.close()
    ok(res and res["end"] == "hard-timeout" and not res["client_disconnected"] and
       "client_disconnected is False, expected True" in res["expect_failures"] and
       time.monotonic() - t0 < 3,
       "a client that never leaves: the hard timeout ends it, and the client is blamed")

    # SIGTERM writes the result and exits
    run = Run(tmp, "stall-greeting", "--timeout", "30")
    s = socket.create_connection(("127.0.0.1", run.port), timeout=5)
    s.sendall(b"a1 LOGIN alice secret\r\n")
    time.sleep(0.3)
    run.proc.send_signal(signal.SIGTERM)
    t0 = time.monotonic()
    res = run.finish(5)
    s.close()
    ok(res and res["stop"] == "terminated" and res["end"] == "terminated" and
       res["credentials"] == [{"mechanism": "LOGIN", "tls": False, "user": "alice",
                               "password": "secret"}] and time.monotonic() - t0 < 2,
       "SIGTERM: result written (with what the client sent), exit")

    # the parent dies by SIGKILL: with PR_SET_PDEATHSIG and, without it, by getppid()
    for extra, stop in (((), "terminated"), (("--no-pdeathsig",), "parent-died")):
        d = tempfile.mkdtemp(prefix="orphan.", dir=tmp)
        result = os.path.join(d, "result.json")
        middle = subprocess.Popen(
            [PYTHON, "-c", "import subprocess, sys, time\n"
             "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)\n"
             "sys.stdout.write('%d %s' % (p.pid, p.stdout.readline().decode()))\n"
             "sys.stdout.flush()\ntime.sleep(60)\n",
             PYTHON, SERVER, "--scenario", "stall-greeting", "--port-file",
             os.path.join(d, "port"), "--result", result, "--timeout", "30", *extra],
            stdout=subprocess.PIPE, preexec_fn=_pdeathsig)
        r, _, _ = select.select([middle.stdout], [], [], 30)
        pid, port = (int(x) for x in middle.stdout.readline().split()) if r else (0, 0)
        STARTED.append(pid)
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        middle.kill()
        middle.wait()
        middle.stdout.close()
        gone = _wait_gone(pid, 3)
        s.close()
        try:
            with open(result) as f:
                res = json.load(f)
        except (OSError, ValueError):
            res = None
        ok(gone and res and res["stop"] == stop,
           "parent killed%s: the server exits (%s)" % (" (no pdeathsig)" if extra else "",
                                                     res and res["stop"]))


def main(argv):
    names = argv[1:] or list(S.SCENARIOS)
    for name in names:
        if name not in S.SCENARIOS:
            print("unknown scenario %r" % name, file=sys.stderr)
            return 2
    base = os.environ.get("TERN_TEST_HOME") or None
    tmp = tempfile.mkdtemp(prefix="hostile-selftest.", dir=base)
    t0 = time.monotonic()
    try:
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            for future in [pool.submit(collect, tmp, name) for name in names]:
                for cond, message, diag in future.result():
                    ok(cond, message, diag)
        if not argv[1:]:
            test_harness(tmp)
        left = [pid for pid in STARTED if pid and _alive(pid)]
        ok(left == [], "no server left running: %r" % left)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("# %.1f s" % (time.monotonic() - t0))
    print("1..%d" % n_tests)
    return 1 if n_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
