"""An optional event-loop lag probe (INKWELL_LOOP_LAG_PROBE=true, used by `make bench`): a
task that asks to wake every 10 ms and records how late it woke. Anything blocking the loop
(hashing, sync I/O) shows up here as lag."""

from __future__ import annotations

import asyncio
import time
from collections import deque

INTERVAL = 0.01


class LoopLagProbe:
    def __init__(self) -> None:
        self._lags: deque[float] = deque(maxlen=100_000)

    async def run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(INTERVAL)
            self._lags.append(max(0.0, time.perf_counter() - started - INTERVAL) * 1000)

    def report_and_reset(self) -> dict[str, float]:
        lags = sorted(self._lags)
        self._lags.clear()
        if not lags:
            return {"samples": 0}
        return {
            "samples": len(lags),
            "p50_ms": round(lags[len(lags) // 2], 2),
            "p99_ms": round(lags[int(len(lags) * 0.99)], 2),
            "max_ms": round(lags[-1], 2),
        }
