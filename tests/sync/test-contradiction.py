#!/usr/bin/python3
# test-contradiction.py — QRESYNC and CONDSTORE are on by default, and a
# server that contradicts itself is caught (issue #4, Sync): the sync still
# succeeds with a warning, the folder is compared in full (mode "full") so
# that the cache equals what the server holds, and the fallback is remembered
# for that server, so a later sync does not even ENABLE QRESYNC/CONDSTORE.
#
# Usage (meson suite "sync"):
#   with-dovecot --size N -- /usr/bin/python3 test-contradiction.py TERN-CLI
#
# The contradictions are played by the hostile IMAP server (tests/hostile),
# the project's one allowed fake, with its CONDSTORE/QRESYNC mailbox: seven
# messages, UIDNEXT 10, HIGHESTMODSEQ 100, changed between visits as another
# device would (scenarios.MODSEQ_VERSIONS).  Scenarios:
#   modseq-less-fetch     FETCH never carries MODSEQ after ENABLE QRESYNC
#                         (the first sync meets it)
#   modseq-backwards      the second visit's SELECT (QRESYNC …) reports
#                         HIGHESTMODSEQ 50 after 100
#   vanished-never-had    ... answers VANISHED (EARLIER) 500:600, UIDNEXT 10
# Controls, so that a detection that fires falsely fails the test: the same
# mailbox served honestly (modseq-honest), and Dovecot (with-dovecot).
# Two more scenarios once showed bugs, and keep them fixed:
#   vanished-never-had-overlap   VANISHED (EARLIER) 5:600 with UIDNEXT 10
#   modseq-backwards-no-closed   modseq-backwards, and no [CLOSED] on re-SELECT
#
# One server process serves every tern-cli run of a scenario (the fallback is
# remembered per HOST:PORT): a "keeper" connection that never logs in keeps it
# up between runs, and before each run a marker connection ("mark-LABEL
# LOGOUT") tells, in the server's result, which connections that run made.
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
HOSTILE = os.path.join(HERE, "..", "hostile")
sys.path.insert(0, HERE)
sys.path.insert(0, HOSTILE)
sys.dont_write_bytecode = True

import synclib as L  # noqa: E402
from synclib import t  # noqa: E402
import scenarios as S  # noqa: E402

L.init(sys.argv)
SERVER = os.path.join(HOSTILE, "hostile-server.py")
PYTHON = "/usr/bin/python3"
TAG = "contra-%d" % os.getpid()
WARNING = re.compile(r"The server \S+ contradicted itself \(([^)]*)\)")
ENABLE_MODSEQ = re.compile(r"^\S+ +ENABLE\b.*\b(QRESYNC|CONDSTORE)\b", re.I)
SELECT_MODSEQ = re.compile(r"^\S+ +(SELECT|EXAMINE) .*\((QRESYNC|CONDSTORE)\b", re.I)
MARK = re.compile(r"mark-(\S+) LOGOUT")


class Hostile:
    """One hostile-server.py child serving `name` to every tern-cli run of
    this test, with a keeper connection and per-run markers (see the top)."""

    def __init__(self, name, tmp):
        self.name = name
        self.scenario = S.SCENARIOS[name]
        d = tempfile.mkdtemp(prefix=name + ".", dir=tmp)
        self.result_file = os.path.join(d, "result.json")
        self.stderr_file = os.path.join(d, "stderr")
        with open(self.stderr_file, "wb") as err:
            self.proc = subprocess.Popen(
                [PYTHON, SERVER, "--scenario", name, "--port-file", os.path.join(d, "port"),
                 "--result", self.result_file, "--ca-out", os.path.join(d, "ca.pem"),
                 "--timeout", "100"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError("%s did not start: %r %s" % (name, line, self.stderr()))
        self.port = int(line)
        self.keeper = self._connect()

    def stderr(self):
        with open(self.stderr_file, errors="replace") as f:
            return f.read()

    def _connect(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        f = s.makefile("rb")
        greeting = f.readline()
        if not greeting.startswith(b"* OK"):
            raise RuntimeError("%s: greeting %r" % (self.name, greeting))
        return s, f

    def _logout(self, conn, tag):
        s, f = conn
        s.sendall(tag + b" LOGOUT\r\n")
        while f.readline():        # BYE, tagged OK, then the server closes
            pass
        f.close()
        s.close()

    def mark(self, label):
        """Before a tern-cli run: a connection of its own that only logs out."""
        self._logout(self._connect(), b"mark-" + label.encode())

    def finish(self):
        """Let the server go (it exits once the keeper has left); its result."""
        self._logout(self.keeper, b"keeper")
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        with open(self.result_file) as f:
            return json.load(f)


def by_run(res):
    """{label: [connections]}: the connections after each marker."""
    runs, current = {}, None
    for c in res["connections"]:
        m = MARK.fullmatch(c["client_lines"][0]) if len(c["client_lines"]) == 1 else None
        if m:
            current = m.group(1)
            runs[current] = []
        elif current is not None:
            runs[current].append(c)
    return runs


def lines_of(conns):
    return [line for c in conns for line in c["client_lines"]]


def server_state(sc, conns):
    """{uid: (flags, size)} of the INBOX version that run's connection saw."""
    visits = [c["visit"] for c in conns if c.get("visit") is not None]
    if not visits:
        return None
    return sc.mailbox.version(max(visits)).state()


def add_account(ident, port):
    return L.cli("account", "add", ident, "--email", "%s@example.org" % S.USER,
                 "--imap", "127.0.0.1:%d" % port, "--imap-security", "none",
                 "--user", S.USER, "--password-stdin", stdin=S.PASSWORD + "\n")


def run_syncs(name, tmp, count):
    """Adds an account on a fresh server for `name` and syncs INBOX `count`
    times; [(label, {path: entry} or None, result, cache)], the server's
    result and its connections by run."""
    h = Hostile(name, tmp)
    ident = "%s-%s" % (TAG, name)
    syncs = []
    try:
        h.mark("add")
        r = add_account(ident, h.port)
        t.ok(r.returncode == 0, "%s: account added" % name, L.describe(r))
        for i in range(count):
            label = "sync%d" % (i + 1)
            h.mark(label)
            folders, r = L.sync(ident, "INBOX")
            syncs.append((label, folders, r, L.cache_state(ident, "INBOX")))
    finally:
        res = h.finish()
    t.ok(res["expect_failures"] == [] and res["stop"] == "finished",
         "%s: the server's expectations hold (%s)" % (name, res["stop"]),
         json.dumps({k: res[k] for k in ("expect_failures", "stop", "client_lines")})[:3000] +
         h.stderr())
    return syncs, res, by_run(res)


def mode_of(folders):
    return (folders or {}).get("INBOX", {}).get("mode")


def check_cache(name, label, cache, want):
    d = L.diff_states(cache, want)
    desc = "%s, %s: the cache equals what the server holds (%d messages)" % (
        name, label, len(want or {}))
    return t.ok(not d, desc, "\n".join(d[:30]))


def contradiction(name, before):
    """`before` syncs that meet no lie, then the contradicting one, then one
    more that must remember the fallback."""
    sc = S.SCENARIOS[name]
    syncs, _, runs = run_syncs(name, TMP, before + 2)
    for i, (label, folders, r, cache) in enumerate(syncs):
        conns = runs.get(label, [])
        lines = lines_of(conns)
        warnings = WARNING.findall(r.stderr)
        t.ok(r.returncode == 0 and folders is not None and "INBOX" in folders,
             "%s, %s: tern-cli sync exits 0 with INBOX in its JSON" % (name, label),
             L.describe(r))
        lied = any(c["attack_reached"] for c in conns)
        if i < before:
            t.ok(not warnings and not lied,
                 "%s, %s: an honest visit, no warning" % (name, label), L.describe(r))
        elif i == before:
            t.ok(lied, "%s, %s: the client met the lie" % (name, label), "\n".join(lines))
            t.ok(any(ENABLE_MODSEQ.match(x) for x in lines),
                 "%s, %s: QRESYNC/CONDSTORE were on (ENABLE sent) by default" % (name, label),
                 "\n".join(lines))
            t.ok(len(warnings) == 1,
                 "%s, %s: one warning about the contradiction on stderr (%s)"
                 % (name, label, "; ".join(warnings)), L.describe(r))
            t.ok(mode_of(folders) == "full",
                 "%s, %s: the folder was compared in full (mode %r)"
                 % (name, label, mode_of(folders)), L.describe(r))
        else:
            t.ok(conns and not any(ENABLE_MODSEQ.match(x) for x in lines),
                 "%s, %s: the fallback is remembered: no ENABLE QRESYNC/CONDSTORE"
                 % (name, label), "\n".join(lines))
            t.ok(not any(SELECT_MODSEQ.match(x) for x in lines),
                 "%s, %s: ... and no SELECT (CONDSTORE)/(QRESYNC …)" % (name, label),
                 "\n".join(lines))
            t.ok(mode_of(folders) == "full" and not warnings,
                 "%s, %s: mode stays %r, no new warning" % (name, label, mode_of(folders)),
                 L.describe(r))
        check_cache(name, label, cache, server_state(sc, conns))


def counts(before, after):
    """(new, changed, vanished) from one {uid: (flags, size)} to the next."""
    return (len(set(after) - set(before)),
            sum(before[u][0] != after[u][0] for u in set(before) & set(after)),
            len(set(before) - set(after)))


def honest_control():
    """The same mailbox, served truthfully: QRESYNC from the second sync on,
    never a warning, never a fallback."""
    name = "modseq-honest"
    sc = S.SCENARIOS[name]
    syncs, _, runs = run_syncs(name, TMP, 3)
    previous = {}
    for i, (label, folders, r, cache) in enumerate(syncs):
        lines = lines_of(runs.get(label, []))
        t.ok(r.returncode == 0 and not WARNING.search(r.stderr) and "contradict" not in r.stderr,
             "%s, %s: tern-cli sync exits 0 without a warning" % (name, label), L.describe(r))
        t.ok(any(ENABLE_MODSEQ.match(x) for x in lines),
             "%s, %s: ENABLE QRESYNC sent" % (name, label), "\n".join(lines))
        want = "full" if i == 0 else "qresync"      # a cold cache has no HIGHESTMODSEQ yet
        t.ok(mode_of(folders) == want, "%s, %s: mode %r (want %r)"
             % (name, label, mode_of(folders), want), L.describe(r))
        state = server_state(sc, runs.get(label, []))
        check_cache(name, label, cache, state)
        if state is not None:
            entry = (folders or {}).get("INBOX", {})
            got = tuple(entry.get(k) for k in ("new", "changed", "vanished"))
            want = counts(previous, state)
            t.ok(got == want, "%s, %s: new, changed, vanished %s (want %s)"
                 % (name, label, got, want), L.describe(r))
        previous = cache or {}


def dovecot_control():
    """Dovecot with CONDSTORE/QRESYNC: the second sync runs in QRESYNC mode,
    picks up a flag change and an expunge, and nothing is called a
    contradiction."""
    ident = "%s-dovecot" % TAG
    r = L.add_account(ident, L.PORT)
    if not t.ok(r.returncode == 0, "dovecot: account added", L.describe(r)):
        return
    folders, r = L.sync(ident, "INBOX")
    t.ok(r.returncode == 0 and not WARNING.search(r.stderr),
         "dovecot: first sync, no warning", L.describe(r))
    before = L.server_messages("INBOX")
    uids = sorted(before)
    L.doveadm("flags add", "\\Flagged", "mailbox", "INBOX", "uid", str(uids[0]))
    L.doveadm("expunge", "mailbox", "INBOX", "uid", str(uids[-1]))
    for label in ("sync2", "sync3"):
        folders, r = L.sync(ident, "INBOX")
        t.ok(r.returncode == 0 and not WARNING.search(r.stderr) and
             "contradict" not in r.stderr and mode_of(folders) == "qresync",
             "dovecot, %s: mode %r, no warning" % (label, mode_of(folders)), L.describe(r))
        L.check_folder(ident, "INBOX", "dovecot, %s" % label)


if L.NO_CONDSTORE:
    print("1..0 # SKIP Dovecot runs without CONDSTORE/QRESYNC", flush=True)
    sys.exit(0)

TMP = tempfile.mkdtemp(prefix="contradiction.", dir=os.environ.get("TERN_TEST_HOME"))
try:
    t.section("modseq-honest", honest_control)
    t.section("dovecot", dovecot_control)
    t.section("modseq-less-fetch", contradiction, "modseq-less-fetch", 0)
    t.section("modseq-backwards", contradiction, "modseq-backwards", 1)
    t.section("vanished-never-had", contradiction, "vanished-never-had", 1)
    # Once bugs: a VANISHED range that also names UIDs the server still has
    # must not remove them (nothing of a contradicting answer is applied, and
    # the full comparison fetches what the cache lacks); the full comparison
    # must not depend on [CLOSED] (it runs on a new connection, and a SELECT
    # without UIDVALIDITY is an error, not a new UIDVALIDITY).
    t.section("vanished-never-had-overlap", contradiction, "vanished-never-had-overlap", 1)
    t.section("modseq-backwards-no-closed", contradiction, "modseq-backwards-no-closed", 1)
finally:
    shutil.rmtree(TMP, ignore_errors=True)
sys.exit(t.finish())
