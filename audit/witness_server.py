"""A cosigning witness (c2sp.org/tlog-witness): `colo audit witness serve`.

Run by someone other than the facility's database and Colo administrators, on another machine,
with its own Ed25519 key. It remembers, per log (origin), the latest checkpoint it cosigned, and
cosigns a new one only when the log's key signed it and an RFC 9162 consistency proof shows it
extends the one before. `POST /add-checkpoint` with the body

    old <size>\\n
    <base64 consistency proof hash>\\n …
    \\n
    <the checkpoint note>

answers 200 with the cosignature line; 400 a malformed request or `old` above the checkpoint's
size; 403 no valid signature by the log's key; 404 an unknown log; 409 (`text/x.tlog.size`, the
size it holds) when `old` is not that size, or the same size with another root; 422 a proof that
does not verify. A validly signed checkpoint that forks or rolls back the cosigned tree is an
ALARM: logged at error level, appended to `alarms` in the state directory (with the evidence), and
with `--exit-on-alarm` the process exits with status 3. The state never moves to the forked
tree, so the witness keeps refusing it however often it is presented.

Plain standard-library HTTP (one thread per request, a lock around each log's state): the
witness is a few hundred lines an operator can read, with no dependency on Colo's app.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from audit.cosignature import WitnessSigner, note_body
from audit.merkle import verify_consistency
from audit.note import NoteError, VerifierKey, parse_checkpoint, verify_checkpoint
from audit.trust import _write_atomically
from colo.crypto import b64decode
from colo.logging import get_logger

log = get_logger(__name__)
MAX_BODY = 64 * 1024
MAX_PROOF = 63


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"
    alarm: str | None = None


@dataclass(frozen=True, slots=True)
class AddCheckpoint:
    old_size: int
    proof: list[bytes]
    note: str


def parse_request(body: bytes) -> AddCheckpoint:
    text = body.decode()
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise ValueError("the request is `old N`, the proof lines, a blank line, then the checkpoint")
    lines = head.split("\n")
    if not lines[0].startswith("old ") or not lines[0][4:].isdigit() or len(lines) - 1 > MAX_PROOF:
        raise ValueError("the first line is `old <size>`")
    proof = [b64decode(line) for line in lines[1:]]
    if any(len(h) != 32 for h in proof):
        raise ValueError("each proof line is a base64 SHA-256 hash")
    return AddCheckpoint(int(lines[0][4:]), proof, note)


class Witness:
    """The witness's decisions and state, without HTTP (tested and served the same way)."""

    def __init__(self, *, state: Path, signer: WitnessSigner, logs: list[VerifierKey],
                 clock: Callable[[], float] = time.time) -> None:
        self.state = state
        self.signer = signer
        self.logs: dict[str, list[VerifierKey]] = {}
        for key in logs:
            self.logs.setdefault(key.name, []).append(key)
        self.clock = clock
        self._lock = threading.Lock()
        state.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _path(self, origin: str) -> Path:
        return self.state / f"{hashlib.sha256(origin.encode()).hexdigest()[:24]}.checkpoint"

    def latest(self, origin: str) -> tuple[int, bytes | None]:
        """(size, root) of the latest checkpoint cosigned for `origin`; (0, None) before any."""
        path = self._path(origin)
        if not path.is_file():
            return 0, None
        checkpoint = verify_checkpoint(path.read_text(), self.logs[origin], origin=origin)
        return checkpoint.size, checkpoint.root

    def add_checkpoint(self, body: bytes) -> Answer:
        try:
            request = parse_request(body)
            checkpoint, _ = parse_checkpoint(request.note)
        except (ValueError, UnicodeDecodeError) as exc:  # NoteError is a ValueError
            return Answer(400, f"{exc}\n")
        keys = self.logs.get(checkpoint.origin)
        if keys is None:
            return Answer(404, f"unknown log {checkpoint.origin!r}\n")
        try:
            verify_checkpoint(request.note, keys, origin=checkpoint.origin)
        except NoteError as exc:
            return Answer(403, f"{exc}\n")
        with self._lock:
            size, root = self.latest(checkpoint.origin)
            if checkpoint.size < size:
                return self._alarm(checkpoint.origin, 400, f"rollback: the log signed size {checkpoint.size} after "
                                   f"size {size} was cosigned", request.note)
            if request.old_size > checkpoint.size:
                return Answer(400, "old size is above the checkpoint's size\n")
            if request.old_size != size:
                return Answer(409, f"{size}\n", "text/x.tlog.size")
            if checkpoint.size == size and root is not None and checkpoint.root != root:
                return self._alarm(checkpoint.origin, 409, f"fork: two different trees of size {size} are signed",
                                   request.note, body=f"{size}\n", content_type="text/x.tlog.size")
            if root is not None and not verify_consistency(size, checkpoint.size, root, checkpoint.root,
                                                           request.proof):
                return self._alarm(checkpoint.origin, 422, f"fork: checkpoint {checkpoint.size} does not extend "
                                   f"the cosigned tree of size {size} (the consistency proof fails)", request.note)
            if root is None and request.proof:
                return Answer(422, "a proof from size 0 is empty\n")
            _write_atomically(self._path(checkpoint.origin), request.note.encode())
            line = self.signer.cosign(note_body(request.note), int(self.clock()))
        log.info("cosigned", origin=checkpoint.origin, size=checkpoint.size, was=size)
        return Answer(200, line)

    def _alarm(self, origin: str, status: int, message: str, note: str, *, body: str | None = None,
               content_type: str = "text/plain; charset=utf-8") -> Answer:
        log.error("ALARM", origin=origin, problem=message)
        with (self.state / "alarms").open("a") as fh:
            fh.write(f"ALARM {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(self.clock()))} {origin}: "
                     f"{message}\n{note}\n")
            fh.flush()
            os.fsync(fh.fileno())
        return Answer(status, body if body is not None else f"ALARM: {message}\n", content_type, alarm=message)


def serve(witness: Witness, host: str, port: int, *, exit_on_alarm: bool = False,
          ready: Callable[[int], None] | None = None) -> int:
    """Serve until interrupted; returns 3 after an alarm when `exit_on_alarm`, else 0."""
    alarmed: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if self.path != "/add-checkpoint":
                answer = Answer(404, "not found\n")
            elif not 0 < length <= MAX_BODY:
                answer = Answer(400, "the body is missing or too large\n")
            else:
                answer = witness.add_checkpoint(self.rfile.read(length))
            payload = answer.body.encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            if answer.alarm and exit_on_alarm:
                alarmed.append(answer.alarm)
                threading.Thread(target=server.shutdown, daemon=True).start()

        def log_message(self, format: str, *args: object) -> None:
            return  # requests are logged by add_checkpoint's outcome

    server = ThreadingHTTPServer((host, port), Handler)
    if ready is not None:
        ready(server.server_address[1])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 3 if alarmed else 0
