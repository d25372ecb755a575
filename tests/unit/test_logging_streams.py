"""Log lines go to the stderr of the moment: a test runner (or a daemon's log rotation) swaps and
closes streams, and a line written after that must not raise 'I/O operation on closed file'."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from colo.logging import configure_logging, get_logger


def test_lines_follow_sys_stderr_after_it_is_swapped_and_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    configure_logging(log_format="json")
    log = get_logger("tests.logging")
    log.info("before")  # structlog caches this logger on first use
    first.close()
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    log.info("after")
    logging.getLogger("uvicorn.error").warning("from the standard library")
    lines = [json.loads(line) for line in second.getvalue().splitlines()]
    assert [(line["event"], line["level"]) for line in lines] == [
        ("after", "info"), ("from the standard library", "warning")]
