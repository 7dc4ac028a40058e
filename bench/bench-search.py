#!/usr/bin/python3
# bench-search.py — issue #6's search benchmark: a generated INBOX (100 000
# messages unless BENCH_SIZE says otherwise) in a local Dovecot, synchronized
# into a new account's cache with tern-cli, then bench-search (bench-search.c)
# runs the search bar's queries over that cache in one process and prints the
# table: each query's median time with a result list's limit (200) and
# without, its ratio to the same store's list opening (the baseline), and
# DESIGN.md's budget (search of 100 000 cached messages ≤ 50 ms).
#
# Usage (meson benchmark "search", `make bench`):
#   with-dovecot --size 0 -- python3 bench-search.py TERN-CLI BENCH-SEARCH
# Environment:
#   BENCH_SIZE         messages generated into INBOX (default 100000)
#   BENCH_SEED         corpus seed (default 1)
#   BENCH_SEARCH_RUNS  measured runs of each row (default 9)
#   BENCH_BODIES       messages opened with tern-cli show before measuring, so
#                      that body: finds something (default 300, the newest UIDs)
#
# A budget missed is reported, never a failure: the exit status is 1 only
# when something fails to run (or the set-up does), with its error shown.
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import imaplib
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
sys.dont_write_bytecode = True

import benchlib  # noqa: E402

E = os.environ
CLI = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
SEARCH = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None

SIZE = int(E.get("BENCH_SIZE", "100000"))
SEED = int(E.get("BENCH_SEED", "1"))
RUNS = max(1, int(E.get("BENCH_SEARCH_RUNS", "9")))
BODIES = max(0, int(E.get("BENCH_BODIES", "300")))
COMMAND_TIMEOUT = 1500
ACCOUNT = "bench-search"

HOST = E.get("TERN_TEST_IMAP_HOST")
PORT = int(E.get("TERN_TEST_IMAP_PORT", "0"))
USER = E.get("TERN_TEST_IMAP_USER")
PASSWORD = E.get("TERN_TEST_IMAP_PASSWORD")
FIXTURE = E.get("TERN_TEST_FIXTURE_DIR")

T0 = time.monotonic()


def log(msg):
    print("[%7.1f s] %s" % (time.monotonic() - T0, msg), file=sys.stderr, flush=True)


class CommandFailed(Exception):
    pass


def run(args, stdin=None):
    t0 = time.monotonic()
    try:
        p = subprocess.run(args, input=stdin, capture_output=True, text=True,
                           timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        raise CommandFailed("%s did not finish within %d s" % (" ".join(args), e.timeout))
    if p.returncode != 0:
        raise CommandFailed("%s exited with %d after %.1f s\n%s" % (
            " ".join(args), p.returncode, time.monotonic() - t0, p.stderr[-4000:]))
    return p, time.monotonic() - t0


# -- the server side (as bench-sync.py) ----------------------------------------





# -- the client side -----------------------------------------------------------

def private_homes():
    """Temporary XDG homes when not run by tests/harness/tern-test-env (which
    makes them), so the benchmark's account never reaches the user's own."""
    if E.get("TERN_TEST_HOME"):
        return None
    home = tempfile.mkdtemp(prefix="tern-bench-")
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state")):
        os.makedirs(os.path.join(home, sub))
        os.environ[var] = os.path.join(home, sub)
    return home


def cache_bodies():
    """Open the newest BODIES messages, as reading them would: their text goes
    into the cache's index, the only place body: looks."""
    if BODIES == 0:
        return 0
    c = imaplib.IMAP4(HOST, PORT)
    c.login(USER, PASSWORD)
    c.select("INBOX", readonly=True)
    typ, data = c.uid("SEARCH", "ALL")
    c.logout()
    uids = sorted(int(x) for x in data[0].split())[-BODIES:]
    log("caching the text of %d messages (tern-cli show)" % len(uids))
    t0 = time.monotonic()
    for uid in uids:
        run([CLI, "show", ACCOUNT, "INBOX", str(uid)])
    log("  done in %.1f s" % (time.monotonic() - t0))
    return len(uids)


def measure():
    total = benchlib.fill_inbox(SIZE, SEED, log)
    run([CLI, "account", "add", ACCOUNT, "--email", "%s@example.org" % USER,
         "--imap", "%s:%d" % (HOST, PORT), "--imap-security", "none", "--user", USER,
         "--password-stdin"], stdin=PASSWORD + "\n")
    log("syncing INBOX (%d messages) into the cache" % total)
    _, wall = run([CLI, "sync", ACCOUNT, "INBOX"])
    log("  synced in %.1f s" % wall)
    bodies = cache_bodies()
    log("searching (%d runs per row)" % RUNS)
    p, wall = run([SEARCH, ACCOUNT, "INBOX", str(RUNS)])
    if p.stderr:
        sys.stderr.write(p.stderr)
    log("  bench-search took %.1f s" % wall)
    text = ("corpus: INBOX of %d messages (corpus.py seed %d, INBOX only), the text of %d "
            "of them cached (tern-cli show); %d CPUs\n%s" % (
                total, SEED, bodies, os.cpu_count() or 0, p.stdout))
    sys.stdout.write("\n" + text)
    sys.stdout.flush()
    log_dir = E.get("TERN_LOG_DIR")
    if log_dir and os.path.isdir(log_dir):
        with open(os.path.join(log_dir, "bench-search.txt"), "w", encoding="utf-8") as f:
            f.write(text)


def main():
    if CLI is None or SEARCH is None or not HOST:
        print("usage: with-dovecot --size 0 -- bench-search.py TERN-CLI BENCH-SEARCH",
              file=sys.stderr)
        return 2
    home = private_homes()
    log("tern-cli %s, XDG_DATA_HOME %s" % (CLI, E.get("XDG_DATA_HOME")))
    try:
        measure()
        return 0
    except CommandFailed as e:
        print("bench-search: %s" % e, file=sys.stderr)
        return 1
    except (OSError, imaplib.IMAP4.error, ValueError) as e:
        import traceback
        traceback.print_exc()
        print("bench-search: %s" % e, file=sys.stderr)
        return 1
    finally:
        if home:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
