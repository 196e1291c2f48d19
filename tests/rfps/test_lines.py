"""Adjusting a draft RFP's lines: spec values checked by the template's fields, descriptions by the brand-name check."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from coop import clock
from coop.audit import queries as audit_queries
from coop.audit import services as audit
from coop.errors import Refusal, Rejection
from coop.rfps import queries, services
from coop.rfps.documents import requirements

BRAND_MESSAGE = (
    "“Lenovo” is a brand or model name: describe the performance you need instead, "
    "or write “Lenovo or equal” so that any product that performs as well can be offered."
)


def laptop_line(rfp):
    return next(line for line in queries.rfp(rfp.id).lines if line.item.code == "LAPTOP-14")


def test_spec_values_are_stored_typed_and_worded_as_requirements(admin, draft, laptop_form):
    line = laptop_line(draft)
    services.update_line(
        admin,
        draft.id,
        line.id,
        description="Student laptop for grades 6-12",
        spec={**laptop_form, "ram_gb": "16", "screen_in": "13.3", "touchscreen": "yes"},
    )
    line = laptop_line(draft)
    assert line.spec == {
        "screen_in": "13.3",
        "ram_gb": 16,
        "storage_gb": 128,
        "battery_hours": 10,
        "touchscreen": True,
        "warranty_years": 3,
    }
    assert line.description == "Student laptop for grades 6-12"
    assert requirements(draft, line) == [
        "Screen diagonal: at least 13.3 in",
        "Memory (RAM): at least 16 GB",
        "Storage: at least 128 GB",
        "Battery life (manufacturer-rated): at least 10 hours",
        "Touchscreen: required",
        "Warranty with accidental damage protection: at least 3 years",
    ]
    events = audit_queries.rfp_audit_events(draft.id, opened_at=draft.opened_at)
    assert events[-1].action == "rfp.line_changed"
    assert events[-1].before["spec"]["ram_gb"] == 8 and events[-1].after["spec"]["ram_gb"] == 16
    assert audit.verify_chain(draft.id).intact


def test_every_bad_value_is_named_and_nothing_is_saved(admin, draft, laptop_form):
    line = laptop_line(draft)
    with pytest.raises(Rejection) as refused:
        services.update_line(
            admin,
            draft.id,
            line.id,
            description="Same as our Lenovo 100e fleet",
            spec={**laptop_form, "ram_gb": "12", "battery_hours": "4", "storage_gb": ""},
        )
    assert {problem.field: problem.message for problem in refused.value.problems} == {
        "description": BRAND_MESSAGE,
        "spec_ram_gb": "Memory (RAM) must be one of: 4, 8, 16.",
        "spec_storage_gb": "Storage is required.",
        "spec_battery_hours": "Battery life (manufacturer-rated) must be at least 6.",
    }
    assert laptop_line(draft).spec["ram_gb"] == 8
    events = audit_queries.rfp_audit_events(draft.id, opened_at=draft.opened_at)
    assert [event.action for event in events] == ["rfp.created"]


def test_or_equal_wording_passes_the_brand_check(admin, draft, laptop_form):
    line = laptop_line(draft)
    services.update_line(admin, draft.id, line.id, description="Lenovo 100e or equal", spec=laptop_form)
    assert laptop_line(draft).description == "Lenovo 100e or equal"


def test_the_line_form_shows_each_error_next_to_its_field(log_in, admin, draft, seen, laptop_form):
    line = laptop_line(draft)
    prefix = f"line{line.id}"
    response = log_in(admin).post(
        f"/admin/rfps/{draft.id}/lines/{line.id}",
        data={
            **{f"{prefix}-spec_{key}": value for key, value in laptop_form.items()},
            f"{prefix}-spec_battery_hours": "7.5",
            f"{prefix}-description": "Same as our Lenovo 100e fleet",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    battery_field = html.split(f'id="{prefix}-spec_battery_hours"', 1)[1].split("</div>", 2)
    assert "Battery life (manufacturer-rated) must be a whole number." in "".join(battery_field[:2])
    description_field = html.split(f'id="{prefix}-description"', 1)[1].split("</div>", 2)
    assert "Lenovo” is a brand or model name" in "".join(description_field[:2])
    assert laptop_line(draft).description == "14-inch student laptop"


def test_the_line_form_saves(log_in, admin, draft, seen, laptop_form):
    line = laptop_line(draft)
    prefix = f"line{line.id}"
    response = log_in(admin).post(
        f"/admin/rfps/{draft.id}/lines/{line.id}",
        data={
            **{f"{prefix}-spec_{key}": value for key, value in laptop_form.items()},
            f"{prefix}-spec_rugged_drop_cm": "76",
            f"{prefix}-description": "Rugged laptop",
        },
        follow_redirects=True,
    )
    assert f"Line {line.line_no} is saved." in seen(response)
    assert "Drop-tested height: at least 76 cm" in seen(response)


def test_the_commitment_window_needs_complete_specs(admin, draft):
    with pytest.raises(Refusal) as refused:
        services.start_commitment(admin, draft.id, clock.utcnow() + timedelta(days=3))
    assert str(refused.value) == (
        "Complete every line's specification first: Line 1: Storage is required. "
        "Line 1: Battery life (manufacturer-rated) is required. "
        "Line 1: Warranty with accidental damage protection is required."
    )


def test_line_editors_are_collapsed_under_a_summary_that_says_what_is_left(
    log_in, admin, draft, complete_specs, table_rows
):
    response = log_in(admin).get(f"/admin/rfps/{draft.id}")
    html = response.get_data(as_text=True)
    # Every editor is closed: the lines' summary and each editor's summary say how much is left to complete.
    chromebook_line = re.search(r"Edit line 1's specification \((\d+) to complete\)", html)
    assert chromebook_line
    assert re.search(r'<details class="border-top pt-2" id="line-1-editor">\s*<summary>Edit line 1', html)
    left = [row.split()[-3:] for row in table_rows(response, "lines-summary")]
    assert left[0] == [chromebook_line.group(1), "to", "complete"]
    complete_specs(draft)
    response = log_in(admin).get(f"/admin/rfps/{draft.id}")
    assert re.search(
        r'<details class="border-top pt-2" id="line-1-editor">\s*<summary>Edit line 1\'s specification</summary>',
        response.get_data(as_text=True),
    )
    assert [row.split()[-1] for row in table_rows(response, "lines-summary")] == ["Complete", "Complete"]


def test_a_line_editor_shown_again_with_its_errors_is_open(log_in, admin, draft, laptop_form):
    line = laptop_line(draft)
    prefix = f"line{line.id}"
    response = log_in(admin).post(
        f"/admin/rfps/{draft.id}/lines/{line.id}",
        data={**{f"{prefix}-spec_{key}": value for key, value in laptop_form.items()}, f"{prefix}-spec_ram_gb": "5"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="line-{line.line_no}-editor" open>' in html
    assert 'id="details-editor">' in html  # the other editors stay closed
