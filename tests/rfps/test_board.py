"""The public RFP board: what anyone may read, what stays private, the document as HTML and PDF."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from jinja2 import TemplateNotFound
from pypdf import PdfReader

from coop import clock
from coop.audit.models import AuditEvent
from coop.extensions import db
from coop.rfps import documents, panels, queries, services
from coop.rfps.models import Rfp, RfpDocument, RfpStatus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["anonymous", "vendor", "district"])
def outsider(request, client, log_in, make_vendor_rep, buyers):
    if request.param == "anonymous":
        return client
    return log_in(make_vendor_rep() if request.param == "vendor" else buyers["Lakeview SD"])


@pytest.mark.parametrize("suffix", ["", "/document.html", "/document.pdf", "/document.html?version=1"])
def test_draft_and_committing_rfps_are_not_public(outsider, draft, suffix, admin, complete_specs):
    assert outsider.get(f"/rfps/{draft.reference}{suffix}").status_code == 404
    complete_specs(draft)
    services.start_commitment(admin, draft.id, draft.created_at + timedelta(days=30))
    assert outsider.get(f"/rfps/{draft.reference}{suffix}").status_code == 404
    assert draft.reference not in outsider.get("/rfps").get_data(as_text=True)


def test_the_administrator_previews_a_draft(log_in, admin, draft, seen):
    response = log_in(admin).get(f"/rfps/{draft.reference}")
    assert response.status_code == 200
    assert f"Preview: {draft.reference} is draft and not public." in seen(response)
    document = log_in(admin).get(f"/rfps/{draft.reference}/document.html")
    assert document.status_code == 200 and "Version 1" in seen(document)


def test_anyone_reads_an_open_rfp(client, published, table_rows, seen):
    board = client.get("/rfps")
    assert board.status_code == 200
    assert table_rows(board, "rfp-board") == [
        f"{published.reference} Student laptops 2026 Student Laptops Open {clock.format_utc(published.bid_deadline)}"
    ]
    response = client.get(f"/rfps/{published.reference}")
    assert response.status_code == 200
    text = seen(response)
    assert f"Bid deadline {clock.format_utc(published.bid_deadline)}" in text
    assert f'<time datetime="{published.bid_deadline.strftime("%Y-%m-%dT%H:%M:%SZ")}" data-local-time>' in (
        response.get_data(as_text=True)
    )
    assert '<script src="/static/local-time.js"></script>' in response.get_data(as_text=True)  # no inline script (CSP)
    assert table_rows(response, "rfp-lines") == [
        "1 14-inch student laptop LAPTOP-14 · per each Screen diagonal: at least 14 in Memory (RAM): at least 8 GB "
        "Storage: at least 128 GB Battery life (manufacturer-rated): at least 10 hours "
        "Warranty with accidental damage protection: at least 3 years 100 Lakeview SD"
    ]
    assert table_rows(response, "rfp-criteria") == [
        "Total cost of ownership (price and support over the term) 50%",
        "Meeting or exceeding the specification 20%",
        "Warranty, repair turnaround and support 20%",
        "Delivery schedule and imaging services 10%",
    ]
    assert "Within 45 days of the purchase order." in text
    assert "Warranty covers parts, labour and accidental damage" in text
    assert "Version 1: HTML · PDF" in text


def test_districts_are_named_only_when_they_agreed(client, published):
    html = client.get(f"/rfps/{published.reference}").get_data(as_text=True)
    assert "Lakeview SD" in html  # agreed to be named
    assert "Riverside USD" not in html and "Hillcrest SD" not in html
    assert ">40<" not in html and ">60<" not in html  # nor what each district wants
    document = client.get(f"/rfps/{published.reference}/document.html").get_data(as_text=True)
    assert "Lakeview SD" in document and "Riverside USD" not in document


def test_the_board_shows_closed_after_the_deadline(client, published, frozen, table_rows, seen):
    frozen(published.bid_deadline)
    assert "Closed" in table_rows(client.get("/rfps"), "rfp-board")[0]
    assert "(passed: bids are closed)" in seen(client.get(f"/rfps/{published.reference}"))


def test_a_cancelled_rfp_is_shown_as_cancelled_with_its_reason(client, admin, published, table_rows, seen):
    services.cancel(admin, published.id, "Budgets were frozen by the state.")
    assert "Cancelled" in table_rows(client.get("/rfps"), "rfp-board")[0]
    assert "This RFP is cancelled: Budgets were frozen by the state." in seen(
        client.get(f"/rfps/{published.reference}")
    )


def test_a_cancelled_draft_never_reaches_the_board(client, admin, draft):
    services.cancel(admin, draft.id, "Pooled by mistake.")
    assert client.get(f"/rfps/{draft.reference}").status_code == 404
    assert draft.reference not in client.get("/rfps").get_data(as_text=True)


def test_the_board_page_shows_the_panels_of_the_bids_and_clarifications_areas(log_in, make_vendor_rep, published, seen):
    page = seen(log_in(make_vendor_rep()).get(f"/rfps/{published.reference}"))
    assert "Bid on this RFP" in page
    assert "Questions and addenda" in page


def test_no_page_includes_a_template_that_may_be_missing():
    # ``ignore missing`` turns a renamed panel into silence on a sealed-bid page instead of an error.
    quiet = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "coop").rglob("*.html") if "ignore missing" in path.read_text()
    )
    assert quiet == []


def test_a_panel_whose_template_is_missing_stops_the_app_from_starting(app):
    with pytest.raises(TemplateNotFound, match="clarifications/_renamed_panel.html"):
        panels.register(app, panels.Place.BOARD_END, "clarifications/_renamed_panel.html")
    with app.test_request_context():
        assert panels.panels("board_end") == ["clarifications/_rfp_panel.html"]


def test_the_document_is_standalone_printable_html(client, published, seen):
    response = client.get(f"/rfps/{published.reference}/document.html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert html.startswith("<!doctype html>") and "base.html" not in html and "navbar" not in html
    text = seen(response)
    assert f"Reference {published.reference} Document version Version 1" in text
    assert f"Bid deadline {clock.format_utc(published.bid_deadline)}" in text
    assert "Memory (RAM): at least 8 GB" in text
    assert "The cooperative seeks pricing for 100 student computing devices for 2 member districts" in text
    assert "E-Rate" not in text


def test_stored_versions_are_served_by_number(client, admin, published):
    rfp = queries.rfp(published.id)
    rfp.document_version = 2
    rfp.title = "Student laptops 2026 (amended)"
    documents.store_version(rfp)  # what the addenda service does after changing the RFP
    db.session.flush()
    assert "(amended)" in client.get(f"/rfps/{rfp.reference}/document.html").get_data(as_text=True)
    first = client.get(f"/rfps/{rfp.reference}/document.html?version=1").get_data(as_text=True)
    assert "Version 1" in first and "(amended)" not in first
    assert client.get(f"/rfps/{rfp.reference}/document.html?version=3").status_code == 404
    assert [doc.version for doc in db.session.query(RfpDocument).filter_by(rfp_id=rfp.id)] == [1, 2]


def test_the_document_as_pdf(client, published):
    response = client.get(f"/rfps/{published.reference}/document.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="{published.reference}-v1.pdf"'
    assert response.data.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert published.reference in text
    assert "Memory (RAM): at least 8 GB" in text


def test_a_one_year_term_reads_1_year_on_the_rfp_page_and_its_admin_page(client, log_in, admin, published, seen):
    published.tco_years = 1
    db.session.flush()
    assert "evaluated over 1 year" in seen(client.get(f"/rfps/{published.reference}"))
    manage = seen(log_in(admin).get(f"/admin/rfps/{published.id}"))
    assert "Total cost of ownership 1 year" in manage
    for text in (seen(client.get(f"/rfps/{published.reference}")), manage):
        assert "1 years" not in text


def test_past_its_deadline_an_rfp_is_closed_in_the_tabs_the_rows_and_the_database(
    client, log_in, admin, published, frozen, seen, table_rows
):
    frozen(published.bid_deadline)
    admin_client = log_in(admin)
    page = admin_client.get("/admin/rfps")
    tabs = seen(page)
    assert "Open (0)" in tabs and "Closed (1)" in tabs
    assert "Closed" in table_rows(page, "rfps")[0]
    assert "No open RFPs yet." in seen(admin_client.get("/admin/rfps?status=open"))
    assert published.reference in table_rows(admin_client.get("/admin/rfps?status=closed"), "rfps")[0]
    db.session.expire_all()
    assert db.session.get(Rfp, published.id).status == RfpStatus.CLOSED
    closed = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "rfp.closed")).one()
    assert (closed.rfp_id, closed.before, closed.after["status"]) == (published.id, {"status": "open"}, "closed")
    # Once recorded, it is not recorded again; the RFP's page and the board still say closed.
    assert services.close_past_deadlines() == 0
    assert "(passed: bids are closed)" in seen(client.get(f"/rfps/{published.reference}"))
    assert "Closed" in table_rows(client.get("/rfps"), "rfp-board")[0]


def test_the_administrator_s_list_of_rfps_is_paged_with_its_status_kept(
    log_in, admin, make_rfp, table_rows, seen, monkeypatch
):
    monkeypatch.setattr("coop.rfps.queries.RFPS_PER_PAGE", 2)
    older, middle, newest = (make_rfp(title=f"Laptops {number}") for number in (1, 2, 3))
    client = log_in(admin)
    first = client.get("/admin/rfps?status=open")
    assert "3 RFPs; 1–2 on this page." in seen(first)
    assert [row.split()[0] for row in table_rows(first, "rfps")] == [newest.reference, middle.reference]
    assert 'href="/admin/rfps?page=2&amp;status=open">Next</a>' in first.get_data(as_text=True)
    second = client.get("/admin/rfps?page=2&status=open")
    assert "3 RFPs; 3–3 on this page." in seen(second)
    assert [row.split()[0] for row in table_rows(second, "rfps")] == [older.reference]
