"""
Both packages claim the same Pythons, and those are what CI runs.

The noxfile reads its list of Pythons for the tests and the type checks from the SDK's
classifiers, so a classifier is a promise that CI keeps; these checks keep the two
packages' claims and their ``requires-python`` in step with it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"velerian-sdk": ROOT / "pyproject.toml", "velerian-stub": ROOT / "stubs/pyproject.toml"}


def claims(pyproject: Path) -> tuple[list[str], str]:
    # By pattern rather than tomllib, which 3.10 lacks: both fields are one-liners.
    text = pyproject.read_text("utf-8")
    versions = re.findall(r'^  "Programming Language :: Python :: (3\.\d+)",$', text, re.M)
    requires = re.findall(r'^requires-python = "(.*)"$', text, re.M)
    assert len(requires) == 1, pyproject
    return versions, requires[0]


def test_each_package_claims_a_run_of_pythons_from_its_lowest() -> None:
    for name, pyproject in PACKAGES.items():
        versions, requires = claims(pyproject)
        minors = [int(version.split(".")[1]) for version in versions]
        assert minors, f"{name} names no Python version"
        assert minors == list(range(minors[0], minors[0] + len(minors))), (name, versions)
        assert requires == f">={versions[0]}", (name, requires)


def test_the_stub_claims_what_the_sdk_claims() -> None:
    assert claims(PACKAGES["velerian-stub"]) == claims(PACKAGES["velerian-sdk"])


def test_this_python_is_one_that_is_claimed() -> None:
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    versions, _ = claims(PACKAGES["velerian-sdk"])
    assert running in versions, f"the tests run on {running}, not claimed in pyproject.toml"
