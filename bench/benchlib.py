# benchlib.py — what the benchmarks share: a generated corpus written into
# the fixture's INBOX (tests/fixtures/with-dovecot --size 0, then this).
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import imaplib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))

import corpus  # noqa: E402


def chown_like(top, ref):
    """Give files written as root to the mail owner (the fixture does the same)."""
    if os.getuid() != 0:
        return
    st = os.stat(ref)
    if st.st_uid == 0:
        return
    for root, dirs, files in os.walk(top):
        os.chown(root, st.st_uid, st.st_gid)
        for n in files:
            os.chown(os.path.join(root, n), st.st_uid, st.st_gid, follow_symlinks=False)


def fill_inbox(size, seed, log):
    """size corpus messages (seed) into the fixture user's INBOX; how many it holds then."""
    E = os.environ
    user = E["TERN_TEST_IMAP_USER"]
    maildir = os.path.join(E["TERN_TEST_FIXTURE_DIR"], "mail", user, "Maildir")
    if size > 0:
        log("generating %d messages into INBOX (seed %d)" % (size, seed))
        corpus.generate(maildir, seed=seed, size=size, folders=[],
                        progress=lambda n: log("  %d messages" % n) if n % 20000 == 0 else None)
        chown_like(maildir, os.path.dirname(maildir))
    c = imaplib.IMAP4(E["TERN_TEST_IMAP_HOST"], int(E["TERN_TEST_IMAP_PORT"]))
    c.login(user, E["TERN_TEST_IMAP_PASSWORD"])
    typ, data = c.select("INBOX", readonly=True)
    total = int(data[0])
    c.logout()
    log("INBOX holds %d messages" % total)
    return total
