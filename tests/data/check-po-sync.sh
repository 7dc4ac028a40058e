#!/bin/sh
# check-po-sync.sh — every catalogue in po/LINGUAS translates every string the
# sources have now: extract a fresh template from po/POTFILES.in (the options
# of meson's "glib" gettext preset) and compare each catalogue with it.
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-po-sync.sh SOURCE-ROOT
set -eu

root=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$root/po/POTFILES.in" >"$tmp/files"
xgettext --package-name=tern --directory="$root" --files-from="$tmp/files" \
  --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  -o "$tmp/tern.pot"

count=$(grep -c '^msgid ' "$tmp/tern.pot")
[ "$count" -gt 10 ] || { echo "FAIL: only $count strings extracted" >&2; exit 1; }
echo "$((count - 1)) strings in the sources"

failed=0
for lang in $(sed -e 's/#.*//' "$root/po/LINGUAS"); do
  if msgcmp "$root/po/$lang.po" "$tmp/tern.pot"; then
    echo "$lang: in sync"
  else
    echo "FAIL: $lang.po lacks strings the sources have (update it with: ninja -C _build tern-update-po)" >&2
    failed=1
  fi
done
exit "$failed"
