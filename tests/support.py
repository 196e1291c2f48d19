"""Helpers for assertions shared by test modules."""

from __future__ import annotations

import html as html_lib
import io
import re
import socket
from datetime import timedelta

from pypdf import PdfWriter

from coop.bids import queries as bid_queries
from coop.bids import rules
from coop.bids import services as bid_services
from coop.bids.models import PriceTier, PricingKind
from coop.rfps import queries as rfp_queries
from coop.rfps import services as rfp_services


def text_of(response) -> str:
    """A response's visible text, tags stripped and white space folded, for assertions on what a user reads."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def table_rows(response, table_id: str) -> list[str]:
    """The visible text of each body row of the table with this id, as a user reads it."""
    html = response.get_data(as_text=True)
    assert f'id="{table_id}"' in html, f"no table {table_id!r} on the page"
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    return [" ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in body.split("</tr>")[:-1]]


def encrypted_pdf() -> bytes:
    """A real PDF that opens only with a password (RC4: pypdf writes it without an extra crypto library)."""
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.encrypt("secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


#: What a 404 page says.
NOT_FOUND = "There is no such page, or it is not yours to see."
#: Whole numbers no row can have: beyond PostgreSQL's INTEGER, beyond SQLite's 64 bits, and far beyond both.
HUGE_NUMBERS = (str(2**31), str(2**63), "99999999999999999999999")


# --- a pool of laptop needs taken to its opening through the real services ---------------------------------------------

#: Three districts of two regions and the laptops each needs: the figures of pricing/FORMAT.md's three-district example.
THREE_DISTRICTS = {"Lakeview SD": ("north", 60), "Riverside USD": ("south", 30), "Hillcrest SD": ("south", 20)}
#: A complete student-laptop line, as the RFP editor's form sends it.
LAPTOP_SPEC_FORM = {
    "screen_in": "14",
    "ram_gb": "8",
    "storage_gb": "128",
    "battery_hours": "10",
    "warranty_years": "3",
    "rugged_drop_cm": "",
    "touchscreen": "",
}


def laptop_bid(rfp, tiers: list[tuple[str, str]], regions: tuple[str, ...]):
    """A bid on every line of ``rfp`` at all-units ``tiers`` ((min quantity, unit price) as typed), meeting every
    requirement, in ``regions``."""
    requirements = bid_queries.requirements_by_line(rfp)
    return rules.BidInput(
        lines=tuple(
            rules.LineInput(
                rfp_line_id=line.id,
                product="Student laptop 14",
                spec_compliance={key: "Meets it." for key, _wording in requirements[line.id]},
                pricing_kind="all_units",
                tiers=tuple(rules.TierInput(*tier) for tier in tiers),
                annual_cost_per_unit="0.00",
                capacity="",
                min_award_quantity="",
                region_codes=regions,
            )
            for line in rfp.lines
        ),
        discount_brackets=(),
    )


def opened_laptop_pool(admin, needs: dict, bids: dict, now):
    """Pool ``needs`` ({buyer: need}) into an RFP, have each buyer confirm, publish it, save and submit ``bids``
    ({vendor rep: (tiers, regions)}) and open them after the deadline, moving the ``now`` fixture's clock along.

    Returns the opened RFP, every step through the real services.
    """
    item = next(iter(needs.values())).item
    rfp = rfp_services.create_rfp(
        admin,
        rfp_services.PoolInput(
            category_id=item.category_id,
            need_ids=[need.id for need in needs.values()],
            template_key="student-laptops",
            title="Student laptops 2027",
            tco_years=4,
        ),
    )
    for line in rfp.lines:
        rfp_services.update_line(admin, rfp.id, line.id, description=line.item.name, spec=LAPTOP_SPEC_FORM)
    rfp_services.start_commitment(admin, rfp.id, now() + timedelta(days=7))
    rfp = rfp_queries.rfp(rfp.id)
    for buyer, need in needs.items():
        link = next(link for line in rfp.lines for link in line.pooled_needs if link.need_id == need.id)
        rfp_services.decide_commitment(buyer, link.id, confirm=True)
    now(now() + timedelta(days=7, minutes=1))
    rfp_services.publish(admin, rfp.id, now() + timedelta(days=30))
    rfp = rfp_queries.rfp(rfp.id)
    for rep, (tiers, regions) in bids.items():
        bid_services.save_bid(rep, rfp.reference, laptop_bid(rfp, tiers, regions), revision=None, submit=True)
    now(now() + timedelta(days=30, hours=1))
    bid_services.open_bids(admin, rfp.id)
    return rfp_queries.rfp(rfp.id)


# --- bids inserted as rows, for tests of what reads them -----------------------------------------------------------------


def offer(
    tiers, *, product="Model 14", pricing=PricingKind.ALL_UNITS, support_cents=0, capacity=None, min_award=0, regions=()
) -> dict:
    """A bid line's fields; ``tiers`` as ``[(min_quantity, unit_price_cents), ...]``."""
    return {
        "product": product,
        "pricing_kind": pricing,
        "annual_cost_per_unit_cents": support_cents,
        "capacity": capacity,
        "min_award_quantity": min_award,
        "regions": list(regions),
        "tiers": [PriceTier(min_quantity=quantity, unit_price_cents=price) for quantity, price in tiers],
    }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
