"""What the demo cooperative holds: regions, districts, vendors, the catalogue, and how districts' needs are drawn.

Everything is invented: names, NCES ids (``4190xxx``, outside the real Oregon
range in use), phone numbers (``555-01xx``, reserved for fiction) and ``.example``
domains. Catalogue items are worded as performance requirements, never brands,
so that any vendor can bid on them.

:func:`plan_needs` draws the districts' needs from a random generator with a
fixed seed: the demo is the same every time it is loaded on a given date, and
only the needed-by dates move with the date.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

COOPERATIVE_NAME = "Cascadia Schools Purchasing Cooperative"
STATE = "OR"
SEED = 2026


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    phone: str = ""


@dataclass(frozen=True)
class RegionData:
    code: str
    name: str


@dataclass(frozen=True)
class DistrictData:
    name: str
    slug: str  # the buyer signs in as buyer@<slug>.k12.example
    region: str
    enrollment: int
    schools: int
    buyer: str
    phone: str
    nces_id: str | None = None
    approved: bool = True

    @property
    def buyer_email(self) -> str:
        return f"buyer@{self.slug}.k12.example"


@dataclass(frozen=True)
class VendorData:
    name: str
    slug: str  # the rep signs in as sales@<slug>.example
    regions: tuple[str, ...]
    rep: str
    phone: str
    approved: bool = True

    @property
    def rep_email(self) -> str:
        return f"sales@{self.slug}.example"

    @property
    def website(self) -> str:
        return f"https://www.{self.slug}.example"


@dataclass(frozen=True)
class ItemData:
    code: str
    name: str
    unit: str
    spec: dict
    # What districts budget per unit, for the demo's budget caps only; never shown to vendors.
    budget_unit_cents: int


@dataclass(frozen=True)
class CategoryData:
    slug: str
    name: str
    description: str
    items: tuple[ItemData, ...]


ADMIN = Person("Morgan Hale", "admin@coop.example", "503-555-0100")

REGIONS: tuple[RegionData, ...] = (
    RegionData("north", "North (Columbia and Willamette)"),
    RegionData("central", "Central (Cascades and High Desert)"),
    RegionData("south", "South (Rogue and Klamath)"),
)

DISTRICTS: tuple[DistrictData, ...] = (
    DistrictData("Lakeview School District", "lakeview", "north", 1450, 4, "Dana Reyes", "503-555-0112", "4190012"),
    DistrictData(
        "Cedar Falls School District", "cedar-falls", "north", 2310, 5, "Marcus Bell", "503-555-0118", "4190027"
    ),
    DistrictData("Nehalem Bay School District", "nehalem-bay", "north", 615, 2, "Ingrid Olsen", "503-555-0123"),
    DistrictData(
        "Columbia Ridge School District",
        "columbia-ridge",
        "north",
        3870,
        8,
        "Priya Natarajan",
        "503-555-0131",
        "4190035",
    ),
    DistrictData(
        "Pine Butte School District", "pine-butte", "central", 980, 3, "Tom Whitehorse", "541-555-0137", "4190041"
    ),
    DistrictData("Juniper Flat School District", "juniper-flat", "central", 412, 1, "Carla Mendez", "541-555-0142"),
    DistrictData(
        "Obsidian Valley School District",
        "obsidian-valley",
        "central",
        2745,
        6,
        "Jordan Kim",
        "541-555-0148",
        "4190058",
    ),
    DistrictData("Crooked Bend School District", "crooked-bend", "central", 1890, 4, "Ellen Burke", "541-555-0153"),
    DistrictData(
        "Rogue Hollow School District", "rogue-hollow", "south", 3120, 7, "Luis Ortega", "541-555-0159", "4190063"
    ),
    DistrictData("Madrone Creek School District", "madrone-creek", "south", 724, 2, "Hannah Cho", "541-555-0164"),
    DistrictData(
        "Siskiyou Gap School District", "siskiyou-gap", "south", 338, 1, "Walt Freeman", "541-555-0170", "4190079"
    ),
    DistrictData("Table Rock School District", "table-rock", "south", 4630, 9, "Aisha Grant", "541-555-0176"),
    # Signed up, waiting in the administrator's approval queue.
    DistrictData(
        "Elk Meadow School District", "elk-meadow", "central", 560, 2, "Rosa Delgado", "541-555-0181", approved=False
    ),
)

VENDORS: tuple[VendorData, ...] = (
    VendorData(
        "Evergreen Learning Technologies",
        "evergreen-learning",
        ("north", "central", "south"),
        "Nora Lindqvist",
        "503-555-0185",
    ),
    VendorData("Willamette Network Systems", "willamette-networks", ("north", "central"), "Ben Achebe", "503-555-0188"),
    VendorData("High Desert Digital", "highdesert-digital", ("central", "south"), "Sofia Ramirez", "541-555-0190"),
    VendorData(
        "Pacific Classroom Displays", "pacific-displays", ("north", "central", "south"), "Grant Yamada", "503-555-0192"
    ),
    VendorData(
        "Northwest K-12 Software", "nw-k12-software", ("north", "central", "south"), "Leah Brennan", "503-555-0194"
    ),
    VendorData(
        "Rogue Valley Security and Cabling",
        "roguevalley-security",
        ("central", "south"),
        "Dale Hutchins",
        "541-555-0196",
    ),
    # Signed up, waiting in the administrator's approval queue.
    VendorData(
        "Summit Classroom Technology", "summit-classroom", ("north",), "Kevin Osei", "503-555-0198", approved=False
    ),
)

CATALOGUE: tuple[CategoryData, ...] = (
    # Categories follow the RFP templates (rfp_templates/), so that pooled needs find their template.
    CategoryData(
        "student-laptops",
        "Student laptops and Chromebooks",
        "Chromebooks and Windows laptops for students.",
        (
            ItemData(
                "CB-11-8-64",
                "11.6-inch Chromebook, 8 GB RAM, 64 GB storage",
                "each",
                {
                    "screen_in": 11.6,
                    "ram_gb": 8,
                    "storage_gb": 64,
                    "battery_hours": 10,
                    "rugged_drop_cm": 76,
                    "warranty_years": 3,
                },
                28900,
            ),
            ItemData(
                "CB-11T-8-64",
                "11.6-inch convertible touchscreen Chromebook with stylus, 8 GB RAM, 64 GB storage",
                "each",
                {
                    "screen_in": 11.6,
                    "ram_gb": 8,
                    "storage_gb": 64,
                    "touchscreen": True,
                    "stylus": True,
                    "rugged_drop_cm": 76,
                    "warranty_years": 3,
                },
                37900,
            ),
            ItemData(
                "CB-14-8-128",
                "14-inch Chromebook, 8 GB RAM, 128 GB storage",
                "each",
                {"screen_in": 14, "ram_gb": 8, "storage_gb": 128, "battery_hours": 10, "warranty_years": 3},
                39900,
            ),
            ItemData(
                "WL-14-8-256",
                "14-inch Windows laptop, 8 GB RAM, 256 GB SSD",
                "each",
                {"screen_in": 14, "ram_gb": 8, "storage_gb": 256, "os": "Windows 11 Education", "warranty_years": 3},
                54900,
            ),
        ),
    ),
    # Staff laptops have their own template: no drop test, larger memory and storage.
    CategoryData(
        "staff-laptops",
        "Staff laptops",
        "Laptops for teachers and office staff.",
        (
            ItemData(
                "WL-14-16-512",
                "14-inch Windows laptop for staff, 16 GB RAM, 512 GB SSD",
                "each",
                {"screen_in": 14, "ram_gb": 16, "storage_gb": 512, "os": "Windows 11 Pro", "warranty_years": 4},
                89900,
            ),
        ),
    ),
    CategoryData(
        "tablets",
        "Tablets",
        "Tablets for early grades and special education.",
        (
            ItemData(
                "TB-10-64",
                "10-inch tablet, 64 GB storage, rugged case",
                "each",
                {"screen_in": 10.2, "storage_gb": 64, "protective_case": True, "warranty_years": 2},
                34900,
            ),
        ),
    ),
    CategoryData(
        "network-switches",
        "Network switches",
        "Managed access and core switches (E-Rate category 2).",
        (
            ItemData(
                "SW-24P-370",
                "24-port gigabit PoE+ managed switch, 370 W PoE budget, 4 x 10 Gb uplinks",
                "each",
                {"ports": 24, "poe_budget_w": 370, "uplink_ports": 4, "uplink_gbps": 10, "warranty_years": 5},
                185000,
            ),
            ItemData(
                "SW-48P-740",
                "48-port gigabit PoE+ managed switch, 740 W PoE budget, 4 x 10 Gb uplinks",
                "each",
                {"ports": 48, "poe_budget_w": 740, "uplink_ports": 4, "uplink_gbps": 10, "warranty_years": 5},
                340000,
            ),
            ItemData(
                "SW-CORE-24X",
                "24-port 10 Gb fibre core switch, redundant power supplies",
                "each",
                {"ports": 24, "port_gbps": 10, "redundant_psu": True, "warranty_years": 5},
                620000,
            ),
        ),
    ),
    CategoryData(
        "wireless-access-points",
        "Wireless access points",
        "Indoor and outdoor access points (E-Rate category 2).",
        (
            ItemData(
                "AP-6-2X2",
                "Wi-Fi 6 indoor access point, 2x2 MIMO, PoE powered",
                "each",
                {"wifi_standard": "802.11ax (Wi-Fi 6)", "spatial_streams": 2, "poe": "802.3at", "warranty_years": 5},
                42000,
            ),
            ItemData(
                "AP-6E-4X4",
                "Wi-Fi 6E tri-band indoor access point, 4x4 MIMO, for dense classrooms",
                "each",
                {
                    "wifi_standard": "802.11ax 6 GHz (Wi-Fi 6E)",
                    "spatial_streams": 4,
                    "bands": 3,
                    "poe": "802.3bt",
                    "warranty_years": 5,
                },
                78000,
            ),
            ItemData(
                "AP-6-OUT",
                "Wi-Fi 6 outdoor access point, IP67 weather rating",
                "each",
                {"wifi_standard": "802.11ax (Wi-Fi 6)", "spatial_streams": 2, "ip_rating": "IP67", "warranty_years": 5},
                95000,
            ),
        ),
    ),
    CategoryData(
        "firewalls",
        "Firewalls",
        "Next-generation firewalls for the district's internet edge.",
        (
            ItemData(
                "FW-1G-500",
                "Next-generation firewall, 1 Gbps inspected throughput, up to 500 users",
                "each",
                {"throughput_gbps": 1, "users": 500, "ports": 8, "warranty_years": 3},
                390000,
            ),
            ItemData(
                "FW-5G-HA",
                "Next-generation firewall pair, high availability, 5 Gbps inspected throughput",
                "pair",
                {"throughput_gbps": 5, "users": 5000, "high_availability": True, "warranty_years": 3},
                1450000,
            ),
        ),
    ),
    CategoryData(
        "interactive-displays",
        "Interactive displays",
        "Interactive flat panels and stands for classrooms.",
        (
            ItemData(
                "IFP-65-4K",
                "65-inch 4K interactive flat panel, 20-point touch",
                "each",
                {"screen_in": 65, "resolution": "3840x2160", "touch_points": 20, "warranty_years": 5},
                260000,
            ),
            ItemData(
                "IFP-75-4K",
                "75-inch 4K interactive flat panel, 20-point touch",
                "each",
                {"screen_in": 75, "resolution": "3840x2160", "touch_points": 20, "warranty_years": 5},
                330000,
            ),
            ItemData(
                "IFP-86-4K",
                "86-inch 4K interactive flat panel, 20-point touch",
                "each",
                {"screen_in": 86, "resolution": "3840x2160", "touch_points": 20, "warranty_years": 5},
                450000,
            ),
            ItemData(
                "STAND-MOB",
                "Height-adjustable mobile stand for 65- to 86-inch displays",
                "each",
                {"max_screen_in": 86, "max_load_kg": 120, "motorised": True, "warranty_years": 5},
                85000,
            ),
        ),
    ),
    CategoryData(
        "sis-licences",
        "Student information system licences",
        "Hosted student information systems.",
        (
            ItemData(
                "SIS-STU-1Y",
                "Student information system with state reporting, per student per year",
                "student-year",
                {
                    "term_years": 1,
                    "hosting": "vendor-hosted",
                    "state_reporting": True,
                    "parent_portal": True,
                    "gradebook": True,
                },
                1100,
            ),
        ),
    ),
    CategoryData(
        "mdm-licences",
        "Device management licences",
        "Device management and web content filtering.",
        (
            ItemData(
                "MDM-DEV-1Y",
                "Device management for laptops and tablets, per device per year",
                "device-year",
                {"term_years": 1, "platforms": "two platforms", "remote_lock": True},
                1800,
            ),
            ItemData(
                "CBM-DEV-LIFE",
                "Cloud management licence for Chromebooks, life of the device",
                "device",
                {"device_lifetime": True, "remote_lock": True},
                3800,
            ),
            ItemData(
                "WCF-STU-1Y",
                "Web content filter meeting CIPA, on and off the network, per student per year",
                "student-year",
                {"term_years": 1, "content_filtering": True, "off_network_filtering": True},
                600,
            ),
        ),
    ),
    CategoryData(
        "security",
        "Security",
        "Network cameras, video management and door access control.",
        (
            ItemData(
                "CAM-DOME-4MP",
                "Indoor dome network camera, 4 MP, PoE, vandal-resistant",
                "each",
                {"resolution_mp": 4, "poe": True, "ir_range_m": 30, "vandal_rating": "IK10", "warranty_years": 5},
                42000,
            ),
            ItemData(
                "CAM-BUL-4MP",
                "Outdoor bullet network camera, 4 MP, PoE, infrared, IP67",
                "each",
                {"resolution_mp": 4, "poe": True, "ir_range_m": 50, "ip_rating": "IP67", "warranty_years": 5},
                56000,
            ),
            ItemData(
                "VMS-CAM-1Y",
                "Video management with 30 days of retention, per camera per year",
                "camera-year",
                {"term_years": 1, "retention_days": 30},
                12000,
            ),
            ItemData(
                "DAC-DOOR",
                "Networked door access control for one door: controller, badge reader, lock, lockdown",
                "door",
                {"badge_mhz": 13.56, "lockdown": True, "poe": True, "warranty_years": 5},
                240000,
            ),
        ),
    ),
    CategoryData(
        "cabling",
        "Structured cabling",
        "Structured cabling, installed and certified.",
        (
            # Spec keys as the cabling template names them, so that a pooled line starts from the item's values.
            ItemData(
                "CAT6-DROP",
                "Category 6 data drop, plenum, installed and certified, up to 90 m",
                "drop",
                {
                    "cable_category": "Cat6",
                    "plenum_rated": True,
                    "max_length_m": 90,
                    "certified_testing": True,
                    "warranty_years": 20,
                },
                22500,
            ),
            ItemData(
                "CAT6A-DROP",
                "Category 6A data drop for access points, plenum, installed and certified",
                "drop",
                {
                    "cable_category": "Cat6A",
                    "plenum_rated": True,
                    "max_length_m": 90,
                    "certified_testing": True,
                    "warranty_years": 20,
                },
                28500,
            ),
            ItemData(
                "FIB-SM-12",
                "12-strand single-mode fibre between buildings, installed and tested",
                "foot",
                {"strands": 12, "fibre_mode": "single-mode"},
                900,
            ),
        ),
    ),
)


# --- How districts' needs are drawn ---------------------------------------------------------------


@dataclass(frozen=True)
class NeedRule:
    """How much of one item a district asks for.

    ``per`` scales the quantity: ``student`` (a share of enrollment), ``staff``
    (a share of about one staff member per 17 students), ``school`` (a count per
    school) or ``district`` (a count for the whole district).
    """

    item: str
    group: str  # student-devices, networking, ...: how needs are drawn, not the catalogue category
    per: str
    low: float
    high: float
    weight: int = 1
    round_to: int = 1
    min_enrollment: int = 0
    max_enrollment: int = 10_000
    notes: tuple[str, ...] = ("",)


RULES: tuple[NeedRule, ...] = (
    NeedRule(
        "CB-11-8-64",
        "student-devices",
        "student",
        0.10,
        0.25,
        weight=6,
        round_to=10,
        notes=(
            "Replaces the grade 3-5 devices that reach the end of their update support this year.",
            "Delivered in carts of 30 with charging; asset tags on the lid.",
            "Must enrol in our existing management console at first start-up.",
            "",
        ),
    ),
    NeedRule(
        "CB-11T-8-64",
        "student-devices",
        "student",
        0.08,
        0.15,
        weight=2,
        round_to=10,
        notes=("For kindergarten to grade 2; the stylus must be tethered or garaged in the device.", ""),
    ),
    NeedRule(
        "CB-14-8-128",
        "student-devices",
        "student",
        0.10,
        0.20,
        weight=3,
        round_to=10,
        notes=("Middle and high school one-to-one refresh.", "Backlit keyboard preferred, not required.", ""),
    ),
    NeedRule(
        "WL-14-8-256",
        "student-devices",
        "student",
        0.03,
        0.06,
        round_to=5,
        min_enrollment=900,
        notes=("Two career and technical education labs; must run 3D design software.", ""),
    ),
    NeedRule(
        "WL-14-16-512",
        "student-devices",
        "staff",
        0.5,
        1.0,
        weight=2,
        round_to=5,
        notes=("Teacher laptop refresh; a USB-C dock with each.", ""),
    ),
    NeedRule(
        "TB-10-64",
        "student-devices",
        "student",
        0.05,
        0.10,
        round_to=5,
        notes=("Pre-K and kindergarten; the case must survive a one-metre drop.", ""),
    ),
    NeedRule(
        "SW-24P-370",
        "networking",
        "school",
        2,
        4,
        weight=3,
        notes=(
            "Replaces unmanaged switches in the wiring closets.",
            "Must power Wi-Fi 6 access points and cameras at full PoE+.",
            "",
        ),
    ),
    NeedRule(
        "SW-48P-740",
        "networking",
        "school",
        1,
        3,
        weight=2,
        min_enrollment=1200,
        notes=("Main distribution frames at each school.", ""),
    ),
    NeedRule(
        "SW-CORE-24X",
        "networking",
        "district",
        1,
        2,
        min_enrollment=1500,
        notes=("District office core with fibre to every school.", ""),
    ),
    NeedRule(
        "AP-6-2X2",
        "networking",
        "school",
        12,
        30,
        weight=4,
        notes=(
            "One per classroom, plus the gym and the library.",
            "Cloud or controller management included for five years.",
            "",
        ),
    ),
    NeedRule(
        "AP-6E-4X4",
        "networking",
        "school",
        4,
        10,
        weight=2,
        notes=("Dense coverage for testing rooms and the library.", ""),
    ),
    NeedRule("AP-6-OUT", "networking", "school", 1, 3, notes=("Bus loop and sports fields.", "")),
    NeedRule(
        "FW-1G-500",
        "networking",
        "district",
        1,
        1,
        max_enrollment=1999,
        notes=("Our current firewall reaches end of support in June.", ""),
    ),
    NeedRule(
        "FW-5G-HA",
        "networking",
        "district",
        1,
        1,
        min_enrollment=2000,
        notes=("Must fail over without dropping state testing sessions.", ""),
    ),
    NeedRule(
        "IFP-65-4K",
        "interactive-displays",
        "school",
        3,
        8,
        weight=2,
        notes=("Replaces projectors in elementary classrooms.", "Wall mount and installation included.", ""),
    ),
    NeedRule(
        "IFP-75-4K",
        "interactive-displays",
        "school",
        2,
        6,
        weight=3,
        notes=("Wall mount and installation included; old projectors removed and recycled.", ""),
    ),
    NeedRule("IFP-86-4K", "interactive-displays", "school", 1, 3, notes=("Libraries and board room.", "")),
    NeedRule("STAND-MOB", "interactive-displays", "school", 1, 2, notes=("Shared between classrooms.", "")),
    NeedRule(
        "SIS-STU-1Y",
        "software-licences",
        "student",
        1.0,
        1.0,
        weight=2,
        notes=(
            "Three-year term; move ten years of records from our current system.",
            "Must produce the state's enrollment and attendance reports.",
            "",
        ),
    ),
    NeedRule(
        "MDM-DEV-1Y",
        "software-licences",
        "staff",
        1.0,
        2.0,
        round_to=5,
        notes=("Staff laptops and classroom tablets.", ""),
    ),
    NeedRule(
        "CBM-DEV-LIFE",
        "software-licences",
        "student",
        0.50,
        0.90,
        weight=2,
        round_to=10,
        notes=("Every Chromebook in the district, old and new, on one console.", ""),
    ),
    NeedRule(
        "WCF-STU-1Y",
        "software-licences",
        "student",
        1.0,
        1.0,
        weight=2,
        notes=("Must filter take-home devices as well as the school network.", ""),
    ),
    NeedRule(
        "CAM-DOME-4MP",
        "security",
        "school",
        6,
        16,
        weight=3,
        notes=("Hallways and entrances; 30 days of recording.", ""),
    ),
    NeedRule("CAM-BUL-4MP", "security", "school", 2, 6, weight=2, notes=("Parking lots and the bus loop.", "")),
    NeedRule("VMS-CAM-1Y", "security", "school", 8, 20, notes=("Cameras at every school on one system.", "")),
    NeedRule(
        "DAC-DOOR",
        "security",
        "school",
        2,
        6,
        weight=2,
        notes=(
            "Exterior doors; one-button lockdown from the front office.",
            "Must read our existing 13.56 MHz staff badges.",
            "",
        ),
    ),
    NeedRule(
        "CAT6-DROP",
        "cabling",
        "school",
        10,
        40,
        weight=2,
        notes=("Portable classrooms arriving this summer.", "Work outside school hours only.", ""),
    ),
    NeedRule(
        "CAT6A-DROP",
        "cabling",
        "school",
        8,
        24,
        weight=2,
        notes=("Two drops per access point location for the wireless upgrade.", ""),
    ),
    NeedRule(
        "FIB-SM-12",
        "cabling",
        "district",
        300,
        1500,
        round_to=50,
        notes=("Between the high school and the district office.", ""),
    ),
)

NEEDS_PER_DISTRICT = 5
BUDGET_CAP_SHARE = 0.4  # about this share of needs carry a budget cap
ERATE_SHARE = 0.75  # about this share of networking needs are filed for E-Rate
NEEDED_BY_DAYS = (62, 240)  # needed-by dates fall 2 to 8 months ahead


@dataclass(frozen=True)
class PlannedNeed:
    district: str  # slug
    item: str  # code
    quantity: int
    needed_by: date
    budget_cap_cents: int | None
    erate_eligible: bool
    spec_notes: str = field(default="")


# The vendor that follows the open demo RFP and asks its question.
HEADLINE_VENDOR_EMAIL = "sales@evergreen-learning.example"

# The headline demo district's needs are written out, so that its buyer sees one of each kind of need:
# (item, quantity, days ahead, budget cap in cents, E-Rate eligible, spec notes).
HEADLINE_DISTRICT = "lakeview"
HEADLINE_NEEDS: tuple[tuple[str, int, int, int | None, bool, str], ...] = (
    (
        "CB-11-8-64",
        210,
        75,
        6_300_000,
        False,
        "Replaces the grade 3-5 devices that reach the end of their update support this year. "
        "Delivered in carts of 30 with charging.",
    ),
    ("AP-6-2X2", 88, 150, None, True, "One per classroom, plus the gym and the library at all four schools."),
    ("SW-24P-370", 12, 150, 2_400_000, True, "Must power the new access points and cameras at full PoE+."),
    ("IFP-75-4K", 16, 200, None, False, "Wall mount and installation included; old projectors removed and recycled."),
    ("CAM-DOME-4MP", 40, 120, 1_800_000, False, "Hallways and entrances; 30 days of recording."),
)


def _headline_needs(today: date) -> list[PlannedNeed]:
    return [
        PlannedNeed(HEADLINE_DISTRICT, item, quantity, today + timedelta(days=days), cap, erate, notes)
        for item, quantity, days, cap, erate, notes in HEADLINE_NEEDS
    ]


def _items_by_code() -> dict[str, ItemData]:
    return {item.code: item for category in CATALOGUE for item in category.items}


def _quantity(rule: NeedRule, district: DistrictData, rng: random.Random) -> int:
    if rule.per == "student":
        raw = district.enrollment * rng.uniform(rule.low, rule.high)
    elif rule.per == "staff":
        raw = max(1, round(district.enrollment / 17)) * rng.uniform(rule.low, rule.high)
    elif rule.per == "school":
        raw = district.schools * rng.randint(int(rule.low), int(rule.high))
    else:
        raw = rng.randint(int(rule.low), int(rule.high))
    return max(rule.round_to, round(raw / rule.round_to) * rule.round_to)


def _pick(rules: list[NeedRule], rng: random.Random) -> NeedRule:
    return rng.choices(rules, weights=[rule.weight for rule in rules])[0]


def plan_needs(today: date) -> list[PlannedNeed]:
    """Every approved district's open needs: a student-device need, a networking need and three others.

    The same ``today`` gives the same needs.
    """
    rng = random.Random(SEED)
    items = _items_by_code()
    planned: list[PlannedNeed] = []
    for district in DISTRICTS:
        if not district.approved:
            continue
        fitting = [rule for rule in RULES if rule.min_enrollment <= district.enrollment <= rule.max_enrollment]
        if district.slug == HEADLINE_DISTRICT:
            planned += _headline_needs(today)
            continue
        chosen = [
            _pick([r for r in fitting if r.group == "student-devices" and r.per == "student"], rng),
            _pick([r for r in fitting if r.group == "networking"], rng),
        ]
        while len(chosen) < NEEDS_PER_DISTRICT:
            # One student-device refresh per district at a time; staff laptops may come on top.
            chosen.append(
                _pick(
                    [
                        r
                        for r in fitting
                        if r not in chosen and not (r.group == "student-devices" and r.per == "student")
                    ],
                    rng,
                )
            )
        for rule in chosen:
            quantity = _quantity(rule, district, rng)
            budget_cap_cents = None
            if rng.random() < BUDGET_CAP_SHARE:
                estimate = quantity * items[rule.item].budget_unit_cents * rng.uniform(0.9, 1.2)
                budget_cap_cents = max(10_000, round(estimate / 10_000) * 10_000)  # whole hundreds of dollars
            planned.append(
                PlannedNeed(
                    district=district.slug,
                    item=rule.item,
                    quantity=quantity,
                    needed_by=today + timedelta(days=rng.randint(*NEEDED_BY_DAYS)),
                    budget_cap_cents=budget_cap_cents,
                    erate_eligible=rule.group == "networking" and rng.random() < ERATE_SHARE,
                    spec_notes=rng.choice(rule.notes),
                )
            )
    return planned
