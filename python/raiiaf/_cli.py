"""The ``raiiaf`` command of a pip-installed package: runs the compiled CLI installed inside
the package (``raiiaf/_bin/raiiaf``), or, in a build tree (``build/python``), ``build/bin/raiiaf``."""

from __future__ import annotations

import os
import pathlib
import sys
from typing import List, Optional

_PACKAGE = pathlib.Path(__file__).resolve().parent


def executable() -> Optional[pathlib.Path]:
    """The compiled CLI, or None when neither place has it."""
    for candidate in (_PACKAGE / "_bin" / "raiiaf", _PACKAGE.parent.parent / "bin" / "raiiaf"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def main(argv: Optional[List[str]] = None) -> int:
    """Replaces this process with the compiled CLI (exit status and output are its own)."""
    program = executable()
    if program is None:
        sys.stderr.write(f"raiiaf: the compiled command-line tool is missing from {_PACKAGE / '_bin'}\n")
        return 127
    arguments = sys.argv[1:] if argv is None else argv
    os.execv(str(program), [str(program), *arguments])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
