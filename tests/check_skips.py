#!/usr/bin/env python3
"""Makes skipped tests visible and fails on one nobody expected.

Reads the skips of a test run and compares them with tests/expected_skips.txt,
the list of skips that are expected, each with its reason. Prints every skip
with its reason and the count; exits 1 if any skip is not on the list.

  --pytest-logs DIR   the <test file>.skips files tests/python/conftest.py
                      writes (lines "<node id>\\t<reason>")
  --junit FILE        ctest's --output-junit report (skipped C++ and other tests)

Used by ctest (python.skips, after the Python tests) and by .ci/run (on the
whole ctest run).
"""

from __future__ import annotations

import argparse
import fnmatch
import pathlib
import re
import sys
import xml.etree.ElementTree as ElementTree
from typing import List, Tuple

HERE = pathlib.Path(__file__).resolve().parent


def read_allowlist(path: pathlib.Path) -> List[Tuple[str, str]]:
    """(pattern, reason) per line "PATTERN  REASON"; '#' starts a comment line."""
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) != 2:
            sys.exit(f"{path}:{number}: an expected skip needs a pattern and a reason")
        entries.append((parts[0], parts[1]))
    return entries


def test_id(nodeid: str) -> str:
    """A pytest node id without the directory part, which depends on where pytest ran."""
    return re.sub(r"^.*?([^/]+\.py::)", r"\1", nodeid)


def pytest_skips(directory: pathlib.Path) -> List[Tuple[str, str]]:
    skips = []
    for log in sorted(directory.glob("*.skips")):
        for line in log.read_text(encoding="utf-8").splitlines():
            nodeid, _, reason = line.partition("\t")
            skips.append((test_id(nodeid), reason))
    return skips


def junit_skips(path: pathlib.Path) -> List[Tuple[str, str]]:
    skips = []
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        skipped = case.find("skipped")
        if skipped is not None or case.get("status") in ("notrun", "disabled"):
            message = skipped.get("message", "") if skipped is not None else case.get("status", "")
            skips.append((case.get("name", "?"), " ".join(message.split()) or "(no reason given)"))
    return skips


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--allowlist", type=pathlib.Path, default=HERE / "expected_skips.txt")
    parser.add_argument("--pytest-logs", type=pathlib.Path)
    parser.add_argument("--junit", type=pathlib.Path)
    args = parser.parse_args()
    if args.pytest_logs is None and args.junit is None:
        parser.error("give --pytest-logs and/or --junit")

    allowlist = read_allowlist(args.allowlist)
    skips: List[Tuple[str, str]] = []
    if args.pytest_logs is not None:
        skips += pytest_skips(args.pytest_logs)
    if args.junit is not None:
        skips += junit_skips(args.junit)

    unexpected = []
    for name, reason in skips:
        why = next((why for pattern, why in allowlist if fnmatch.fnmatchcase(name, pattern)), None)
        if why is None:
            unexpected.append((name, reason))
            print(f"UNEXPECTED SKIP {name}: {reason}")
        else:
            print(f"expected skip {name}: {reason} (expected: {why})")
    print(f"skipped: {len(skips)} test(s), {len(skips) - len(unexpected)} expected, {len(unexpected)} unexpected")
    if unexpected:
        print(f"A skip hides a test that did not run. Fix its cause, or list it in {args.allowlist} with the reason.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
