"""The administrator's award round pages: the panel, the options form, a round, its progress, downloads, compare."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from support import text_of

from coop import jobs
from coop.awards import adapters, forms, services
from coop.awards.models import AwardRound, AwardRoundStatus
from coop.extensions import db
from coop.rfps.models import RfpStatus

DEFAULTS = {"time_limit_s": "60", "share_rule": "capped_equal_price", "max_vendors_per_item": ""}


@pytest.fixture
def admin_client(log_in, admin):
    return log_in(admin)


def rounds_url(rfp, tail=""):
    return f"/admin/rfps/{rfp.id}/rounds{tail}"


def test_the_rfp_page_lists_rounds_once_bids_are_opened(admin_client, admin, opened_rfp, make_rfp):
    page = text_of(admin_client.get(f"/admin/rfps/{opened_rfp.id}"))
    assert "Award rounds No award round has run yet. Run an award round" in page
    services.start_round(admin, opened_rfp.id, adapters.RoundOptions())
    page = text_of(admin_client.get(f"/admin/rfps/{opened_rfp.id}"))
    assert "Round 1 : solved, total $60,957.00" in page
    sealed = make_rfp()
    db.session.commit()
    assert "Award rounds" not in text_of(admin_client.get(f"/admin/rfps/{sealed.id}"))


def test_running_a_round_from_the_form_shows_its_awards_and_shares(admin_client, opened_rfp, table_rows):
    response = admin_client.post(rounds_url(opened_rfp), data=DEFAULTS)
    assert response.status_code == 302 and response.headers["Location"] == rounds_url(opened_rfp, "/1")
    response = admin_client.get(rounds_url(opened_rfp, "/1"))
    page = text_of(response)
    assert "Round 1 is solved." in page
    assert "Total cost of ownership $60,957.00" in page
    assert (
        "Share rule Capped equal price: every district pays the achieved price, capped at its standalone cost"
    ) in page
    assert table_rows(response, "awards") == [
        "1: 11-inch student laptop Alder Birch Computing 60 $292.50 $17,550.00",
        "1: 11-inch student laptop Birch Birch Computing 50 $292.50 $14,625.00",
        "1: 11-inch student laptop Cedar Acme Devices 30 $300.00 $9,000.00",
        "2: 14-inch student laptop Alder Acme Devices 20 $420.00 $8,400.00",
        "2: 14-inch student laptop Cedar Acme Devices 25 $420.00 $10,500.00",
    ]
    assert table_rows(response, "shares") == [
        "Alder $25,782.00 $26,700.00 $918.00",
        "Birch $14,625.00 $14,750.00 $125.00",
        "Cedar $20,550.00 $21,690.00 $1,140.00",
    ]
    html = response.get_data(as_text=True)
    assert "{# explanation" not in html and "data-progress-url" not in html
    # The explanation drawn when the round ended: every line, its chart, and the way to the fairness gate.
    assert html.count("<svg ") == 2 and 'aria-labelledby="chart-L1-title chart-L1-desc"' in html
    assert 'id="fairness-gate-link"' in html
    pdf = admin_client.get(rounds_url(opened_rfp, "/1/explanation.pdf"))
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_limit_s", "1", forms.TIME_LIMIT_RANGE),
        ("time_limit_s", "", forms.TIME_LIMIT_RANGE),
        ("time_limit_s", "1e309", forms.TIME_LIMIT_RANGE),
        ("time_limit_s", "NaN", forms.TIME_LIMIT_RANGE),
        ("max_vendors_per_item", "0", forms.VENDOR_CAP_RANGE),
        ("max_vendors_per_item", "two", forms.VENDOR_CAP_RANGE),
        ("max_vendors_per_item", "NaN", forms.VENDOR_CAP_RANGE),
        ("share_rule", "cheapest_first", forms.SHARE_RULE_UNKNOWN),
    ],
)
def test_bad_options_are_named_and_run_nothing(admin_client, opened_rfp, field, value, message):
    response = admin_client.post(rounds_url(opened_rfp), data={**DEFAULTS, field: value})
    assert response.status_code == 422
    assert text_of(response).count(message) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(AwardRound)) == 0


def test_the_messages_say_what_is_allowed():
    assert forms.TIME_LIMIT_RANGE == "The time limit must be a whole number of seconds from 5 to 600."
    assert forms.VENDOR_CAP_RANGE == "The vendor cap must be a whole number from 1 to 100, or blank for no cap."
    assert forms.SHARE_RULE_UNKNOWN == "Choose one of the share rules listed."


def test_rounds_of_sealed_bids_do_not_exist(admin_client, admin, make_rfp):
    sealed = make_rfp(status=RfpStatus.CLOSED, deadline_in=timedelta(days=-1))
    db.session.commit()
    for tail in ("", "/1", "/1/progress.json", "/1/problem.json", "/1/result.json", "/compare?a=1&b=2"):
        assert admin_client.get(rounds_url(sealed, tail)).status_code == 404
    for tail in ("", "/1/cancel", "/1/rerun"):
        assert admin_client.post(rounds_url(sealed, tail), data=DEFAULTS).status_code == 404


def test_the_problem_and_result_download_as_stored(admin_client, admin, opened_rfp):
    award_round = services.start_round(admin, opened_rfp.id, adapters.RoundOptions())
    for name, stored in (("problem", award_round.problem), ("result", award_round.result)):
        response = admin_client.get(rounds_url(opened_rfp, f"/1/{name}.json"))
        assert (
            response.headers["Content-Disposition"]
            == f'attachment; filename="{opened_rfp.reference}-round-1-{name}.json"'
        )
        assert json.loads(response.get_data(as_text=True)) == stored


@pytest.fixture
def running(admin, opened_rfp, now):
    """A round a worker is running, half-way through its search."""
    award_round = AwardRound(
        rfp_id=opened_rfp.id,
        number=1,
        status=AwardRoundStatus.RUNNING,
        options={**adapters.RoundOptions().to_dict()},
        rule="capped_equal_price",
        problem=adapters.problem_document(
            adapters.problem_for(opened_rfp, options=adapters.RoundOptions(), evaluations={})
        ),
        phase="searching",
        best_cost_cents=6_200_000,
        lower_bound_cents=6_000_000,
        progress_gap=0.0322,
        elapsed_s=12.5,
        started_at=now() - timedelta(seconds=13),
        heartbeat_at=now() - timedelta(seconds=1),
        created_by_id=admin.id,
    )
    db.session.add(award_round)
    db.session.commit()
    return award_round


def test_a_running_round_shows_its_live_progress_and_a_cancel_button(admin_client, opened_rfp, running, now):
    response = admin_client.get(rounds_url(opened_rfp, "/1"))
    html = response.get_data(as_text=True)
    assert f'data-progress-url="/admin/rfps/{opened_rfp.id}/rounds/1/progress.json"' in html
    assert 'aria-live="polite"' in html
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    page = text_of(response)
    assert "Running: searching" in page
    assert "Best cost so far $62,000.00 Lower bound $60,000.00 Gap 3.22% Elapsed 12.5 s" in page
    assert "Cancel the round" in page and "result.json" not in page
    progress = admin_client.get(rounds_url(opened_rfp, "/1/progress.json")).get_json()
    assert progress == {
        "number": 1,
        "status": "running",
        "phase": "searching",
        "done": False,
        "cancel_requested": False,
        "best_cost_cents": 6_200_000,
        "lower_bound_cents": 6_000_000,
        "gap": 0.0322,
        "elapsed_s": 12.5,
        "heartbeat_at": running.heartbeat_at.isoformat(),
        "message": None,
    }
    assert admin_client.get(rounds_url(opened_rfp, "/1/result.json")).status_code == 404
    response = admin_client.post(rounds_url(opened_rfp, "/1/cancel"))
    assert response.status_code == 302
    page = text_of(admin_client.get(rounds_url(opened_rfp, "/1")))
    assert "Round 1 stops at the engine&#39;s next progress report: this page shows when." in page
    assert admin_client.get(rounds_url(opened_rfp, "/1/progress.json")).get_json()["cancel_requested"] is True


def test_a_round_whose_worker_stopped_reads_as_failed(admin_client, opened_rfp, running, now):
    now(now() + timedelta(minutes=2))
    progress = admin_client.get(rounds_url(opened_rfp, "/1/progress.json")).get_json()
    assert progress["status"] == "failed" and progress["done"] is True
    assert progress["message"].startswith("The worker stopped while the round was running (no sign of life since ")
    page = text_of(admin_client.get(rounds_url(opened_rfp, "/1")))
    assert "Failed" in page and "Nothing of it was written. Re-run it." not in page
    assert "nothing of it was written. Re-run it." in page
    assert "Cancel the round" not in page


def test_rerun_and_compare_from_the_round_page(admin_client, admin, opened_rfp, table_rows):
    services.start_round(admin, opened_rfp.id, adapters.RoundOptions(max_vendors_per_item=1))
    response = admin_client.post(rounds_url(opened_rfp, "/1/rerun"))
    assert response.headers["Location"] == rounds_url(opened_rfp, "/2")
    assert "Re-run of round 1" in text_of(admin_client.get(rounds_url(opened_rfp, "/2"))).replace("re-run", "Re-run")
    services.start_round(admin, opened_rfp.id, adapters.RoundOptions())
    response = admin_client.get(rounds_url(opened_rfp, "/compare?a=1&b=3"))
    page = text_of(response)
    assert "Total, round 1 $63,658.00 Total, round 3 $60,957.00 Difference -$2,701.00" in page
    assert table_rows(response, "compare-changes") == [
        "1: 11-inch student laptop Alder Acme Devices × 60 Birch Computing × 60",
        "1: 11-inch student laptop Birch Acme Devices × 50 Birch Computing × 50",
    ]
    assert table_rows(response, "compare-shares")[0].startswith("Alder ")
    same = admin_client.get(rounds_url(opened_rfp, "/compare?a=1&b=2"))
    assert "The two rounds award the same vendors the same quantities." in text_of(same)
    response = admin_client.get(rounds_url(opened_rfp, "/compare?a=1&b=9"))
    assert response.headers["Location"] == rounds_url(opened_rfp)
    assert "Choose two rounds of this RFP to compare." in text_of(admin_client.get(rounds_url(opened_rfp)))


def test_a_round_factored_by_evaluations_says_what_it_minimised(admin_client, admin, opened_rfp, monkeypatch, bid_of):
    acme = bid_of(opened_rfp, "Acme Devices")
    evaluation = type("Evaluation", (), {"set_aside_reason": None, "evaluation_factor": Decimal("1.1")})
    monkeypatch.setattr(services, "_evaluations", lambda rfp: {acme.id: evaluation})
    services.start_round(admin, opened_rfp.id, adapters.RoundOptions())
    page = text_of(admin_client.get(rounds_url(opened_rfp, "/1")))
    # Acme's $27,900.00 - $558.00 + $1,440.00 counts 1.1 times: $31,660.20; Birch's $32,175.00 as it is.
    assert "Total cost of ownership $60,957.00" in page
    assert (
        "Evaluated cost $63,835.20: what the round minimised, each vendor's cost times its evaluation factor; "
        "districts pay real prices"
    ) in page.replace("&#39;", "'")


def test_a_large_round_goes_to_the_background_and_can_be_cancelled_while_queued(
    app, admin_client, opened_rfp, monkeypatch
):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setitem(app.config, "COOP_ROUND_INLINE_MAX_SIZE", 0)
    monkeypatch.setattr(jobs, "enqueue", lambda job, *args, **kwargs: None)  # a worker will take it
    response = admin_client.post(rounds_url(opened_rfp), data=DEFAULTS, follow_redirects=True)
    page = text_of(response)
    assert "Round 1 is running in the background: this page shows its progress." in page
    assert "Queued: queued" in page and "Cancel the round" in page
    response = admin_client.post(rounds_url(opened_rfp, "/1/cancel"), follow_redirects=True)
    page = text_of(response)
    assert "Round 1 is cancelled." in page
    assert "Cancelled by an administrator; nothing of the round was written." in page


def test_a_refused_round_says_why_on_the_form(admin_client, opened_rfp):
    opened_rfp.status = RfpStatus.AWARDED
    db.session.commit()
    response = admin_client.post(rounds_url(opened_rfp), data=DEFAULTS)
    assert response.status_code == 422
    assert (
        f"{opened_rfp.reference} is awarded: award rounds run only while its bids are opened and it is not yet awarded."
    ) in text_of(response)
    assert f"{opened_rfp.reference} is awarded: no new round can run." in text_of(response)
