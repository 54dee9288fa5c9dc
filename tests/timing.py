"""Timing comparisons for the account-enumeration tests (e2e on memory, integration on
Postgres): the real argon2 parameters, no rate limits, interleaved requests, medians."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable

import httpx

from entrypoints.settings import Settings

ARGON2 = ("argon2_time_cost", "argon2_memory_cost_kib", "argon2_parallelism", "argon2_max_threads")
REAL_ARGON2 = {name: Settings.model_fields[name].default for name in ARGON2}
NO_LIMITS = dict.fromkeys(
    (
        "login_attempts_per_account_and_client",
        "login_attempts_per_account",
        "login_failures_per_client",
        "login_failures_per_device",
        "login_failures_per_account_devices",
        "registrations_per_client",
        "password_resets_per_client",
        "password_resets_per_account",
    ),
    1_000_000,
)
TRIES = 30
TOLERANCE = 1.20
ROUNDS = 3

Request = Callable[[int], Awaitable[httpx.Response]]


async def _medians(one: Request, other: Request, batch: int) -> tuple[float, float]:
    """Median seconds per try of each kind; a try is `batch` requests in a row. The kinds
    alternate ABBA, so drift in the machine's load hits both alike."""
    for i in range(2):  # warm up: thread pool, the dummy hash, code paths
        await one(-1 - i)
        await other(-1 - i)
    timings: dict[Request, list[float]] = {one: [], other: []}
    for i in range(TRIES):
        for kind in (one, other) if i % 2 else (other, one):
            start = time.perf_counter()
            for j in range(batch):
                await kind(i * batch + j)
            timings[kind].append(time.perf_counter() - start)
    return statistics.median(timings[one]), statistics.median(timings[other])


async def assert_alike(one: Request, other: Request, *, batch: int = 1) -> None:
    """Medians of 30 tries within 20% of each other. A busy machine can still skew a round,
    so a round that disagrees is measured again, up to three rounds; a real difference (an
    unknown email skipping the hash) fails every round."""
    rounds = []
    for _round in range(ROUNDS):
        a, b = await _medians(one, other, batch)
        rounds.append(f"{a * 1e3:.2f} ms vs {b * 1e3:.2f} ms")
        if max(a, b) <= TOLERANCE * min(a, b):
            return
    raise AssertionError("medians differ by more than 20% in every round: " + "; ".join(rounds))
