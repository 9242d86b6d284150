"""
Upload an attachment, start a governed network run on it, and wait with a progress bar.

Reads VELERIAN_API_KEY, VELERIAN_BASE_URL and VELERIAN_NETWORK_SLUG. The run is queued
and polled: if waiting gives up, the run keeps going and can be collected by its id.
"""

from __future__ import annotations

import os
import sys

from velerian_sdk import Run, TqdmProgress, VelerianClient, VelerianRunTimeoutError


def main() -> int:
    slug = os.environ["VELERIAN_NETWORK_SLUG"]
    rows = "\n".join(f"{i},CLM-{i:05d},{100 + i}.00" for i in range(2000))
    data = ("line,claim,amount\n" + rows + "\n").encode()
    with VelerianClient() as client:
        with TqdmProgress("upload") as bar:
            attachment = client.attachments.upload(data, filename="claims.csv", progress=bar)
        print(f"attachment {attachment.id}: {len(data)} bytes, uploaded and finalized")

        def show(run: Run) -> None:
            print(f"run {run.id}: {run.status}")

        try:
            run = client.networks.invoke(
                slug,
                prompt_text="Review these claims for duplicate billing.",
                attachment_ids=[attachment.id],
                poll_interval=0.5,
                timeout=60.0,
                on_status=show,
            )
        except VelerianRunTimeoutError as error:
            waited = f"{error.waited_s:.0f}s"
            print(f"still {error.status} after {waited}; collect run {error.run_id} later")
            return 2
        # Fields other than `id` and `status` may be absent from the API's answer: None.
        print(f"finished: {run.status}, governance passed={run.governance_pass}")
        if run.output_text is not None:
            print(f"output: {run.output_text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
