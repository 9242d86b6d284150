"""
The quickstart on the async client: several governed invocations at once.

Reads VELERIAN_API_KEY, VELERIAN_BASE_URL and VELERIAN_ABP_ID from the environment.
"""

from __future__ import annotations

import asyncio
import os

from velerian_sdk import AsyncVelerianClient


async def main() -> None:
    abp_id = os.environ["VELERIAN_ABP_ID"]
    prompts = ["Summarize filing A.", "Summarize filing B.", "DENY filing C."]
    async with AsyncVelerianClient() as client:
        results = await asyncio.gather(
            *(client.abps.invoke(abp_id, payload={"prompt": p}) for p in prompts)
        )
        for prompt, result in zip(prompts, results, strict=True):
            print(f"{prompt:<22} -> {result.outcome}")
        page = await client.audit.list(action="abp.invoke", limit=10)
        total = "?" if page.total is None else page.total  # the API may leave it out
        print(f"audit page: {len(page)} of {total} entries")
        async for entry in page:
            print(f"  {entry.created_at:%H:%M:%S} {entry.action}")


if __name__ == "__main__":
    asyncio.run(main())
