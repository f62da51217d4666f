"""Loads every workspace YAML with azure-ai-ml, which applies the `az ml workspace` schema offline.

Usage: python workspace_yaml.py FILE...
"""

from __future__ import annotations

import sys

NAME = "workspace-yaml"


def main(files: list[str]) -> int:
    from azure.ai.ml import load_workspace

    failed = 0
    for path in files:
        try:
            load_workspace(path)
        except Exception as err:  # the loader's refusal is the finding
            failed += 1
            message = " ".join(line.strip() for line in str(err).splitlines() if line.strip())
            message = message.split(" If you are trying to configure")[0]
            print(f"{path}: {type(err).__name__}: {message[:600]}")
    print(f"{NAME}: {len(files)} files checked, {failed} failures")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
