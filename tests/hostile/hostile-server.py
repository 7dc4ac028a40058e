#!/usr/bin/python3
# hostile-server.py — the scripted hostile IMAP server of the `hostile` suite
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage:
#     hostile-server.py --scenario NAME --port-file PATH --result PATH
#                       [--ca-out PATH] [--summary PATH] [--check]
#                       [--timeout SECONDS] [--linger SECONDS]
#                       [--parent-pid PID] [--no-pdeathsig]
#     hostile-server.py --list          (every scenario as JSON)
#     hostile-server.py --describe NAME (one scenario as JSON)
#
# Listens on 127.0.0.1 on a port the kernel picks; once the CA (--ca-out) and
# then the port file are written (atomically) it prints the port on stdout and
# plays the scenario (scenarios.py) to every connection it accepts, one thread
# per connection.  It exits by itself when the last connection has ended (and
# --linger seconds passed without a new one), after --timeout seconds (default
# 120) whatever happens, on SIGTERM/SIGINT/SIGHUP, and when its parent dies
# (PR_SET_PDEATHSIG, and a check of getppid()).  Every way out writes the
# result JSON (atomically, so its existence means "finished") and, with
# --summary, the same verdict as a GKeyFile for C tests.  Exit status: 0; with
# --check, 3 when the scenario's server-side expectations failed; 1 on an
# internal error, 2 on bad usage.  See README.md.
#
# Standard library only; everything on loopback.

import os

# As early as possible: a parent that dies while we start is noticed by the
# getppid() comparison only if we knew it before.
ORIGINAL_PPID = os.getppid()

import argparse  # noqa: E402
import base64  # noqa: E402
import ctypes  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import select  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import ssl  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import scenarios as S  # noqa: E402  (needs HERE on sys.path)

HOST = "127.0.0.1"
TICK = 0.1                       # how often blocked loops look at the stop flag
MAX_CLIENT_LINE = 1024 * 1024    # a longer client line ends the session
MAX_CLIENT_LITERAL = 16 * 1024 * 1024
MAX_RECORDED_LINES = 10000
MAX_RECORDED_LINE = 64 * 1024
LOG_PREVIEW = 160
PR_SET_PDEATHSIG = 1


class Stop(Exception):
    """The whole server is stopping (timeout, signal, parent died)."""


class ClientGone(Exception):
    """The client closed or reset the connection."""


class Logout(Exception):
    """LOGOUT was answered and the connection closed."""


class ServerClosed(Exception):
    """The script closed the connection."""


class TlsFailed(Exception):
    pass


class ClientJunk(Exception):
    """The client sent something the server will not read on from."""


# --- certificates --------------------------------------------------------------

class Certs:
    """A CA and server certificates made with the openssl CLI (EC P-256):
    "good" (SAN localhost, 127.0.0.1, signed by the CA), "wrong-host" (signed
    by the same CA for mail.invalid only) and "untrusted" (its own CA)."""

    CONFIG = """[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[good_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[wrong_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:mail.invalid
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""

    def __init__(self, directory):
        self.dir = directory
        with open(os.path.join(directory, "openssl.cnf"), "w") as f:
            f.write(self.CONFIG)
        self._ca("ca", "Tern hostile test CA")
        self._leaf("good", "ca", "localhost", "good_ext")
        self.ca_file = os.path.join(directory, "ca.pem")

    def pair(self, kind):
        if kind == "wrong-host":
            if not os.path.exists(os.path.join(self.dir, "wrong.pem")):
                self._leaf("wrong", "ca", "mail.invalid", "wrong_ext")
            kind = "wrong"
        elif kind == "untrusted":
            if not os.path.exists(os.path.join(self.dir, "untrusted.pem")):
                self._ca("evil-ca", "Not the Tern hostile test CA")
                self._leaf("untrusted", "evil-ca", "localhost", "good_ext")
        return (os.path.join(self.dir, kind + ".pem"), os.path.join(self.dir, kind + ".key"))

    def _openssl(self, *args):
        r = subprocess.run(["openssl", *args], cwd=self.dir, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise RuntimeError("openssl %s failed:\n%s"
                               % (" ".join(args), r.stdout.decode("utf-8", "replace")))

    def _key(self, name):
        self._openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                      "-out", name + ".key")

    def _ca(self, name, cn):
        self._key(name)
        self._openssl("req", "-new", "-x509", "-config", "openssl.cnf", "-key", name + ".key",
                      "-subj", "/O=Tern tests/CN=%s %d" % (cn, os.getpid()),
                      "-extensions", "ca_ext", "-days", "30", "-sha256", "-out", name + ".pem")

    def _leaf(self, name, ca, cn, ext):
        self._key(name)
        self._openssl("req", "-new", "-config", "openssl.cnf", "-key", name + ".key",
                      "-subj", "/O=Tern tests/CN=" + cn, "-out", name + ".csr")
        self._openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem",
                      "-CAkey", ca + ".key", "-set_serial", "0x" + os.urandom(8).hex(),
                      "-days", "30", "-sha256", "-extfile", "openssl.cnf",
                      "-extensions", ext, "-out", name + ".pem")


# --- small helpers ---------------------------------------------------------------

def _text(raw):
    """Bytes as text for the result: verbatim where they are UTF-8, with
    backslash escapes for other bytes and for NUL (which JSON readers in C
    may cut strings at)."""
    return raw.decode("utf-8", "backslashreplace").replace("\0", "\\x00")


def _preview(data):
    s = repr(bytes(data[:LOG_PREVIEW]))[2:-1]
    return s + ("..." if len(data) > LOG_PREVIEW else "")


def _write_atomic(path, data):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _astrings(data, pos, count):
    """`count` IMAP astrings (atom, "quoted" or {n} literal) from data[pos:];
    None where the syntax is not understood."""
    out = []
    for _ in range(count):
        while pos < len(data) and data[pos:pos + 1] == b" ":
            pos += 1
        if pos >= len(data):
            out.append(None)
            continue
        c = data[pos:pos + 1]
        if c == b'"':
            value = bytearray()
            pos += 1
            while pos < len(data) and data[pos:pos + 1] != b'"':
                if data[pos:pos + 1] == b"\\":
                    pos += 1
                value += data[pos:pos + 1]
                pos += 1
            pos += 1
            out.append(bytes(value))
        elif c == b"{":
            m = re.compile(rb"\{(\d+)\+?\}\r?\n").match(data, pos)
            if not m:
                out.append(None)
                break
            n = int(m.group(1))
            out.append(data[m.end():m.end() + n])
            pos = m.end() + n
        else:
            m = re.compile(rb"[^ \r\n]*").match(data, pos)
            out.append(m.group(0))
            pos = m.end()
    return [None if v is None else _text(v) for v in out]


def _set_contains(seqset, n, largest):
    """Whether sequence set `seqset` (b"1:*,5") contains n."""
    for part in seqset.split(b","):
        ends = [largest if e == b"*" else int(e) for e in part.split(b":") if
                e == b"*" or e.isdigit()]
        if not ends:
            continue
        if min(ends) <= n <= max(ends):
            return True
    return False


def _first_number(seqset):
    m = re.match(rb"(\d+|\*)", seqset)
    return b"1" if not m or m.group(1) == b"*" else m.group(1)


ITEM_RE = re.compile(rb"(BODY|BINARY)(\.PEEK)?\[([^\]]*)\](?:<(\d+)(?:\.(\d+))?>)?"
                     rb"|BINARY\.SIZE\[([^\]]*)\]|[A-Za-z0-9.\-]+")


def _fetch_parts(args):
    """(set, [items]) of a FETCH command's arguments; each item a match of ITEM_RE."""
    m = re.match(rb"(\S+)\s*(.*)$", args, re.S)
    if not m:
        return b"", []
    seqset, rest = m.group(1), m.group(2)
    if rest.startswith(b"("):
        depth = 0
        for i, ch in enumerate(rest):
            depth += ch == 0x28
            depth -= ch == 0x29
            if depth == 0:
                rest = rest[1:i]
                break
    else:
        rest = rest.split(b" ", 1)[0]
    return seqset, list(ITEM_RE.finditer(rest))


def _fetch_modifiers(args):
    """What follows a FETCH command's item list: "(CHANGEDSINCE 5 VANISHED)"."""
    m = re.match(rb"(\S+)\s*(.*)$", args, re.S)
    if not m:
        return b""
    rest = m.group(2)
    if rest.startswith(b"("):
        depth = 0
        for i, ch in enumerate(rest):
            depth += ch == 0x28
            depth -= ch == 0x29
            if depth == 0:
                return rest[i + 1:]
        return b""
    return rest.split(b" ", 1)[1] if b" " in rest else b""


def _uid_set(numbers):
    """Sorted numbers as a compact set: [1, 2, 3, 5] -> b"1:3,5"."""
    ranges = []
    for n in sorted(numbers):
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1][1] = n
        else:
            ranges.append([n, n])
    return b",".join(b"%d" % a if a == b else b"%d:%d" % (a, b) for a, b in ranges)


def _body_item_name(args):
    """The response item for the first body section a FETCH asks for:
    BODY.PEEK[1]<0.100> -> BODY[1]<0>; BODY[] when there is none."""
    _, items = _fetch_parts(args)
    for m in items:
        if m.group(1):
            name = b"%s[%s]" % (m.group(1).upper(), m.group(3))
            return name + (b"<%s>" % m.group(4) if m.group(4) else b"")
    return b"BODY[]"


def _section(section):
    """The bytes of MESSAGE for a body section name."""
    return _section_of(S.MESSAGE_HEADER, S.MESSAGE_TEXT, section)


def _section_of(header, text, section):
    """The bytes of the single-part message header + text for a body
    section name."""
    s = section.upper()
    if s == b"":
        return header + text
    if s in (b"HEADER", b"MIME", b"1.MIME"):
        return header
    if s in (b"TEXT", b"1"):
        return text
    m = re.match(rb"HEADER\.FIELDS(\.NOT)?\s*\(([^)]*)\)", s)
    if m:
        names = set(m.group(2).split())
        lines = header.split(b"\r\n")[:-2]
        keep = [ln for ln in lines
                if (ln.split(b":", 1)[0].upper() in names) != bool(m.group(1))]
        return b"".join(ln + b"\r\n" for ln in keep) + b"\r\n"
    return b""


def _literal(data):
    return b"{%d}\r\n%s" % (len(data), data)


# --- one connection ----------------------------------------------------------------

class Session:
    """Plays the scenario on one accepted connection (its own thread)."""

    def __init__(self, server, sock, index):
        self.server = server
        self.scenario = server.scenario
        self.sock = sock
        self.index = index
        self.tls = False
        self.rbuf = bytearray()            # only used once TLS is on
        self.state = "not-authenticated"
        self.flags = set()
        self.ctx = {b"{tag}": b"*", b"{uid}": b"1", b"{body}": b"BODY[]"}
        self.last = None                   # the command Expect matched
        self.started = time.monotonic()
        # Mailbox scenarios: the visit (see scenarios.py), what ENABLE turned
        # on, and this connection's own copy of the INBOX it found
        self.visit = None
        self.enabled = []
        self.box = None
        self.box_condstore = False
        # what goes into the result
        self.client_lines = []
        self.credentials = []
        self.bytes_sent = 0
        self.capability_after_tls = False
        self.attack_reached = False
        self.steps_started = 0
        self.end = None
        self.error = None
        self.log = []

    # -- bookkeeping

    def note(self, kind, *what):
        if len(self.log) < 2000:
            self.log.append([round(time.monotonic() - self.started, 3), kind, *what])

    def record_client(self, raw):
        """Record one client line (a command with its literals, a DONE, a SASL
        reply) and notice credentials in it."""
        raw = raw[:-2] if raw.endswith(b"\r\n") else raw.rstrip(b"\n")
        if len(self.client_lines) < MAX_RECORDED_LINES:
            self.client_lines.append(_text(raw[:MAX_RECORDED_LINE]))
        self.note("c", _preview(raw))
        m = re.match(rb"\S+ +(LOGIN|AUTHENTICATE)\b ?(.*)", raw, re.I | re.S)
        if m and m.group(1).upper() == b"LOGIN":
            user, password = _astrings(m.group(2), 0, 2)
            self.add_credentials("LOGIN", user, password)
        elif m:
            mech, _, ir = m.group(2).partition(b" ")
            self.add_credentials("AUTHENTICATE " + _text(mech.upper()), *self._sasl(ir))

    def _sasl(self, data):
        """(user, password) from a SASL PLAIN message, as far as it decodes."""
        data = data.strip()
        if not data or data == b"=":
            return None, None
        try:
            parts = base64.b64decode(data, validate=True).split(b"\0")
        except ValueError:
            return None, None
        if len(parts) != 3:
            return None, None
        return _text(parts[1]), _text(parts[2])

    def add_credentials(self, mechanism, user, password):
        self.credentials.append({"mechanism": mechanism, "tls": self.tls,
                                 "user": user, "password": password})

    def result(self):
        out = self._result()
        if self.scenario.mailbox is not None:
            out["visit"] = self.visit
            out["enabled"] = self.enabled
        return out

    def _result(self):
        return {
            "client_lines": self.client_lines,
            "credentials_seen": bool(self.credentials),
            "credentials_in_clear": any(not c["tls"] for c in self.credentials),
            "credentials": self.credentials,
            "client_disconnected": self.end in ("client-closed", "logout", "tls-failed"),
            "bytes_sent": self.bytes_sent,
            "tls": self.tls,
            "capability_after_tls": self.capability_after_tls,
            "attack_reached": self.attack_reached,
            "steps_started": self.steps_started,
            "steps_total": len(self.scenario.steps),
            "end": self.end,
            "error": self.error,
            "duration": round(time.monotonic() - self.started, 3),
            "log": self.log,
        }

    # -- waiting and raw I/O

    def check_stop(self):
        if self.server.stop_reason is not None:
            raise Stop(self.server.stop_reason)

    def wait(self, write=False, timeout=None):
        """Until the socket is readable (or writable); False on `timeout`."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self.check_stop()
            if not write and self.tls and self.sock.pending():
                return True
            tick = TICK if deadline is None else max(0.0, min(TICK, deadline - time.monotonic()))
            r, w, _ = select.select([] if write else [self.sock], [self.sock] if write else [],
                                    [], tick)
            if r or w:
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False

    def recv(self, n, flags=0):
        while True:
            self.wait()
            try:
                data = self.sock.recv(n, flags)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError,
                    InterruptedError):
                continue
            except ssl.SSLError as e:
                raise ClientGone("TLS error: %s" % e)
            except (ConnectionResetError, BrokenPipeError) as e:
                raise ClientGone(str(e))
            if not data:
                raise ClientGone("EOF")
            return data

    def send_raw(self, data):
        """One logical write: a single send() when the kernel takes it whole
        (always, for the small pieces scripts send)."""
        view = memoryview(data)
        while view:
            self.wait(write=True)
            try:
                n = self.sock.send(view)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError,
                    InterruptedError):
                continue
            except (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError) as e:
                raise ClientGone(str(e))
            except ssl.SSLError as e:
                raise ClientGone("TLS error: %s" % e)
            self.bytes_sent += n
            view = view[n:]

    def send(self, data):
        self.note("s", len(data), _preview(data))
        self.send_raw(data)

    def read_line(self, limit=MAX_CLIENT_LINE):
        """One line, CRLF included.  Before TLS it peeks and consumes no byte
        past the LF, so nothing the client sends after STARTTLS is eaten."""
        if self.tls:
            while True:
                i = self.rbuf.find(b"\n")
                if i >= 0:
                    line = bytes(self.rbuf[:i + 1])
                    del self.rbuf[:i + 1]
                    return line
                if len(self.rbuf) > limit:
                    raise ClientJunk("client line longer than %d bytes" % limit)
                self.rbuf += self.recv(65536)
        line = bytearray()
        while True:
            peek = self.recv(65536, socket.MSG_PEEK)
            i = peek.find(b"\n")
            if i >= 0:
                line += self.sock.recv(i + 1)
                return bytes(line)
            line += self.sock.recv(len(peek))
            if len(line) > limit:
                raise ClientJunk("client line longer than %d bytes" % limit)

    def read_exact(self, n):
        out = bytearray()
        if self.tls:
            take = min(n, len(self.rbuf))
            out += self.rbuf[:take]
            del self.rbuf[:take]
        while len(out) < n:
            out += self.recv(min(65536, n - len(out)))
        if len(out) > n:                    # TLS: keep what belongs to the next line
            self.rbuf[:0] = out[n:]
            del out[n:]
        return bytes(out)

    def read_command(self):
        """A client command with its literals: (tag, name, args, raw)."""
        raw = bytearray(self.read_line())
        line = bytes(raw)
        while True:
            m = re.search(rb"\{(\d+)(\+?)\}\r?\n$", line)
            if not m:
                break
            n = int(m.group(1))
            if n > MAX_CLIENT_LITERAL:
                raise ClientJunk("client literal of %d bytes" % n)
            if not m.group(2):
                self.send(b"+ Ready for literal data\r\n")
            raw += self.read_exact(n)
            line = self.read_line()
            raw += line
        raw = bytes(raw)
        self.record_client(raw)
        m = re.match(rb"([^ \r\n]*) ?(?:(UID) +)?([A-Za-z]*) ?(.*?)\r?\n?$", raw, re.S | re.I)
        tag = m.group(1)
        name = (b"UID " if m.group(2) else b"") + m.group(3).upper()
        return tag, name, m.group(4), raw

    # -- the script

    def run(self):
        try:
            self.sock.setblocking(False)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for step in self.scenario.steps:
                self.steps_started += 1
                self.note("step", repr(step)[:LOG_PREVIEW])
                getattr(self, "step_" + type(step).__name__)(step)
            self.close(grace=2.0)
            self.end = "server-closed"
        except ClientGone as e:
            self.end = "client-closed"
            self.note("client-gone", str(e))
        except Logout:
            self.end = "logout"
        except ServerClosed:
            self.end = "server-closed"
        except Stop as e:
            self.end = str(e)
        except TlsFailed as e:
            self.end = "tls-failed"
            self.error = str(e)
        except ClientJunk as e:
            self.end = "client-junk"
            self.error = str(e)
        except Exception:
            self.end = "server-error"
            self.error = traceback.format_exc()
            sys.stderr.write("hostile-server: connection %d: %s" % (self.index, self.error))
        finally:
            self.note("end", self.end)
            try:
                self.sock.close()
            except OSError:
                pass

    def subst(self, data):
        for key, value in self.ctx.items():
            data = data.replace(key, value)
        return data

    def step_Send(self, step):
        for i, piece in enumerate(step.pieces):
            if i:
                self.sleep(step.gap)
            self.send(self.subst(piece))

    def step_Expect(self, step):
        pattern = re.compile(step.pattern.encode(), re.I)
        while True:
            tag, name, args, raw = self.read_command()
            rest = raw[len(tag):].lstrip(b" ").rstrip(b"\r\n")
            if pattern.match(rest):
                self.last = (tag, name, args, raw)
                self.ctx[b"{tag}"] = tag
                if name.endswith(b"FETCH"):
                    self.ctx[b"{uid}"] = _first_number(args.split(b" ", 1)[0])
                    self.ctx[b"{body}"] = _body_item_name(args)
                return
            if step.others == "generic":
                self.respond_generically(tag, name, args, raw)

    def step_Reply(self, step):
        assert self.last is not None, "Reply() without an Expect() before it"
        self.respond_generically(*self.last)

    def step_Serve(self, step):
        while True:
            self.respond_generically(*self.read_command())

    def step_StartTLS(self, step):
        self.start_tls(step.cert)

    def step_Stream(self, step):
        chunk = 16384 if self.tls else 65536
        block = (step.fill * (chunk // len(step.fill) + 1))[:chunk]
        left = step.size
        self.note("s", step.size, "stream of %r" % step.fill[:16])
        while left > 0:
            piece = block if left >= chunk else block[:left]
            self.send_raw(piece)
            left -= len(piece)

    def step_Stall(self, step):
        while True:
            self.record_client(self.read_line())

    def step_Sleep(self, step):
        self.sleep(step.seconds)

    def step_Close(self, step):
        self.close(step.grace, step.abort)
        raise ServerClosed()

    def step_State(self, step):
        self.state = step.state

    def step_Attack(self, step):
        self.attack_reached = True

    def sleep(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.check_stop()
            time.sleep(min(TICK, max(0.0, deadline - time.monotonic())))

    def close(self, grace=2.0, abort=False):
        """FIN after everything sent (TLS: close_notify first), then read what
        the client still sends for `grace` seconds, so that closing with
        unread input cannot turn into a RST that destroys what we sent."""
        self.note("close", "abort" if abort else "fin")
        if abort:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            return
        try:
            if self.tls:
                try:
                    self.sock.unwrap()
                except (ssl.SSLError, OSError, ValueError):
                    pass
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            return
        deadline = time.monotonic() + grace
        pending = bytearray()
        while time.monotonic() < deadline:
            if not self.wait(timeout=max(0.0, deadline - time.monotonic())):
                break
            try:
                data = socket.socket.recv(self.sock, 65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                break
            if not data:
                break
            if not self.tls:
                pending += data
                while b"\n" in pending:
                    line, _, rest = bytes(pending).partition(b"\n")
                    self.record_client(line + b"\n")
                    pending = bytearray(rest)

    def start_tls(self, cert):
        certfile, keyfile = self.server.certs.pair(cert)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(certfile, keyfile)
        self.note("tls", "handshake", cert)
        self.sock = ctx.wrap_socket(self.sock, server_side=True, do_handshake_on_connect=False)
        while True:
            self.check_stop()
            try:
                self.sock.do_handshake()
                break
            except ssl.SSLWantReadError:
                select.select([self.sock], [], [], TICK)
            except ssl.SSLWantWriteError:
                select.select([], [self.sock], [], TICK)
            except (ssl.SSLError, OSError) as e:
                raise TlsFailed("TLS handshake failed: %s" % e)
        self.tls = True
        self.note("tls", self.sock.version())

    # -- the generic responder

    def caps(self):
        return (self.scenario.caps_tls if self.tls else self.scenario.caps).encode()

    def respond_generically(self, tag, name, args, raw):
        """Answer a command the script does not handle, as a small, correct
        RFC 3501 server with one mailbox (INBOX) holding one message would."""
        if not tag or not name:
            self.send(b"* BAD Missing tag or command.\r\n")
            return
        ok = b"%s OK %s completed.\r\n" % (tag, name)
        authed = self.state in ("authenticated", "selected")
        selected = self.state == "selected"
        caps = self.caps().split()
        if self.scenario.mailbox is not None and self.respond_mailbox(tag, name, args, ok):
            return
        if name == b"CAPABILITY":
            if self.tls:
                self.capability_after_tls = True
            self.send(b"* CAPABILITY %s\r\n%s" % (self.caps(), ok))
        elif name in (b"NOOP", b"CHECK"):
            self.send(ok)
        elif name == b"LOGOUT":
            self.send(b"* BYE Logging out.\r\n" + ok)
            self.close()
            raise Logout()
        elif name == b"STARTTLS":
            if (self.tls or self.state != "not-authenticated" or
                    b"STARTTLS" not in caps):
                self.send(b"%s BAD STARTTLS is not possible now.\r\n" % tag)
            elif not self.scenario.generic_starttls:
                self.send(b"%s NO [UNAVAILABLE] TLS is not available.\r\n" % tag)
            else:
                self.send(b"%s OK Begin TLS negotiation now.\r\n" % tag)
                self.start_tls("good")
        elif name == b"LOGIN":
            if authed:
                self.send(b"%s BAD Already authenticated.\r\n" % tag)
            elif b"LOGINDISABLED" in caps:
                self.send(b"%s NO [PRIVACYREQUIRED] LOGIN is disabled before TLS.\r\n" % tag)
            else:
                self.logged_in(tag)
        elif name == b"AUTHENTICATE":
            self.authenticate(tag, args, caps)
        elif name == b"ENABLE":
            self.send(b"* ENABLED\r\n" + ok)
        elif name == b"ID":
            self.send(b'* ID ("name" "Tern hostile server" "version" "1")\r\n' + ok)
        elif name == b"NAMESPACE":
            self.send(b'* NAMESPACE (("" "/")) NIL NIL\r\n' + ok)
        elif not authed and name in (b"SELECT", b"EXAMINE", b"LIST", b"LSUB", b"STATUS",
                                     b"CREATE", b"DELETE", b"RENAME", b"SUBSCRIBE",
                                     b"UNSUBSCRIBE", b"APPEND", b"IDLE"):
            self.send(b"%s BAD Not authenticated.\r\n" % tag)
        elif name in (b"SELECT", b"EXAMINE"):
            mailbox = _astrings(args, 0, 1)[0] or ""
            if mailbox.upper() != "INBOX":
                self.state = "authenticated"
                self.send(b"%s NO [NONEXISTENT] Mailbox does not exist.\r\n" % tag)
                return
            self.state = "selected"
            self.send(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                      b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft"
                      b" \\*)] Flags permitted.\r\n"
                      b"* 1 EXISTS\r\n* 0 RECENT\r\n" +
                      (b"" if "\\Seen" in self.flags else b"* OK [UNSEEN 1] First unseen.\r\n") +
                      b"* OK [UIDVALIDITY %d] UIDs valid\r\n"
                      b"* OK [UIDNEXT 2] Predicted next UID\r\n"
                      b"%s OK [%s] %s completed.\r\n"
                      % (S.UIDVALIDITY, tag,
                         b"READ-ONLY" if name == b"EXAMINE" else b"READ-WRITE", name))
        elif name in (b"LIST", b"LSUB"):
            names = _astrings(args, 0, 2)
            if names[1] == "":
                self.send(b'* %s (\\Noselect) "/" ""\r\n%s' % (name, ok))
            else:
                self.send(b'* %s (\\HasNoChildren) "/" INBOX\r\n%s' % (name, ok))
        elif name == b"STATUS":
            mailbox = _astrings(args, 0, 1)[0] or ""
            if mailbox.upper() != "INBOX":
                self.send(b"%s NO [NONEXISTENT] Mailbox does not exist.\r\n" % tag)
                return
            values = {b"MESSAGES": 1, b"RECENT": 0, b"UIDNEXT": 2, b"UIDVALIDITY": S.UIDVALIDITY,
                      b"UNSEEN": 0 if "\\Seen" in self.flags else 1, b"HIGHESTMODSEQ": 1,
                      b"SIZE": len(S.MESSAGE)}
            m = re.search(rb"\(([^)]*)\)", args)
            asked = m.group(1).upper().split() if m else []
            items = b" ".join(b"%s %d" % (k, values[k]) for k in asked if k in values)
            self.send(b"* STATUS INBOX (%s)\r\n%s" % (items, ok))
        elif name == b"IDLE":
            self.send(b"+ idling\r\n")
            done = self.read_line()
            self.record_client(done)
            if done.strip().upper() == b"DONE":
                self.send(b"%s OK IDLE terminated.\r\n" % tag)
            else:
                self.send(b"%s BAD Expected DONE.\r\n" % tag)
        elif name in (b"CLOSE", b"UNSELECT"):
            self.state = "authenticated"
            self.send(ok)
        elif not selected and name in (b"FETCH", b"UID FETCH", b"SEARCH", b"UID SEARCH",
                                       b"STORE", b"UID STORE", b"EXPUNGE", b"UID EXPUNGE",
                                       b"COPY", b"UID COPY", b"MOVE", b"UID MOVE"):
            self.send(b"%s BAD No mailbox selected.\r\n" % tag)
        elif name in (b"FETCH", b"UID FETCH"):
            self.fetch(name, args)
            self.send(ok)
        elif name in (b"SEARCH", b"UID SEARCH"):
            self.send(b"* SEARCH 1\r\n" + ok)
        elif name in (b"STORE", b"UID STORE"):
            self.store(name, args)
            self.send(ok)
        elif name == b"COMPRESS":
            self.send(b"%s NO Compression is not offered.\r\n" % tag)
        else:
            self.send(b"%s OK done\r\n" % tag)

    def logged_in(self, tag):
        self.state = "authenticated"
        self.send(b"%s OK [CAPABILITY %s] Logged in\r\n" % (tag, self.caps()))

    def authenticate(self, tag, args, caps):
        mech, _, ir = args.partition(b" ")
        if self.state != "not-authenticated":
            self.send(b"%s BAD Already authenticated.\r\n" % tag)
            return
        if b"AUTH=" + mech.upper() not in caps or mech.upper() != b"PLAIN":
            self.send(b"%s NO [CANNOT] Unsupported authentication mechanism.\r\n" % tag)
            return
        if not ir:
            self.send(b"+ \r\n")
            reply = self.read_line()
            self.record_client(reply)
            if reply.strip() == b"*":
                self.send(b"%s BAD AUTHENTICATE cancelled.\r\n" % tag)
                return
            self.add_credentials("SASL response", *self._sasl(reply))
            ir = reply
        if self._sasl(ir) == (None, None):
            self.send(b"%s BAD Invalid SASL PLAIN message.\r\n" % tag)
            return
        self.logged_in(tag)

    def fetch(self, name, args):
        seqset, items = _fetch_parts(args)
        if not _set_contains(seqset, 1, 1):
            return
        words = {m.group(0).upper() for m in items if not m.group(1) and m.group(6) is None}
        for macro, expands in ((b"ALL", (b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE",
                                         b"ENVELOPE")),
                               (b"FAST", (b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE")),
                               (b"FULL", (b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE",
                                          b"ENVELOPE", b"BODY"))):
            if macro in words:
                words.update(expands)
        out = []
        if name.startswith(b"UID") or b"UID" in words:
            out.append(b"UID 1")
        bodies = []
        for m in items:
            if m.group(1):
                data = _section(m.group(3))
                origin = m.group(4)
                if origin is not None:
                    data = data[int(origin):]
                    if m.group(5) is not None:
                        data = data[:int(m.group(5))]
                if not m.group(2) and m.group(1).upper() == b"BODY":
                    self.flags.add("\\Seen")
                item = b"%s[%s]" % (m.group(1).upper(), m.group(3))
                bodies.append(item + (b"<%s>" % origin if origin else b"") + b" " +
                              _literal(data))
            elif m.group(6) is not None:
                bodies.append(b"BINARY.SIZE[%s] %d" % (m.group(6), len(_section(m.group(6)))))
        if b"FLAGS" in words or (bodies and "\\Seen" in self.flags):
            out.append(b"FLAGS (%s)" % " ".join(sorted(self.flags)).encode())
        if b"INTERNALDATE" in words:
            out.append(b'INTERNALDATE "%s"' % S.INTERNALDATE.encode())
        if b"RFC822.SIZE" in words:
            out.append(b"RFC822.SIZE %d" % len(S.MESSAGE))
        if b"MODSEQ" in words:
            out.append(b"MODSEQ (1)")
        if b"ENVELOPE" in words:
            out.append(b"ENVELOPE " + S.ENVELOPE)
        if b"BODYSTRUCTURE" in words:
            out.append(b"BODYSTRUCTURE " + S.BODYSTRUCTURE)
        if b"BODY" in words:
            out.append(b"BODY " + S.BODYSTRUCTURE.rsplit(b" NIL NIL NIL NIL)", 1)[0] + b")")
        for word, data in ((b"RFC822", S.MESSAGE), (b"RFC822.HEADER", S.MESSAGE_HEADER),
                           (b"RFC822.TEXT", S.MESSAGE_TEXT)):
            if word in words:
                out.append(word + b" " + _literal(data))
        out += bodies
        self.send(b"* 1 FETCH (%s)\r\n" % b" ".join(out))

    def store(self, name, args):
        m = re.match(rb"(\S+) +([+-]?)FLAGS(\.SILENT)? +\(?([^)]*)\)?", args, re.I)
        if not m:
            return
        seqset, op, silent, flags = m.groups()
        if not _set_contains(seqset, 1, 1):
            return
        flags = {_text(f) for f in flags.split()}
        if op == b"+":
            self.flags |= flags
        elif op == b"-":
            self.flags -= flags
        else:
            self.flags = flags
        if not silent:
            uid = b" UID 1" if name.startswith(b"UID") else b""
            self.send(b"* 1 FETCH (FLAGS (%s)%s)\r\n"
                      % (" ".join(sorted(self.flags)).encode(), uid))

    # -- the CONDSTORE/QRESYNC mailbox (scenarios with a Mailbox)

    def respond_mailbox(self, tag, name, args, ok):
        """Answer, for a Mailbox scenario, what its INBOX of several messages
        changes: ENABLE, SELECT/EXAMINE INBOX, STATUS INBOX, FETCH, STORE and
        SEARCH.  False for everything else, which respond_generically()
        answers as it does for every scenario."""
        if self.state not in ("authenticated", "selected"):
            return False
        selected = self.state == "selected"
        if name == b"ENABLE":
            confirmed = []
            for ext in args.upper().split():
                if ext in (b"CONDSTORE", b"QRESYNC") and ext not in confirmed and \
                        ext.decode() not in self.enabled:
                    confirmed.append(ext)
            self.enabled += [ext.decode() for ext in confirmed]
            self.send(b"* ENABLED%s\r\n" % b"".join(b" " + ext for ext in confirmed) + ok)
            return True
        if name in (b"SELECT", b"EXAMINE"):
            return self.box_select(tag, name, args)
        if name == b"STATUS":
            return self.box_status(tag, args, ok)
        if not selected:
            return False
        if name in (b"FETCH", b"UID FETCH"):
            self.box_fetch_command(name, args, ok)
            return True
        if name in (b"STORE", b"UID STORE"):
            self.box_store(tag, name, args, ok)
            return True
        if name in (b"SEARCH", b"UID SEARCH"):
            m = re.search(rb"(?:^|\s)UID\s+([0-9:,*]+)", args, re.I)
            found = [(seq, uid) for seq, uid in self.box_messages()
                     if m is None or _set_contains(m.group(1), uid, self.box_largest())]
            numbers = [uid if name.startswith(b"UID") else seq for seq, uid in found]
            self.send(b"* SEARCH%s\r\n" % b"".join(b" %d" % n for n in numbers) + ok)
            return True
        return False

    def condstore(self):
        """CONDSTORE is on: enabled, or a CONDSTORE-enabling command was seen."""
        return self.box_condstore or bool(self.enabled)

    def open_box(self):
        """The first SELECT/EXAMINE of INBOX on this connection is a visit:
        this connection gets its number and its own copy of that version."""
        if self.visit is not None:
            return
        with self.server.lock:
            self.visit = self.server.visits
            self.server.visits += 1
        version = self.scenario.mailbox.version(self.visit)
        self.box = {uid: [set(flags), modseq] for uid, (flags, modseq) in
                    version.messages.items()}
        self.box_expunged = dict(version.expunged)
        self.box_uidnext = version.uidnext
        self.box_hms = version.highestmodseq
        self.note("visit", self.visit)

    def box_messages(self):
        """[(sequence number, uid)]"""
        return list(enumerate(sorted(self.box), 1))

    def box_largest(self):
        return max(self.box) if self.box else 0

    def lying(self):
        return self.scenario.mailbox.lies(self.visit)

    def box_select(self, tag, name, args):
        mailbox = _astrings(args, 0, 1)[0] or ""
        if mailbox.upper() != "INBOX":
            return False
        params = args.split(b" ", 1)[1] if b" " in args.strip() else b""
        qresync = re.search(rb"\(QRESYNC \((\d+) (\d+)(?: ([0-9:,*]+))?(?: \([0-9:,* ]*\))?\)\)",
                            params, re.I)
        if (qresync is None) != (re.search(rb"QRESYNC", params, re.I) is None):
            self.state = "authenticated"
            self.send(b"%s BAD Malformed QRESYNC parameter.\r\n" % tag)
            return True
        if qresync is not None and "QRESYNC" not in self.enabled:
            self.state = "authenticated"
            self.send(b"%s BAD QRESYNC is not enabled.\r\n" % tag)
            return True
        if qresync is not None or re.search(rb"\(CONDSTORE\)", params, re.I):
            self.box_condstore = True
        self.open_box()
        mb = self.scenario.mailbox
        messages = self.box_messages()
        unseen = [seq for seq, uid in messages if "\\Seen" not in self.box[uid][0]]
        # RFC 7162 3.2.11: the boundary between the old mailbox's responses
        # and the new one's.
        out = []
        if self.state == "selected":
            if self.scenario.mailbox.omit_closed and self.lying():
                self.attack_reached = True
            else:
                out.append(b"* OK [CLOSED] Previous mailbox is now closed.\r\n")
        out += [b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)]"
                b" Flags permitted.\r\n",
                b"* %d EXISTS\r\n* 0 RECENT\r\n" % len(messages)]
        if unseen:
            out.append(b"* OK [UNSEEN %d] First unseen.\r\n" % unseen[0])
        out.append(b"* OK [UIDVALIDITY %d] UIDs valid\r\n"
                   b"* OK [UIDNEXT %d] Predicted next UID\r\n" % (S.UIDVALIDITY, self.box_uidnext))
        highest = self.box_hms
        changes = []
        if qresync is not None and int(qresync.group(1)) == S.UIDVALIDITY:
            since = int(qresync.group(2))
            known = qresync.group(3)
            if self.lying() and mb.qresync_highestmodseq is not None:
                highest = mb.qresync_highestmodseq
                self.attack_reached = True
            gone = [uid for uid, modseq in sorted(self.box_expunged.items())
                    if modseq > since and modseq <= highest and
                    (known is None or _set_contains(known, uid, self.box_uidnext - 1))]
            if self.lying() and mb.qresync_vanished is not None:
                changes.append(b"* VANISHED (EARLIER) %s\r\n" % mb.qresync_vanished.encode())
                self.attack_reached = True
            elif gone:
                changes.append(b"* VANISHED (EARLIER) %s\r\n" % _uid_set(gone))
            for seq, uid in messages:
                if since < self.box[uid][1] <= highest:
                    changes.append(self.box_fetch(seq, uid, {b"FLAGS"}, [], True, True))
        if self.condstore():
            out.append(b"* OK [HIGHESTMODSEQ %d] Highest\r\n" % highest)
        out += changes
        out.append(b"%s OK [%s] %s completed.\r\n"
                   % (tag, b"READ-ONLY" if name == b"EXAMINE" else b"READ-WRITE", name))
        self.state = "selected"
        self.send(b"".join(out))
        return True

    def box_status(self, tag, args, ok):
        mailbox = _astrings(args, 0, 1)[0] or ""
        if mailbox.upper() != "INBOX":
            return False
        if self.box is not None:
            messages = {uid: flags for uid, (flags, _) in self.box.items()}
            uidnext, highest = self.box_uidnext, self.box_hms
        else:
            version = self.scenario.mailbox.version(self.server.visits)
            messages = {uid: flags for uid, (flags, _) in version.messages.items()}
            uidnext, highest = version.uidnext, version.highestmodseq
        values = {b"MESSAGES": len(messages), b"RECENT": 0, b"UIDNEXT": uidnext,
                  b"UIDVALIDITY": S.UIDVALIDITY, b"HIGHESTMODSEQ": highest,
                  b"UNSEEN": sum("\\Seen" not in f for f in messages.values()),
                  b"SIZE": sum(len(b"".join(S.mailbox_message(uid))) for uid in messages)}
        m = re.search(rb"\(([^)]*)\)", args)
        asked = m.group(1).upper().split() if m else []
        items = b" ".join(b"%s %d" % (k, values[k]) for k in asked if k in values)
        self.send(b"* STATUS INBOX (%s)\r\n%s" % (items, ok))
        return True

    def box_fetch_command(self, name, args, ok):
        seqset, items = _fetch_parts(args)
        words = {m.group(0).upper() for m in items if not m.group(1) and m.group(6) is None}
        for macro, expands in ((b"ALL", (b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE",
                                         b"ENVELOPE")),
                               (b"FAST", (b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE")),
                               (b"FULL", (b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE",
                                          b"ENVELOPE", b"BODY"))):
            if macro in words:
                words.update(expands)
        modifiers = _fetch_modifiers(args)
        changed = re.search(rb"CHANGEDSINCE (\d+)", modifiers, re.I)
        since = int(changed.group(1)) if changed else None
        by_uid = name.startswith(b"UID")
        if since is not None or b"MODSEQ" in words:
            self.box_condstore = True
        out = []
        if (by_uid and since is not None and re.search(rb"\bVANISHED\b", modifiers, re.I) and
                "QRESYNC" in self.enabled):
            gone = [uid for uid, modseq in sorted(self.box_expunged.items())
                    if modseq > since and _set_contains(seqset, uid, self.box_uidnext - 1)]
            if gone:
                out.append(b"* VANISHED (EARLIER) %s\r\n" % _uid_set(gone))
        messages = self.box_messages()
        for seq, uid in messages:
            if not (_set_contains(seqset, uid, self.box_largest()) if by_uid else
                    _set_contains(seqset, seq, len(messages))):
                continue
            if since is not None and self.box[uid][1] <= since:
                continue
            out.append(self.box_fetch(seq, uid, words, items, by_uid or b"UID" in words,
                                      since is not None or b"MODSEQ" in words))
        self.send(b"".join(out) + ok)

    def box_modseq(self, uid):
        """[b"MODSEQ (n)"], or [] where the scenario omits it."""
        if self.scenario.mailbox.omit_modseq and self.lying():
            self.attack_reached = True
            return []
        return [b"MODSEQ (%d)" % self.box[uid][1]]

    def box_fetch(self, seq, uid, words, items, with_uid, with_modseq):
        """One untagged FETCH for message `uid`: the items asked for."""
        header, text = S.mailbox_message(uid)
        entry = self.box[uid]
        out = [b"UID %d" % uid] if with_uid else []
        bodies = []
        for m in items:
            if m.group(1):
                data = _section_of(header, text, m.group(3))
                origin = m.group(4)
                if origin is not None:
                    data = data[int(origin):]
                    if m.group(5) is not None:
                        data = data[:int(m.group(5))]
                if not m.group(2) and m.group(1).upper() == b"BODY" and \
                        "\\Seen" not in entry[0]:
                    entry[0].add("\\Seen")
                    self.box_hms += 1
                    entry[1] = self.box_hms
                item = b"%s[%s]" % (m.group(1).upper(), m.group(3))
                bodies.append(item + (b"<%s>" % origin if origin else b"") + b" " +
                              _literal(data))
            elif m.group(6) is not None:
                bodies.append(b"BINARY.SIZE[%s] %d"
                              % (m.group(6), len(_section_of(header, text, m.group(6)))))
        if b"FLAGS" in words or (bodies and "\\Seen" in entry[0]):
            out.append(b"FLAGS (%s)" % " ".join(sorted(entry[0])).encode())
        if b"INTERNALDATE" in words:
            out.append(b'INTERNALDATE "%s"' % S.INTERNALDATE.encode())
        if b"RFC822.SIZE" in words:
            out.append(b"RFC822.SIZE %d" % (len(header) + len(text)))
        if with_modseq:
            out += self.box_modseq(uid)
        if b"ENVELOPE" in words:
            out.append(b"ENVELOPE " + S.mailbox_envelope(uid))
        if b"BODYSTRUCTURE" in words:
            out.append(b"BODYSTRUCTURE " + S.BODYSTRUCTURE)
        if b"BODY" in words:
            out.append(b"BODY " + S.BODYSTRUCTURE.rsplit(b" NIL NIL NIL NIL)", 1)[0] + b")")
        for word, data in ((b"RFC822", header + text), (b"RFC822.HEADER", header),
                           (b"RFC822.TEXT", text)):
            if word in words:
                out.append(word + b" " + _literal(data))
        out += bodies
        return b"* %d FETCH (%s)\r\n" % (seq, b" ".join(out))

    def box_store(self, tag, name, args, ok):
        m = re.match(rb"(\S+) +(?:\(UNCHANGEDSINCE (\d+)\) +)?([+-]?)FLAGS(\.SILENT)? +"
                     rb"\(?([^)]*)\)?", args, re.I)
        if not m:
            self.send(b"%s BAD Malformed STORE.\r\n" % tag)
            return
        seqset, unchanged, op, silent, flags = m.groups()
        by_uid = name.startswith(b"UID")
        if unchanged is not None:
            self.box_condstore = True
        flags = {_text(f) for f in flags.split()}
        out, modified = [], []
        messages = self.box_messages()
        for seq, uid in messages:
            if not (_set_contains(seqset, uid, self.box_largest()) if by_uid else
                    _set_contains(seqset, seq, len(messages))):
                continue
            entry = self.box[uid]
            if unchanged is not None and entry[1] > int(unchanged):
                modified.append(uid if by_uid else seq)
                continue
            new = entry[0] | flags if op == b"+" else entry[0] - flags if op == b"-" else flags
            if new != entry[0]:
                self.box_hms += 1
                entry[0], entry[1] = set(new), self.box_hms
            if not silent:
                line = [b"FLAGS (%s)" % " ".join(sorted(entry[0])).encode()]
                if by_uid:
                    line.append(b"UID %d" % uid)
                if self.condstore():
                    line += self.box_modseq(uid)
                out.append(b"* %d FETCH (%s)\r\n" % (seq, b" ".join(line)))
        if modified:
            out.append(b"%s OK [MODIFIED %s] Conditional STORE failed for some.\r\n"
                       % (tag, _uid_set(modified)))
        else:
            out.append(ok)
        self.send(b"".join(out))


# --- the server -----------------------------------------------------------------------

class Server:
    def __init__(self, scenario, args):
        self.scenario = scenario
        self.args = args
        self.stop_reason = None
        self.sessions = []
        self.threads = []
        self.certs = None
        self.port = None
        self.started = time.monotonic()
        self.dir = tempfile.mkdtemp(prefix="tern-hostile.")
        self.lock = threading.Lock()
        self.visits = 0                    # connections that opened INBOX (Mailbox scenarios)

    def stop(self, reason):
        if self.stop_reason is None:
            self.stop_reason = reason

    def run(self):
        self.certs = Certs(self.dir)
        for kind in self.scenario.certs:
            self.certs.pair(kind)
        if self.args.ca_out:
            with open(self.certs.ca_file, "rb") as f:
                _write_atomic(self.args.ca_out, f.read())
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, 0))
        listener.listen(16)
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        _write_atomic(self.args.port_file, b"%d\n" % self.port)
        try:
            print(self.port, flush=True)
        except OSError:
            pass
        deadline = self.started + self.args.timeout
        idle_since = None
        try:
            while self.stop_reason is None:
                if time.monotonic() >= deadline:
                    self.stop("hard-timeout")
                    break
                if not _parent_alive(self.args):
                    self.stop("parent-died")
                    break
                r, _, _ = select.select([listener], [], [], TICK)
                if r:
                    try:
                        sock, _ = listener.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    session = Session(self, sock, len(self.sessions))
                    thread = threading.Thread(target=session.run, daemon=True,
                                              name="connection-%d" % session.index)
                    self.sessions.append(session)
                    self.threads.append(thread)
                    thread.start()
                    idle_since = None
                    continue
                if self.sessions and not any(t.is_alive() for t in self.threads):
                    if idle_since is None:
                        idle_since = time.monotonic()
                    if time.monotonic() - idle_since >= self.args.linger:
                        break
        finally:
            listener.close()
            if self.stop_reason is None:
                self.stop("finished")      # tells stragglers to end
            for t in self.threads:
                t.join(5.0)

    def result(self):
        conns = [s.result() for s in self.sessions]
        first = conns[0] if conns else {}
        res = {
            "scenario": self.scenario.name,
            "port": self.port,
            # Over all connections (normally there is one).
            "client_lines": [line for c in conns for line in c["client_lines"]],
            "credentials_seen": any(c["credentials_seen"] for c in conns),
            "credentials_in_clear": any(c["credentials_in_clear"] for c in conns),
            "credentials": [cr for c in conns for cr in c["credentials"]],
            "client_disconnected": bool(conns) and all(c["client_disconnected"] for c in conns),
            "bytes_sent": sum(c["bytes_sent"] for c in conns),
            "tls": any(c["tls"] for c in conns),
            "capability_after_tls": any(c["capability_after_tls"] for c in conns),
            "attack_reached": any(c["attack_reached"] for c in conns),
            "end": first.get("end", "no-connection"),
            "stop": self.stop_reason,
            "connections": conns,
            "duration": round(time.monotonic() - self.started, 3),
            "expect": self.scenario.expect,
        }
        res["expect_failures"] = S.check_result(self.scenario, res)
        return res

    def finish(self):
        """Write the result (and summary); the result as a dict."""
        try:
            res = self.result()
            if self.args.summary:
                _write_atomic(self.args.summary, _summary(res).encode("utf-8"))
            data = json.dumps(res, indent=1, ensure_ascii=False)
            _write_atomic(self.args.result, data.encode("utf-8") + b"\n")
            return res
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def _keyfile_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return "".join(_keyfile_value(v).replace(";", "\\;") + ";" for v in value)
    s = str(value).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
    s = s.replace("\t", "\\t")
    return "\\s" + s[1:] if s.startswith(" ") else s


def _summary(res):
    """The verdict as a GKeyFile: [result] (booleans true/false, lists
    ';'-separated) and [expect] (client_error is "none" when the client must
    succeed)."""
    lines = ["# hostile-server.py summary of scenario %s" % res["scenario"], "[result]"]
    for key in ("scenario", "port", "end", "stop", "bytes_sent", "credentials_seen",
                "credentials_in_clear", "tls", "capability_after_tls", "client_disconnected",
                "attack_reached", "expect_failures"):
        lines.append("%s=%s" % (key, _keyfile_value(res[key])))
    lines.append("connections=%d" % len(res["connections"]))
    lines.append("[expect]")
    for key, value in res["expect"].items():
        lines.append("%s=%s" % (key, _keyfile_value(value)))
    return "\n".join(lines) + "\n"


def _die_with_parent(args):
    """SIGTERM from the kernel when the parent (strictly: the thread that
    forked us) exits; _parent_alive() in the accept loop covers the rest."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _parent_alive(args):
    """Whether the process we serve is still there: --parent-pid if given
    (gone or a zombie = dead), else the parent we started with (a changed
    getppid() means it died; init as our parent from the start means it died
    before we looked)."""
    if args.parent_pid is None:
        return os.getppid() == ORIGINAL_PPID != 1
    try:
        with open("/proc/%d/stat" % args.parent_pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def main(argv=None):
    p = argparse.ArgumentParser(description="The scripted hostile IMAP server.")
    p.add_argument("--scenario")
    p.add_argument("--port-file")
    p.add_argument("--result")
    p.add_argument("--ca-out", help="write the CA certificate (PEM) the client must trust here")
    p.add_argument("--summary", help="also write the verdict as a GKeyFile here")
    p.add_argument("--check", action="store_true",
                   help="exit 3 when the scenario's server-side expectations failed")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="hard limit on the server's life, seconds (default 120)")
    p.add_argument("--linger", type=float, default=0.0,
                   help="after the last connection ends, wait this long for another")
    p.add_argument("--parent-pid", type=int,
                   help="exit when this process is gone (default: when our parent is)")
    p.add_argument("--no-pdeathsig", action="store_true",
                   help="do not ask the kernel for SIGTERM when the parent dies")
    p.add_argument("--list", action="store_true", help="print every scenario as JSON")
    p.add_argument("--describe", metavar="NAME", help="print one scenario as JSON")
    args = p.parse_args(argv)

    if args.list:
        print(json.dumps([s.as_json() for s in S.SCENARIOS.values()], indent=1))
        return 0
    if args.describe:
        if args.describe not in S.SCENARIOS:
            p.error("unknown scenario %r" % args.describe)
        print(json.dumps(S.SCENARIOS[args.describe].as_json(), indent=1))
        return 0
    if not (args.scenario and args.port_file and args.result):
        p.error("--scenario, --port-file and --result are required")
    if args.scenario not in S.SCENARIOS:
        p.error("unknown scenario %r (see --list)" % args.scenario)

    server = Server(S.SCENARIOS[args.scenario], args)

    def on_signal(signum, frame):
        server.stop({signal.SIGTERM: "terminated", signal.SIGINT: "interrupted",
                     signal.SIGHUP: "hangup"}.get(signum, "signal"))
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    if not args.no_pdeathsig:
        _die_with_parent(args)
    if not _parent_alive(args):
        server.stop("parent-died")

    try:
        if server.stop_reason is None:
            server.run()
    except Exception:
        server.stop("server-error")
        traceback.print_exc()
        server.finish()
        return 1
    res = server.finish()
    if args.check and res["expect_failures"]:
        for failure in res["expect_failures"]:
            print("hostile-server: %s: %s" % (res["scenario"], failure), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
