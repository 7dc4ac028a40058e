#!/usr/bin/python3
# test-bodies.py — `tern-cli show` and `save-attachment` against the
# originals, decoded here independently with Python's email package.
#
# Messages: corpus.specimens() (multipart/alternative, multipart/mixed with
# base64 attachments and a quoted-printable Latin-1 text attachment,
# quoted-printable ISO-8859-1, 8bit windows-1252, base64 KOI8-R, ISO-2022-JP,
# an attached message/rfc822, a 1.5 MB attachment) APPENDed to a folder of
# their own, and the generated corpus's INBOX mail of every kind.
# For each: show --json's "text" equals the text/plain part as the email
# package decodes it (line ends normalised to LF, trailing blank lines
# ignored), the attachment list names every part with
# Content-Disposition: attachment by its IMAP section, with its filename,
# type and decoded size (estimated from BODYSTRUCTURE for base64 and
# quoted-printable), and save-attachment writes exactly the decoded bytes
# (SHA-256), a message/rfc822 part exactly as the server serves it.
#
# Usage (meson suite "sync"):
#   with-dovecot --size N -- /usr/bin/python3 test-bodies.py TERN-CLI
#
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later

import email
import email.policy
import hashlib
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

import synclib as L  # noqa: E402
from synclib import t  # noqa: E402

L.init(sys.argv)
ID = "bodies-%d" % os.getpid()
FOLDER = "Specimens"
TMP = tempfile.mkdtemp(prefix="tern-bodies-")
# Kinds of corpus mail whose text the test can predict exactly: not HTML
# only (rendered to text by Tern) and not format=flowed (which Tern may
# reflow); forwards carry an inline message/rfc822 whose text Tern may show
# after the forwarding note, so they are checked with "starts with".
CORPUS_KINDS = ("plain", "alternative", "mixed", "related", "alternative_related", "forward")


def section_walk(part, prefix=""):
    """(IMAP section, part) for every leaf and message/rfc822 part (RFC 3501 6.4.5)."""
    out = []
    if part.is_multipart():
        for i, sub in enumerate(part.iter_parts(), 1):
            sec = "%s%d" % (prefix, i)
            if sub.get_content_type() == "message/rfc822":
                out.append((sec, sub))
            elif sub.is_multipart():
                out.extend(section_walk(sub, sec + "."))
            else:
                out.append((sec, sub))
    else:
        out.append((prefix + "1" if prefix else "1", part))
    return out


def norm_text(s):
    return s.replace("\r\n", "\n").rstrip("\n")


def expected(raw):
    """(text, [attachment]) of a message as served, decoded independently."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",))
    text = norm_text(body.get_content()) if body is not None else None
    atts = []
    for sec, part in section_walk(msg):
        if part.get_content_disposition() != "attachment":
            continue
        if part.get_content_type() == "message/rfc822":
            data = None     # taken from the server, see check_message
        else:
            data = part.get_payload(decode=True)
        atts.append({"section": sec, "filename": part.get_filename(),
                     "mime_type": part.get_content_type(), "data": data,
                     "encoding": (part.get("Content-Transfer-Encoding") or "7bit").lower(),
                     "encoded": len(part.get_payload(decode=False).encode("ascii", "replace"))
                     if not part.is_multipart() and isinstance(part.get_payload(), str)
                     else None})
    return text, atts


def check_message(folder, uid, raw, label, text_prefix_only=False):
    text, atts = expected(raw)
    doc, r = L.cli_json("show", ID, folder, str(uid))
    if not t.ok(isinstance(doc, dict), "%s: show --json exits 0 with an object" % label,
                L.describe(r)):
        return
    got = norm_text(doc.get("text") or "")
    if text is not None:
        ok = got.startswith(text) if text_prefix_only else got == text
        t.ok(ok, "%s: the text %s the decoded text/plain part (%d characters)"
             % (label, "starts with" if text_prefix_only else "equals", len(text)),
             "got  %r\nwant %r" % (got[:600], text[:600]))
    listed = {a.get("section"): a for a in doc.get("attachments") or []}
    for att in atts:
        sec = att["section"]
        if att["data"] is None:
            att["data"] = imap_section(folder, uid, sec)
        entry = listed.get(sec) or {}
        want = {"filename": att["filename"], "mime_type": att["mime_type"]}
        have = {k: entry.get(k) for k in want}
        t.ok(have == want, "%s: attachment %s listed as %s" % (label, sec, want),
             "listed: %s" % json.dumps(doc.get("attachments"), ensure_ascii=False))
        # The contract: "size" is the decoded size as BODYSTRUCTURE gives it
        # before anything is fetched: exact without a transfer encoding
        # (message/rfc822 included), within 4 bytes for base64, and for
        # quoted-printable between the decoded and the encoded size.
        size, want_size = entry.get("size"), len(att["data"])
        if att["encoding"] == "base64":
            good = isinstance(size, int) and abs(size - want_size) <= 4
            how = "within 4 bytes of"
        elif att["encoding"] == "quoted-printable":
            good = isinstance(size, int) and want_size <= size <= max(att["encoded"] or 0,
                                                                       want_size) + 2 * (
                att["encoded"] or 0) // 76 + 2
            how = "at least, and at most the encoded size of,"
        else:
            good = size == want_size
            how = "exactly"
        t.ok(good, "%s: attachment %s listed with a size %s its decoded %d bytes (%s)"
             % (label, sec, how, want_size, att["encoding"]), "listed size %s" % size)
        out = os.path.join(TMP, "%s-%s" % (uid, sec))
        r = L.cli("save-attachment", ID, folder, str(uid), sec, out)
        data = b""
        if os.path.exists(out):
            with open(out, "rb") as f:
                data = f.read()
            os.unlink(out)
        t.ok(r.returncode == 0 and hashlib.sha256(data).digest() ==
             hashlib.sha256(att["data"]).digest(),
             "%s: save-attachment %s writes the decoded bytes exactly (%d bytes)"
             % (label, sec, len(att["data"])),
             "%s\nwrote %d bytes" % (L.describe(r), len(data)))
    return doc


def imap_fetch(folder, uid, item):
    c = L.imap()
    try:
        c.select(L.quote(folder), readonly=True)
        typ, data = c.uid("FETCH", str(uid), "(%s)" % item)
        assert typ == "OK", data
        return next(x[1] for x in data if isinstance(x, tuple))
    finally:
        c.logout()


def imap_section(folder, uid, sec):
    """A message/rfc822 part's bytes as the server serves them (BODY[sec]
    of a message/rfc822 part is the whole embedded message)."""
    return imap_fetch(folder, uid, "BODY.PEEK[%s]" % sec)


def setup():
    r = L.add_account(ID, L.PORT)
    t.ok(r.returncode == 0, "account add", L.describe(r))
    L.doveadm("mailbox create", FOLDER)
    uids = {}
    for kind, data in L.corpus.specimens(seed=L.MANIFEST["seed"]):
        uids[kind] = (L.append(FOLDER, data), data)
    doc, r = L.sync(ID)
    t.ok(doc is not None and FOLDER in doc, "sync sees the specimens folder", L.describe(r))
    return uids


def test_specimens(uids):
    for kind, (uid, data) in uids.items():
        served = imap_fetch(FOLDER, uid, "BODY.PEEK[]")
        t.ok(served == data, "specimen %s: the server serves the APPENDed bytes" % kind)
        doc = check_message(FOLDER, uid, served, "specimen " + kind)
        if kind == "big-attachment" and doc:
            big = [a for a in doc.get("attachments") or [] if a.get("size", 0) > 1024 * 1024]
            t.ok(big, "specimen big-attachment: an attachment above 1 MB is listed")
    # Once cached, the same again.
    uid, data = uids["mixed-base64"]
    a, _ = L.cli_json("show", ID, FOLDER, str(uid))
    b, _ = L.cli_json("show", ID, FOLDER, str(uid))
    t.ok(a is not None and a == b, "show twice (the second from the cache) gives the same")


def test_corpus():
    inbox = L.server_messages("INBOX")
    by_id = {m["message_id"]: uid for uid, m in inbox.items()}
    seen_kinds = {}
    big_done = False
    for m in L.MANIFEST["folders"]["INBOX"]["messages"]:
        kind = m["kind"]
        uid = by_id.get(m["message_id"])
        if uid is None or kind not in CORPUS_KINDS:
            continue
        raw = imap_fetch("INBOX", uid, "BODY.PEEK[]")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        charset = (msg.get_body(("plain",)) or msg).get_content_charset() or "us-ascii"
        has_big = any(len(p.get_payload(decode=True) or b"") > 1024 * 1024
                      for p in msg.walk() if not p.is_multipart() and
                      p.get_content_type() != "message/rfc822")
        key = (kind, charset)
        if seen_kinds.get(key, 0) >= 2 and not (has_big and not big_done):
            continue
        seen_kinds[key] = seen_kinds.get(key, 0) + 1
        big_done = big_done or has_big
        check_message("INBOX", uid, raw, "corpus INBOX %d (%s, %s%s)"
                      % (uid, kind, charset, ", > 1 MB attachment" if has_big else ""),
                      text_prefix_only=kind == "forward")
    t.note("corpus kinds and charsets checked: %s" % sorted(seen_kinds))


def main():
    uids = t.section("setup", setup)
    if uids:
        t.section("specimens", test_specimens, uids)
    t.section("corpus", test_corpus)
    L.cli("account", "remove", ID)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
