"""
Run the published 0.1.2 client, then this SDK's 0.1 methods, against the stub; compare.

    python scripts/check_published_client.py --published-python PATH [--out DIR]
                                             [--shape {full,sparse}]...

For each stub shape (full, then ``--sparse``) it starts three stubs: a plain one, one
limiting each key to one request a second (for a ``429`` with ``Retry-After``), and one
failing every request (for a ``5xx``). It then runs ``scripts/published_client_calls.py``
twice, each time on fresh tenants (``POST /_stub/tenants``): with ``PATH``, the
interpreter of an environment holding only ``velerian-sdk==0.1.2``, and with this
interpreter, whose ``velerian_sdk`` is this repository's. Each run writes the shape of
every result; the two are compared, and the script fails on any difference outside
:data:`KNOWN_DIFFERENCES`. ``nox -s published`` runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import cast

import httpx

from velerian_stub import StubProcess

__all__ = ["KNOWN_DIFFERENCES", "compare", "main"]

CALLS = Path(__file__).resolve().parent / "published_client_calls.py"
# Runs finish in a fraction of a second, so a waited run costs a few polls, not seconds.
MAIN_ARGS = ["--run-queue-ms", "50", "--run-duration-ms", "150"]
LIMITED_ARGS = ["--rate-limit", "1"]
FAULTY_ARGS = ["--fail-before", "1", "--seed", "1"]

_TIMESTAMPS = "a datetime, not a str: docs/migration.md, Timestamps"
_NESTED = "a model, not a dict: docs/migration.md, Nested data"
#: Differences between 0.1.2's typed results and this SDK's that are intended, by a part
#: of the difference's path, with the reason; docs/migration.md tells users about each.
#: The 0.1 methods that return plain dicts (runs, audit and paginator rows, the escape
#: hatch) have none: their shapes must be 0.1.2's exactly.
KNOWN_DIFFERENCES: dict[str, str] = {
    ".fields.expires_at:": _TIMESTAMPS,
    ".fields.as_of:": _TIMESTAMPS,
    ".fields.aggregated_conditions.list.": _NESTED,
    ".fields.governed_runs.": _NESTED,
    ".fields.governed_runs:": f"{_NESTED}; None when absent (0.1.2: {{}})",
    ".fields.adoption.": _NESTED,
    ".fields.evidence_packs.list": "a list of EvidencePackRow; [] when absent (0.1.2: {}):"
    " docs/api/decisions.md, Held against 0.1.2",
    ".fields.evidence_packs.object": "see evidence_packs.list",
    "result.closed.error:": "VelerianClientClosedError, a RuntimeError as 0.1.2's was",
}


def shape_differences(published: object, ours: object, path: str) -> Iterator[str]:
    """
    Yield one line per place where two recorded shapes differ.

    Args:
        published: The shape 0.1.2's call returned.
        ours: The shape this SDK's call returned.
        path: Where in the result the two are.

    Yields:
        ``"<path>: <published> != <ours>"``.
    """
    if isinstance(published, dict) and isinstance(ours, dict):
        left = cast("dict[str, object]", published)
        right = cast("dict[str, object]", ours)
        for key in sorted(left.keys() | right.keys()):
            if key not in right:
                yield f"{path}.{key}: only in 0.1.2 ({left[key]})"
            elif key not in left:
                yield f"{path}.{key}: only in ours ({right[key]})"
            else:
                yield from shape_differences(left[key], right[key], f"{path}.{key}")
    elif published != ours:
        yield f"{path}: 0.1.2 {json.dumps(published)} != ours {json.dumps(ours)}"


def compare(published: Path, ours: Path) -> tuple[list[str], list[str]]:
    """
    Compare two runs' documents.

    Args:
        published: The document of the 0.1.2 run.
        ours: The document of this SDK's run.

    Returns:
        The unexpected differences, and the known ones (with their reason).
    """
    left = json.loads(published.read_text())
    right = json.loads(ours.read_text())
    found = list(shape_differences(left["shapes"], right["shapes"], "result"))
    missing = sorted(set(left["methods"]) - set(right["methods"]))
    found += [f"method {name}: only in 0.1.2" for name in missing]
    unexpected: list[str] = []
    known: list[str] = []
    for line in found:
        reason = next((r for p, r in KNOWN_DIFFERENCES.items() if p in line), None)
        if reason is None:
            unexpected.append(line)
        else:
            known.append(f"{line}  [{reason}]")
    return unexpected, known


def fresh_tenant(stub: StubProcess, name: str) -> dict[str, str]:
    """A new tenant on ``stub``: its origin, owner key, ABPs and network."""
    answer = httpx.post(
        f"{stub.base_url}/_stub/tenants", json={"name": name}, headers=stub.admin_headers
    )
    answer.raise_for_status()
    body: dict[str, str] = answer.json()
    return {**body, "base_url": stub.base_url}


def run_calls(
    python: str, flavour: str, shape: str, stubs: dict[str, StubProcess], out: Path
) -> None:
    """Run the calls once, with ``python``, on fresh tenants of ``stubs``."""
    main, limited, faulty = (fresh_tenant(stubs[k], flavour) for k in ("main", "limited", "faulty"))
    env = {
        **os.environ,
        "VELERIAN_BASE_URL": main["base_url"],
        "VELERIAN_API_KEY": main["api_key"],
        "VELERIAN_ABP_ID": main["abp_id"],
        "VELERIAN_DRAFT_ABP_ID": main["draft_abp_id"],
        "VELERIAN_NETWORK_SLUG": main["network_slug"],
        "VELERIAN_LIMITED_BASE_URL": limited["base_url"],
        "VELERIAN_LIMITED_API_KEY": limited["api_key"],
        "VELERIAN_FAULTY_BASE_URL": faulty["base_url"],
        "VELERIAN_FAULTY_API_KEY": faulty["api_key"],
    }
    if flavour == "published":
        # Nothing of this repository may shadow the published package.
        env.pop("PYTHONPATH", None)
    command = [python, str(CALLS), "--shape", shape, "--flavour", flavour, "--out", str(out)]
    if subprocess.run(command, env=env, check=False).returncode != 0:  # noqa: S603 - ours
        who = "velerian-sdk 0.1.2" if flavour == "published" else "this SDK's 0.1 methods"
        raise SystemExit(f"FAILED: {who} against the {shape} stub (the traceback above says where)")


def check_shape(published_python: str, shape: str, out: Path) -> list[str]:
    """Start the stubs of one shape, run both flavours, and compare them."""
    sparse = shape == "sparse"
    stubs = {
        "main": StubProcess(sparse=sparse, args=MAIN_ARGS),
        "limited": StubProcess(sparse=sparse, args=LIMITED_ARGS),
        "faulty": StubProcess(sparse=sparse, args=FAULTY_ARGS),
    }
    try:
        with ThreadPoolExecutor(len(stubs)) as pool:
            list(pool.map(StubProcess.start, stubs.values()))
        run_calls(published_python, "published", shape, stubs, out / f"{shape}-0.1.2.json")
        run_calls(sys.executable, "ours", shape, stubs, out / f"{shape}-ours.json")
    finally:
        for stub in stubs.values():
            stub.close()
    unexpected, known = compare(out / f"{shape}-0.1.2.json", out / f"{shape}-ours.json")
    reasons = Counter(line.rpartition("  [")[2].rstrip("]") for line in known)
    for reason, count in sorted(reasons.items()):
        print(f"{shape}: {count} known difference(s) of typed results: {reason}")
    return [f"{shape}: {line}" for line in unexpected]


def main(argv: list[str] | None = None) -> int:
    """Check every shape asked for; exit 1 on an unexpected difference."""
    parser = argparse.ArgumentParser(description="Run 0.1.2 and our 0.1 methods; compare.")
    parser.add_argument("--published-python", required=True)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--shape", action="append", choices=("full", "sparse"))
    args = parser.parse_args(argv)
    out: Path = args.out or Path(tempfile.mkdtemp(prefix="velerian-published-"))
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    problems: list[str] = []
    for shape in args.shape or ["full", "sparse"]:
        problems += check_shape(args.published_python, shape, out)
    for line in problems:
        print(f"DIFFERENCE {line}")
    print(f"shapes in {out}; {len(problems)} unexpected differences; "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
