"""
Export every evidence pack of an ABP since a date, download it, and verify the chain.

Reads VELERIAN_API_KEY, VELERIAN_BASE_URL and VELERIAN_ABP_ID from the environment.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

from velerian_sdk import TqdmProgress, VelerianClient


def main() -> int:
    abp_id = os.environ["VELERIAN_ABP_ID"]
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    with VelerianClient() as client:
        for n in range(3):
            client.abps.invoke(abp_id, payload={"prompt": f"Review item {n}."})
        export = client.evidence.package(abp_id, since=since, format="jsonl")
        print(f"export {export.export_id}: {export.size_bytes} bytes via {export.delivery}")
        with tempfile.TemporaryDirectory() as folder, TqdmProgress("evidence") as bar:
            saved = client.evidence.download(export, Path(folder), progress=bar)
            result = client.evidence.verify(saved)
        print(f"{result.packs_checked} packs in {len(result.scopes)} chain(s): ok={result.ok}")
        for problem in result.breaks:
            print(f"  broken: {problem}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
