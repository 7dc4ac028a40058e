#!/usr/bin/python3
# bench-sort.py — issue #6's sorting at scale: a generated INBOX (100 000
# messages unless BENCH_SIZE says otherwise) in a local Dovecot, of which a
# sync limited with TERN_TEST_SYNC_LIMIT caches only the newest BENCH_CACHED,
# as during a first sync. For each sort key, the median wall time of
#   - the server alone: a raw client's UID SORT of the whole INBOX (imaplib,
#     logged in and selected beforehand), the baseline;
#   - `tern-cli rows --count` while the cache is incomplete: the message list
#     model asking the server (process start, cache, a connection of its own,
#     UID SORT), with its ratio to the baseline;
#   - `tern-cli rows --count` once the cache is complete: the cache's own
#     order (the same process, no network), for comparison.
# Timings are reported, never asserted; the exit status is 1 only when
# something fails to run.
#
# Usage (meson benchmark "sort", `make bench`):
#   with-dovecot --size 0 -- python3 bench-sort.py TERN-CLI
# Environment:
#   BENCH_SIZE        messages generated into INBOX (default 100000)
#   BENCH_SEED        corpus seed (default 1)
#   BENCH_CACHED      newest messages cached before the incomplete runs (1000)
#   BENCH_SORT_RUNS   measured runs of each row (default 5)
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import imaplib
import json
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
SIZE = int(E.get("BENCH_SIZE", "100000"))
SEED = int(E.get("BENCH_SEED", "1"))
CACHED = max(1, int(E.get("BENCH_CACHED", "1000")))
RUNS = max(1, int(E.get("BENCH_SORT_RUNS", "5")))
COMMAND_TIMEOUT = 1500
ACCOUNT = "bench-sort"
HOST = E.get("TERN_TEST_IMAP_HOST")
PORT = int(E.get("TERN_TEST_IMAP_PORT", "0"))
USER = E.get("TERN_TEST_IMAP_USER")
PASSWORD = E.get("TERN_TEST_IMAP_PASSWORD")
KEYS = [("date", "DATE"), ("from", "DISPLAYFROM"), ("subject", "SUBJECT"), ("size", "SIZE")]

T0 = time.monotonic()


def log(msg):
    print("[%7.1f s] %s" % (time.monotonic() - T0, msg), file=sys.stderr, flush=True)


class CommandFailed(Exception):
    pass


def run(args, stdin=None, env=None):
    t0 = time.monotonic()
    e = dict(E)
    if env:
        e.update(env)
    try:
        p = subprocess.run(args, input=stdin, capture_output=True, text=True,
                           timeout=COMMAND_TIMEOUT, env=e)
    except subprocess.TimeoutExpired as ex:
        raise CommandFailed("%s did not finish within %d s" % (" ".join(args), ex.timeout))
    if p.returncode != 0:
        raise CommandFailed("%s exited with %d after %.1f s\n%s" % (
            " ".join(args), p.returncode, time.monotonic() - t0, p.stderr[-4000:]))
    return p, time.monotonic() - t0


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def raw_sort(c, key):
    t0 = time.monotonic()
    typ, data = c.uid("SORT", "(%s)" % key, "UTF-8", "ALL")
    wall = time.monotonic() - t0
    if typ != "OK":
        raise CommandFailed("UID SORT (%s): %s" % (key, data))
    return wall, len(data[0].split())


def rows(sort, total, server):
    p, wall = run([CLI, "rows", ACCOUNT, "INBOX", "--sort", sort, "--count", "--json"])
    doc = json.loads(p.stdout)
    if doc["server_order"] is not server or doc["count"] != (total if server else doc["count"]):
        raise CommandFailed("rows --sort %s: %s (expected server_order %s, %d rows)"
                            % (sort, doc, server, total))
    return wall, doc["count"]


def private_homes():
    if E.get("TERN_TEST_HOME"):
        return None
    home = tempfile.mkdtemp(prefix="tern-bench-")
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state")):
        os.makedirs(os.path.join(home, sub))
        os.environ[var] = os.path.join(home, sub)
    return home


def measure():
    total = benchlib.fill_inbox(SIZE, SEED, log)
    run([CLI, "account", "add", ACCOUNT, "--email", "%s@example.org" % USER,
         "--imap", "%s:%d" % (HOST, PORT), "--imap-security", "none", "--user", USER,
         "--password-stdin"], stdin=PASSWORD + "\n")
    log("syncing the newest %d of %d messages" % (CACHED, total))
    run([CLI, "sync", ACCOUNT, "INBOX"], env={"TERN_TEST_SYNC_LIMIT": str(CACHED)})

    c = imaplib.IMAP4(HOST, PORT)
    c.login(USER, PASSWORD)
    c.select("INBOX", readonly=True)
    results = {}
    for sort, key in KEYS:
        raw = [raw_sort(c, key)[0] for _ in range(RUNS)]
        incomplete = [rows(sort, total, True)[0] for _ in range(RUNS)]
        results[sort] = [median(raw), median(incomplete)]
        log("  %s: raw UID SORT %.0f ms, rows (server order) %.0f ms"
            % (sort, results[sort][0] * 1000, results[sort][1] * 1000))
    c.logout()

    log("syncing the rest")
    _, wall = run([CLI, "sync", ACCOUNT, "INBOX"])
    log("  synced in %.1f s" % wall)
    for sort, _ in KEYS:
        complete = [rows(sort, total, False)[0] for _ in range(RUNS)]
        results[sort].append(median(complete))

    lines = ["corpus: INBOX of %d messages (corpus.py seed %d), %d cached while incomplete; "
             "%d CPUs; medians of %d runs" % (total, SEED, CACHED, os.cpu_count() or 0, RUNS),
             "%-8s %16s %31s %26s" % ("sort", "raw UID SORT", "rows, server order (ratio)",
                                       "rows, cache's order")]
    for sort, _ in KEYS:
        raw, incomplete, complete = results[sort]
        lines.append("%-8s %13.0f ms %20.0f ms (%4.1f×) %23.0f ms"
                     % (sort, raw * 1000, incomplete * 1000, incomplete / raw if raw else 0,
                        complete * 1000))
    text = "\n".join(lines) + "\n"
    sys.stdout.write("\n" + text)
    sys.stdout.flush()
    log_dir = E.get("TERN_LOG_DIR")
    if log_dir and os.path.isdir(log_dir):
        with open(os.path.join(log_dir, "bench-sort.txt"), "w", encoding="utf-8") as f:
            f.write(text)


def main():
    if CLI is None or not HOST:
        print("usage: with-dovecot --size 0 -- bench-sort.py TERN-CLI", file=sys.stderr)
        return 2
    home = private_homes()
    try:
        measure()
        return 0
    except CommandFailed as e:
        print("bench-sort: %s" % e, file=sys.stderr)
        return 1
    except (OSError, imaplib.IMAP4.error, ValueError, KeyError) as e:
        import traceback
        traceback.print_exc()
        print("bench-sort: %s" % e, file=sys.stderr)
        return 1
    finally:
        if home:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
