"""Parses Bicep files with two independent grammars.

Usage: python bicep_parse.py tree-sitter|pycep FILE.bicep...

tree-sitter: the tree-sitter-bicep grammar; a file fails on the first ERROR or MISSING node.
pycep: the pycep-parser (Lark) grammar; a file fails when parsing raises.
"""

from __future__ import annotations

import sys
from pathlib import Path


def first_bad_node(node):
    """Depth-first, in document order: the first ERROR or MISSING node, else None."""
    if node.is_error or node.is_missing:
        return node
    if not node.has_error:
        return None
    for child in node.children:
        bad = first_bad_node(child)
        if bad is not None:
            return bad
    return node


def tree_sitter_checker():
    from tree_sitter import Language, Parser
    import tree_sitter_bicep

    parser = Parser(Language(tree_sitter_bicep.language()))

    def check(path: Path) -> str | None:
        tree = parser.parse(path.read_bytes())
        bad = first_bad_node(tree.root_node)
        if bad is None:
            return None
        row, col = bad.start_point
        kind = f"MISSING {bad.type}" if bad.is_missing else "ERROR"
        text = bad.text.decode("utf-8", "replace").splitlines()[0][:60] if bad.text else ""
        return f"{path}:{row + 1}:{col + 1}: {kind} node near `{text}`"

    return check


def pycep_checker():
    from pycep import BicepParser

    parser = BicepParser()

    def check(path: Path) -> str | None:
        try:
            parser.parse(text=path.read_text(encoding="utf-8"))
        except Exception as err:  # any failure of the parser is the finding
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            return f"{path}: {type(err).__name__}: {first}"
        return None

    return check


CHECKERS = {"tree-sitter": ("bicep-tree-sitter", tree_sitter_checker), "pycep": ("bicep-pycep", pycep_checker)}


def main(argv: list[str]) -> int:
    name, factory = CHECKERS[argv[0]]
    files = [Path(p) for p in argv[1:]]
    check = factory()
    failures = [msg for msg in map(check, files) if msg]
    for msg in failures:
        print(msg)
    print(f"{name}: {len(files)} files checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
