"""Prometheus metrics of one process, in a registry of its own (one per container: nothing
global, and each test starts from zero). The HTTP middleware, the error mapping, the cache
and the job runners record into it; `GET /metrics` (and the worker's optional port) expose it.

Label values are bounded: routes are templates (`<unmatched>` for anything no route
matched), methods outside the usual set are `OTHER`, caches are namespace kinds."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)

from application.ports.cache import Cache, CacheLookup
from application.ports.jobs import OutboxStats

log = logging.getLogger("inkwell.metrics")

UNMATCHED_ROUTE = "<unmatched>"
JOB_OUTCOMES = ("processed", "retried", "dead")
OUTBOX_STATES = ("pending", "in_flight", "processed", "dead")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Metrics:
    def __init__(self, outbox_timeout: float = 2.0, outbox_max_age: float = 5.0) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # no `*_created` series
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_requests = Counter(
            "inkwell_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_duration = Histogram(
            "inkwell_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.cache_lookups = Counter(
            "inkwell_cache_lookups",
            "Cache lookups by cache (namespace kind) and result (hit or miss).",
            ["cache", "result"],
            registry=r,
        )
        self.rate_limited = Counter(
            "inkwell_rate_limited_requests",
            "Requests refused with 429, by the limit that refused them.",
            ["limit"],
            registry=r,
        )
        self.jobs = Counter(
            "inkwell_jobs",
            "Job tries run by this process, by outcome (processed, retried, dead).",
            ["outcome"],
            registry=r,
        )
        self.outbox_messages = Gauge(
            "inkwell_outbox_messages",
            "Outbox messages by delivery state, read from the database at scrape time "
            "(pending = not yet queued, in_flight = queued and not finished; processed "
            "rows are purged after the retention period).",
            ["state"],
            registry=r,
        )
        self.outbox_up = Gauge(
            "inkwell_outbox_stats_up",
            "1 when the last outbox count answered in time, else 0.",
            registry=r,
        )
        for outcome in JOB_OUTCOMES:
            self.jobs.labels(outcome)
        self._http: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._cache: dict[tuple[str, bool], Counter] = {}
        self._outbox_timeout = outbox_timeout
        self._outbox_max_age = outbox_max_age
        self._outbox_read_at: float | None = None
        self._outbox_lock = asyncio.Lock()

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        label = method if method in _METHODS else "OTHER"  # clients may invent methods
        key = (label, route, status)
        children = self._http.get(key)
        if children is None:
            children = (
                self.http_requests.labels(label, route, str(status)),
                self.http_duration.labels(label, route, str(status)),
            )
            self._http[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def cache_lookup(self, namespace: str, hit: bool) -> None:
        kind = namespace.partition(":")[0]
        child = self._cache.get((kind, hit))
        if child is None:
            child = self.cache_lookups.labels(kind, "hit" if hit else "miss")
            self._cache[(kind, hit)] = child
        child.inc()

    def rate_limit_refused(self, limit: str) -> None:
        self.rate_limited.labels(limit).inc()

    def job_outcome(self, outcome: str) -> None:
        self.jobs.labels(outcome).inc()

    async def refresh_outbox(self, stats: OutboxStats) -> None:
        """Count the outbox now, unless a count younger than `outbox_max_age` exists (a
        burst of scrapes costs one query). Bounded by a timeout; never raises: when the
        database does not answer, the gauges are dropped and `inkwell_outbox_stats_up` is 0."""
        async with self._outbox_lock:
            now = time.monotonic()
            if self._outbox_read_at is not None and now - self._outbox_read_at < (
                self._outbox_max_age
            ):
                return
            self._outbox_read_at = now
            try:
                counts = await asyncio.wait_for(stats.counts(), self._outbox_timeout)
            except Exception as exc:  # a scrape must answer whatever the database does
                log.warning("outbox metrics unavailable: %s", type(exc).__name__)
                self.outbox_messages.clear()
                self.outbox_up.set(0)
                return
            for state in OUTBOX_STATES:
                self.outbox_messages.labels(state).set(getattr(counts, state))
            self.outbox_up.set(1)


class MeteredCache(Cache):
    """Counts hits and misses of the cache it wraps (a hit ratio is hits / (hits + misses))."""

    def __init__(self, inner: Cache, metrics: Metrics) -> None:
        self.inner = inner
        self._metrics = metrics

    async def lookup(self, namespace: str, key: str, also: Sequence[str] = ()) -> CacheLookup:
        found = await self.inner.lookup(namespace, key, also)
        self._metrics.cache_lookup(namespace, found.value is not None)
        return found

    async def store(self, found: CacheLookup, value: bytes, ttl_seconds: int) -> None:
        await self.inner.store(found, value, ttl_seconds)

    async def invalidate(self, namespaces: Iterable[str]) -> None:
        await self.inner.invalidate(namespaces)
