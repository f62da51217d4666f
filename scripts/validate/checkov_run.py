"""Runs checkov offline over the given files and summarises its JSON report.

Usage: python checkov_run.py bicep|arm SKIP_FILE FILE...

A file fails when checkov reports a failed check in it, or when checkov could not parse it:
such a file gets no checks at all, so its "0 failed" would mean nothing. Parse failures are
taken from checkov's report and, in case the report ever leaves a file out, from checkov's own
parser run here on every file. Check ids listed in SKIP_FILE (one per line, `#` starts a
comment) are passed to --skip-check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

OFFLINE_ENV = {"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "LOG_LEVEL": "WARNING"}
TIMEOUT_SECONDS = 600


def skip_ids(skip_file: Path) -> list[str]:
    ids = []
    for line in skip_file.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            ids.append(entry)
    return ids


def reports(output: str) -> list[dict]:
    """checkov prints one report, a list of reports, or a bare summary when nothing was checked."""
    data = json.loads(output)
    items = data if isinstance(data, list) else [data]
    return [item for item in items if isinstance(item, dict)]


def unparsable(framework: str, files: list[Path]) -> list[Path]:
    """The files checkov's own parser for the framework rejects."""
    if framework == "bicep":
        from checkov.bicep.parser import Parser

        parser = Parser()
        return [path for path in files if parser.parse(path)[0] is None]
    from checkov.arm.parser.parser import parse

    return [path for path in files if parse(str(path))[0] is None]


def main(argv: list[str]) -> int:
    framework, skip_file, files = argv[0], Path(argv[1]), [Path(p).resolve() for p in argv[2:]]
    name = f"checkov-{framework}"
    if not files:
        print(f"{name}: 0 files checked, 0 failures")
        return 0
    command = [str(Path(sys.executable).with_name("checkov")), "--framework", framework, "--output", "json",
               "--skip-download", "--compact"]
    ids = skip_ids(skip_file)
    if ids:
        command += ["--skip-check", ",".join(ids)]
    for path in files:
        command += ["--file", str(path)]
    proc = subprocess.run(command, env=dict(os.environ, **OFFLINE_ENV), capture_output=True, text=True,
                          timeout=TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
    try:
        found = reports(proc.stdout)
    except json.JSONDecodeError:
        print(proc.stdout[-2000:] + proc.stderr[-2000:])
        print(f"{name}: {len(files)} files checked, checkov exited {proc.returncode} without a JSON report")
        return 1

    problems: dict[str, list[str]] = {}
    passed = failed_checks = skipped = 0
    for report in found:
        results = report.get("results", {})
        summary = report.get("summary", report)
        passed += summary.get("passed", 0)
        skipped += summary.get("skipped", 0)
        for error_path in results.get("parsing_errors", []):
            problems.setdefault(str(Path(error_path).resolve()), []).append("checkov could not parse this file, so no check ran")
        if summary.get("parsing_errors", 0) and not results.get("parsing_errors"):
            problems.setdefault("(checkov)", []).append(f"{summary['parsing_errors']} parsing errors reported without file names")
        for check in results.get("failed_checks", []):
            failed_checks += 1
            where = check.get("file_abs_path") or check.get("repo_file_path") or check.get("file_path", "?")
            lines = check.get("file_line_range") or ["?"]
            problems.setdefault(str(Path(where).resolve()) if where != "?" else where, []).append(
                f"line {lines[0]}: {check.get('check_id')} {check.get('check_name')} [{check.get('resource')}]"
            )
    for path in unparsable(framework, files):
        messages = problems.setdefault(str(path), [])
        if not messages or "could not parse" not in messages[0]:
            messages.insert(0, "checkov's parser rejects this file, so no check ran")
    for where in sorted(problems):
        for message in problems[where]:
            print(f"{where}: {message}")
    failed_files = len(problems)
    print(f"{name}: {len(files)} files checked, {failed_files} failures "
          f"({passed} checks passed, {failed_checks} failed, {skipped} skipped)")
    return 1 if failed_files else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
