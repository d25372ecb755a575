"""What a verifier or witness remembers between runs, in a directory the database admin cannot
write: the last checkpoint it trusted, that tree's compact range, and a mirror of every leaf
hash up to it (32 bytes per entry). The mirror is what lets a later run name the exact index
where history was rewritten, not just say that it was.

Files: `checkpoint` (the signed note), `frontier` (packed compact-range hashes), `leaves`
(packed leaf hashes, append-only), `history` (every checkpoint ever accepted, one note after
another — the witness's record). Written atomically: leaves first, then the checkpoint, so a
crash between the two leaves a mirror longer than the checkpoint, which is ignored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from audit.merkle import HASH_SIZE, CompactRange
from audit.note import Checkpoint, VerifierKey, verify_checkpoint


@dataclass(slots=True)
class TrustedState:
    directory: Path
    checkpoint: Checkpoint | None
    note: str | None
    tree: CompactRange

    @property
    def size(self) -> int:
        return self.checkpoint.size if self.checkpoint else 0

    @classmethod
    def load(cls, directory: Path, keys: list[VerifierKey]) -> TrustedState:
        """The state to go on from (the witness, a verifier with --state): created when missing."""
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return cls.read(directory, keys) or cls(directory=directory, checkpoint=None, note=None, tree=CompactRange())

    @classmethod
    def read(cls, directory: Path, keys: list[VerifierKey]) -> TrustedState | None:
        """The state as its owner left it, or None when it holds no checkpoint (or no directory):
        for readers that must never write it (the portal's integrity panel). Creates nothing."""
        note_path = directory / "checkpoint"
        if not note_path.is_file():
            return None
        note = note_path.read_text()
        checkpoint = verify_checkpoint(note, keys)  # a state file is trusted only if still signed
        tree = CompactRange.from_bytes(checkpoint.size, (directory / "frontier").read_bytes())
        if tree.root() != checkpoint.root:
            raise ValueError(f"{directory}: the stored frontier does not match the trusted checkpoint")
        return cls(directory=directory, checkpoint=checkpoint, note=note, tree=tree)

    def recorded_at(self) -> float | None:
        """When the trusted checkpoint was written (the file's modification time, seconds)."""
        path = self.directory / "checkpoint"
        return path.stat().st_mtime if path.is_file() else None

    def leaf(self, index: int) -> bytes | None:
        """The mirrored leaf hash at `index`, when the trusted tree covers it."""
        if index >= self.size:
            return None
        with (self.directory / "leaves").open("rb") as fh:
            fh.seek(index * HASH_SIZE)
            return fh.read(HASH_SIZE)

    def leaves(self) -> bytes:
        path = self.directory / "leaves"
        return path.read_bytes()[: self.size * HASH_SIZE] if path.exists() else b""

    def advance(self, note: str, checkpoint: Checkpoint, new_leaves: list[bytes], tree: CompactRange) -> None:
        """Trust a newer checkpoint whose leaves extend the mirror by `new_leaves`."""
        leaves_path = self.directory / "leaves"
        with leaves_path.open("ab") as fh:
            fh.truncate(self.size * HASH_SIZE)
            fh.write(b"".join(new_leaves))
            fh.flush()
            os.fsync(fh.fileno())
        _write_atomically(self.directory / "frontier", tree.to_bytes())
        _write_atomically(self.directory / "checkpoint", note.encode())
        with (self.directory / "history").open("a") as fh:
            fh.write(note + "\n")
        self.checkpoint, self.note, self.tree = checkpoint, note, tree


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temporary, path)
