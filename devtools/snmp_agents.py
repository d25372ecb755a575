"""Real SNMP agents on loopback for the demo plant and the tests: snmpsim's command responder
serving recorded APC rPDU2 data (.snmprec) whose energy counters grow and whose loads vary with
time (snmpsim's `numeric` variation module), or answer slowly (`delay`).

One agent process per PDU profile set: each .snmprec file is one PDU, found by its community
(the file's name). `PduProfile` says what the PDU draws; `write_records` turns profiles into
files; `SnmpAgent` starts and stops the responder on a free UDP port of 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

APC = "1.3.6.1.4.1.318.1.1.26"
SYS_OBJECT_ID = "1.3.6.1.4.1.318.1.3.4.5"  # APC rack PDU, rPDU2


@dataclass(frozen=True, slots=True)
class PduProfile:
    """A simulated PDU: `community` names its file; loads in W, energy in kWh at start-up."""

    community: str
    name: str = "pdu"
    power_w: int = 3000  # mean active power of the whole PDU
    swing_w: int = 400  # ± around the mean, a sine with `period_s`
    period_s: float = 600.0
    energy_kwh: float = 12345.6
    phases: int = 1
    volts: int = 230
    temperature_c: float | None = 23.5
    humidity_pct: float | None = 45.0
    delay_ms: int = 0  # answer every request this late (a slow agent)
    static: bool = False  # constant values (for exact assertions)
    # A PDU with several inlets (rPDU2 modules): each inlet's mean power in W (power_w is then their
    # sum); inlet n's energy counter starts at energy_kwh + 1000 * (n - 1). Empty: one inlet.
    inlet_power_w: tuple[int, ...] = ()


def records(profile: PduProfile) -> list[str]:
    """The profile's .snmprec lines, sorted by OID as snmpsim requires."""
    rate = 2 * 3.141592653589793 / profile.period_s

    def load(oid: str, mean: int, swing: int) -> str:
        if profile.static or swing == 0:
            return f"{oid}|2|{mean}"
        # numeric: sin(t * rate) * scale + offset
        return f"{oid}|2:numeric|function=sin%<time>,rate={rate:.6f},scale={swing},offset={mean}"

    def delayed(line: str) -> str:
        if not profile.delay_ms:
            return line
        oid, tag, value = line.split("|", 2)
        return f"{oid}|{tag.split(':')[0]}:delay|wait={profile.delay_ms},value={value}" if ":" not in tag else line

    lines = [
        f"1.3.6.1.2.1.1.1.0|4|APC Rack PDU {profile.name} (simulated)",
        f"1.3.6.1.2.1.1.2.0|6|{SYS_OBJECT_ID}",
        f"1.3.6.1.2.1.1.5.0|4|{profile.name}",
    ]
    inlets = profile.inlet_power_w or (profile.power_w,)
    for module, watts in enumerate(inlets, start=1):
        hundredths = watts // 10
        swing = profile.swing_w * watts // max(profile.power_w, 1)
        tenths_kwh = int((profile.energy_kwh + 1000 * (module - 1)) * 10)
        # counter of tenths of kWh: initial + seconds since the agent started * rate, at `watts` that is
        # watts / 360_000 tenths of kWh per second
        lines += [
            f"{APC}.4.3.1.1.{module}|2|{module}",
            f"{APC}.4.3.1.2.{module}|2|{module}",
            load(f"{APC}.4.3.1.5.{module}", hundredths, swing // 10),
            f"{APC}.4.3.1.9.{module}|2|{tenths_kwh}" if profile.static else
            f"{APC}.4.3.1.9.{module}|2:numeric|initial={tenths_kwh},rate={watts / 360000:.8f}",
        ]
        per_phase = hundredths // profile.phases
        for phase in range(1, profile.phases + 1):
            row = (module - 1) * profile.phases + phase  # rPDU2PhaseStatusIndex runs across modules
            amps_tenths = round(per_phase * 10 * 10 / profile.volts)  # hundredths kW → W → A → tenths
            swing_tenths = round(swing / profile.phases * 10 / profile.volts)
            lines.append(f"{APC}.6.3.1.2.{row}|2|{module}")
            lines.append(f"{APC}.6.3.1.3.{row}|2|{phase}")
            lines.append(load(f"{APC}.6.3.1.5.{row}", amps_tenths, swing_tenths))
            lines.append(f"{APC}.6.3.1.6.{row}|2|{profile.volts}")
            lines.append(load(f"{APC}.6.3.1.7.{row}", per_phase, swing // 10 // profile.phases))
    if profile.temperature_c is not None:
        lines.append(f"{APC}.10.2.2.1.8.1|2|{round(profile.temperature_c * 10)}")
    if profile.humidity_pct is not None:
        lines.append(f"{APC}.10.2.2.1.10.1|2|{round(profile.humidity_pct)}")

    def key(line: str) -> tuple[int, ...]:
        return tuple(int(part) for part in line.split("|", 1)[0].split("."))

    return [delayed(line) for line in sorted(lines, key=key)]


def write_records(directory: Path, profiles: list[PduProfile]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.snmprec"):
        old.unlink()
    for profile in profiles:
        (directory / f"{profile.community}.snmprec").write_text("\n".join(records(profile)) + "\n")


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# Run as root, snmpsim drops to nobody before it opens its index; modules it imports lazily from then
# on (dbm.dumb, the variation modules' math and random) must already be loaded, since nobody may not
# read a Python installed under /root.
# Imported before snmpsim drops to nobody (below): what it would import later, on its first v3 message
# among others, may lie under a directory nobody cannot enter (a clone in a 0700 `mktemp -d`).
RESPONDER = ("import sys, dbm.dumb, math, random, bisect, json, encodings.latin_1, encodings.ascii, "
             "encodings.hex_codec, cryptography.hazmat.backends.openssl, cryptography.hazmat.primitives.ciphers, "
             "cryptography.hazmat.primitives.ciphers.algorithms, cryptography.hazmat.primitives.ciphers.modes; "
             "from cryptography.hazmat.backends import default_backend; default_backend(); "
             "from snmpsim.commands.responder import main; "
             "sys.argv[0] = 'snmpsim-command-responder'; sys.exit(main())")


def responder_command() -> list[str]:
    return [sys.executable, "-c", RESPONDER]


class SnmpAgent:
    """One snmpsim command responder on 127.0.0.1:`port`, serving `profiles` from `directory`."""

    def __init__(self, directory: Path | None, profiles: list[PduProfile], *, port: int | None = None,
                 addresses: tuple[str, ...] = ("127.0.0.1",),
                 v3_user: str = "", v3_auth_key: str = "", v3_priv_key: str = "") -> None:
        # Run as root, the responder reads its data as nobody: every directory above it must let nobody
        # through, which a pytest or home directory does not. Its own directory under /tmp then.
        self.owns_directory = directory is None or os.geteuid() == 0
        self.directory = Path(tempfile.mkdtemp(prefix="colo-snmp-")) if self.owns_directory else Path(str(directory))
        self.profiles = profiles
        self.addresses = addresses  # loopback addresses it answers on (one per PDU's management address)
        self.port = port or free_udp_port()
        self.v3 = (v3_user, v3_auth_key, v3_priv_key)
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        command = [*responder_command(), f"--data-dir={self.directory / 'data'}",
                   f"--cache-dir={self.directory / 'cache'}", "--logging-method=null",
                   *[f"--agent-udpv4-endpoint={address}:{self.port}" for address in self.addresses]]
        if os.geteuid() == 0:  # snmpsim refuses to serve as root: it drops to nobody, who must read the data
            command += ["--process-user=nobody", "--process-group=nogroup"]
        user, auth, priv = self.v3
        if user:
            command += [f"--v3-user={user}", f"--v3-auth-key={auth}", "--v3-auth-proto=SHA",
                        f"--v3-priv-key={priv}", "--v3-priv-proto=AES"]
        return command

    def start(self, *, wait: float = 20.0) -> SnmpAgent:
        write_records(self.directory / "data", self.profiles)
        (self.directory / "cache").mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            self.directory.chmod(0o755)
            (self.directory / "data").chmod(0o755)
            (self.directory / "cache").chmod(0o777)
        # its errors to a file, not a pipe: the demo's agent outlives the command that started it
        with (self.directory / "responder.log").open("wb") as log:
            self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=log,
                                            start_new_session=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        self._wait_ready(wait)
        return self

    def _wait_ready(self, wait: float) -> None:
        """Ready when it answers a GET of sysName for the first profile (a raw v2c datagram)."""
        deadline = time.monotonic() + wait
        probe = _v2c_get_sysname(self.profiles[0].community)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.3)
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    err = (self.directory / "responder.log").read_text(errors="replace")[-800:]
                    raise RuntimeError(f"snmpsim exited: {err}")
                sock.sendto(probe, (self.addresses[-1], self.port))
                try:
                    sock.recvfrom(4096)
                    return
                except TimeoutError:
                    continue
        self.stop()
        raise RuntimeError(f"snmpsim did not answer on {self.addresses[-1]}:{self.port} within {wait} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        if self.owns_directory:
            shutil.rmtree(self.directory, ignore_errors=True)


def _v2c_get_sysname(community: str) -> bytes:
    """A BER-encoded SNMPv2c GET of sysName.0 (1.3.6.1.2.1.1.5.0): enough to see the agent answer."""
    def tlv(tag: int, body: bytes) -> bytes:
        return bytes([tag, len(body)]) + body

    oid = bytes([0x2B, 6, 1, 2, 1, 1, 5, 0])
    varbind = tlv(0x30, tlv(0x06, oid) + b"\x05\x00")
    pdu = tlv(0xA0, tlv(0x02, b"\x01") + tlv(0x02, b"\x00") + tlv(0x02, b"\x00") + tlv(0x30, varbind))
    return tlv(0x30, tlv(0x02, b"\x01") + tlv(0x04, community.encode()) + pdu)
