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
import socket
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


def run(*args, stdin=None):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=30,
                          input=stdin if stdin is not None else "")


def one_line_failure(r):
    return r.returncode == 1 and r.stdout == "" and len(r.stderr.strip().splitlines()) == 1


def closed_port():
    """A loopback port nothing listens on: bound, never listening, so a
    connection to it is refused for as long as this socket lives."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    return s, s.getsockname()[1]


def files_under(*roots):
    out = []
    for root in roots:
        for d, _, files in os.walk(root):
            out += [os.path.join(d, f) for f in files]
    return out


def secret_stored(ident):
    """Whether the keyring holds any secret of account ident."""
    r = subprocess.run(["secret-tool", "search", "--all", "xdg:schema",
                        "io.github.ternmail.Tern.Password", "account", ident],
                       capture_output=True, text=True, timeout=30)
    return "account = " + ident in r.stdout + r.stderr


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

r = run("--help")
ok(r.returncode == 0 and all(c in r.stdout for c in ("account add", "account remove",
                                                      "folders", "fetch", "--password-stdin")),
   "--help describes every command")

ADD = ["account", "add", "acct", "--email", "a@example.org", "--imap", "127.0.0.1:1",
       "--imap-security", "none", "--user", "a", "--password-stdin"]


def without(args, option, takes_value=True):
    i = args.index(option)
    return args[:i] + args[i + (2 if takes_value else 1):]


def replaced(args, option, value):
    i = args.index(option)
    return args[:i + 1] + [value] + args[i + 2:]


def with_id(args, ident):
    return [ident if a == "acct" else a for a in args]


bad_usage = [
    ("account", "add"),
    ("account", "add", "--email", "a@example.org"),
    tuple(without(ADD, "--password-stdin", False)),
    tuple(without(ADD, "--email")),
    tuple(without(ADD, "--imap")),
    tuple(without(ADD, "--imap-security")),
    tuple(without(ADD, "--user")),
    tuple(with_id(ADD, "../acct")),
    tuple(replaced(ADD, "--email", "not-an-address")),
    tuple(replaced(ADD, "--imap", "127.0.0.1")),
    tuple(replaced(ADD, "--imap", "127.0.0.1:0")),
    tuple(replaced(ADD, "--imap", "127.0.0.1:65536")),
    tuple(replaced(ADD, "--imap", "::1:993")),
    tuple(replaced(ADD, "--imap", "[::1]")),
    tuple(replaced(ADD, "--imap", "[example.org]:993")),
    tuple(replaced(ADD, "--imap-security", "ssl")),
    tuple(ADD + ["--smtp", "127.0.0.1:465"]),
    tuple(ADD + ["--smtp-security", "tls"]),
    tuple(ADD + ["--smtp", "smtp.example.org", "--smtp-security", "tls"]),
    tuple(ADD + ["--user", "b"]),
    tuple(ADD + ["--password", "secret"]),
    tuple(ADD + ["extra"]),
    ("account", "remove"),
    ("account", "remove", "a", "b"),
    ("account", "remove", "../a"),
    ("account", "frobnicate"),
    ("folders",),
    ("folders", "a", "--bogus"),
    ("folders", "a", "b"),
    ("fetch", "a", "INBOX"),
    ("fetch", "a", "INBOX", "0"),
    ("fetch", "a", "INBOX", "x1"),
    ("fetch", "a", "INBOX", "4294967296"),
    ("fetch", "a", "INBOX", "1", "--section"),
    ("fetch", "a", "INBOX", "1", "--section", "0"),
    ("fetch", "a", "INBOX", "1", "--section", "1..2"),
    ("fetch", "a", "INBOX", "1", "--section", "BODY"),
    ("fetch", "a", "INBOX", "1", "--section", "MIME"),
    ("fetch", "a", "INBOX", "1", "--section", "1.HEADER.FIELDS (From:)"),
    ("fetch", "a", "INBOX", "1", "--section", "HEADER]\r\nA1 LOGOUT"),
    ("fetch", "a", "INBOX", "1", "--output", ""),
]
for args in bad_usage:
    r = run(*args, stdin="pw\n")
    ok(r.returncode == 2 and r.stderr.strip() != "" and r.stdout == "",
       "bad usage %r exits 2 with a message on stderr" % (args,))

# Nothing listens: the login cannot be verified, so nothing is saved.
config_home = os.environ["XDG_CONFIG_HOME"]
data_home = os.environ["XDG_DATA_HOME"]
sock, port = closed_port()
ident = "cli-offline-%d" % os.getpid()
for security in ("none", "starttls", "tls"):
    args = replaced(replaced(with_id(ADD, ident), "--imap", "127.0.0.1:%d" % port),
                    "--imap-security", security)
    r = run(*args, stdin="offline-password-1\n")
    ok(one_line_failure(r) and "127.0.0.1" in r.stderr and str(port) in r.stderr,
       "add with no server (%s): exit 1, one line naming the server: %r" % (security, r.stderr))
r = run(*replaced(with_id(ADD, ident), "--imap", "[::1]:%d" % port),
        stdin="offline-password-1\n")
ok(one_line_failure(r) and "::1" in r.stderr and str(port) in r.stderr,
   "add accepts [::1]:PORT and fails to connect: %r" % (r.stderr,))
sock.close()
ok(not any("offline-password-1" in open(f, errors="replace").read()
           for f in files_under(config_home, data_home)) and
   not os.path.exists(os.path.join(config_home, "tern", "accounts", ident + ".ini")),
   "a failed add saves no file")
ok(not secret_stored(ident), "a failed add stores no secret")

for stdin in ("", "\n", "two\nlines\n"):
    r = run(*with_id(ADD, ident), stdin=stdin)
    ok(one_line_failure(r) and "password" in r.stderr,
       "add with password input %r: exit 1 naming the password" % (stdin,))

r = run("account", "remove", ident)
ok(one_line_failure(r) and ident in r.stderr, "remove an unknown account: exit 1")
r = run("folders", ident)
ok(one_line_failure(r) and ident in r.stderr, "folders of an unknown account: exit 1")
r = run("fetch", ident, "INBOX", "1")
ok(one_line_failure(r) and ident in r.stderr, "fetch from an unknown account: exit 1")

write_account("work", "[Account]\nDisplayName=Wörk \"quoted\"\nEmail=alice@example.org\n"
              "[IMAP]\nHost=127.0.0.1\nPort=1143\nSecurity=starttls\nUser=alice\n")
r = run("account", "list", "--json")
doc = json.loads(r.stdout) if r.returncode == 0 else None
ok(doc == [{"id": "work", "display_name": "Wörk \"quoted\"", "email": "alice@example.org",
            "imap_host": "127.0.0.1", "imap_port": 1143, "imap_security": "starttls",
            "user": "alice", "smtp_host": None, "smtp_port": None, "smtp_security": None,
            "ca_file": None}], "one account as JSON: %r" % (doc,))
r = run("account", "list")
ok(r.returncode == 0 and r.stdout.startswith("work\talice@example.org\t127.0.0.1:1143"),
   "one account as text")

write_account("work2", "[Account]\nEmail=bob@example.org\n"
              "[IMAP]\nHost=::1\nPort=993\nSecurity=tls\nUser=bob\nCAFile=/tmp/ca.pem\n"
              "[SMTP]\nHost=smtp.example.org\nPort=587\nSecurity=starttls\n")
r = run("account", "list", "--json")
doc = json.loads(r.stdout) if r.returncode == 0 else None
ok(doc is not None and len(doc) == 2 and
   doc[1] == {"id": "work2", "display_name": "bob@example.org", "email": "bob@example.org",
              "imap_host": "::1", "imap_port": 993, "imap_security": "tls", "user": "bob",
              "smtp_host": "smtp.example.org", "smtp_port": 587, "smtp_security": "starttls",
              "ca_file": "/tmp/ca.pem"}, "an account with SMTP and a CA file: %r" % (doc,))

# Removing an account removes its key file and its cache, and nothing else.
cache = os.path.join(data_home, "tern", "work2")
os.makedirs(os.path.join(cache, "parts"))
with open(os.path.join(cache, "parts", "1"), "w") as f:
    f.write("cached")
os.symlink(config_home, os.path.join(cache, "link-to-config"))
r = run("account", "remove", "work2")
ok(r.returncode == 0 and r.stdout == "" and r.stderr == "", "remove an account: exit 0, silent")
ok(not os.path.exists(cache) and
   not os.path.exists(os.path.join(config_home, "tern", "accounts", "work2.ini")) and
   os.path.exists(os.path.join(config_home, "tern", "accounts", "work.ini")),
   "remove deletes the key file and the cache (not following links), keeps other accounts")
r = run("account", "remove", "work2")
ok(one_line_failure(r), "remove it again: exit 1")

write_account("work3", "[IMAP]\nHost=x\n")
r = run("account", "remove", "work3")
ok(r.returncode == 0 and
   not os.path.exists(os.path.join(config_home, "tern", "accounts", "work3.ini")),
   "remove works on an account whose file does not parse")

write_account("broken", "[IMAP]\nHost=x\n")
r = run("account", "list", "--json")
ok(r.returncode == 1 and r.stdout == "" and len(r.stderr.strip().splitlines()) == 1 and
   "broken.ini" in r.stderr, "a broken account file: exit 1, one line naming the file")

print("1..%d" % n)
sys.exit(1 if failed else 0)
