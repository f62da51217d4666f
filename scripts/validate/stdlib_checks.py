"""Checks that need only the Python standard library.

Usage: python3 stdlib_checks.py json|bicepparam|md-links|python-legacy FILE...

json           every file parses as JSON and holds no tab character (checkov reads JSON as YAML).
bicepparam     every file is non-empty (no parser here understands .bicepparam).
md-links       every relative link or image in a Markdown file points at an existing file.
python-legacy  every file compiles (py_compile; the bytecode goes to a scratch directory).
"""

from __future__ import annotations

import json
import os
import py_compile
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote


def check_json(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        return [f"{path}:{err.lineno}:{err.colno}: invalid JSON: {err.msg}"]
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        if "\t" in line:
            problems.append(f"{path}:{number}:{line.index(chr(9)) + 1}: tab character")
            break
    return problems


def check_non_empty(path: Path) -> list[str]:
    return [] if path.read_text(encoding="utf-8").strip() else [f"{path}: empty file"]


FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>]*>|[^)\s]*)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def link_targets(text: str):
    """Yields (line number, target) for inline links, images and reference definitions outside code."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        opened = FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence) and not line.strip(fence[0] + " "):
                fence = None
            continue
        if opened:
            fence = opened.group(1)
            continue
        if line.startswith("    ") or line.startswith("\t"):
            continue
        line = CODE_SPAN.sub("", line)
        for match in INLINE_LINK.finditer(line):
            yield number, match.group(1)
        definition = REFERENCE_DEFINITION.match(line)
        if definition:
            yield number, definition.group(1)


def check_md_links(path: Path) -> list[str]:
    problems = []
    for number, raw in link_targets(path.read_text(encoding="utf-8")):
        target = raw[1:-1] if raw.startswith("<") and raw.endswith(">") else raw
        if not target or target.startswith("#") or SCHEME.match(target):
            continue
        file_part = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if file_part.startswith("/"):
            problems.append(f"{path}:{number}: absolute link `{raw}` (use a path relative to the file)")
        elif not (path.parent / file_part).exists():
            problems.append(f"{path}:{number}: broken link `{raw}`: {path.parent / file_part} does not exist")
    return problems


def check_python(path: Path) -> list[str]:
    try:
        with tempfile.TemporaryDirectory(prefix="amlpe-pyc-") as scratch:
            py_compile.compile(str(path), cfile=os.path.join(scratch, "out.pyc"), doraise=True)
    except py_compile.PyCompileError as err:
        line = getattr(err.exc_value, "lineno", None)
        return [f"{path}:{line or '?'}: {err.msg.strip().splitlines()[-1]}"]
    return []


CHECKS = {"json": check_json, "bicepparam": check_non_empty, "md-links": check_md_links, "python-legacy": check_python}


def main(argv: list[str]) -> int:
    name, files = argv[0], [Path(p) for p in argv[1:]]
    check = CHECKS[name]
    failed = 0
    for path in files:
        try:
            problems = check(path)
        except (OSError, UnicodeDecodeError) as err:
            problems = [f"{path}: cannot read: {err}"]
        if problems:
            failed += 1
            print("\n".join(problems))
    print(f"{name}: {len(files)} files checked, {failed} failures")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
