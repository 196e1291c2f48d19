"""The vendor's bid pages: the form with its dynamic rows, messages next to fields, the bid sheet, attachments."""

from __future__ import annotations

import html as html_lib
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from support import encrypted_pdf, text_of

from coop.bids import queries, rules, services
from coop.bids.models import Bid, BidStatus
from coop.extensions import db
from tests.bids.bid_form import PDF, form_fields, the_bid


def test_a_vendor_fills_in_a_tiered_bid_saves_it_and_submits_it(log_in, rfp, vendor_user, bid_input, now):
    client = log_in(vendor_user)
    page = client.get(f"/rfps/{rfp.reference}/bid")
    assert page.status_code == 200
    assert "You have not saved a bid yet." in text_of(page)
    # A fifth tier, beyond the rows the page showed: the form takes whatever rows the browser sends.
    data = bid_input(
        rfp, line_nos=(1,), tiers=(("1", "300"), ("50", "295"), ("100", "280"), ("200", "270"), ("500", "250"))
    )
    response = client.post(f"/rfps/{rfp.reference}/bid", data=form_fields(rfp, data))
    assert response.status_code == 302
    bid = the_bid(rfp, vendor_user)
    assert bid.status == BidStatus.DRAFT and [line.rfp_line.line_no for line in bid.lines] == [1]
    assert [tier.min_quantity for tier in bid.lines[0].tiers] == [1, 50, 100, 200, 500]
    page = client.get(f"/rfps/{rfp.reference}/bid")
    assert "saved as a draft" in text_of(page)

    response = client.post(f"/rfps/{rfp.reference}/bid/submit", data={"revision": str(bid.revision)})
    assert response.status_code == 302
    page = client.get(f"/rfps/{rfp.reference}/bid")
    bid = the_bid(rfp, vendor_user)
    assert bid.status == BidStatus.SUBMITTED
    assert "Your bid is submitted and sealed" in text_of(page)
    assert bid.content_sha256 in page.get_data(as_text=True)
    mine = client.get("/bids")
    assert rfp.reference in text_of(mine) and bid.content_sha256[:16] in text_of(mine)


def test_problems_are_shown_next_to_their_fields_and_nothing_is_saved(log_in, rfp, vendor_user, bid_input, now):
    client = log_in(vendor_user)
    data = bid_input(rfp, line_nos=(2,), tiers=(("1", "300"), ("100", "310")), capacity="lots")
    response = client.post(f"/rfps/{rfp.reference}/bid", data=form_fields(rfp, data))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was saved." in text_of(response)
    # The message sits under the field it is about: line 2's second tier price, line 2's capacity.
    price_field = html.index('name="lines-1-tiers-1-unit_price"')
    assert html.index("Tier 2 costs $310.00, more than tier 1 ($300.00)", price_field) < html.index(
        'name="lines-1-tiers-2-min_quantity"'
    )
    capacity_field = html.index('name="lines-1-capacity"')
    assert html.index(rules.CAPACITY_NOT_WHOLE, capacity_field) < html.index('name="lines-1-min_award_quantity"')
    # What was typed is kept.
    assert 'value="lots"' in html
    assert the_bid(rfp, vendor_user) is None


def test_no_line_ticked_is_refused(log_in, rfp, vendor_user, now):
    response = log_in(vendor_user).post(f"/rfps/{rfp.reference}/bid", data=form_fields(rfp, rules.BidInput()))
    assert response.status_code == 422
    assert rules.NO_LINE in text_of(response)


def test_after_the_deadline_the_vendor_sees_its_bid_but_cannot_change_it(log_in, rfp, vendor_user, bid_input, now):
    client = log_in(vendor_user)
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None, submit=True)
    now(rfp.bid_deadline)
    page = client.get(f"/rfps/{rfp.reference}/bid")
    assert "The bid deadline has passed" in text_of(page)
    assert 'id="bid-form"' not in page.get_data(as_text=True)
    assert "Acme Book 11 G3" in text_of(page)
    response = client.post(
        f"/rfps/{rfp.reference}/bid", data=form_fields(rfp, bid_input(rfp, product="Late"), revision="2")
    )
    assert response.status_code == 409
    assert services.deadline_passed(rfp.bid_deadline) in text_of(response)
    response = client.post(f"/rfps/{rfp.reference}/bid/withdraw", data={"revision": "2"})
    assert response.status_code == 409
    assert the_bid(rfp, vendor_user).status == BidStatus.SUBMITTED


def test_editing_a_submitted_bid_keeps_it_in_force_and_the_page_says_so(log_in, rfp, vendor_user, bid_input, now):
    client = log_in(vendor_user)
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None, submit=True)
    receipt = services.receipt_of(the_bid(rfp, vendor_user))
    response = client.post(
        f"/rfps/{rfp.reference}/bid",
        data=form_fields(rfp, bid_input(rfp, product="Acme Book 11 G4"), revision="2"),
        follow_redirects=True,
    )
    page = text_of(response)
    assert "Your changes are saved as a draft. The bid you submitted stays in force until you submit them." in page
    assert "You have saved changes that are not submitted. The version in force is the one you submitted" in page
    assert receipt.content_sha256 in page and "Submit your changes" in page
    assert "changes not submitted" in text_of(client.get("/bids"))

    # The deadline passes before the changes are submitted: the version submitted is the bid, and the page shows it.
    now(rfp.bid_deadline)
    page = text_of(client.get(f"/rfps/{rfp.reference}/bid"))
    assert "Changes you saved after submitting were not submitted by the deadline" in page
    assert "Your bid as submitted" in page and "Acme Book 11 G3" in page and "Acme Book 11 G4" not in page


def test_after_the_opening_the_bid_page_no_longer_says_sealed(log_in, rfp, vendor_user, admin, bid_input, now):
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None, submit=True)
    now(rfp.bid_deadline)
    services.open_bids(admin, rfp.id)
    page = text_of(log_in(vendor_user).get(f"/rfps/{rfp.reference}/bid"))
    assert "sealed" not in page
    assert "Your bid was opened with the others on" in page and "bid tabulation is public" in page


def test_a_stale_window_is_told_to_reload(log_in, rfp, vendor_user, bid_input, now):
    client = log_in(vendor_user)
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None)
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp, product="Second window"), revision=2)
    response = client.post(
        f"/rfps/{rfp.reference}/bid", data=form_fields(rfp, bid_input(rfp, product="First"), revision="2")
    )
    assert response.status_code == 409
    assert services.STALE in text_of(response)
    assert the_bid(rfp, vendor_user).lines[0].product == "Second window"


def test_attachments_upload_download_and_remove(log_in, rfp, vendor_user, other_vendor_user, bid_input, now):
    client = log_in(vendor_user)
    response = client.post(
        f"/rfps/{rfp.reference}/bid/attachments",
        data={"revision": "", "file": (io.BytesIO(PDF), "Spec sheet.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    bid = the_bid(rfp, vendor_user)
    attachment = bid.attachments[0]
    download = client.get(f"/bids/attachments/{attachment.key}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    download.close()
    assert log_in(other_vendor_user).get(f"/bids/attachments/{attachment.key}").status_code == 404

    client = log_in(vendor_user)
    response = client.post(
        f"/rfps/{rfp.reference}/bid/attachments",
        data={"revision": str(bid.revision), "file": (io.BytesIO(b"GIF89a"), "photo.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert services.ATTACHMENT_NOT_PDF in text_of(response)
    response = client.post(
        f"/rfps/{rfp.reference}/bid/attachments/{attachment.key}/remove", data={"revision": str(bid.revision)}
    )
    assert response.status_code == 302
    assert the_bid(rfp, vendor_user).attachments == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (PDF[: len(PDF) // 2], services.ATTACHMENT_UNREADABLE),
        (encrypted_pdf(), services.ATTACHMENT_ENCRYPTED),
    ],
    ids=["truncated", "encrypted"],
)
def test_a_pdf_that_cannot_be_read_is_refused_next_to_the_file_field(log_in, rfp, vendor_user, now, content, message):
    response = log_in(vendor_user).post(
        f"/rfps/{rfp.reference}/bid/attachments",
        content_type="multipart/form-data",
        data={"revision": "", "file": (io.BytesIO(content), "Spec sheet.pdf")},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = html.index('id="attachment-file"')
    assert html.index(html_lib.escape(message, quote=True), field) < html.index("</form>", field)
    assert the_bid(rfp, vendor_user) is None


def test_the_bid_sheet_round_trip(log_in, rfp, vendor_user, bid_input, now):
    client = log_in(vendor_user)
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp, discounts=(("100000", "2"),)), revision=None)
    for kind in ("xlsx", "csv"):
        sheet = client.get(f"/rfps/{rfp.reference}/bid/sheet.{kind}")
        assert sheet.status_code == 200
        assert sheet.headers["Content-Disposition"] == f"attachment; filename={rfp.reference}-bid-sheet.{kind}"
    # The sheet as downloaded, uploaded again: the same bid (the CSV keeps the discounts it cannot carry).
    before = queries.as_input(the_bid(rfp, vendor_user))
    csv_sheet = client.get(f"/rfps/{rfp.reference}/bid/sheet.csv").data
    response = client.post(
        f"/rfps/{rfp.reference}/bid/sheet",
        data={"revision": "2", "file": (io.BytesIO(csv_sheet), "bid.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert queries.as_input(the_bid(rfp, vendor_user)) == before


def test_a_bad_bid_sheet_lists_every_bad_cell_and_changes_nothing(log_in, rfp, vendor_user, bid_input, now, table_rows):
    client = log_in(vendor_user)
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None)
    csv_sheet = client.get(f"/rfps/{rfp.reference}/bid/sheet.csv").data.decode("utf-8-sig")
    bad = csv_sheet.replace("280.00", "310.00", 1)
    response = client.post(
        f"/rfps/{rfp.reference}/bid/sheet",
        data={"revision": "2", "file": (io.BytesIO(bad.encode()), "bid.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    rows = table_rows(response, "sheet-problem-list")
    assert any("Tier 2 costs $310.00, more than tier 1 ($300.00)" in row and "tier2_price" in row for row in rows), rows
    assert queries.as_input(the_bid(rfp, vendor_user)) == queries.as_input(the_bid(rfp, vendor_user))
    assert the_bid(rfp, vendor_user).lines[0].tiers[1].unit_price_cents == 28000
    # The problems are the first thing on the page, above the long bid form, and the browser is taken to them.
    html = response.get_data(as_text=True)
    assert html.index('id="sheet-problems"') < html.index('id="bid-form"') < html.index('id="sheet-form"')
    assert f'action="/rfps/{rfp.reference}/bid/sheet#sheet-problems"' in html


def test_the_bid_sheet_form_takes_ods_and_names_an_ods_sheets_problems_by_line_and_column(
    log_in, rfp, vendor_user, table_rows
):
    client = log_in(vendor_user)
    page = client.get(f"/rfps/{rfp.reference}/bid")
    assert re.search(r'<input[^>]*accept="\.csv,\.xlsx,\.ods"[^>]*id="sheet-file"', page.get_data(as_text=True))
    assert "CSV, Excel (.xlsx) or LibreOffice (.ods)" in text_of(page)
    # A bid sheet saved by LibreOffice as ODS, downloaded for another RFP (tests/fixtures/libreoffice/README.md).
    ods = (Path(__file__).parents[1] / "fixtures" / "libreoffice" / "bid-sheet.ods").read_bytes()
    response = client.post(
        f"/rfps/{rfp.reference}/bid/sheet",
        data={"revision": "", "file": (io.BytesIO(ods), "bid.ods")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    rows = table_rows(response, "sheet-problem-list")
    assert [row.split(":")[0] for row in rows] == [
        f'2 item_code Line 1 of {rfp.reference} is item {rfp.lines[0].item.code}, not "EDUBOOK-11"',
        f'3 item_code Line 2 of {rfp.reference} is item {rfp.lines[1].item.code}, not "EDUBOOK-14"',
    ]
    assert the_bid(rfp, vendor_user) is None


def test_the_administrator_opens_the_bids_once_and_the_tabulation_is_public(
    log_in, client, rfp, vendor_user, admin, bid_input, now, table_rows
):
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None, submit=True)
    assert client.get(f"/rfps/{rfp.reference}/tabulation").status_code == 404
    admin_client = log_in(admin)
    early = admin_client.post(f"/admin/rfps/{rfp.id}/open", follow_redirects=True)
    assert "can be opened only after the bid deadline" in text_of(early)
    now(rfp.bid_deadline + timedelta(minutes=1))
    manage = admin_client.get(f"/admin/rfps/{rfp.id}")
    assert 'id="open-bids-form"' in manage.get_data(as_text=True)
    opened = admin_client.post(f"/admin/rfps/{rfp.id}/open", follow_redirects=True)
    assert "The bids are opened: 1 submitted, 0 draft(s) set aside, 0 withdrawn." in text_of(opened)
    again = admin_client.post(f"/admin/rfps/{rfp.id}/open", follow_redirects=True)
    assert "they can be opened only once" in text_of(again)
    public = client.get(f"/rfps/{rfp.reference}/tabulation")
    assert public.status_code == 200
    assert any("Evergreen Learning" in row and "$33,600.00" in row for row in table_rows(public, "tabulation-line-1"))
    board = client.get(f"/rfps/{rfp.reference}")
    assert "Bid tabulation" in text_of(board)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 1


def test_an_approved_vendor_starts_on_its_bids_with_the_rfps_open_for_bids(
    log_in, rfp, make_rfp, vendor_user, bid_input, now, table_rows
):
    closed = make_rfp(deadline_in=timedelta(seconds=-1), title="Already closed")
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp), revision=None)
    client = log_in(vendor_user)
    dashboard = client.get("/dashboard")
    assert any(rfp.reference in row and "draft, not submitted" in row for row in table_rows(dashboard, "bid-list"))
    page = client.get("/bids")
    open_rows = table_rows(page, "open-rfps")
    assert len(open_rows) == 1 and rfp.reference in open_rows[0] and "Your bid" in open_rows[0]
    assert all(closed.reference not in row for row in open_rows)
    assert any(rfp.reference in row and "Draft" in row for row in table_rows(page, "my-bids"))


# Every address a browser is sent to or offered: links, forms, sources, redirects.
_ADDRESS = re.compile(r'(?:href|action|src|formaction)="([^"]*)"')
_HIDDEN = re.compile(r'<input\b[^>]*\btype="hidden"[^>]*>')


def addresses_and_hidden_values(response) -> tuple[list[str], dict[str, str]]:
    """The addresses in a response (its redirect included) and its hidden form values, by field name."""
    addresses = [response.headers["Location"]] if "Location" in response.headers else []
    hidden = {}
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        addresses += [html_lib.unescape(address) for address in _ADDRESS.findall(html)]
        for tag in _HIDDEN.findall(html):
            name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
            hidden[name[1]] = value[1] if value else ""
    return addresses, hidden


def test_a_vendors_browser_never_sees_a_sequential_id_of_a_bids_records(
    log_in, rfp, vendor_user, other_vendor_user, bid_input, now
):
    """Two vendors attach files in turn: nothing the first one's browser gets tells it that the other attached one."""
    services.save_bid(vendor_user, rfp.reference, bid_input(rfp, discounts=(("250000", "2"),)), revision=None)
    services.save_bid(other_vendor_user, rfp.reference, bid_input(rfp, region_codes=("north",)), revision=None)

    def upload(user, name):
        response = log_in(user).post(
            f"/rfps/{rfp.reference}/bid/attachments",
            content_type="multipart/form-data",
            data={"revision": str(the_bid(rfp, user).revision), "file": (io.BytesIO(PDF), name)},
        )
        assert response.status_code == 302
        return response

    received = [upload(vendor_user, "First.pdf")]
    rival = upload(other_vendor_user, "Rival.pdf")
    received.append(upload(vendor_user, "Second.pdf"))
    own = log_in(vendor_user)
    received.append(
        own.post(f"/rfps/{rfp.reference}/bid/submit", data={"revision": str(the_bid(rfp, vendor_user).revision)})
    )
    for path in (
        f"/rfps/{rfp.reference}/bid",
        "/bids",
        f"/rfps/{rfp.reference}/bid/sheet.csv",
        f"/rfps/{rfp.reference}/bid/sheet.xlsx",
    ):
        received.append(own.get(path))
    now(rfp.bid_deadline)  # the read-only summary of the bid, after the deadline
    received.append(own.get(f"/rfps/{rfp.reference}/bid"))
    links = re.findall(r'href="(/bids/attachments/[^"]+)">(First|Second)\.pdf', received[-1].get_data(as_text=True))
    assert [name for _link, name in links] == ["First", "Second"]
    for link, _name in links:
        download = own.get(link)
        assert download.status_code == 200 and download.data == PDF
        received.append(download)
        download.close()

    line_ids = {str(line.id) for line in rfp.lines}
    for response in received:
        addresses, hidden = addresses_and_hidden_values(response)
        for address in [*addresses, hidden.get("back", "")]:  # 'back': where following the RFP returns to
            assert not re.search(r"/\d+(?:[/?#]|$)", address), f"{address} names a record by its number"
        # Hidden fields carry the page's revision of the bid and the RFP's own line ids, nothing else numbered.
        assert {value for name, value in hidden.items() if name.endswith("_id")} <= line_ids
        assert {name for name in hidden if not re.fullmatch(r"lines-\d+-(rfp_line_id|compliance-\d+-key)", name)} <= {
            "csrf_token",
            "revision",
            "back",
        }
    first, second = the_bid(rfp, vendor_user).attachments
    assert [link for link, _name in links] == [f"/bids/attachments/{first.key}", f"/bids/attachments/{second.key}"]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", attachment.key) for attachment in (first, second))
    assert rival.headers["Location"] == f"/rfps/{rfp.reference}/bid#attachments"


# A NUL in an address is refused before routing, with its own message (tests/test_nul_bytes.py).
@pytest.mark.parametrize("key", ["x" * 300, "%C3%A9t%C3%A9", "1", "A" * 21 + "%2F"])
def test_an_attachment_address_that_names_no_attachment_is_not_found(log_in, vendor_user, key):
    assert log_in(vendor_user).get(f"/bids/attachments/{key}").status_code == 404


def test_a_nul_character_in_a_lines_product_is_refused_under_that_field_and_nothing_is_saved(
    log_in, rfp, vendor_user, bid_input, now
):
    data = bid_input(rfp, line_nos=(1,), product="Acme\x00 Book")
    response = log_in(vendor_user).post(f"/rfps/{rfp.reference}/bid", data=form_fields(rfp, data))
    assert response.status_code == 400  # the bid page's answer to a form that does not validate
    html = response.get_data(as_text=True)
    message = "Product offered (make and model) contains a NUL character (\\0), which no text may hold."
    assert text_of(response).count(message) == 1
    product_field = html.index('name="lines-0-product"')
    assert product_field < html.index(message) < html.index('name="lines-0-pricing_kind"')
    assert the_bid(rfp, vendor_user) is None
