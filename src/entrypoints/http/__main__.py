"""`python -m entrypoints.http [uvicorn options]`: the API server as deployed.

This is uvicorn's own command line with the app fixed and the bounds against slow clients
applied from the settings: the protocol that enforces the head timeout and answers 503 beyond
`INKWELL_HTTP_MAX_CONNECTIONS` (`--limit-concurrency`), and `INKWELL_HTTP_KEEPALIVE_SECONDS`
(`--timeout-keep-alive`). Options given on the command line come later and win.

One more change: on SIGTERM uvicorn
stops accepting connections, lets the requests in flight finish (up to
`--timeout-graceful-shutdown`), runs the lifespan shutdown, and then re-raises the signal
against the handler that was there before it started. With Python's default handler the
process would then die "killed by SIGTERM" (exit 143) although it stopped cleanly; the handler
installed here turns that into exit 0. A SIGTERM before uvicorn has taken over ends the
process at once: nothing is being served yet.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

import uvicorn

from entrypoints.settings import Settings

APP = "entrypoints.http.app:create_app"
PROTOCOL = "entrypoints.http.protocol:BoundedHttpProtocol"


def _stopped(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGTERM, _stopped)
    args = sys.argv[1:] if argv is None else argv
    settings = Settings()
    bounds = ["--http", PROTOCOL, "--timeout-keep-alive", str(settings.http_keepalive_seconds)]
    bounds += ["--limit-concurrency", str(settings.http_max_connections)]
    uvicorn.main([APP, "--factory", "--no-server-header", *bounds, *args])


if __name__ == "__main__":
    main()
