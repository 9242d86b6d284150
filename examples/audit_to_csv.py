"""
Page through the whole audit log and write it to a CSV file, in constant memory.

    python examples/audit_to_csv.py audit.csv

Reads VELERIAN_API_KEY and VELERIAN_BASE_URL from the environment.
"""

from __future__ import annotations

import csv
import sys

from velerian_sdk import VelerianClient


def main(path: str) -> None:
    columns = ["created_at", "action", "actor_user_id", "resource_kind", "resource_id", "id"]
    with VelerianClient() as client, open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        count = 0
        for entry in client.audit.iter(page_size=200):
            row = entry.to_dict()
            writer.writerow([row.get(name) for name in columns])
            count += 1
    print(f"wrote {count} audit entries to {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "audit.csv")
