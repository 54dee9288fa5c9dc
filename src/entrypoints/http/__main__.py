"""`python -m entrypoints.http [uvicorn options]`: the API server as deployed.

This is uvicorn's own command line with the app fixed, plus one change. On SIGTERM uvicorn
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

APP = "entrypoints.http.app:create_app"


def _stopped(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGTERM, _stopped)
    args = sys.argv[1:] if argv is None else argv
    uvicorn.main([APP, "--factory", "--no-server-header", *args])


if __name__ == "__main__":
    main()
