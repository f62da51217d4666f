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
import json
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


class Seen:
    """What the parser handed to the last command: its name and the tags it decoded."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.command: str | None = None
        self.takes_tags = False
        self.tags: dict | None = None
        self.tags_error: str | None = None


SEEN = Seen()


def body_tags(params: dict) -> tuple[bool, dict | None, str | None]:
    """(takes tags, tags, error) of `az resource create`: the JSON body as the command reads it."""
    if not params.get("is_full_object"):
        return True, None, None
    try:
        body = json.loads(params.get("properties") or "")
    except json.JSONDecodeError as err:
        return True, None, f"--properties is not JSON: {err}"
    if not isinstance(body, dict):
        return True, None, "--properties is not a JSON object"
    return True, body.get("tags"), None


def make_cli():
    from azure.cli.core import get_default_cli
    from azure.cli.core.aaz import has_value
    from azure.cli.core.aaz._command_ctx import AAZCommandCtx
    from azure.cli.core.commands import AzCliCommand

    def refuse_to_run(self, *args, **kwargs):
        # The invoker calls the command with the parameters its validators produced.
        params = args[0] if args and isinstance(args[0], dict) else kwargs
        SEEN.command = self.name
        if self.name == "resource create":
            SEEN.takes_tags, SEEN.tags, SEEN.tags_error = body_tags(params)
        else:
            SEEN.takes_tags = "tags" in self.arguments
            SEEN.tags = params.get("tags")
        raise Parsed()

    def record_aaz(ctx) -> None:
        SEEN.command = ctx.cli_ctx.data.get("command")
        fields = ctx.args._schema._fields  # the command's argument schema
        SEEN.takes_tags = "tags" in fields
        if SEEN.takes_tags:
            tags = ctx.args.tags
            SEEN.tags = tags.to_serialized_data() if has_value(tags) else None

    aaz_init = AAZCommandCtx.__init__
    aaz_format = AAZCommandCtx.format_args

    def init_and_record(self, *args, **kwargs):
        aaz_init(self, *args, **kwargs)
        record_aaz(self)

    def format_and_record(self):
        aaz_format(self)
        record_aaz(self)

    AzCliCommand.__call__ = refuse_to_run
    # An aaz command is left to run: its arguments are recorded once the argument actions are
    # applied and again after format_args, and the login it needs stops it before any request.
    AAZCommandCtx.__init__ = init_and_record
    AAZCommandCtx.format_args = format_and_record
    return get_default_cli()


# The CLI binds its log handlers to the stderr of its first call: keep that one buffer for all.
CAPTURED = io.StringIO()


def classify(cli, argv: list[str], cwd: Path) -> tuple[bool, str]:
    """Returns (accepted, message) for `az <argv>`."""
    CAPTURED.seek(0)
    CAPTURED.truncate()
    SEEN.reset()
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
    """Proves the classification on a command that must pass and ones that must fail, and that
    the tags of both kinds of command and of a JSON body are seen as the parser decodes them."""
    sub = ["--subscription", "00000000-0000-0000-0000-000000000000"]
    body = '{"location": "eastus2", "tags": {"a": "b=c"}}'
    cases = [
        (["group", "create", "--name", "rg-x", "--location", "eastus2"], True, None),
        (["group", "create", "--name", "rg-x", "--location", "eastus2", "--resource-grup", "x"], False, None),
        (["group", "create", "--location", "eastus2"], False, None),
        (["group", "create", "--name", "rg-x", "--location", "eastus2", "--tags", "a=b=c", "d"], True,
         {"a": "b=c", "d": ""}),
        ([*"network private-dns zone create --resource-group rg-x --name x.example".split(), *sub,
          "--tags", "'a b'='it'/s'", "c=''"], True, {"a b": "it's", "c": ""}),
        ([*"resource create --is-full-object --api-version 2024-06-01 --id".split(),
          "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-x/providers/Microsoft.Network/privateDnsZones/x.example",
          "--properties", body], True, {"a": "b=c"}),
        (["group", "create", "--name", "rg-x", "--location", "eastus2"], True, None),
    ]
    problems = []
    for argv, expected, tags in cases:
        accepted, message = classify(cli, argv, cwd)
        if accepted != expected:
            problems.append(f"self-test: `az {shlex.join(argv)}` classified {accepted}, expected {expected} ({message})")
        elif SEEN.tags != tags:
            problems.append(f"self-test: `az {shlex.join(argv)}` decoded tags {SEEN.tags!r}, expected {tags!r}")
    return problems


class Scenarios:
    """The tags of the scenario a script belongs to: `tags` of the nearest plan.json above it."""

    def __init__(self) -> None:
        # folder -> (scenario, plan.json, its tags or why they are unreadable), None without a plan
        self.cache: dict[Path, tuple[str, Path, dict | str] | None] = {}

    def of(self, script: Path) -> tuple[str, Path, dict | str] | None:
        for folder in script.parents:
            if folder not in self.cache:
                plan = folder / "plan.json"
                if not plan.is_file():
                    self.cache[folder] = None
                    continue
                try:
                    data = json.loads(plan.read_text(encoding="utf-8"))
                    tags = data.get("tags") or {}
                    name = str(data.get("scenario", folder.name))
                except (OSError, ValueError, AttributeError) as err:
                    tags, name = f"{plan} is unreadable: {err}", folder.name
                self.cache[folder] = (name, plan, tags)
            if self.cache[folder] is not None:
                return self.cache[folder]
        return None


def show(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def tag_difference(expected: dict, actual) -> str | None:
    """How the decoded tags differ from the scenario's; None when they are equal."""
    if not isinstance(actual, dict):
        return f"tags are {show(actual)}, not an object"
    parts = []
    for key, value in expected.items():
        if key not in actual:
            parts.append(f"{show(key)} is missing")
        elif actual[key] != value:
            parts.append(f"{show(key)} is {show(actual[key])}, expected {show(value)}")
    parts.extend(f"{show(key)}={show(value)} is not a scenario tag" for key, value in actual.items() if key not in expected)
    return "; ".join(parts) or None


def tag_problem(scenarios: Scenarios, script: Path, argv: list[str]) -> tuple[bool, str | None]:
    """(compared, problem) for the command the parser just saw."""
    if SEEN.command is None:
        if "--tags" in argv:
            return False, "its --tags were not decoded: the command stopped before the parser handed them on"
        return False, None
    if SEEN.tags_error:
        return False, SEEN.tags_error
    if SEEN.tags is None and not (SEEN.takes_tags and SEEN.command.endswith(" create")):
        return False, None
    scenario = scenarios.of(script)
    if scenario is None:
        if SEEN.tags is None:
            return False, None
        return False, "carries tags but no plan.json above the script holds the scenario's"
    name, plan, expected = scenario
    if isinstance(expected, str):
        return False, f"cannot be compared: {expected}"
    if not isinstance(expected, dict):
        return False, f"cannot be compared: the tags of scenario {name} ({plan}) are not an object"
    if SEEN.tags is None:
        if expected:
            return True, f"carries no tags; scenario {name} ({plan}) has {show(expected)}"
        return True, None
    difference = tag_difference(expected, SEEN.tags)
    if difference:
        return True, f"tags differ from scenario {name} ({plan}): {difference}"
    return True, None


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
    accepted = rejected = skipped = tagged = 0
    scenarios = Scenarios()
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
                if not ok:
                    rejected += 1
                    file_problems.append(f"{script}: rejected `{line}`\n    {message}")
                    continue
                accepted += 1
                compared, problem = tag_problem(scenarios, script, argv[1:])
                tagged += compared
                if problem:
                    shown = line if len(line) <= 240 else line[:240] + "..."
                    file_problems.append(f"{script}: `az {SEEN.command or argv[1]}` {problem}\n    {shown}")
            if file_problems:
                failed_files += 1
                details.extend(file_problems)
    if details:
        print("\n".join(details))
    print(
        f"{NAME}: {len(scripts)} files checked, {failed_files} failures "
        f"({accepted} commands accepted, {rejected} rejected, {skipped} skipped: az {'/'.join(sorted(SKIPPED_GROUPS))}; "
        f"tags of {tagged} compared with plan.json)"
    )
    return 1 if failed_files else 0


if __name__ == "__main__":
    sys.exit(main([Path(p).resolve() for p in sys.argv[1:]]))
