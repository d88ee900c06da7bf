"""Docs that cannot drift: every public name and every CLI command is documented.

A name added to ``nlp.__all__`` or a command added to ``policylens`` fails here until README.md or
docs/*.md say what it is.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

import nlp
from nlp.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = README + "\n".join(p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("docs/*.md")))


def _command_table(markdown: str) -> str:
    """The rows of README's command table (``| command | what it does |``)."""
    rows = []
    in_table = False
    for line in markdown.splitlines():
        if re.match(r"\|\s*command\s*\|", line):
            in_table = True
        elif in_table and not line.startswith("|"):
            break
        if in_table:
            rows.append(line)
    return "\n".join(rows)


COMMAND_TABLE = _command_table(README)
COMMANDS = sorted(cli.commands)


def test_readme_has_a_command_table():
    assert COMMAND_TABLE.count("\n") >= len(COMMANDS)


@pytest.mark.parametrize("name", sorted(nlp.__all__))
def test_public_name_is_documented(name):
    # Whole word only: "Clause" must be documented itself, not found inside "ClauseIndex".
    assert re.search(rf"(?<!\w){re.escape(name)}\b", DOCS), (
        f"nlp.{name} is public (nlp.__all__) but neither README.md nor docs/*.md mention it"
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_command_is_in_the_readme_table(command):
    assert f"`policylens {command}" in COMMAND_TABLE, (
        f"`policylens {command}` is missing from README's command table"
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_has_an_example(command):
    cmd = cli.commands[command]
    assert isinstance(cmd, click.Command)
    assert cmd.help and cmd.help.strip(), f"`policylens {command}` has no help text"
    assert re.search(rf"^\s*Example:.*\bpolicylens {command}\b", cmd.help, re.M), (
        f"`policylens {command} --help` shows no `Example: policylens {command} ...` line"
    )
