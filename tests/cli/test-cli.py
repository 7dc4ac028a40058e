#!/usr/bin/python3
# test-cli.py — tern-cli's contract: exit 0 on success, 1 with one line on
# stderr on failure, 2 on bad usage; --json prints exactly one JSON document.
#
# Usage: test-cli.py PATH-TO-TERN-CLI
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import subprocess
import sys

CLI = os.path.abspath(sys.argv[1])
n = 0
failed = 0


def ok(cond, message):
    global n, failed
    n += 1
    failed += 0 if cond else 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, message), flush=True)


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=30)


def write_account(ident, text):
    d = os.path.join(os.environ["XDG_CONFIG_HOME"], "tern", "accounts")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, ident + ".ini"), "w", encoding="utf-8") as f:
        f.write(text)


r = run("--version")
ok(r.returncode == 0 and r.stdout.startswith("tern-cli "), "--version exits 0")
for args in [(), ("frobnicate",), ("account",), ("account", "list", "--bogus")]:
    r = run(*args)
    ok(r.returncode == 2 and r.stderr.strip() != "" and r.stdout == "",
       "bad usage %r exits 2 with a message on stderr" % (args,))

r = run("account", "list", "--json")
ok(r.returncode == 0 and json.loads(r.stdout) == [], "no accounts: an empty JSON array")

write_account("work", "[Account]\nDisplayName=Wörk \"quoted\"\nEmail=alice@example.org\n"
              "[IMAP]\nHost=127.0.0.1\nPort=1143\nSecurity=starttls\nUser=alice\n")
r = run("account", "list", "--json")
doc = json.loads(r.stdout) if r.returncode == 0 else None
ok(doc == [{"id": "work", "display_name": "Wörk \"quoted\"", "email": "alice@example.org",
            "imap_host": "127.0.0.1", "imap_port": 1143, "imap_security": "starttls",
            "user": "alice"}], "one account as JSON: %r" % (doc,))
r = run("account", "list")
ok(r.returncode == 0 and r.stdout.startswith("work\talice@example.org\t127.0.0.1:1143"),
   "one account as text")

write_account("broken", "[IMAP]\nHost=x\n")
r = run("account", "list", "--json")
ok(r.returncode == 1 and r.stdout == "" and len(r.stderr.strip().splitlines()) == 1 and
   "broken.ini" in r.stderr, "a broken account file: exit 1, one line naming the file")

print("1..%d" % n)
sys.exit(1 if failed else 0)
