"""Structured logs: one JSON object per line in production (a readable console format in
development), for our structlog loggers and for stdlib loggers (uvicorn, arq, SQLAlchemy,
our `logging.getLogger` calls) alike, which go through structlog's ProcessorFormatter.

Each process configures logging once, at its entrypoint (app factory, worker, CLI). Every
line passes the redaction processor last, so a secret that reaches a log call by mistake
is masked when it has a recognisable shape (see `redaction`)."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any, Literal, TextIO

import orjson
import structlog
from structlog.typing import EventDict, FilteringBoundLogger, Processor, WrappedLogger

from entrypoints.observability.redaction import redact_secrets

LogFormat = Literal["json", "console"]
ACCESS_LOGGER = "inkwell.access"

request_id_var: ContextVar[str | None] = ContextVar("inkwell_request_id", default=None)
user_id_var: ContextVar[str | None] = ContextVar("inkwell_user_id", default=None)

_configured = False
_HANDLER_MARK = "_inkwell_handler"


def add_request_context(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Every line logged while a request is served carries its request id (and the user)."""
    request_id = request_id_var.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
        user_id = user_id_var.get()
        if user_id is not None:
            event_dict.setdefault("user_id", user_id)
    return event_dict


_second: tuple[int, str] = (-1, "")  # the last whole second seen and its ISO text


def add_timestamp(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """ISO 8601 UTC with microseconds, like structlog's TimeStamper(fmt="iso", utc=True) but
    formatting the date once per second: it runs for every request's access line."""
    global _second
    now = time.time()
    second = int(now)
    cached = _second  # one read: another thread may replace it meanwhile
    if cached[0] != second:
        cached = _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    event_dict["timestamp"] = f"{cached[1]}.{int((now - second) * 1_000_000):06d}Z"
    return event_dict


def _drop_color_message(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    event_dict.pop("color_message", None)  # uvicorn's ANSI copy of the message, via `extra`
    return event_dict


def _dumps(obj: Any, **_kw: Any) -> str:
    return orjson.dumps(obj, default=str).decode()


def _renderer(fmt: LogFormat, stream: TextIO) -> Processor:
    if fmt == "json":
        return structlog.processors.JSONRenderer(serializer=_dumps)
    return structlog.dev.ConsoleRenderer(
        colors=stream.isatty(), exception_formatter=structlog.dev.plain_traceback
    )


def configure_logging(
    fmt: LogFormat, level: str, *, stream: TextIO | None = None, force: bool = False
) -> None:
    """Configure structlog and the stdlib root logger once per process (`force` redoes it).
    Every call also takes over the handlers that libraries installed since (arq's CLI and
    uvicorn configure their own), so all lines share one format and one stream."""
    global _configured
    if force or not _configured:
        _install(fmt, logging.getLevelNamesMapping()[level.upper()], stream or sys.stderr)
        _configured = True
    _adopt_library_loggers()


def _install(fmt: LogFormat, level: int, stream: TextIO) -> None:
    shared: list[Processor] = [
        structlog.processors.add_log_level,
        add_request_context,
        add_timestamp,
    ]
    tail: list[Processor] = [
        structlog.processors.format_exc_info,
        redact_secrets,
        _renderer(fmt, stream),
    ]
    structlog.configure(
        processors=[*shared, *tail],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.WriteLoggerFactory(file=stream),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                *shared,
                structlog.stdlib.add_logger_name,
                structlog.stdlib.ExtraAdder(),
                _drop_color_message,
            ],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *tail],
        )
    )
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def _adopt_library_loggers() -> None:
    """Loggers with handlers of their own (uvicorn's, arq's) propagate to the root handler
    instead. uvicorn's access log is silenced: ours replaces it, and uvicorn skips the work
    entirely when that logger has no handler."""
    manager = logging.Logger.manager
    for name, logger in list(manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and logger.handlers:
            logger.handlers.clear()
            logger.propagate = name != "uvicorn.access"
    logging.getLogger("uvicorn.access").propagate = False


def get_logger(name: str) -> FilteringBoundLogger:
    """A structlog logger bound to the configuration in force (call it after configuring)."""
    logger: FilteringBoundLogger = structlog.get_logger().bind(logger=name)
    return logger


def bind_user(scope: MutableMapping[str, Any], user_id: object) -> None:
    """Record the authenticated caller of the request being served: for its access line
    (through the scope, which outlives the handler) and for lines logged meanwhile."""
    scope.setdefault("state", {})["user_id"] = user_id
    user_id_var.set(str(user_id))
