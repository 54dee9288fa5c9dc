"""The cache's Redis clients side by side, in one process: CPU per command and throughput.

`python -m bench.redis_clients` (BENCH_REDIS, default db 13; BENCH_REPEATS, 5): each client
answers rounds of CONCURRENCY concurrent cache lookups (the EVALSHA of RedisCache.lookup,
two keys, as a cached get-me sends it), alternating client by client, REPEATS times. CPU is
this process's (time.process_time): what the API process would pay per command, much less
moved by the machine's other load than requests per second are.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/13")
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
CONCURRENCY = 64
ROUNDS = 300
CLIENTS = {
    "pipelined": ("adapters.redis.pipelined", "PipelinedRedis"),
    "coredis": ("adapters.redis.coredis_client", "CoredisRedis"),
}


async def one_run(client: Any, script: Any) -> tuple[float, float]:
    """(us of CPU per command, commands per second)."""
    keys = ["bench-redis-clients:epoch", "bench-redis-clients:gen:user"]
    args = ["bench-redis-clients:entry:user:", "k", 1]
    await client.evalsha(script, keys, args)  # connected, script loaded
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(ROUNDS):
        await asyncio.gather(*(client.evalsha(script, keys, args) for _ in range(CONCURRENCY)))
    commands = ROUNDS * CONCURRENCY
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / commands * 1e6, commands / wall


async def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from adapters.redis.cache import _LOOKUP
    from adapters.redis.pipelined import Script

    script = Script(_LOOKUP)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in CLIENTS}
    for _ in range(REPEATS):
        for name, (module, cls) in CLIENTS.items():
            client = getattr(importlib.import_module(module), cls)(REDIS, timeout=1.0)
            try:
                results[name].append(await one_run(client, script))
            finally:
                await client.close()
    for name, runs in results.items():
        cpu = [r[0] for r in runs]
        rate = [r[1] for r in runs]
        print(
            f"{name:10} CPU us/command median {statistics.median(cpu):.1f} "
            f"(runs {', '.join(f'{c:.1f}' for c in cpu)}); "
            f"commands/s median {statistics.median(rate):,.0f} "
            f"(runs {', '.join(f'{r:,.0f}' for r in rate)})"
        )


if __name__ == "__main__":
    asyncio.run(main())
