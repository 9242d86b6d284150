"""
The installed package's public API: every symbol typed, every function and class documented.

    python scripts/check_public_api.py

Runs ``pyright --verifytypes velerian_sdk`` on the installed package (not ``src/``) and
fails unless the type completeness is 100% and no public function or class lacks a
docstring. Run it from a directory outside the repository, in an environment where the
package is installed as a wheel.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import cast


def main() -> int:
    """Run the check; print the figures; exit 1 on any gap."""
    command = ["pyright", "--verifytypes", "velerian_sdk", "--ignoreexternal", "--outputjson"]
    done = subprocess.run(  # noqa: S603 - pyright from this environment, fixed arguments
        command,
        capture_output=True,
        text=True,
        check=False,
    )
    report = cast("dict[str, object]", json.loads(done.stdout))
    completeness = cast("dict[str, object]", report["typeCompleteness"])
    score = cast("float", completeness["completenessScore"])
    exported = cast("dict[str, int]", completeness["exportedSymbolCounts"])
    missing = {
        "functions without a docstring": cast("int", completeness["missingFunctionDocStringCount"]),
        "classes without a docstring": cast("int", completeness["missingClassDocStringCount"]),
    }
    print(f"type completeness: {score:.1%} of {sum(exported.values())} exported symbols")
    for what, count in missing.items():
        print(f"{what}: {count}")
    problems = [
        f"{symbol['name']}: {diag['message']}"
        for symbol in cast("list[dict[str, object]]", completeness["symbols"])
        for diag in cast("list[dict[str, str]]", symbol["diagnostics"])
        if diag.get("severity") == "error"
    ]
    for problem in problems[:50]:
        print("  ", problem.replace("\n", " "))
    return 0 if score == 1 and not any(missing.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
