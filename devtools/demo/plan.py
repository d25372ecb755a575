"""The demo datacenter as plain data: what `colo demo seed` makes NetBox contain.

Pure: no NetBox calls. Objects refer to each other by natural key (slug or name); the
seeder resolves keys to NetBox ids. A `prefix` lets tests build a private copy of the
facility (its own site, racks and devices) beside the shared demo without touching it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dcim.netbox.records import MEDIA_TAGS, MMR_TAG

DEMO_TAG = "colo-demo"

# (name, slug, group slug)
TENANT_GROUPS = (("Carriers", "carriers"), ("Customers", "customers"))
TENANTS = (
    ("NordLink Telecom", "nordlink-telecom", "carriers"),
    ("Baltic Fibre Networks", "baltic-fibre", "carriers"),
    ("TransEuro Carrier", "transeuro-carrier", "carriers"),
    ("Acme Bank", "acme-bank", "customers"),
    ("Helio Hosting", "helio-hosting", "customers"),
    ("Kestrel Analytics", "kestrel-analytics", "customers"),
)
MANUFACTURERS = (("Generic", "generic"), ("Corning", "corning"), ("APC", "apc"))
# slug, manufacturer, model, u_height, full depth, media tag (patch panels only)
DEVICE_TYPES = (
    ("demo-server-1u", "generic", "Server 1U", 1, True, ""),
    ("demo-server-2u", "generic", "Server 2U", 2, True, ""),
    ("demo-storage-4u", "generic", "Storage array 4U", 4, True, ""),
    ("demo-switch-1u", "generic", "Switch 48p 1U", 1, False, ""),
    ("demo-pdu-0u", "apc", "Rack PDU 0U", 0, False, ""),
    ("demo-pp-smf-24", "corning", "Patch panel SMF 24 LC/UPC", 1, False, MEDIA_TAGS["smf"]),
    ("demo-pp-cu-12", "corning", "Patch panel Cat6A 12 RJ45", 1, False, MEDIA_TAGS["copper"]),
)
DEVICE_ROLES = (("Server", "server", "2196f3"), ("Switch", "switch", "4caf50"),
                ("Storage", "storage", "9c27b0"), ("PDU", "pdu", "ff9800"),
                ("Patch panel", "patch-panel", "607d8b"))
RACK_ROLES = (("Colocation", "colocation", "3f51b5"), ("Network", "network", "009688"),
              ("Meet-me", "meet-me", "795548"))


@dataclass(frozen=True, slots=True)
class Electrical:
    voltage: int
    amperage: int
    phase: str  # "single-phase" | "three-phase"


SINGLE_16A = Electrical(230, 16, "single-phase")
THREE_32A = Electrical(400, 32, "three-phase")


@dataclass(frozen=True, slots=True)
class RackPlan:
    name: str
    location: str  # location slug
    group: str  # rack group slug (the row)
    u_height: int
    role: str
    status: str
    electrical: Electrical


@dataclass(frozen=True, slots=True)
class DevicePlan:
    name: str
    device_type: str
    role: str
    rack: str
    position: float | None  # None: 0U / not mounted in a unit
    tenant: str = ""
    face: str = "front"
    allocated_draw: int = 0  # PDUs: the draw booked on the feed they plug into
    feed: str = ""  # PDUs: "<rack>-A" / "<rack>-B"


@dataclass(frozen=True, slots=True)
class ReservationPlan:
    rack: str
    units: tuple[int, ...]
    tenant: str
    description: str


@dataclass(frozen=True, slots=True)
class CablePlan:
    label: str
    kind: str  # "frontport" | "rearport"
    a: tuple[str, str]  # (device name, port name)
    b: tuple[str, str]
    cable_type: str
    tenant: str = ""


@dataclass(slots=True)
class DemoPlant:
    site_name: str
    site_slug: str
    prefix: str
    locations: list[tuple[str, str, str]] = field(default_factory=list)  # name, slug, tag
    rack_groups: list[tuple[str, str]] = field(default_factory=list)
    racks: list[RackPlan] = field(default_factory=list)
    power_panels: list[tuple[str, str]] = field(default_factory=list)  # name, location slug
    devices: list[DevicePlan] = field(default_factory=list)
    reservations: list[ReservationPlan] = field(default_factory=list)
    cables: list[CablePlan] = field(default_factory=list)

    def rack(self, name: str) -> RackPlan:
        return next(r for r in self.racks if r.name == name)

    def feeds(self) -> list[tuple[str, str, str, RackPlan]]:
        """(feed name, panel name, "primary"|"redundant", rack) — an A and a B feed per rack."""
        out = []
        for rack in self.racks:
            hall = rack.name.split("-")[-2]
            out.append((f"{rack.name}-A", self._panel(hall, "A"), "primary", rack))
            out.append((f"{rack.name}-B", self._panel(hall, "B"), "redundant", rack))
        return out

    def _panel(self, hall: str, side: str) -> str:
        return f"{self.prefix}{hall} Power Panel {side}"


def _rows(plant: DemoPlant, hall: str, rows: str, count: int, u_height: int,
          electrical_by_row: dict[str, Electrical]) -> None:
    p = plant.prefix
    for row in rows:
        plant.rack_groups.append((f"{p}{hall} Row {row}", f"{p}{hall}-row-{row}".lower()))
        for n in range(1, count + 1):
            plant.racks.append(RackPlan(
                name=f"{p}{hall}-{row}{n:02d}", location=hall.lower(),
                group=f"{p}{hall}-row-{row}".lower(), u_height=u_height,
                role="network" if n == 1 else "colocation",
                # The last two racks of the last row are bought but not yet fitted out.
                status="planned" if row == rows[-1] and n > count - 2 else "active",
                electrical=electrical_by_row[row],
            ))


def _panel_ports(kind: str) -> list[tuple[str, str, int, list[tuple[str, int]]]]:
    """(rear name, rear type, positions, [(front name, rear position)]) for a patch panel type."""
    if kind == "demo-pp-smf-24":  # 24 LC fronts over two 12-fibre MPO trunks
        return [(f"MPO{t}", "mpo", 12, [(f"{(t - 1) * 12 + i}", i) for i in range(1, 13)])
                for t in (1, 2)]
    return [(f"R{i}", "8p8c", 1, [(f"{i}", 1)]) for i in range(1, 13)]


def panel_ports(device_type: str) -> list[tuple[str, str, int, list[tuple[str, int]]]]:
    return _panel_ports(device_type)


def front_type(device_type: str) -> str:
    return "lc-upc" if device_type == "demo-pp-smf-24" else "8p8c"


def build_plant(*, site_name: str = "Colo Regional DC 1", site_slug: str = "colo-dc1",
                prefix: str = "", racks_per_row: tuple[int, int] = (12, 10)) -> DemoPlant:
    """One site: two data halls (42U and 47U rows), a meet-me room, tenants' kit and cabling.

    `racks_per_row` (hall 1, hall 2) may shrink a private copy; at least 5 keeps every
    reservation and device of the plan in a rack that exists.
    """
    if min(racks_per_row) < 5:
        raise ValueError("racks_per_row must be at least 5 in each hall")
    p = prefix
    plant = DemoPlant(site_name=site_name, site_slug=site_slug, prefix=prefix)
    plant.locations = [("Data Hall 1", "dh1", ""), ("Data Hall 2", "dh2", ""),
                       ("Meet-Me Room", "mmr", MMR_TAG)]
    _rows(plant, "DH1", "AB", racks_per_row[0], 42, {"A": SINGLE_16A, "B": THREE_32A})
    _rows(plant, "DH2", "CD", racks_per_row[1], 47, {"C": THREE_32A, "D": SINGLE_16A})
    plant.rack_groups.append((f"{p}MMR Row M", f"{p}mmr-row-m".lower()))
    for n in (1, 2):
        plant.racks.append(RackPlan(f"{p}MMR-M{n:02d}", "mmr", f"{p}mmr-row-m".lower(), 42,
                                    "meet-me", "active", SINGLE_16A))
    plant.power_panels = [(f"{p}{hall} Power Panel {side}", hall.lower())
                          for hall in ("DH1", "DH2", "MMR") for side in "AB"]

    dev = plant.devices.append
    # House network and the hall ends of the meet-me-room trunks, in each hall's first rack.
    for hall, rack in (("DH1", f"{p}DH1-A01"), ("DH2", f"{p}DH2-C01")):
        dev(DevicePlan(f"{p}{hall}-CORE-SW1", "demo-switch-1u", "switch", rack, 38))
        dev(DevicePlan(f"{p}{hall}-ZONE-SMF", "demo-pp-smf-24", "patch-panel", rack, 40))
        dev(DevicePlan(f"{p}{hall}-ZONE-CU", "demo-pp-cu-12", "patch-panel", rack, 41))
    # Meet-me room: carriers' panels in M01, the tenant-cage side (one pair per hall) in M02.
    position = 42
    for _name, slug, group in TENANTS:
        if group != "carriers":
            continue
        dev(DevicePlan(f"{p}MMR-{slug.upper()}-SMF", "demo-pp-smf-24", "patch-panel",
                       f"{p}MMR-M01", position, tenant=slug))
        dev(DevicePlan(f"{p}MMR-{slug.upper()}-CU", "demo-pp-cu-12", "patch-panel",
                       f"{p}MMR-M01", position - 1, tenant=slug))
        position -= 3
    for hall, position in (("DH1", 42), ("DH2", 39)):
        dev(DevicePlan(f"{p}MMR-{hall}-SMF", "demo-pp-smf-24", "patch-panel", f"{p}MMR-M02", position))
        dev(DevicePlan(f"{p}MMR-{hall}-CU", "demo-pp-cu-12", "patch-panel", f"{p}MMR-M02", position - 1))
    # Tenants' existing kit, with PDUs whose booked draw splits the load across A and B.
    tenant_kit = (
        ("acme-bank", f"{p}DH1-A03", [("demo-server-2u", 1), ("demo-server-2u", 3),
                                      ("demo-server-2u", 5), ("demo-switch-1u", 20)], 1200),
        ("helio-hosting", f"{p}DH1-B02", [("demo-server-1u", u) for u in range(1, 11)], 2500),
        ("helio-hosting", f"{p}DH1-B03", [("demo-server-1u", u) for u in range(1, 5)], 800),
        ("kestrel-analytics", f"{p}DH2-C04", [("demo-storage-4u", 10)], 900),
    )
    roles = {"demo-server-1u": "server", "demo-server-2u": "server", "demo-storage-4u": "storage",
             "demo-switch-1u": "switch"}
    for tenant, rack, kit, draw in tenant_kit:
        for i, (dtype, unit) in enumerate(kit, start=1):
            dev(DevicePlan(f"{rack}-{tenant.split('-')[0].upper()}-{i:02d}", dtype, roles[dtype],
                           rack, unit, tenant=tenant))
        for side in "AB":
            dev(DevicePlan(f"{rack}-PDU-{side}", "demo-pdu-0u", "pdu", rack, None, tenant=tenant,
                           allocated_draw=draw, feed=f"{rack}-{side}"))
    # A legacy server nobody reserved space for: occupied but not reserved.
    dev(DevicePlan(f"{p}DH1-A05-LEGACY-01", "demo-server-2u", "server", f"{p}DH1-A05", 12))

    plant.reservations = [
        ReservationPlan(f"{p}DH1-A03", tuple(range(1, 21)), "acme-bank", "Acme Bank cage space"),
        ReservationPlan(f"{p}DH1-B02", tuple(range(1, 43)), "helio-hosting", "Helio Hosting full rack"),
        ReservationPlan(f"{p}DH1-B03", tuple(range(1, 22)), "helio-hosting", "Helio Hosting half rack"),
        ReservationPlan(f"{p}DH2-C04", tuple(range(10, 30)), "kestrel-analytics", "Kestrel storage"),
        ReservationPlan(f"{p}DH2-C05", tuple(range(1, 11)), "kestrel-analytics", "Kestrel expansion"),
    ]
    # Trunks from the meet-me room's cage panels to the zone panels in each hall.
    for hall in ("DH1", "DH2"):
        for t in (1, 2):
            plant.cables.append(CablePlan(f"{p}TRUNK-{hall}-SMF-{t}", "rearport",
                                          (f"{p}MMR-{hall}-SMF", f"MPO{t}"),
                                          (f"{p}{hall}-ZONE-SMF", f"MPO{t}"), "smf-os2"))
        for i in range(1, 13):
            plant.cables.append(CablePlan(f"{p}TRUNK-{hall}-CU-{i:02d}", "rearport",
                                          (f"{p}MMR-{hall}-CU", f"R{i}"),
                                          (f"{p}{hall}-ZONE-CU", f"R{i}"), "cat6a"))
    # Existing cross-connects: carrier ports patched to tenant-cage ports.
    for n, (carrier, hall, a_port, b_port, tenant, media) in enumerate((
        ("NORDLINK-TELECOM", "DH1", "1", "1", "acme-bank", "SMF"),
        ("BALTIC-FIBRE", "DH1", "1", "2", "helio-hosting", "SMF"),
        ("TRANSEURO-CARRIER", "DH2", "1", "1", "kestrel-analytics", "CU"),
    ), start=1):
        plant.cables.append(CablePlan(
            f"{p}XC-DEMO-{n:04d}", "frontport", (f"{p}MMR-{carrier}-{media}", a_port),
            (f"{p}MMR-{hall}-{media}", b_port), "smf-os2" if media == "SMF" else "cat6a",
            tenant=tenant,
        ))
    return plant
