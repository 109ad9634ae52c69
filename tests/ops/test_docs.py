"""The README and docs/ stay true: every `make` target and `flask` command they name exists (the
commands themselves run in CI or in their own tests), and every link inside the repository
leads to a file and heading that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CODE = re.compile(r"`([^`\n]+)`")
FENCED = re.compile(r"```(?:sh|bash|console)?\n(.*?)```", re.S)
LINK = re.compile(r"\]\(([^)\s]+)\)")
MAKE_TARGET = re.compile(r"^([A-Za-z][\w-]*):", re.M)


def _snippets(page: Path) -> list[str]:
    text = page.read_text("utf-8")
    lines = [line for block in FENCED.findall(text) for line in block.splitlines()]
    return [*CODE.findall(text), *lines]


def _commands(tool: str) -> set[tuple[Path, str]]:
    """(page, the words after `tool` up to the first option or placeholder) for each use."""
    found = set()
    for page in PAGES:
        for snippet in _snippets(page):
            words = snippet.split("#")[0].split()
            while words and "=" in words[0]:  # VAR=value make …
                words.pop(0)
            if len(words) < 2 or words[0] != tool:
                continue
            found.add((page, " ".join(_head(words[1:]))))
    return found


def _head(words: list[str]) -> list[str]:
    """The command's own words: up to an option, a placeholder, an address or a value."""
    head = []
    for word in words:
        if word.startswith(("-", "<", "$", "'", '"', "http")) or not re.fullmatch(r"[\w.-]+", word):
            break
        head.append(word)
    return head


def test_every_make_target_named_in_the_docs_exists():
    targets = set(MAKE_TARGET.findall((ROOT / "Makefile").read_text("utf-8")))
    missing = [
        (page.name, command)
        for page, command in _commands("make")
        if command and command.split()[0] not in targets
    ]
    assert missing == []


def test_every_flask_command_named_in_the_docs_exists(app):
    runner = app.test_cli_runner()
    unknown = []
    for page, command in sorted(_commands("flask")):
        if not command or command.split()[0] in {"run", "shell", "routes"}:
            continue
        # Drop trailing arguments (an e-mail, a file) until the words name a command.
        words = shlex.split(command)
        while words:
            result = runner.invoke(args=[*words, "--help"])
            if result.exit_code == 0 and "Usage:" in result.output:
                break
            words.pop()
        if not words:
            unknown.append((page.name, command))
    assert unknown == []


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = FENCED.sub("", page.read_text("utf-8"))
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_inside_the_repository_lead_somewhere(page):
    broken = []
    for target in LINK.findall(FENCED.sub("", page.read_text("utf-8"))):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        destination = (page.parent / path).resolve() if path else page
        missing = not destination.exists()
        if missing or (
            anchor and destination.suffix == ".md" and anchor not in _anchors(destination)
        ):
            broken.append(target)
    assert broken == []


def test_no_page_points_outside_the_repository():
    outside = [
        (page.name, target)
        for page in PAGES
        for target in LINK.findall(page.read_text("utf-8"))
        if not target.startswith(("http", "mailto:", "#"))
        and not (page.parent / target.partition("#")[0]).resolve().is_relative_to(ROOT)
    ]
    assert outside == []
