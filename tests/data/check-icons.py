#!/usr/bin/python3
# check-icons.py — every icon given is well-formed XML with an SVG root element.
# Copyright 2026 The Tern authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-icons.py ICON.svg...
# Uses xmllint for the well-formedness check when it is installed, and Python's
# XML parser in any case for the root element.

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

SVG_ROOT = "{http://www.w3.org/2000/svg}svg"


def main():
    if len(sys.argv) < 2:
        print("usage: check-icons.py ICON.svg...", file=sys.stderr)
        return 2
    xmllint = shutil.which("xmllint")
    failed = False
    for path in sys.argv[1:]:
        if xmllint:
            r = subprocess.run([xmllint, "--noout", "--nonet", path])
            if r.returncode != 0:
                print(f"FAIL: {path}: xmllint reports it is not well-formed", file=sys.stderr)
                failed = True
                continue
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as e:
            print(f"FAIL: {path}: {e}", file=sys.stderr)
            failed = True
            continue
        if root.tag != SVG_ROOT:
            print(f"FAIL: {path}: root element is {root.tag}, expected {SVG_ROOT}",
                  file=sys.stderr)
            failed = True
            continue
        print(f"{path}: ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
