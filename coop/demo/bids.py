"""The demo vendors' sealed bids, replayed through the real bid services at the moments they happened.

On the open Chromebook RFP, Evergreen Learning Technologies (the headline vendor log-in)
has submitted a bid with a PDF spec sheet, so that its receipt is there to see; High
Desert Digital has submitted one with incremental pricing, a capacity and a minimum
award; Willamette Network Systems has only a draft. Nothing of them shows publicly:
the bids are sealed until the deadline, three weeks ahead.

On the licences RFP, whose deadline passed a month ago, four vendors bid: two
submitted, High Desert Digital withdrew its bid and Willamette Network Systems never
submitted its draft. The administrator opened the bids the day after the deadline,
so the public tabulation shows the two submitted bids.

On the cabling RFP, whose deadline passed three weeks ago, three vendors submitted
bids (Willamette Network Systems only on the Cat6A line, at the lowest price) and the
administrator opened them the day after the deadline.

On the switches RFP, whose deadline passed two days ago, three vendors submitted bids
and Rogue Valley Security and Cabling left a draft; nobody has opened them, so they are
as sealed as on the open RFP, and the administrator can try the opening at once.

Every offer is typed as a vendor would type it in the bid form: text, checked by the
same rules.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from coop import clock
from coop.accounts.models import User
from coop.bids import rules
from coop.bids import services as bids
from coop.demo import data
from coop.demo.rfps import (
    CABLING_DEADLINE_DAYS_AGO,
    LICENCES_DEADLINE_DAYS_AGO,
    SWITCHES_DEADLINE_DAYS_AGO,
    DemoRfps,
    moment,
)
from coop.rfps.models import Rfp

EVERGREEN, HIGH_DESERT, WILLAMETTE, NORTHWEST, ROGUE_VALLEY = (
    "evergreen-learning",
    "highdesert-digital",
    "willamette-networks",
    "nw-k12-software",
    "roguevalley-security",
)


@dataclass(frozen=True)
class Offer:
    """One line of a bid, as typed: ``tiers`` are (from quantity, unit price in dollars)."""

    item: str  # the catalogue item code of the RFP line bid on
    product: str
    compliance: Mapping[str, str]  # spec key -> how the product meets it; every key the line asks
    tiers: tuple[tuple[str, str], ...]
    pricing_kind: str = "all_units"
    annual_support: str = ""
    capacity: str = ""
    min_award: str = ""


@dataclass(frozen=True)
class DemoBid:
    vendor: str  # the vendor's slug in data.VENDORS
    offers: tuple[Offer, ...]
    discounts: tuple[tuple[str, str], ...] = ()  # (from purchase value, percent off)


# --- The open Chromebook RFP ----------------------------------------------------------------------------------------

_CHROMEBOOK_11 = {
    "screen_in": "11.6-inch anti-glare HD display (1366 x 768).",
    "ram_gb": "8 GB LPDDR4x.",
    "storage_gb": "64 GB eMMC.",
    "battery_hours": "12 hours, manufacturer-rated (50 Wh battery).",
    "rugged_drop_cm": "Drop-tested from 122 cm onto plywood over concrete (MIL-STD-810H method 516.8).",
    "warranty_years": "3 years with accidental damage protection, depot repair in 5 business days.",
}
_CHROMEBOOK_14 = {
    "screen_in": "14-inch full HD IPS display (1920 x 1080).",
    "ram_gb": "8 GB LPDDR4x.",
    "storage_gb": "128 GB eMMC.",
    "battery_hours": "11 hours, manufacturer-rated.",
    "warranty_years": "3 years with accidental damage protection, depot repair in 5 business days.",
}

EVERGREEN_CHROMEBOOKS = DemoBid(
    EVERGREEN,
    (
        Offer(
            "CB-11-8-64",
            "Cascade Scholar C11 Chromebook (model CS-1186)",
            {
                **_CHROMEBOOK_11,
                "warranty_years": "4 years with accidental damage protection at no extra cost "
                "(see the answer to the public question); depot repair in 3 business days.",
            },
            (("1", "279.00"), ("500", "266.00"), ("1,500", "254.00")),
        ),
        Offer(
            "CB-14-8-128",
            "Cascade Scholar C14 Chromebook (model CS-1428)",
            _CHROMEBOOK_14,
            (("1", "379.00"), ("100", "359.00")),
        ),
    ),
    discounts=(("400,000", "1.5"), ("600,000", "2.5")),
)

HIGH_DESERT_CHROMEBOOKS = DemoBid(
    HIGH_DESERT,
    (
        # A regional reseller: it delivers in its own regions, and only as many as its warehouse can stage at once.
        Offer(
            "CB-11-8-64",
            "Basalt EduBook 11 G2 (model BE11-G2)",
            {**_CHROMEBOOK_11, "battery_hours": "10.5 hours, manufacturer-rated."},
            (("1", "289.00"), ("301", "272.00"), ("801", "261.00")),
            pricing_kind="incremental",
            annual_support="5.00",
            capacity="900",
            min_award="200",
        ),
        Offer(
            "CB-14-8-128",
            "Basalt EduBook 14 G2 (model BE14-G2)",
            _CHROMEBOOK_14,
            (("1", "389.00"), ("50", "369.00")),
            annual_support="5.00",
        ),
    ),
)

WILLAMETTE_CHROMEBOOKS = DemoBid(
    WILLAMETTE,
    (
        Offer(
            "CB-11-8-64",
            "Ridgeline Chromebook 11e (model RC-11E)",
            {**_CHROMEBOOK_11, "rugged_drop_cm": "Drop-tested from 90 cm."},
            (("1", "298.00"), ("1,000", "284.00")),
        ),
    ),
)

# --- The licences RFP, opened ---------------------------------------------------------------------------------------

_LICENCE_TERMS = {
    "CBM-DEV-LIFE": "For the life of the device (beyond the 3 years asked), transferable on repair.",
    "MDM-DEV-1Y": "12 months from activation.",
    "WCF-STU-1Y": "12 months from activation.",
}


# What each licence's catalogue spec asks beyond platforms, filtering and term (its RFP line asks it too).
_LICENCE_EXTRAS = {
    "MDM-DEV-1Y": {"remote_lock": "Remote lock and wipe from the console."},
    "CBM-DEV-LIFE": {
        "remote_lock": "Remote disable of a lost device.",
        "device_lifetime": "For the life of the device, transferable on repair.",
    },
    "WCF-STU-1Y": {"off_network_filtering": "Filtered on and off the district network."},
}


def _licence(item: str, platforms: str, filtering: str) -> dict[str, str]:
    return {
        "platforms": platforms,
        "content_filtering": filtering,
        "term_years": _LICENCE_TERMS[item],
        **_LICENCE_EXTRAS[item],
    }


NORTHWEST_LICENCES = DemoBid(
    NORTHWEST,
    (
        Offer(
            "MDM-DEV-1Y",
            "DeviceHub Managed, per device, 12 months",
            _licence(
                "MDM-DEV-1Y",
                "Windows, iPadOS, Android and ChromeOS from one console.",
                "Included: CIPA category filtering on and off the district network.",
            ),
            (("1", "16.00"), ("250", "14.50"), ("1,000", "12.75")),
        ),
        Offer(
            "CBM-DEV-LIFE",
            "DeviceHub for ChromeOS, life-of-device licence",
            _licence(
                "CBM-DEV-LIFE",
                "ChromeOS, and Windows devices in the same console.",
                "Included: CIPA category filtering through the DeviceHub browser extension.",
            ),
            (("1", "32.00"), ("1,000", "29.50")),
        ),
        Offer(
            "WCF-STU-1Y",
            "SafeBrowse web filter, per student, 12 months",
            _licence(
                "WCF-STU-1Y",
                "Every district platform: ChromeOS, Windows, macOS, iPadOS.",
                "CIPA-compliant filtering with reports for E-Rate audits, on and off the network.",
            ),
            (("1", "5.25"), ("2,501", "4.60"), ("5,001", "3.95")),
            pricing_kind="incremental",
        ),
    ),
    discounts=(("50,000", "2"), ("75,000", "3")),
)

EVERGREEN_LICENCES = DemoBid(
    EVERGREEN,
    (
        Offer(
            "CBM-DEV-LIFE",
            "Cascade Console for ChromeOS, life-of-device licence",
            _licence("CBM-DEV-LIFE", "ChromeOS and Windows.", "Included, with per-school policies."),
            (("1", "33.00"), ("500", "30.50"), ("1,200", "28.75")),
        ),
        Offer(
            "WCF-STU-1Y",
            "Cascade Guard web filter, per student, 12 months",
            _licence("WCF-STU-1Y", "ChromeOS, Windows and iPadOS.", "CIPA-compliant, on and off the network."),
            (("1", "4.95"), ("5,000", "4.15")),
            min_award="1,000",
        ),
    ),
)

HIGH_DESERT_LICENCES = DemoBid(
    HIGH_DESERT,
    (
        Offer(
            "CBM-DEV-LIFE",
            "Basalt Manage for ChromeOS, life-of-device licence",
            _licence("CBM-DEV-LIFE", "ChromeOS and Android.", "Included."),
            (("1", "31.00"),),
            capacity="800",
        ),
    ),
)

WILLAMETTE_LICENCES = DemoBid(
    WILLAMETTE,
    (
        Offer(
            "WCF-STU-1Y",
            "Ridgeline SecureWeb filter, per student, 12 months",
            _licence("WCF-STU-1Y", "ChromeOS and Windows.", "CIPA-compliant on the network; off-network by agent."),
            (("1", "4.40"),),
        ),
    ),
)

# --- The cabling RFP, opened ----------------------------------------------------------------------------------------


def _drop(category: str, warranty: str) -> dict[str, str]:
    return {
        "cable_category": category,
        "plenum_rated": "Plenum-rated (CMP) cable throughout.",
        "certified_testing": "Every drop tested to its category with a certification tester; results delivered "
        "per drop as PDF and in the tester's native format.",
        "warranty_years": warranty,
        "max_length_m": "Runs of up to 90 m, the standard's permanent-link limit.",
    }


ROGUE_VALLEY_CABLING = DemoBid(
    ROGUE_VALLEY,
    (
        Offer(
            "CAT6-DROP",
            "Category 6 plenum drop, installed, labelled and certified",
            _drop("Category 6 (TIA-568.2-D), plenum.", "25-year manufacturer-backed system warranty."),
            (("1", "262.00"), ("100", "249.00")),
        ),
        Offer(
            "CAT6A-DROP",
            "Category 6A plenum drop for access points, installed, labelled and certified",
            _drop(
                "Category 6A (TIA-568.2-D), plenum, rated for 10GBASE-T to 90 m.",
                "25-year manufacturer-backed system warranty.",
            ),
            (("1", "296.00"), ("150", "281.00")),
        ),
    ),
)

HIGH_DESERT_CABLING = DemoBid(
    HIGH_DESERT,
    (
        Offer(
            "CAT6-DROP",
            "Category 6 plenum drop, installed and certified",
            _drop("Category 6, plenum.", "20-year manufacturer-backed system warranty."),
            (("1", "209.00"),),
            min_award="25",
        ),
        Offer(
            "CAT6A-DROP",
            "Category 6A plenum drop, installed and certified",
            _drop("Category 6A, plenum.", "20-year manufacturer-backed system warranty."),
            (("1", "289.00"), ("200", "272.00")),
            min_award="50",
        ),
    ),
)

# The lowest price on the Cat6A line, from a bidder that subcontracts the installation: the scores decide.
WILLAMETTE_CABLING = DemoBid(
    WILLAMETTE,
    (
        Offer(
            "CAT6A-DROP",
            "Category 6A plenum drop, installed by a subcontractor",
            _drop("Category 6A, plenum.", "20-year system warranty, registered by the subcontractor."),
            (("1", "262.00"),),
        ),
    ),
)

# --- The switches RFP, closed with its bids sealed ------------------------------------------------------------------

_SWITCH = {
    "ports": "24 x 1 Gb RJ45, all PoE+ (802.3at).",
    "uplink_gbps": "4 x 10 Gb SFP+ uplinks.",
    "uplink_ports": "4 uplink ports (SFP+).",
    "poe_budget_w": "370 W PoE budget with the standard power supply.",
    "warranty_years": "5 years: next-business-day hardware replacement and software updates.",
}

WILLAMETTE_SWITCHES = DemoBid(
    WILLAMETTE,
    (
        Offer(
            "SW-24P-370",
            "Ridgeline RS-2437 24-port PoE+ access switch",
            {**_SWITCH, "warranty_years": "Limited lifetime hardware warranty; software updates for 7 years."},
            (("1", "1,749.00"), ("25", "1,689.00")),
            annual_support="35.00",
        ),
    ),
)

HIGH_DESERT_SWITCHES = DemoBid(
    HIGH_DESERT,
    (
        Offer(
            "SW-24P-370",
            "Basalt Edge 24P access switch (model BX-24P)",
            {**_SWITCH, "poe_budget_w": "410 W PoE budget with the standard power supply."},
            (("1", "1,799.00"), ("40", "1,659.00")),
            annual_support="42.00",
            capacity="60",
        ),
    ),
)

EVERGREEN_SWITCHES = DemoBid(
    EVERGREEN,
    (
        Offer(
            "SW-24P-370",
            "Cascade Campus 24-port PoE+ switch (model CC-2410P)",
            _SWITCH,
            (("1", "1,829.00"), ("30", "1,719.00")),
            annual_support="29.00",
        ),
    ),
)

ROGUE_VALLEY_SWITCHES = DemoBid(
    ROGUE_VALLEY,
    (Offer("SW-24P-370", "24-port PoE+ switch, configured to the district's standard", _SWITCH, (("1", "1,895.00"),)),),
)

SPEC_SHEET_NAME = "Cascade-Scholar-C11-spec-sheet.pdf"
SPEC_SHEET_LINES = (
    "Cascade Scholar C11 Chromebook (model CS-1186)",
    "Display: 11.6-inch anti-glare HD (1366 x 768)",
    "Memory: 8 GB LPDDR4x / Storage: 64 GB eMMC",
    "Battery: 12 hours, manufacturer-rated (50 Wh)",
    "Drop-tested from 122 cm (MIL-STD-810H method 516.8)",
    "Warranty: 4 years with accidental damage protection",
    "Evergreen Learning Technologies - sales@evergreen-learning.example",
)


def load_bids(rfps: DemoRfps, reps: Mapping[str, User], admin: User, today: date) -> None:
    """Replay the vendors' bids on every published RFP, and the openings of the licences and cabling RFPs.

    ``reps`` maps each vendor rep's e-mail to the user; the history is dated back from ``today``, as the RFPs'.
    """
    at = functools.partial(moment, today)
    rep = {row.slug: reps[row.rep_email] for row in data.VENDORS}
    licences, chromebooks = rfps.licences, rfps.open
    # Each vendor acts alone here, so there is no page that could be stale: no revision to check (``None``).

    with clock.replaying(at(55)):
        _save(rep[HIGH_DESERT], licences, HIGH_DESERT_LICENCES, submit=True)
    with clock.replaying(at(50)):
        _save(rep[EVERGREEN], licences, EVERGREEN_LICENCES)
    with clock.replaying(at(45)):
        _save(rep[NORTHWEST], licences, NORTHWEST_LICENCES)
    with clock.replaying(at(44)):
        _save(rep[WILLAMETTE], licences, WILLAMETTE_LICENCES)
    with clock.replaying(at(41)):
        bids.submit_bid(rep[EVERGREEN], licences.reference, revision=None)
    with clock.replaying(at(38)):
        bids.withdraw_bid(rep[HIGH_DESERT], licences.reference, revision=None)
    with clock.replaying(at(LICENCES_DEADLINE_DAYS_AGO + 1, 21)):
        # The afternoon before the deadline.
        bids.submit_bid(rep[NORTHWEST], licences.reference, revision=None)
    with clock.replaying(at(LICENCES_DEADLINE_DAYS_AGO - 1, 17)):
        bids.open_bids(admin, licences.id)

    cabling = rfps.cabling
    with clock.replaying(at(48)):
        _save(rep[ROGUE_VALLEY], cabling, ROGUE_VALLEY_CABLING)
    with clock.replaying(at(40)):
        _save(rep[HIGH_DESERT], cabling, HIGH_DESERT_CABLING, submit=True)
    with clock.replaying(at(31)):
        _save(rep[WILLAMETTE], cabling, WILLAMETTE_CABLING, submit=True)
    with clock.replaying(at(CABLING_DEADLINE_DAYS_AGO + 1, 18)):
        bids.submit_bid(rep[ROGUE_VALLEY], cabling.reference, revision=None)
    with clock.replaying(at(CABLING_DEADLINE_DAYS_AGO - 1, 17)):
        bids.open_bids(admin, cabling.id)

    switches = rfps.switches
    with clock.replaying(at(SWITCHES_DEADLINE_DAYS_AGO + 18)):
        _save(rep[HIGH_DESERT], switches, HIGH_DESERT_SWITCHES, submit=True)
    with clock.replaying(at(SWITCHES_DEADLINE_DAYS_AGO + 10)):
        _save(rep[ROGUE_VALLEY], switches, ROGUE_VALLEY_SWITCHES)
    with clock.replaying(at(SWITCHES_DEADLINE_DAYS_AGO + 6)):
        _save(rep[EVERGREEN], switches, EVERGREEN_SWITCHES, submit=True)
    with clock.replaying(at(SWITCHES_DEADLINE_DAYS_AGO + 1, 20)):
        # The evening before the deadline.
        _save(rep[WILLAMETTE], switches, WILLAMETTE_SWITCHES, submit=True)

    with clock.replaying(at(6)):
        _save(rep[WILLAMETTE], chromebooks, WILLAMETTE_CHROMEBOOKS)
    with clock.replaying(at(3, 15)):
        _save(rep[EVERGREEN], chromebooks, EVERGREEN_CHROMEBOOKS)
    with clock.replaying(at(3, 16)):
        bids.add_attachment(
            rep[EVERGREEN], chromebooks.reference, SPEC_SHEET_NAME, spec_sheet_pdf(SPEC_SHEET_LINES), revision=None
        )
    with clock.replaying(at(2, 17)):
        bids.submit_bid(rep[EVERGREEN], chromebooks.reference, revision=None)
    with clock.replaying(at(1, 19)):
        _save(rep[HIGH_DESERT], chromebooks, HIGH_DESERT_CHROMEBOOKS, submit=True)


def _save(user: User, rfp: Rfp, bid: DemoBid, *, submit: bool = False) -> None:
    """Save the vendor's first version of the bid (it has none yet), as a draft or submitted."""
    bids.save_bid(user, rfp.reference, _as_input(rfp, bid), revision=None, submit=submit)


def _as_input(rfp: Rfp, bid: DemoBid) -> rules.BidInput:
    line_ids = {line.item.code: line.id for line in rfp.lines}
    # Each vendor offers in every region it serves.
    served = next(row.regions for row in data.VENDORS if row.slug == bid.vendor)
    return rules.BidInput(
        lines=tuple(
            rules.LineInput(
                rfp_line_id=line_ids[offer.item],
                product=offer.product,
                spec_compliance=dict(offer.compliance),
                pricing_kind=offer.pricing_kind,
                tiers=tuple(rules.TierInput(quantity, price) for quantity, price in offer.tiers),
                annual_cost_per_unit=offer.annual_support,
                capacity=offer.capacity,
                min_award_quantity=offer.min_award,
                region_codes=served,
            )
            for offer in bid.offers
        ),
        discount_brackets=tuple(rules.BracketInput(value, percent) for value, percent in bid.discounts),
    )


def spec_sheet_pdf(lines: tuple[str, ...]) -> bytes:
    """A one-page PDF listing ``lines`` (ASCII) in Helvetica: a vendor's spec sheet, small enough to build here.

    The cross-reference table holds each object's byte offset, so that readers open it without repairing it.
    """
    text = ["BT", "/F1 16 Tf", "72 720 Td", f"({_pdf_text(lines[0])}) Tj", "/F1 11 Tf"]
    for line in lines[1:]:
        text += ["0 -20 Td", f"({_pdf_text(line)}) Tj"]
    stream = "\n".join([*text, "ET"]).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    document = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(document)


def _pdf_text(line: str) -> str:
    # In a PDF string, backslashes and parentheses are escaped.
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
