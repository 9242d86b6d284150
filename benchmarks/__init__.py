"""
Benchmarks of velerian-sdk against raw httpx, the 0.1.2 client and other SDKs.

Run ``nox -s bench`` (or ``python -m benchmarks --size small``); every figure is a
ratio to a raw-httpx contender measured in the same rounds, because the machines these
run on are shared and noisy. ``docs/performance.md`` explains the method.
"""
