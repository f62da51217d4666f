"""Feeds every `az` command a generated script would run to the real Azure CLI parser.

Usage: python az_parse.py SCRIPT...

Each script runs as `bash SCRIPT --dry-run`; it must print the commands it would run, one
per line, each starting with `az `, and must not call `az` itself (a shim named `az` on PATH
records any call). The commands are then parsed, in this one process, by the Azure CLI
installed in this interpreter. The command handlers never run: the first handler call
raises `Parsed`, so nothing touches the network or a subscription. A command is accepted
when its arguments parse and validate (reaching the handler, or failing only because nobody
is logged in); it is rejected when the parser or a validator refuses it.
"""

from __future__ import annotations

import io
import os
import shlex
import subprocess
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

NAME = "az-cli-parser"
SKIPPED_GROUPS = {"ml", "k8s-extension"}
LOGIN_MESSAGE = "Please run 'az login'"
SCRIPT_TIMEOUT_SECONDS = 60


class Parsed(BaseException):
    """Raised instead of running a command handler; BaseException so no CLI layer swallows it."""


def make_cli():
    from azure.cli.core import get_default_cli
    from azure.cli.core.commands import AzCliCommand

    def refuse_to_run(self, *args, **kwargs):
        raise Parsed()

    AzCliCommand.__call__ = refuse_to_run
    return get_default_cli()


# The CLI binds its log handlers to the stderr of its first call: keep that one buffer for all.
CAPTURED = io.StringIO()


def classify(cli, argv: list[str], cwd: Path) -> tuple[bool, str]:
    """Returns (accepted, message) for `az <argv>`."""
    CAPTURED.seek(0)
    CAPTURED.truncate()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(CAPTURED), redirect_stderr(CAPTURED):
            code = cli.invoke(argv, out_file=CAPTURED)
    except Parsed:
        return True, "parsed"
    except SystemExit as exit_:
        code = exit_.code
    finally:
        os.chdir(previous)
    text = CAPTURED.getvalue()
    if code == 1 and LOGIN_MESSAGE in text:
        return True, "parsed (stopped at login)"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")] or lines or [f"exit code {code}"]
    return False, f"exit {code}: {errors[0]}"


def self_test(cli, cwd: Path) -> list[str]:
    """Proves the classification on a command that must pass and ones that must fail."""
    cases = [
        (["group", "create", "--name", "rg-x", "--location", "eastus2"], True),
        (["group", "create", "--name", "rg-x", "--location", "eastus2", "--resource-grup", "x"], False),
        (["group", "create", "--location", "eastus2"], False),
        (["group", "create", "--name", "rg-x", "--location", "eastus2"], True),
    ]
    problems = []
    for argv, expected in cases:
        accepted, message = classify(cli, argv, cwd)
        if accepted != expected:
            problems.append(f"self-test: `az {shlex.join(argv)}` classified {accepted}, expected {expected} ({message})")
    return problems


def dry_run(script: Path, shim_dir: Path, calls_log: Path) -> tuple[list[str], list[str]]:
    """Runs the script in dry-run mode; returns (az command lines, problems)."""
    env = dict(os.environ)
    env["PATH"] = f"{shim_dir}{os.pathsep}{env.get('PATH', '')}"
    env["AMLPE_AZ_CALLS_LOG"] = str(calls_log)
    calls_log.write_text("")
    try:
        proc = subprocess.run(
            ["bash", script.name, "--dry-run"],
            cwd=script.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return [], [f"--dry-run did not finish within {SCRIPT_TIMEOUT_SECONDS}s"]
    problems = []
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        problems.append(f"--dry-run exited {proc.returncode}" + (f": {tail}" if tail else ""))
    for call in calls_log.read_text().splitlines():
        problems.append(f"--dry-run called az: az {call}")
    commands = []
    for number, line in enumerate(proc.stdout.splitlines(), 1):
        if line.startswith("az "):
            commands.append(line)
        elif line.strip():
            problems.append(f"stdout line {number} is not an az command (progress belongs on stderr): {line[:120]}")
    if not commands and proc.returncode == 0:
        problems.append("--dry-run printed no az command")
    return commands, problems


def write_shim(shim_dir: Path) -> None:
    shim = shim_dir / "az"
    shim.write_text('#!/bin/sh\nprintf "%s\\n" "$*" >> "$AMLPE_AZ_CALLS_LOG"\nexit 97\n')
    shim.chmod(0o755)


def main(scripts: list[Path]) -> int:
    details: list[str] = []
    failed_files = 0
    accepted = rejected = skipped = 0
    with tempfile.TemporaryDirectory(prefix="amlpe-az-") as tmp:
        shim_dir = Path(tmp)
        write_shim(shim_dir)
        calls_log = shim_dir / "calls.log"
        cli = make_cli()
        problems = self_test(cli, shim_dir)
        if problems:
            print("\n".join(problems))
            print(f"{NAME}: {len(scripts)} files checked, parser self-test failed")
            return 1
        for script in scripts:
            commands, file_problems = dry_run(script, shim_dir, calls_log)
            file_problems = [f"{script}: {p}" for p in file_problems]
            for line in commands:
                try:
                    argv = shlex.split(line)
                except ValueError as err:
                    file_problems.append(f"{script}: cannot split `{line}`: {err}")
                    rejected += 1
                    continue
                if len(argv) > 1 and argv[1] in SKIPPED_GROUPS:
                    skipped += 1
                    continue
                ok, message = classify(cli, argv[1:], script.parent)
                if ok:
                    accepted += 1
                else:
                    rejected += 1
                    file_problems.append(f"{script}: rejected `{line}`\n    {message}")
            if file_problems:
                failed_files += 1
                details.extend(file_problems)
    if details:
        print("\n".join(details))
    print(
        f"{NAME}: {len(scripts)} files checked, {failed_files} failures "
        f"({accepted} commands accepted, {rejected} rejected, {skipped} skipped: az {'/'.join(sorted(SKIPPED_GROUPS))})"
    )
    return 1 if failed_files else 0


if __name__ == "__main__":
    sys.exit(main([Path(p).resolve() for p in sys.argv[1:]]))
