"""structlog set-up: JSON in production, console in dev; request id bound per request.

Every line a Colo process writes goes through one renderer: structlog's own events, and the
standard library's loggers (uvicorn, asyncpg, Piccolo's warnings, requests under pynetbox) through
structlog's `ProcessorFormatter` on one root handler — so with `COLO_LOG_FORMAT=json` each line is
one JSON object, and nothing is printed twice by a second handler of its own.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import cast

import structlog
from structlog.typing import EventDict, FilteringBoundLogger, Processor

SECRET_KEYS = frozenset({"authorization", "token", "secret", "password", "api_key", "x-api-key"})
# Loggers that install handlers of their own; theirs are dropped so each line is written once.
PROPAGATING = ("uvicorn", "uvicorn.error", "uvicorn.access", "py.warnings")


def _drop_secrets(_logger: object, _name: str, event: EventDict) -> EventDict:
    """Never let a credential reach a log line, whatever a caller passed."""
    for key in list(event):
        if key.lower() in SECRET_KEYS:
            event[key] = "[redacted]"
    return event


_LINES = threading.Lock()


def write_line(line: str) -> None:
    """One whole line per write, one writer at a time: structlog's events and the standard
    library's records come from several threads (uvicorn, the NetBox worker pool), and two
    half-written lines would make one line that is not JSON."""
    with _LINES:
        stream = sys.stderr
        stream.write(line + "\n")
        stream.flush()


class _StderrLogger:
    """structlog's final logger: writes to whatever `sys.stderr` is now, not the stream it was when
    logging was configured (a test runner swaps and closes those; a cached logger would keep one)."""

    def msg(self, message: str) -> None:
        write_line(message)

    debug = info = warning = warn = error = critical = exception = fatal = log = msg


def _stderr_logger(*_args: object) -> _StderrLogger:
    return _StderrLogger()


class _StderrHandler(logging.Handler):
    """The standard library's lines, also to the current `sys.stderr`, through the same lock."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            write_line(self.format(record))
        except Exception:  # logging's contract: report it and go on, never raise
            self.handleError(record)


def _renderer(log_format: str) -> Processor:
    if log_format == "json":
        return structlog.processors.JSONRenderer()
    return structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())


def configure_logging(*, log_format: str = "console", level: str = "INFO") -> None:
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_secrets,
    ]
    tail: list[Processor] = [structlog.processors.format_exc_info] if log_format == "json" else []
    renderer = _renderer(log_format)
    structlog.configure(
        processors=[*shared, *tail, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=True,
    )
    handler = _StderrHandler()
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *tail, renderer],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in PROPAGATING:
        named = logging.getLogger(name)
        named.handlers[:] = []
        named.propagate = True
    logging.captureWarnings(True)


def get_logger(name: str | None = None) -> FilteringBoundLogger:
    return cast(FilteringBoundLogger, structlog.get_logger(name))


def say(message: str, **fields: object) -> None:
    """A command's progress line, in the same format as everything else the process writes."""
    structlog.get_logger("colo").info(message, **fields)
