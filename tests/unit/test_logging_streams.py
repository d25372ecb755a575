"""Log lines go to the stderr of the moment: a test runner (or a daemon's log rotation) swaps and
closes streams, and a line written after that must not raise 'I/O operation on closed file'."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
import time

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


class _SlowStream(io.StringIO):
    """A stream whose writes yield the GIL, as a pipe to a log collector can: two writers without
    a common lock interleave their halves."""

    def write(self, text: str) -> int:
        written = super().write(text)
        time.sleep(0)  # let another thread in between the parts of a line
        return written


def test_lines_from_many_threads_stay_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _SlowStream()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging(log_format="json")
    log = get_logger("tests.logging")
    stdlib = logging.getLogger("uvicorn.access")

    def structlog_lines() -> None:
        for n in range(300):
            log.info("structlog line", n=n)

    def stdlib_lines() -> None:
        for n in range(300):
            stdlib.warning("stdlib line %d", n)

    threads = [threading.Thread(target=f) for f in (structlog_lines, stdlib_lines) * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 6 * 300
    events = [json.loads(line)["event"] for line in lines]  # each line is one whole JSON object
    assert events.count("structlog line") == 900
    assert sum(event.startswith("stdlib line ") for event in events) == 900
