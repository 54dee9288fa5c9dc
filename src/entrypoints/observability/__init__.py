"""Operability: structured logs (structlog) and Prometheus metrics, for every entrypoint."""
