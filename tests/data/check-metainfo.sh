#!/bin/sh
# check-metainfo.sh — validate AppStream metainfo offline; fail on errors AND warnings.
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-metainfo.sh APPSTREAMCLI METAINFO-FILE
#
# appstreamcli already exits non-zero on errors and warnings; the report is
# also scanned, so that a warning can never pass whatever the exit status.
# Infos (I:) and pedantic hints (P:) are printed but do not fail the test.
set -u

if [ $# -ne 2 ]; then
  echo "usage: $0 APPSTREAMCLI METAINFO-FILE" >&2
  exit 2
fi
appstreamcli=$1
file=$2

report=$("$appstreamcli" validate --no-net --pedantic "$file" 2>&1)
status=$?
printf '%s\n' "$report"

if [ "$status" -ne 0 ]; then
  echo "FAIL: appstreamcli validate exited with status $status" >&2
  exit 1
fi
if printf '%s\n' "$report" | grep -q '^[EW]:'; then
  echo "FAIL: appstreamcli reported errors or warnings" >&2
  exit 1
fi
exit 0
