# scenarios.py — the scripts the hostile IMAP server plays, and what a correct
# client must do when it meets each of them
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Pure data: hostile-server.py interprets the steps, test-hostile-server.py
# and the C/tern-cli tests read the expectations.  A scenario is a list of
# steps played once per accepted connection:
#
#   Send(a, b, ..., gap=0.05)  write bytes; each piece is ONE send() call on a
#                              TCP_NODELAY socket (so one segment on loopback),
#                              `gap` seconds between pieces.  "{tag}", "{uid}"
#                              and "{body}" are replaced (see Expect); nothing
#                              else is, so literals like "{0}" are safe.
#   Expect(regex, others=...)  read client commands until one matches regex
#                              (re.match, case-insensitive, against the command
#                              without its tag, e.g. "UID FETCH 1 (FLAGS)").
#                              The match sets {tag}, {uid} (first number of a
#                              FETCH set, '*' = 1) and {body} (the response item
#                              for the first section fetched, e.g. BODY[1] for
#                              BODY.PEEK[1]; BODY[] when none).  Commands that
#                              do not match are answered by the generic
#                              responder (others="generic") or left unanswered
#                              (others="ignore").
#   Reply()                    answer the command Expect matched generically.
#   Serve()                    answer everything generically until the client
#                              disconnects or logs out.
#   StartTLS(cert="good")      TLS handshake as the server, now; "untrusted"
#                              (a CA the client does not know) or "wrong-host"
#                              (trusted CA, name mail.invalid) for bad ones.
#   Stream(n, fill=b"A")       write n bytes of `fill` generated on the fly;
#                              stops quietly when the client goes away.
#   Stall()                    send nothing, ever; record what the client sends
#                              until it disconnects (or the hard timeout).
#   Sleep(s)                   pause (not reading).
#   Close(grace=2, abort=False) FIN after what was sent, read what the client
#                              still sends for `grace` s, close.  abort=True:
#                              RST instead (SO_LINGER 0).
#   State(s)                   tell the generic responder the IMAP state
#                              changed ("authenticated", "selected") when a
#                              scripted Send did it (PREAUTH, scripted SELECT).
#   Attack()                   marks where the hostile part starts; the result
#                              says whether the client got that far
#                              ("attack_reached").
#
# The generic responder (hostile-server.py, respond_generically) answers what a
# correct client plausibly sends — CAPABILITY, STARTTLS, LOGIN, AUTHENTICATE
# PLAIN (with or without SASL-IR), ENABLE, ID, NAMESPACE, LIST/LSUB, STATUS,
# SELECT/EXAMINE (one mailbox, INBOX, with one small message: MESSAGE below),
# FETCH/UID FETCH, SEARCH, STORE, IDLE/DONE, NOOP, CLOSE/UNSELECT, LOGOUT —
# with well-formed RFC 3501 responses, and anything else with "tag OK done".
#
# Expectations (`expect`) are flat.  Keys that are also keys of the result
# JSON are checked by the server itself (result "expect_failures"):
#   credentials_seen      the client sent LOGIN, AUTHENTICATE or a SASL reply
#   credentials_in_clear  ... and did so before TLS
#   tls                   a TLS handshake completed
#   capability_after_tls  the client sent CAPABILITY after the handshake
#   client_disconnected   the client ended the session (closed, logged out,
#                         or aborted the TLS handshake), not the server
#   attack_reached        the script reached its Attack() step
#   forbidden_client_lines  (list of regexes) no client line may match any
# CLIENT_KEYS are about the client and checked by the test that drives it:
#   client_error          None (the action succeeds) or one of CLIENT_ERRORS.

import inspect
import re

# What went wrong, as a test sees it from the client.  The C test maps the
# client's GError (domain, code) onto these names.
CLIENT_ERRORS = {
    "starttls-missing": "TLS was required (STARTTLS account) and the server does not "
                        "offer STARTTLS or refuses it: give up before credentials",
    "preauth-unencrypted": "PREAUTH greeting on an account that requires STARTTLS: "
                           "close without using the connection",
    "certificate": "the TLS certificate did not validate",
    "protocol": "the server sent something malformed or out of bounds "
                "(literal size, syntax, nesting, NUL, line length, unknown tag)",
    "bye": "the server said BYE and closed",
    "closed": "the connection closed (or was reset) in the middle of a response",
    "timeout": "the server stopped answering",
}

# Expectation keys: checked by the server against its result / by the test
# against the client (see the top of this file).
SERVER_CHECKED = ("credentials_seen", "credentials_in_clear", "tls", "capability_after_tls",
                  "client_disconnected", "attack_reached")
CLIENT_KEYS = ("client_error",)

# How far a client action must go for the hostile bytes to reach it; the test
# picks an action that goes at least this far (e.g. "fetch" = log in, select
# INBOX and fetch a message).
NEEDS = ("connect", "login", "select", "fetch", "idle")

USER = "alice"
PASSWORD = "hostile-test-password-1"

UIDVALIDITY = 1767225600
INTERNALDATE = "05-Jan-2026 10:00:00 +0000"
MESSAGE_HEADER = (
    b"From: Alice Example <alice@example.org>\r\n"
    b"To: Bob Example <bob@example.org>\r\n"
    b"Subject: Hello from the hostile server\r\n"
    b"Date: Mon, 05 Jan 2026 10:00:00 +0000\r\n"
    b"Message-ID: <hostile-1@tern.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 7bit\r\n"
    b"\r\n")
MESSAGE_TEXT = (
    b"Hello Bob,\r\n"
    b"\r\n"
    b"this message is served by Tern's scripted IMAP server.\r\n"
    b"It is small, plain and well formed.\r\n"
    b"\r\n"
    b"Alice\r\n")
MESSAGE = MESSAGE_HEADER + MESSAGE_TEXT
ENVELOPE = (
    b'("Mon, 05 Jan 2026 10:00:00 +0000" "Hello from the hostile server" '
    b'(("Alice Example" NIL "alice" "example.org")) '
    b'(("Alice Example" NIL "alice" "example.org")) '
    b'(("Alice Example" NIL "alice" "example.org")) '
    b'(("Bob Example" NIL "bob" "example.org")) NIL NIL NIL "<hostile-1@tern.example>")')
BODYSTRUCTURE = (
    b'("text" "plain" ("charset" "utf-8") NIL NIL "7bit" %d %d NIL NIL NIL NIL)'
    % (len(MESSAGE_TEXT), MESSAGE_TEXT.count(b"\r\n")))

CAPS = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE NAMESPACE LITERAL+ UIDPLUS AUTH=PLAIN"
CAPS_STARTTLS = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED"
BIG = 100 * 1024 * 1024   # "100 MB"


# --- steps -------------------------------------------------------------------

def _bytes(x):
    return x.encode("utf-8") if isinstance(x, str) else bytes(x)


class Step:
    def __repr__(self):
        args = ", ".join("%s=%r" % kv for kv in vars(self).items())
        return "%s(%s)" % (type(self).__name__, args)


class Send(Step):
    def __init__(self, *pieces, gap=0.05):
        self.pieces = [_bytes(p) for p in pieces]
        self.gap = gap


class Expect(Step):
    def __init__(self, pattern, others="generic"):
        assert others in ("generic", "ignore")
        self.pattern = pattern
        self.others = others


class Reply(Step):
    pass


class Serve(Step):
    pass


class StartTLS(Step):
    def __init__(self, cert="good"):
        assert cert in ("good", "untrusted", "wrong-host")
        self.cert = cert


class Stream(Step):
    def __init__(self, size, fill=b"A"):
        self.size = size
        self.fill = _bytes(fill)


class Stall(Step):
    pass


class Sleep(Step):
    def __init__(self, seconds):
        self.seconds = seconds


class Close(Step):
    def __init__(self, grace=2.0, abort=False):
        self.grace = grace
        self.abort = abort


class State(Step):
    def __init__(self, state):
        assert state in ("not-authenticated", "authenticated", "selected")
        self.state = state


class Attack(Step):
    pass


# Patterns for Expect, matched against the command without its tag.
AUTH = r"(LOGIN|AUTHENTICATE)\b"
CAPABILITY = r"CAPABILITY\b"
STARTTLS = r"STARTTLS\b"
SELECT = r"(SELECT|EXAMINE)\b"
FETCH = r"(UID +)?FETCH\b"
IDLE = r"IDLE\b"
NOT_LOGOUT = r"(?!LOGOUT\b)\S"


# --- the registry --------------------------------------------------------------

class Scenario:
    def __init__(self, name, doc, steps, expect, security="plain", needs="connect",
                 caps=None, caps_tls=CAPS, generic_starttls=True, mailbox=None):
        assert security in ("plain", "starttls", "tls")
        assert needs in NEEDS
        assert "client_error" in expect and expect["client_error"] in (None, *CLIENT_ERRORS)
        assert set(expect) <= {*SERVER_CHECKED, *CLIENT_KEYS, "forbidden_client_lines"}, expect
        self.name = name
        self.doc = inspect.cleandoc(doc)
        self.steps = steps
        self.expect = expect
        # How the client's account must be configured: "plain" means no TLS
        # with clear-text login explicitly allowed (loopback tests only).
        self.security = security
        self.needs = needs
        self.caps = caps if caps is not None else (
            CAPS_STARTTLS if security == "starttls" else CAPS)
        self.caps_tls = caps_tls
        self.generic_starttls = generic_starttls
        self.certs = {s.cert for s in steps if isinstance(s, StartTLS)}
        # A Mailbox (below): INBOX with several messages, CONDSTORE and
        # QRESYNC, and the lies about them; None for the one-message INBOX.
        self.mailbox = mailbox

    def summary(self):
        return self.doc.split("\n\n")[0].replace("\n", " ")

    def as_json(self):
        out = {"name": self.name, "summary": self.summary(), "doc": self.doc,
               "security": self.security, "needs": self.needs, "expect": self.expect}
        if self.mailbox is not None:
            out["mailbox"] = self.mailbox.as_json()
        return out


SCENARIOS = {}


def add(name, doc, steps, **kw):
    assert name not in SCENARIOS, name
    SCENARIOS[name] = Scenario(name, doc, steps, **kw)


def scenario(**kw):
    """Decorator: the function's name (with '-') and docstring name and describe
    the scenario, its return value is the list of steps."""
    def register(fn):
        add(kw.pop("name", fn.__name__.replace("_", "-")), fn.__doc__, fn(), **kw)
        return fn
    return register


def hostile(**expect):
    """Expectations of a hostile scenario: it must have reached its attack."""
    return {"attack_reached": True, **expect}


def greeting(caps=CAPS, text="Tern hostile server ready"):
    if caps is None:
        return Send("* OK %s\r\n" % text)
    return Send("* OK [CAPABILITY %s] %s\r\n" % (caps, text))


def to_selected():
    """Steps that take a plain connection through login and SELECT INBOX."""
    return [greeting(), Expect(AUTH), Reply(), Expect(SELECT), Reply()]


def to_fetch():
    """... and on to the client's first FETCH, which the next steps answer."""
    return [greeting(), Expect(AUTH), Reply(), Expect(FETCH)]


def fetch_reply(*middle):
    """An untagged FETCH for the requested message whose items are `middle`,
    completed; what a client that ignored the damage would accept."""
    return b"* 1 FETCH (UID {uid} " + b"".join(_bytes(m) for m in middle) + \
        b")\r\n{tag} OK Fetch completed.\r\n"


# --- benign ----------------------------------------------------------------------

@scenario(security="plain", needs="fetch",
          expect={"credentials_seen": True, "tls": False, "client_disconnected": True,
                  "client_error": None})
def happy_plain():
    """A well-behaved server without TLS: proves the harness works.

    Greeting with capabilities, then login (LOGIN or AUTHENTICATE PLAIN, with
    or without SASL-IR), SELECT INBOX with a realistic answer (1 message,
    UIDVALIDITY 1767225600, UIDNEXT 2), FETCH of that small message, LOGOUT.
    The account must allow clear-text login (loopback test account)."""
    return [greeting(), Expect(AUTH), Reply(), Expect(SELECT), Reply(),
            Expect(FETCH), Reply(), Serve()]


@scenario(security="starttls", needs="fetch",
          expect={"tls": True, "credentials_seen": True, "credentials_in_clear": False,
                  "capability_after_tls": True, "client_disconnected": True,
                  "client_error": None})
def happy_starttls():
    """A well-behaved STARTTLS server (CA from --ca-out).

    Greeting advertises STARTTLS and LOGINDISABLED; after the handshake
    CAPABILITY offers AUTH=PLAIN; then as happy-plain.  The client must ask
    CAPABILITY again after TLS and log in only over TLS."""
    return [greeting(CAPS_STARTTLS), Expect(STARTTLS),
            Send("{tag} OK Begin TLS negotiation now.\r\n"), StartTLS(),
            Expect(AUTH), Reply(), Serve()]


@scenario(security="tls", needs="fetch",
          expect={"tls": True, "credentials_seen": True, "credentials_in_clear": False,
                  "client_disconnected": True, "client_error": None})
def happy_tls():
    """A well-behaved implicit-TLS server (port 993 style; CA from --ca-out).

    Handshake first, then greeting and everything as happy-plain."""
    return [StartTLS(), greeting(), Serve()]


# --- STARTTLS and TLS ---------------------------------------------------------

@scenario(security="starttls", needs="connect", caps=CAPS,
          expect=hostile(credentials_seen=False, tls=False, client_disconnected=True,
                         client_error="starttls-missing"))
def starttls_withheld():
    """STARTTLS withheld on a STARTTLS account (Evolution 2016).

    Greeting and CAPABILITY list AUTH=PLAIN but no STARTTLS; a STARTTLS sent
    anyway is answered NO.  The client must give up before any credentials."""
    return [Attack(), greeting(CAPS), Serve()]


@scenario(security="starttls", needs="connect", generic_starttls=False,
          expect=hostile(credentials_seen=False, tls=False, client_disconnected=True,
                         client_error="starttls-missing"))
def starttls_refused():
    """STARTTLS advertised, but the command is answered NO.

    The client must give up before any credentials, not fall back to clear."""
    return [greeting(CAPS_STARTTLS), Expect(STARTTLS), Attack(),
            Send("{tag} NO [UNAVAILABLE] TLS is not available right now.\r\n"), Serve()]


@scenario(security="starttls", needs="login",
          expect=hostile(tls=True, capability_after_tls=True, credentials_in_clear=False,
                         client_error=None))
def starttls_injection():
    """STARTTLS response injection (Thunderbird, Mutt, Claws, Apple Mail CVEs).

    The tagged OK for STARTTLS and a forged '* OK [CAPABILITY IMAP4rev1
    AUTH=PLAIN] injected' arrive in ONE send() before the handshake.  The
    client must discard everything buffered before the handshake, ask
    CAPABILITY again over TLS and not trust the injected capabilities; then it
    logs in normally over TLS."""
    return [greeting(CAPS_STARTTLS), Expect(STARTTLS), Attack(),
            Send("{tag} OK Begin TLS negotiation now.\r\n"
                 "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n"),
            StartTLS(), Serve()]


@scenario(security="starttls", needs="connect",
          expect=hostile(credentials_seen=False, tls=False, client_disconnected=True,
                         client_error="preauth-unencrypted",
                         forbidden_client_lines=[
                             r"^\S+ +(?!(LOGOUT|CAPABILITY|STARTTLS|NOOP)\b)"]))
def preauth_on_starttls():
    """PREAUTH greeting on a STARTTLS account (Thunderbird, Mutt, Alpine).

    The server claims the session is already authenticated, so STARTTLS is no
    longer possible (it is answered BAD).  The client must close without
    sending credentials or touching any mailbox over the clear connection."""
    return [Attack(), Send("* PREAUTH [CAPABILITY %s] Logged in as %s\r\n"
                           % (CAPS_STARTTLS, USER)),
            State("authenticated"), Serve()]


@scenario(security="starttls", needs="connect",
          expect=hostile(credentials_seen=False, tls=False, client_disconnected=True,
                         client_error="certificate"))
def starttls_untrusted_cert():
    """STARTTLS with a certificate from a CA the client does not trust.

    The handshake must fail and no credentials may follow (Geary: trust one
    bad certificate, trust them all; the user decides, never silently)."""
    return [greeting(CAPS_STARTTLS), Expect(STARTTLS),
            Send("{tag} OK Begin TLS negotiation now.\r\n"), Attack(),
            StartTLS(cert="untrusted"), Serve()]


@scenario(security="tls", needs="connect",
          expect=hostile(credentials_seen=False, tls=False, client_disconnected=True,
                         client_error="certificate"))
def tls_wrong_host():
    """Implicit TLS with a certificate from the trusted CA for another name.

    The certificate names only mail.invalid; the client connects to 127.0.0.1
    or localhost, so validation must fail before any IMAP is spoken."""
    return [Attack(), StartTLS(cert="wrong-host"), greeting(), Serve()]


# --- literals ---------------------------------------------------------------------

@scenario(security="plain", needs="fetch",
          expect=hostile(client_disconnected=True, client_error=None))
def literal_zero():
    """Zero-length literals {0}, which are valid and must parse.

    The FETCH answer carries the ENVELOPE subject and the requested body
    section as {0} literals; the message reads as empty subject and body."""
    return to_fetch() + [Attack(), Send(fetch_reply(
        b"FLAGS (\\Seen) RFC822.SIZE 0 ",
        b'ENVELOPE ("Mon, 05 Jan 2026 10:00:00 +0000" {0}\r\n'
        b' (("Alice Example" NIL "alice" "example.org")) NIL NIL NIL NIL NIL NIL'
        b' "<hostile-1@tern.example>") ',
        b"{body} {0}\r\n")), Serve()]


for _name, _size, _why in [
        ("literal-huge", "9223372036854775808",
         "2^63: one more than the largest signed 64-bit value"),
        ("literal-huge-u64max", "18446744073709551615",
         "2^64-1: the largest unsigned 64-bit value"),
        ("literal-huge-u64wrap", "18446744073709551626",
         "2^64+10: an unchecked 64-bit parse wraps it to 10, and 10 bytes follow"),
        ("literal-huge-u32wrap", "4294967306",
         "2^32+10: a 32-bit truncation makes it 10, and 10 bytes follow")]:
    add(_name, """Literal size {%s} in a FETCH body (Mutt 2018).

    %s.  The client must fail cleanly at the size, without allocating it and
    without waiting for the bytes: what follows is 10 bytes, ')' and the
    tagged OK, so a client that accepts the size hangs or "succeeds".""" % (_size, _why),
        to_fetch() + [Attack(), Send(fetch_reply(b"{body} {%s}\r\n0123456789" % _size.encode())),
                      Serve()],
        security="plain", needs="fetch",
        expect=hostile(client_disconnected=True, client_error="protocol"))

for _name, _lit, _why in [
        ("literal-garbage", "{12a}", "a letter in the size"),
        ("literal-garbage-negative", "{-1}", "a negative size"),
        ("literal-garbage-empty", "{}", "no size at all"),
        ("literal-garbage-space", "{ 5}", "a space before the size"),
        ("literal-no-crlf", "{5}", "no CRLF after the size")]:
    _after = b"hello" if _name == "literal-no-crlf" else b"\r\n0123456789ab"
    add(_name, """Malformed literal %s in a FETCH body: %s.

    Bytes follow as if the size were valid, then ')' and the tagged OK.  The
    client must reject the response as a protocol error.""" % (_lit, _why),
        to_fetch() + [Attack(), Send(fetch_reply(b"{body} " + _lit.encode() + _after)),
                      Serve()],
        security="plain", needs="fetch",
        expect=hostile(client_disconnected=True, client_error="protocol"))
del _name, _size, _why, _lit, _after


@scenario(security="plain", needs="fetch",
          expect=hostile(client_error="closed"))
def close_mid_literal():
    """The server announces {1000}, sends 10 bytes and closes (FIN).

    The client must fail the command cleanly (no partial message stored as
    complete), free what it buffered, and not crash."""
    return to_fetch() + [Attack(), Send(b"* 1 FETCH (UID {uid} {body} {1000}\r\n0123456789"),
                         Close()]


@scenario(security="plain", needs="fetch",
          expect=hostile(client_error="closed"))
def reset_mid_literal():
    """As close-mid-literal, but the connection is reset (RST), not closed."""
    return to_fetch() + [Attack(), Send(b"* 1 FETCH (UID {uid} {body} {1000}\r\n0123456789"),
                         Sleep(0.2), Close(abort=True)]


# --- strings, atoms, nesting, lines ---------------------------------------------

@scenario(security="plain", needs="fetch",
          expect=hostile(client_disconnected=True, client_error="protocol"))
def quoted_unterminated():
    """A quoted string (the ENVELOPE subject) cut by CRLF, never closed.

    Then the tagged OK on the next line.  A quoted string cannot contain CR or
    LF: the client must reject the response, not read on to a later quote."""
    return to_fetch() + [Attack(), Send(
        b'* 1 FETCH (UID {uid} ENVELOPE ("Mon, 05 Jan 2026 10:00:00 +0000" '
        b'"An unterminated subject\r\n{tag} OK Fetch completed.\r\n'), Serve()]


@scenario(security="plain", needs="fetch",
          expect=hostile(client_disconnected=True, client_error="protocol"))
def quoted_escape_eol():
    """A quoted string ending in a lone backslash, right before CRLF.

    An escaping parser that swallows the CR (or reads past the end of the
    buffer) is the classic overflow; the client must reject the response."""
    return to_fetch() + [Attack(), Send(
        b'* 1 FETCH (UID {uid} ENVELOPE ("Mon, 05 Jan 2026 10:00:00 +0000" '
        b'"Subject ends in a backslash\\\r\n{tag} OK Fetch completed.\r\n'), Serve()]


@scenario(security="plain", needs="fetch",
          expect=hostile(client_disconnected=True, client_error="protocol"))
def bodystructure_deep():
    """BODYSTRUCTURE nested 10 000 deep (multipart in multipart ...).

    About 100 KB on one line, syntactically balanced.  The client must stop
    at its nesting bound with a protocol error, without recursing 10 000
    frames deep (stack overflow) and without leaking the partial tree."""
    depth = 10000
    deep = (b"(" * depth + b'("text" "plain" NIL NIL NIL "7bit" 1 1)' +
            b' "mixed")' * depth)
    return to_fetch() + [Attack(), Send(fetch_reply(b"BODYSTRUCTURE ", deep)), Serve()]


@scenario(security="plain", needs="fetch",
          expect=hostile(client_disconnected=True, client_error="protocol"))
def nul_bytes():
    """A NUL byte inside a quoted string (the ENVELOPE subject).

    NUL is not a valid CHAR in IMAP; C string handling would silently cut the
    subject.  The client must reject the response."""
    return to_fetch() + [Attack(), Send(fetch_reply(
        b'ENVELOPE ("Mon, 05 Jan 2026 10:00:00 +0000" "Sub\x00ject"'
        b' (("Alice Example" NIL "alice" "example.org")) NIL NIL NIL NIL NIL NIL'
        b' "<hostile-1@tern.example>")')), Serve()]


@scenario(security="plain", needs="fetch",
          expect=hostile(client_disconnected=True, client_error="protocol"))
def nul_bytes_atom():
    """A NUL byte inside an atom (a keyword in FLAGS).

    The client must reject the response rather than store a truncated
    keyword."""
    return to_fetch() + [Attack(), Send(fetch_reply(b"FLAGS (\\Seen $Lab\x00el)")), Serve()]


@scenario(security="plain", needs="connect",
          expect=hostile(client_disconnected=True, client_error="protocol"))
def line_100mb():
    """A greeting line of 100 MiB (104 857 600 bytes after '* OK ') with no CRLF.

    Streamed, then silence.  The client must stop at its line bound with a
    protocol error and close; its memory must stay bounded."""
    return [Attack(), Send("* OK "), Stream(BIG, b"A"), Stall()]


@scenario(security="plain", needs="fetch",
          expect=hostile(client_disconnected=True, client_error="protocol"))
def line_100mb_fetch():
    """A FETCH response whose quoted subject runs 100 MiB with no CRLF.

    As line-100mb, but in the selected state, inside a quoted string."""
    return to_fetch() + [Attack(), Send(b'* 1 FETCH (UID {uid} ENVELOPE ("Mon, 05 Jan 2026" "'),
                         Stream(BIG, b"x"), Stall()]


@scenario(security="plain", needs="select",
          expect=hostile(client_disconnected=True, client_error="protocol"))
def unknown_tag():
    """A tagged response with a tag the client never sent.

    SELECT is answered with realistic untagged data and 'UNKNOWN-TAG-7 OK',
    then 0.1 s later the right tagged OK.  The client must treat the unknown
    tag as a protocol error, not ignore it and carry on."""
    return [greeting(), Expect(AUTH), Reply(), Expect(SELECT), Attack(),
            Send(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                 b"* 1 EXISTS\r\n* 0 RECENT\r\n"
                 b"* OK [UIDVALIDITY %d] UIDs valid\r\n"
                 b"* OK [UIDNEXT 2] Predicted next UID\r\n"
                 b"UNKNOWN-TAG-7 OK [READ-WRITE] Select completed.\r\n" % UIDVALIDITY),
            Sleep(0.1), Send(b"{tag} OK [READ-WRITE] Select completed.\r\n"),
            State("selected"), Serve()]


# --- BYE at every state ----------------------------------------------------------

@scenario(security="plain", needs="connect",
          expect=hostile(credentials_seen=False, client_error="bye"))
def bye_greeting():
    """The greeting is '* BYE', then the server closes."""
    return [Attack(), Send("* BYE Too many connections from your address.\r\n"), Close()]


@scenario(security="plain", needs="connect",
          expect=hostile(credentials_seen=False, client_error="bye"))
def bye_after_capability():
    """BYE in the not-authenticated state, in answer to CAPABILITY.

    The greeting carries no capabilities, so the client must ask; the answer
    is the CAPABILITY data, then '* BYE' instead of the tagged OK, and close."""
    return [greeting(None), Expect(CAPABILITY), Attack(),
            Send("* CAPABILITY %s\r\n* BYE Server shutting down.\r\n" % CAPS), Close()]


@scenario(security="starttls", needs="connect",
          expect=hostile(credentials_seen=False, tls=False, client_error="bye"))
def bye_after_starttls():
    """BYE in answer to STARTTLS, then close, on a STARTTLS account.

    The client must report it and not retry in clear."""
    return [greeting(CAPS_STARTTLS), Expect(STARTTLS), Attack(),
            Send("* BYE Server shutting down.\r\n"), Close()]


@scenario(security="plain", needs="login",
          expect=hostile(client_error="bye"))
def bye_during_login():
    """BYE in answer to LOGIN/AUTHENTICATE instead of the tagged result."""
    return [greeting(), Expect(AUTH), Attack(),
            Send("* BYE Authentication service unavailable.\r\n"), Close()]


@scenario(security="plain", needs="select",
          expect=hostile(client_error="bye"))
def bye_after_login():
    """BYE in the authenticated state: the first command after a successful
    login (whatever it is, except LOGOUT) is answered '* BYE', then close."""
    return [greeting(), Expect(AUTH), Reply(), Expect(NOT_LOGOUT), Attack(),
            Send("* BYE Autologout; idle for too long.\r\n"), Close()]


@scenario(security="plain", needs="fetch",
          expect=hostile(client_error="bye"))
def bye_after_select():
    """BYE in the selected state: the first command after SELECT/EXAMINE
    (except LOGOUT) is answered '* BYE', then close."""
    return to_selected() + [Expect(NOT_LOGOUT), Attack(),
                            Send("* BYE Autologout; idle for too long.\r\n"), Close()]


@scenario(security="plain", needs="idle",
          expect=hostile(client_error="bye"))
def bye_during_idle():
    """BYE while IDLE is running: '+ idling', 0.2 s, '* BYE', close."""
    return to_selected() + [Expect(IDLE), Send("+ idling\r\n"), Sleep(0.2), Attack(),
                            Send("* BYE Server shutting down.\r\n"), Close()]


@scenario(security="plain", needs="fetch",
          expect=hostile(client_error="bye"))
def bye_during_fetch():
    """BYE in the middle of a FETCH: one untagged FETCH, then '* BYE' instead
    of the tagged OK, then close.  The pending command must fail."""
    return to_fetch() + [Attack(), Send(b"* 1 FETCH (UID {uid} FLAGS (\\Seen))\r\n"
                                        b"* BYE Internal error, disconnecting.\r\n"),
                         Close()]


# --- stalls ---------------------------------------------------------------------------

@scenario(security="plain", needs="connect",
          expect=hostile(credentials_seen=False, client_disconnected=True,
                         client_error="timeout"))
def stall_greeting():
    """Accept the connection and never send anything (no greeting).

    The client must time out and close by itself."""
    return [Attack(), Stall()]


@scenario(security="plain", needs="fetch",
          expect=hostile(client_disconnected=True, client_error="timeout"))
def stall_mid_response():
    """Half a FETCH response (the literal announced as {20}, 7 bytes sent),
    then nothing.  The client must time out and close."""
    return to_fetch() + [Attack(), Send(b"* 1 FETCH (UID {uid} FLAGS (\\Seen) {body} {20}\r\n"
                                        b"Hello, "), Stall()]


@scenario(security="plain", needs="select",
          expect=hostile(client_disconnected=True, client_error="timeout"))
def stall_after_login():
    """Login succeeds, then the server never answers again."""
    return [greeting(), Expect(AUTH), Reply(), Attack(), Stall()]


# --- CONDSTORE and QRESYNC -----------------------------------------------------------
#
# These scenarios serve an INBOX of several messages with mod-sequences
# (Mailbox below) instead of the one-message INBOX, through the generic
# responder: ENABLE answers "* ENABLED CONDSTORE/QRESYNC", SELECT/EXAMINE
# report HIGHESTMODSEQ and take (CONDSTORE) and (QRESYNC (uidvalidity modseq
# [known-uids])), FETCH knows MODSEQ, (CHANGEDSINCE n) and (VANISHED), STORE
# bumps mod-sequences, SEARCH and STATUS answer from the same messages.
#
# The mailbox changes between visits, as another device would change it: the
# n-th connection that SELECTs or EXAMINEs INBOX (its "visit", counted from 0
# over the server's life; connections that never open INBOX, such as an
# account check or a test's marker connection, do not count) finds
# versions[n] (the last version from then on).  A scenario's lie starts with
# visit `lie_from`; each connection's result says its "visit" and what it
# "enabled".

CAPS_MODSEQ = CAPS + " CONDSTORE QRESYNC"


def mailbox_message(uid):
    """(header, text) of the message with UID `uid` in a Mailbox INBOX:
    MESSAGE with a subject and Message-ID of its own."""
    header = (MESSAGE_HEADER
              .replace(b"Subject: Hello from the hostile server",
                       b"Subject: Hostile message %d" % uid)
              .replace(b"<hostile-1@tern.example>", b"<hostile-%d@tern.example>" % uid))
    return header, MESSAGE_TEXT


def mailbox_envelope(uid):
    return ENVELOPE.replace(b'"Hello from the hostile server"',
                            b'"Hostile message %d"' % uid) \
        .replace(b"<hostile-1@tern.example>", b"<hostile-%d@tern.example>" % uid)


class Version:
    """INBOX as one visit finds it: messages {uid: (flags, modseq)}, the UIDs
    expunged so far {uid: modseq of the expunge}, UIDNEXT, HIGHESTMODSEQ."""

    def __init__(self, messages, expunged, uidnext, highestmodseq):
        self.messages = {u: (frozenset(f), m) for u, (f, m) in messages.items()}
        self.expunged = dict(expunged)
        self.uidnext = uidnext
        self.highestmodseq = highestmodseq
        assert all(u < uidnext for u in self.messages) and not set(self.messages) & \
            set(self.expunged)
        assert all(m <= highestmodseq for _, m in self.messages.values())

    def evolve(self, flags=None, expunge=(), new=None):
        """The next version: flags set ({uid: flags}), then UIDs expunged, then
        new messages ({uid: flags}); each change takes the next mod-sequence."""
        messages, expunged, modseq = dict(self.messages), dict(self.expunged), self.highestmodseq
        for uid, f in sorted((flags or {}).items()):
            modseq += 1
            messages[uid] = (frozenset(f), modseq)
        for uid in sorted(expunge):
            modseq += 1
            del messages[uid]
            expunged[uid] = modseq
        uidnext = self.uidnext
        for uid, f in sorted((new or {}).items()):
            assert uid >= uidnext
            modseq += 1
            messages[uid] = (frozenset(f), modseq)
            uidnext = uid + 1
        return Version(messages, expunged, uidnext, modseq)

    def state(self):
        """{uid: (flags, size)}, what a client's cache must end up holding."""
        return {u: (f, sum(map(len, mailbox_message(u)))) for u, (f, _) in self.messages.items()}

    def as_json(self):
        return {"uidnext": self.uidnext, "highestmodseq": self.highestmodseq,
                "messages": {str(u): {"flags": sorted(f), "modseq": m}
                             for u, (f, m) in sorted(self.messages.items())},
                "expunged": {str(u): m for u, m in sorted(self.expunged.items())}}


class Mailbox:
    """The INBOX of a CONDSTORE/QRESYNC scenario and how the server lies
    about it, from visit `lie_from` on:
      omit_modseq             FETCH answers never carry MODSEQ, even when
                              CONDSTORE is enabled and MODSEQ was asked for
      qresync_highestmodseq   SELECT/EXAMINE with a QRESYNC parameter reports
                              this HIGHESTMODSEQ (and, believing it, no changes)
      qresync_vanished        ... answers "* VANISHED (EARLIER) <this>" instead
                              of the UIDs really expunged since
      omit_closed             a SELECT/EXAMINE while a mailbox is selected
                              does not send the [CLOSED] that separates the
                              old mailbox's responses from the new one's
                              (RFC 7162 3.2.11)"""

    def __init__(self, versions, omit_modseq=False, qresync_highestmodseq=None,
                 qresync_vanished=None, omit_closed=False, lie_from=1):
        self.versions = versions
        self.omit_modseq = omit_modseq
        self.qresync_highestmodseq = qresync_highestmodseq
        self.qresync_vanished = qresync_vanished
        self.omit_closed = omit_closed
        self.lie_from = lie_from

    def version(self, visit):
        return self.versions[min(max(visit, 0), len(self.versions) - 1)]

    def lies(self, visit):
        return (visit is not None and visit >= self.lie_from and
                (self.omit_modseq or self.qresync_highestmodseq is not None or
                 self.qresync_vanished is not None or self.omit_closed))

    def as_json(self):
        return {"versions": [v.as_json() for v in self.versions],
                "omit_modseq": self.omit_modseq,
                "qresync_highestmodseq": self.qresync_highestmodseq,
                "qresync_vanished": self.qresync_vanished, "omit_closed": self.omit_closed,
                "lie_from": self.lie_from}


# Visit 0: seven messages (4 and 7 expunged long ago), UIDNEXT 10,
# HIGHESTMODSEQ 100.  Visit 1: another device read 3 and flagged 8 (MODSEQ
# 101, 102) and expunged 6 (103); an honest QRESYNC answer from 100 is
# "VANISHED (EARLIER) 6" and FETCH for 3 and 8.  Visit 2 and later: 2 lost its
# \Flagged (104) and message 10 arrived (105).
MODSEQ_VERSIONS = [Version({1: ({"\\Seen"}, 5), 2: ({"\\Seen", "\\Flagged"}, 12), 3: ((), 30),
                            5: ({"\\Seen", "$Label1"}, 41), 6: ({"\\Answered", "\\Seen"}, 57),
                            8: ((), 80), 9: ({"\\Draft"}, 100)},
                           {4: 33, 7: 60}, uidnext=10, highestmodseq=100)]
MODSEQ_VERSIONS.append(MODSEQ_VERSIONS[0].evolve(flags={3: {"\\Seen"}, 8: {"\\Flagged"}},
                                                 expunge=[6]))
MODSEQ_VERSIONS.append(MODSEQ_VERSIONS[1].evolve(flags={2: {"\\Seen"}}, new={10: ()}))


# The lies below come on a later visit, or only once CONDSTORE is on: further
# than a one-connection action up to `needs` goes (such a client must simply
# succeed), so attack_reached is not among their expectations.  A test that
# drives the visits checks each connection's "attack_reached" itself.
MODSEQ_LIE_EXPECT = {"credentials_seen": True, "client_disconnected": True, "client_error": None}


@scenario(security="plain", needs="fetch", caps=CAPS_MODSEQ, caps_tls=CAPS_MODSEQ,
          mailbox=Mailbox(MODSEQ_VERSIONS),
          expect={"credentials_seen": True, "client_disconnected": True, "attack_reached": False,
                  "client_error": None})
def modseq_honest():
    """A well-behaved CONDSTORE/QRESYNC server whose INBOX changes between visits.

    The control for the modseq-* and vanished-* scenarios: the same INBOX
    (seven messages, UIDNEXT 10, HIGHESTMODSEQ 100; then 3 read, 8 flagged, 6
    expunged; then 2 unflagged and 10 new), answered truthfully: SELECT
    (QRESYNC (1767225600 100)) on the second visit gets HIGHESTMODSEQ 103,
    VANISHED (EARLIER) 6 and FETCH for 3 and 8, all with MODSEQ.  A client
    must not see a contradiction here."""
    return [greeting(CAPS_MODSEQ), Serve()]


@scenario(security="plain", needs="fetch", caps=CAPS_MODSEQ, caps_tls=CAPS_MODSEQ,
          mailbox=Mailbox(MODSEQ_VERSIONS, omit_modseq=True, lie_from=0),
          expect=dict(MODSEQ_LIE_EXPECT))
def modseq_less_fetch():
    """CONDSTORE/QRESYNC advertised and enabled, but FETCH never carries MODSEQ.

    ENABLE QRESYNC is confirmed and SELECT reports HIGHESTMODSEQ, yet every
    FETCH answer (asked for MODSEQ or not, CHANGEDSINCE included) lacks the
    MODSEQ item, from the first visit on.  The client must notice, compare
    the folder in full and remember not to trust this server's MODSEQ."""
    return [greeting(CAPS_MODSEQ), Serve()]


@scenario(security="plain", needs="fetch", caps=CAPS_MODSEQ, caps_tls=CAPS_MODSEQ,
          mailbox=Mailbox(MODSEQ_VERSIONS, qresync_highestmodseq=50, lie_from=1),
          expect=dict(MODSEQ_LIE_EXPECT))
def modseq_backwards():
    """HIGHESTMODSEQ goes backwards: 100 on the first visit, 50 on the next.

    The first visit is honest (HIGHESTMODSEQ 100, every FETCH with MODSEQ).
    From the second visit on, SELECT/EXAMINE with a QRESYNC parameter answers
    HIGHESTMODSEQ 50 and, consistent with that, reports no changes, although
    3 was read, 8 flagged and 6 expunged since.  A client that believes it
    misses all three; it must compare the folder in full instead."""
    return [greeting(CAPS_MODSEQ), Serve()]


@scenario(security="plain", needs="fetch", caps=CAPS_MODSEQ, caps_tls=CAPS_MODSEQ,
          mailbox=Mailbox(MODSEQ_VERSIONS, qresync_vanished="500:600", lie_from=1),
          expect=dict(MODSEQ_LIE_EXPECT))
def vanished_never_had():
    """VANISHED for UIDs the server never had: 500:600 while UIDNEXT is 10.

    The first visit is honest.  From the second visit on, SELECT/EXAMINE with
    a QRESYNC parameter answers '* VANISHED (EARLIER) 500:600' instead of the
    UID really expunged (6); the FETCH answers for 3 and 8 are honest.  A
    client that believes it keeps 6; it must compare the folder in full."""
    return [greeting(CAPS_MODSEQ), Serve()]


@scenario(security="plain", needs="fetch", caps=CAPS_MODSEQ, caps_tls=CAPS_MODSEQ,
          mailbox=Mailbox(MODSEQ_VERSIONS, qresync_vanished="5:600", lie_from=1),
          expect=dict(MODSEQ_LIE_EXPECT))
def vanished_never_had_overlap():
    """VANISHED (EARLIER) 5:600 while UIDNEXT is 10 and 5, 8 and 9 still exist.

    As vanished-never-had, but the bogus range starts among real messages:
    it runs past UIDNEXT, so it is a contradiction, and it also names UIDs the
    server still has.  After the full comparison the client's cache must
    still hold 5, 8 and 9."""
    return [greeting(CAPS_MODSEQ), Serve()]


@scenario(security="plain", needs="fetch", caps=CAPS_MODSEQ, caps_tls=CAPS_MODSEQ,
          mailbox=Mailbox(MODSEQ_VERSIONS, qresync_highestmodseq=50, omit_closed=True,
                          lie_from=1),
          expect=dict(MODSEQ_LIE_EXPECT))
def modseq_backwards_no_closed():
    """As modseq-backwards, and a SELECT of the selected mailbox sends no [CLOSED].

    From the second visit on, besides HIGHESTMODSEQ 50 after 100, a SELECT or
    EXAMINE while INBOX is selected (QRESYNC enabled) lacks the [CLOSED]
    response code that RFC 7162 3.2.11 requires, so a client that waits for
    it takes the new SELECT's FLAGS, EXISTS, UIDVALIDITY and UIDNEXT for the
    old mailbox's.  A client that re-selects to recover must not end with a
    cache that differs from the server."""
    return [greeting(CAPS_MODSEQ), Serve()]


# --- checking a result -----------------------------------------------------------------



def check_result(scenario, result):
    """The server-side expectations of `scenario` that `result` (the result
    JSON as a dict) does not meet, as readable strings; [] when all hold."""
    failures = []
    for key, want in scenario.expect.items():
        if key in CLIENT_KEYS:
            continue
        if key == "forbidden_client_lines":
            for pattern in want:
                for line in result.get("client_lines", []):
                    if re.search(pattern, line, re.I):
                        failures.append("forbidden client line %r (matches %r)"
                                        % (line[:200], pattern))
            continue
        assert key in SERVER_CHECKED, key
        if result.get(key) != want:
            failures.append("%s is %r, expected %r" % (key, result.get(key), want))
    return failures
