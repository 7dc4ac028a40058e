#!/bin/sh
# check-po.sh — check every catalogue listed in po/LINGUAS: valid, with correct
# format strings, and complete (no fuzzy or untranslated messages).
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-po.sh MSGFMT PO-DIR
set -u

if [ $# -ne 2 ]; then
  echo "usage: $0 MSGFMT PO-DIR" >&2
  exit 2
fi
msgfmt=$1
podir=$2

if [ ! -f "$podir/LINGUAS" ]; then
  echo "FAIL: $podir/LINGUAS does not exist" >&2
  exit 1
fi

# LINGUAS: language codes separated by white space; '#' starts a comment.
langs=$(sed -e 's/#.*//' "$podir/LINGUAS" | tr -s ' \t' '\n\n' | grep -v '^$')
if [ -z "$langs" ]; then
  echo "FAIL: $podir/LINGUAS lists no languages" >&2
  exit 1
fi

failed=0
for lang in $langs; do
  po="$podir/$lang.po"
  if [ ! -f "$po" ]; then
    echo "FAIL: $lang is in LINGUAS but $po does not exist" >&2
    failed=1
    continue
  fi
  if ! "$msgfmt" -c --check-format -o /dev/null "$po"; then
    echo "FAIL: $po does not compile cleanly" >&2
    failed=1
    continue
  fi
  # The statistics go to stderr, e.g. "12 translated messages, 1 fuzzy translation."
  stats=$(LC_ALL=C "$msgfmt" --statistics -o /dev/null "$po" 2>&1)
  echo "$lang: $stats"
  case "$stats" in
    *fuzzy*|*untranslated*)
      echo "FAIL: $po has fuzzy or untranslated messages" >&2
      failed=1
      ;;
  esac
done
exit "$failed"
