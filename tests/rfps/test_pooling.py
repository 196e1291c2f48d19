"""Pooling open needs into a draft RFP: proposals, the pooling page, creating the draft, dropping a need."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from support import text_of

from coop import clock
from coop.audit import queries as audit_queries
from coop.audit import services as audit
from coop.audit.models import AuditEvent
from coop.errors import Refusal
from coop.extensions import db
from coop.needs.models import Need, NeedStatus
from coop.needs.queries import DemandFilter
from coop.rfps import queries, services
from coop.rfps.models import CommitmentStatus, Rfp, RfpLineNeed, RfpStatus


def test_needs_are_proposed_by_category_item_and_needed_by_window(needs, laptops, districts, make_need):
    late = make_need(
        districts["Lakeview SD"], item=laptops["LAPTOP-14"], quantity=10, needed_by=clock.today() + timedelta(days=200)
    )
    projector = make_need(districts["Riverside USD"], item=laptops["PROJECTOR"], quantity=5)

    proposals = queries.propose_pools(DemandFilter(), window_days=60)

    laptop_pools = [p for p in proposals if p.category_slug == "student-laptops"]
    assert [(p.window_start, p.window_end) for p in laptop_pools] == [
        (needs["lakeview"].needed_by, needs["riverside"].needed_by),
        (late.needed_by, late.needed_by),
    ]
    first = laptop_pools[0]
    assert first.template_key == "student-laptops"
    assert [(line.code, line.total_quantity, line.districts) for line in first.lines] == [
        ("CHROMEBOOK-11", 25, ["Hillcrest SD"]),
        ("LAPTOP-14", 100, ["Lakeview SD", "Riverside USD"]),
    ]
    assert (first.total_quantity, first.district_count, first.erate_eligible) == (125, 3, True)
    assert laptop_pools[1].need_ids == [late.id]
    projector_pool = next(p for p in proposals if p.category_slug == "projectors")
    assert projector_pool.template_key is None  # no template serves this category: the administrator chooses
    assert projector_pool.need_ids == [projector.id]


def test_a_wider_window_pools_later_needs_together(needs, laptops, districts, make_need):
    make_need(
        districts["Lakeview SD"], item=laptops["LAPTOP-14"], quantity=10, needed_by=clock.today() + timedelta(days=200)
    )
    proposals = queries.propose_pools(DemandFilter(), window_days=365)
    assert [p.total_quantity for p in proposals] == [135]


def test_the_pool_page_shows_needs_dated_as_late_as_the_database_holds(
    log_in, admin, needs, districts, laptops, make_need
):
    # Written before needed-by dates were limited to five years ahead: a window opening on the day before the last
    # the database holds reaches beyond it.
    last_days = [
        make_need(districts["Lakeview SD"], item=laptops["LAPTOP-14"], quantity=5, needed_by=day).id
        for day in (date.max - timedelta(days=1), date.max)
    ]
    response = log_in(admin).get("/admin/rfps/pool?window_days=365")
    assert response.status_code == 200
    assert "9999-12-31" in text_of(response)
    assert queries.propose_pools(DemandFilter(), window_days=365)[-1].need_ids == last_days


def test_pooled_and_withdrawn_needs_are_not_proposed(draft, districts, laptops, make_need):
    make_need(districts["Lakeview SD"], item=laptops["LAPTOP-14"], quantity=7, status=NeedStatus.WITHDRAWN)
    assert queries.propose_pools() == []


def test_creating_a_draft_pools_the_needs_line_by_line(draft, needs, admin):
    rfp = queries.rfp(draft.id)
    assert rfp.reference == f"RFP-{clock.today().year}-0001"
    assert (rfp.status, rfp.title, rfp.template_key, rfp.tco_years) == (
        RfpStatus.DRAFT,
        "Student laptops 2026",
        "student-laptops",
        4,
    )
    assert rfp.erate_eligible is True  # one pooled need is E-Rate eligible
    assert [(line.line_no, line.item.code, line.quantity) for line in rfp.lines] == [
        (1, "CHROMEBOOK-11", 25),
        (2, "LAPTOP-14", 100),
    ]
    assert sorted((link.need.district.name, link.quantity, link.commitment) for link in rfp.lines[1].pooled_needs) == [
        ("Lakeview SD", 40, CommitmentStatus.PROPOSED),
        ("Riverside USD", 60, CommitmentStatus.PROPOSED),
    ]
    # The item's catalogue spec fills the line's spec where the template's fields accept it.
    assert rfp.lines[1].spec == {
        "screen_in": "14",
        "ram_gb": 8,
        "storage_gb": 128,
        "battery_hours": 10,
        "warranty_years": 3,
    }
    assert [criterion["weight"] for criterion in rfp.terms["criteria"]] == [50, 20, 20, 10]
    assert {db.session.get(Need, need.id).status for need in needs.values()} == {NeedStatus.POOLED}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.rfp_id == rfp.id))
    assert (event.action, event.actor_user_id, event.after["status"]) == ("rfp.created", admin.id, "draft")


def test_references_count_up_within_the_year(draft, admin, districts, laptops, make_need):
    need = make_need(districts["Lakeview SD"], item=laptops["PROJECTOR"], quantity=3)
    second = services.create_rfp(
        admin, services.PoolInput(need.item.category_id, [need.id], "interactive-displays", "Projectors")
    )
    assert second.reference == f"RFP-{clock.today().year}-0002"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": "  "}, "Give the RFP a title."),
        ({"template_key": ""}, "Choose the RFP template for this category."),
        ({"tco_years": 0}, "Total-cost-of-ownership years must be a whole number from 1 to 10."),
        ({"need_ids": []}, "Choose at least one need to pool."),
        (
            {"title": "Dell laptops"},
            "“Dell” is a brand or model name: describe the performance you need instead, "
            "or write “Dell or equal” so that any product that performs as well can be offered.",
        ),
    ],
)
def test_a_bad_pool_is_refused_and_changes_nothing(admin, needs, laptops, change, message):
    data = {
        "category_id": laptops["LAPTOP-14"].category_id,
        "need_ids": [n.id for n in needs.values()],
        "template_key": "student-laptops",
        "title": "Laptops",
        "tco_years": 4,
        **change,
    }
    with pytest.raises(Refusal) as refused:
        services.create_rfp(admin, services.PoolInput(**data))
    assert str(refused.value) == message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rfp)) == 0
    assert {need.status for need in needs.values()} == {NeedStatus.OPEN}


def test_a_need_pooled_meanwhile_cannot_be_pooled_twice(admin, draft, needs, laptops):
    with pytest.raises(Refusal) as refused:
        services.create_rfp(
            admin,
            services.PoolInput(laptops["LAPTOP-14"].category_id, [needs["lakeview"].id], "student-laptops", "Again"),
        )
    assert str(refused.value) == services.NEEDS_CHANGED


def test_the_pool_page_shows_pooled_quantities_and_the_districts_behind_them(log_in, admin, needs, table_rows):
    response = log_in(admin).get("/admin/rfps/pool?window_days=60")
    assert response.status_code == 200
    text = text_of(response)
    assert "Student Laptops: 125 units from 3 districts" in text
    assert "Line 2: LAPTOP-14 14-inch student laptop — 100 each from 2 districts" in text
    key = queries.propose_pools()[0].key
    assert table_rows(response, f"pool-{key}-line-LAPTOP-14") == [
        f"Lakeview SD North 40 {needs['lakeview'].needed_by.isoformat()} No —",
        f"Riverside USD North 60 {needs['riverside'].needed_by.isoformat()} No —",
    ]


def test_a_category_without_template_asks_for_one(log_in, admin, districts, laptops, make_need):
    make_need(districts["Lakeview SD"], item=laptops["PROJECTOR"], quantity=3)
    text = text_of(log_in(admin).get("/admin/rfps/pool"))
    assert "no template for category “projectors”: choose one" in text


def test_creating_a_draft_from_the_pool_page_leaves_unticked_needs_open(log_in, admin, needs):
    client = log_in(admin)
    proposal = queries.propose_pools()[0]
    prefix = f"pool-{proposal.key}"
    response = client.post(
        "/admin/rfps/pool?window_days=60",
        data={
            f"{prefix}-pool_key": proposal.key,
            f"{prefix}-category_id": str(proposal.category_id),
            f"{prefix}-need_ids": [str(needs["lakeview"].id), str(needs["riverside"].id)],
            f"{prefix}-template_key": "student-laptops",
            f"{prefix}-title": "Laptops for autumn",
            f"{prefix}-tco_years": "5",
        },
    )
    assert response.status_code == 302
    rfp = db.session.scalar(sa.select(Rfp))
    assert response.headers["Location"] == f"/admin/rfps/{rfp.id}"
    assert (rfp.title, rfp.tco_years, rfp.erate_eligible) == ("Laptops for autumn", 5, False)
    assert [line.quantity for line in rfp.lines] == [100]
    db.session.expire_all()
    assert db.session.get(Need, needs["hillcrest"].id).status == NeedStatus.OPEN
    page = client.get(response.headers["Location"])
    assert f"{rfp.reference} is created as a draft with 1 line." in text_of(page)


def test_the_pool_page_says_what_is_wrong_next_to_the_field(log_in, admin, needs):
    proposal = queries.propose_pools()[0]
    prefix = f"pool-{proposal.key}"
    response = log_in(admin).post(
        "/admin/rfps/pool",
        data={
            f"{prefix}-pool_key": proposal.key,
            f"{prefix}-category_id": str(proposal.category_id),
            f"{prefix}-need_ids": [str(needs["lakeview"].id)],
            f"{prefix}-template_key": "",
            f"{prefix}-title": "HP laptops",
            f"{prefix}-tco_years": "4",
        },
    )
    assert response.status_code == 422
    assert "“HP” is a brand or model name" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rfp)) == 0


def test_dropping_a_need_opens_it_again_and_updates_the_line(admin, draft, needs, link_of):
    services.drop_need(admin, draft.id, link_of(draft, needs["riverside"]))
    rfp = queries.rfp(draft.id)
    assert [(line.line_no, line.item.code, line.quantity) for line in rfp.lines] == [
        (1, "CHROMEBOOK-11", 25),
        (2, "LAPTOP-14", 40),
    ]
    assert db.session.get(Need, needs["riverside"].id).status == NeedStatus.OPEN


def test_dropping_a_lines_last_need_drops_the_line_and_renumbers(admin, draft, needs, link_of):
    services.drop_need(admin, draft.id, link_of(draft, needs["hillcrest"]))
    rfp = queries.rfp(draft.id)
    assert [(line.line_no, line.item.code, line.quantity) for line in rfp.lines] == [(1, "LAPTOP-14", 100)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RfpLineNeed)) == 2
    events = audit_queries.rfp_audit_events(rfp.id, opened_at=rfp.opened_at)
    assert [event.action for event in events] == ["rfp.created", "rfp.need_dropped"]
    assert audit.verify_chain(rfp.id).intact


def test_the_drop_button_on_the_rfp_page(log_in, admin, draft, needs, link_of, seen):
    client = log_in(admin)
    response = client.post(
        f"/admin/rfps/{draft.id}/needs/{link_of(draft, needs['lakeview'])}/drop", follow_redirects=True
    )
    assert "Lakeview SD's 40 × 14-inch student laptop is off the RFP and open again." in seen(response)
    assert "Line 2: LAPTOP-14 14-inch student laptop — 60 pooled" in seen(response)


def test_needs_cannot_be_dropped_once_the_commitment_window_started(admin, committing, needs, link_of):
    with pytest.raises(Refusal) as refused:
        services.drop_need(admin, committing.id, link_of(committing, needs["lakeview"]))
    assert str(refused.value) == f"{committing.reference} is committing; only a draft RFP's lines can be changed."


def test_the_pools_are_summarised_then_shown_a_page_at_a_time_with_the_filter_kept(
    log_in, admin, needs, districts, laptops, make_need, table_rows, monkeypatch
):
    monkeypatch.setattr("coop.rfps.views.POOLS_PER_PAGE", 1)
    make_need(districts["Lakeview SD"], item=laptops["PROJECTOR"], quantity=3)
    first, second = queries.propose_pools(window_days=90)
    client = log_in(admin)
    response = client.get("/admin/rfps/pool?window_days=90")
    text, html = text_of(response), response.get_data(as_text=True)
    # The summary lists every pool; only the first is shown in full, the other is a link to its page.
    assert "2 proposed pools; pools 1–1 are shown in full below." in text
    assert [row.split()[0] for row in table_rows(response, "pools-table")] == [
        first.category_name.split()[0],
        second.category_name.split()[0],
    ]
    assert f'id="pool-{first.key}"' in html and f'id="pool-{second.key}"' not in html
    assert f'href="/admin/rfps/pool?page=2&amp;window_days=90#pool-{second.key}"' in html
    assert 'href="/admin/rfps/pool?page=2&amp;window_days=90">Next</a>' in html
    # Each line's needs are collapsed; their boxes are still in the form, ticked as proposed.
    assert f'<details class="mb-2" id="pool-{first.key}-line-' in html

    response = client.get("/admin/rfps/pool?page=2&window_days=90")
    html = response.get_data(as_text=True)
    assert f'id="pool-{second.key}"' in html and f'id="pool-{first.key}"' not in html
    assert 'action="/admin/rfps/pool?page=2&amp;window_days=90"' in html  # creating a draft comes back here


def test_a_pool_on_a_later_page_is_created_from_there(log_in, admin, needs, districts, laptops, make_need, monkeypatch):
    monkeypatch.setattr("coop.rfps.views.POOLS_PER_PAGE", 1)
    make_need(districts["Lakeview SD"], item=laptops["PROJECTOR"], quantity=3)
    proposal = queries.propose_pools(window_days=90)[1]
    prefix = f"pool-{proposal.key}"
    response = log_in(admin).post(
        "/admin/rfps/pool?page=2&window_days=90",
        data={
            f"{prefix}-pool_key": proposal.key,
            f"{prefix}-category_id": str(proposal.category_id),
            f"{prefix}-need_ids": [str(need_id) for need_id in proposal.need_ids],
            f"{prefix}-template_key": "student-laptops",
            f"{prefix}-title": "From the second page",
            f"{prefix}-tco_years": "4",
        },
    )
    assert response.status_code == 302
    rfp = db.session.scalar(sa.select(Rfp))
    assert (rfp.title, sorted(link.need_id for line in rfp.lines for link in line.pooled_needs)) == (
        "From the second page",
        sorted(proposal.need_ids),
    )
