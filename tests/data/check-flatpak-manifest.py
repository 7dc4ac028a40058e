#!/usr/bin/python3
# check-flatpak-manifest.py — sanity checks on the Flatpak manifest (it cannot
# be built here, so it is parsed and checked instead).
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-flatpak-manifest.py MANIFEST.json APP-ID

import fnmatch
import json
import re
import sys

REQUIRED_FINISH_ARGS = [
    "--share=network",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
]

# Installed by the tern module (meson's libdir is lib in Flatpak builds) and
# loaded when the first HTML message is shown: no cleanup may remove it.
WEBKIT_MODULE = "/lib/tern/tern-webkit.so"


def cleanup_removes(pattern, path):
    """Whether a flatpak-builder cleanup pattern removes `path` (relative to
    the prefix): patterns with a leading slash name a path or a directory,
    others match file names."""
    if pattern.startswith("/"):
        return (path == pattern or path.startswith(pattern.rstrip("/") + "/") or
                fnmatch.fnmatch(path, pattern))
    return fnmatch.fnmatch(path.rsplit("/", 1)[-1], pattern)


def main():
    if len(sys.argv) != 3:
        print("usage: check-flatpak-manifest.py MANIFEST.json APP-ID", file=sys.stderr)
        return 2
    path, app_id = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        manifest = json.load(f)

    errors = []

    def expect(cond, message):
        if not cond:
            errors.append(message)

    manifest_id = manifest.get("app-id", manifest.get("id"))
    expect(manifest_id == app_id, f"app-id is {manifest_id!r}, expected {app_id!r}")
    expect(manifest.get("runtime") == "org.gnome.Platform",
           f"runtime is {manifest.get('runtime')!r}, expected 'org.gnome.Platform'")
    expect(isinstance(manifest.get("runtime-version"), str) and manifest.get("runtime-version"),
           "runtime-version is missing")
    expect(manifest.get("sdk") == "org.gnome.Sdk",
           f"sdk is {manifest.get('sdk')!r}, expected 'org.gnome.Sdk'")
    expect(manifest.get("command") == "tern",
           f"command is {manifest.get('command')!r}, expected 'tern'")

    finish_args = manifest.get("finish-args", [])
    for arg in REQUIRED_FINISH_ARGS:
        expect(arg in finish_args, f"finish-args lack {arg}")
    for arg in finish_args:
        m = re.match(r"--filesystem=([^:]*)", arg)
        if m:
            expect(m.group(1) not in ("home", "host", "host-os", "host-etc", "~"),
                   f"finish-args grant {arg}, which is far too broad")

    modules = [m for m in manifest.get("modules", []) if isinstance(m, dict)]
    gmime = [m for m in modules if m.get("name") == "gmime"]
    expect(len(gmime) == 1, "there is no (single) module named gmime")
    if gmime:
        archives = [s for s in gmime[0].get("sources", [])
                    if isinstance(s, dict) and s.get("type") == "archive"]
        expect(archives, "the gmime module has no source of type archive")
        for source in archives:
            url = source.get("url", "")
            expect(url.endswith(".tar.xz"), f"gmime archive url {url!r} is not a .tar.xz")
            sha256 = source.get("sha256", "")
            expect(re.fullmatch(r"[0-9a-f]{64}", sha256) is not None,
                   f"gmime archive sha256 {sha256!r} is not 64 hex digits")
    tern = [m for m in modules if m.get("name") == "tern"]
    expect(tern, "there is no module named tern")
    for pattern in manifest.get("cleanup", []) + (tern[0].get("cleanup", []) if tern else []):
        expect(not cleanup_removes(pattern, WEBKIT_MODULE),
               f"cleanup pattern {pattern!r} removes {WEBKIT_MODULE}, which shows HTML mail")

    for e in errors:
        print(f"FAIL: {path}: {e}", file=sys.stderr)
    if not errors:
        print(f"{path}: ok")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
