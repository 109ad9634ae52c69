"""The two locks agree with pyproject.toml: a dependency declared there and not re-locked, a pin
added to a lock by hand, or a development tool that reaches the runtime set fails here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.once

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)")
# A pin line and the indented lines that continue it (its hashes and "via" comments).
ENTRY = re.compile(r"^[A-Za-z0-9][^\n]*==[^\n]*(?:\n[ \t][^\n]*)*", re.MULTILINE)
RELOCK = "edit pyproject.toml, then run `make lock` (docs/development.md)"


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _dev_group() -> list[Requirement]:
    return [Requirement(line) for line in _pyproject()["dependency-groups"]["dev"]]


def _pins(lock: str) -> dict[str, str]:
    lines = (ROOT / lock).read_text().splitlines()
    return {canonicalize_name(found[1]): found[2] for line in lines if (found := PIN.match(line))}


def _unlocked(requirements: list[Requirement], pins: dict[str, str]) -> list[str]:
    return [
        str(requirement)
        for requirement in requirements
        if pins.get(canonicalize_name(requirement.name)) not in requirement.specifier
    ]


def test_every_runtime_dependency_is_locked_at_a_version_it_allows():
    runtime = [Requirement(line) for line in _pyproject()["project"]["dependencies"]]
    assert _unlocked(runtime, _pins("requirements.txt")) == [], RELOCK


def test_every_development_dependency_is_locked_beside_the_runtime_pins():
    runtime, dev = _pins("requirements.txt"), _pins("requirements-dev.txt")
    assert _unlocked(_dev_group(), dev) == [], RELOCK
    differing = {name: (version, dev.get(name)) for name, version in runtime.items()}
    assert {name: pair for name, pair in differing.items() if pair[0] != pair[1]} == {}, RELOCK


def test_no_development_tool_is_installed_on_a_production_host():
    runtime = _pins("requirements.txt")
    tools = [requirement.name for requirement in _dev_group()]
    assert [name for name in tools if canonicalize_name(name) in runtime] == []


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-dev.txt"])
def test_every_pin_carries_its_hashes(lock):
    """pip installs with --require-hashes: a line added by hand would stop every install."""
    entries = ENTRY.finditer((ROOT / lock).read_text())
    unhashed = [entry[0].split()[0] for entry in entries if "--hash=sha256:" not in entry[0]]
    assert unhashed == [], RELOCK
