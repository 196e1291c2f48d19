"""Sealed until opening: no page, export, action, message or status code tells anyone but the bidder anything about a bid.

The test renders every page the app can serve for an open RFP — each GET route of the
app, with the RFP's reference or id where the route takes one — as every principal
other than the bidding vendor (the public, a district buyer, another vendor, an
administrator), once before any bid exists and once after one vendor submitted a bid
with an attachment, another left a draft and a third withdrew one. The two renderings
must be identical, byte for byte once CSRF tokens are set aside; so must the answer to
every action (POST) on the RFP. After the opening the tabulation tells all.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa
from support import text_of
from werkzeug.routing import Rule

from coop.accounts.models import User
from coop.bids import services
from coop.clarifications import services as clarifications
from coop.demo.bids import spec_sheet_pdf
from coop.extensions import db
from coop.notifications.models import OutboundEmail
from coop.notifications.services import queue_email
from coop.rfps.models import Rfp
from coop.transactions import single_transaction

PDF = spec_sheet_pdf(("Sealed spec sheet",))
NO_SUCH_KEY = "x" * 22  # shaped like an attachment's key, naming none
_CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*(")|(value=")[^"]*("[^>]*name="csrf_token")')


def urls(app, rfp, attachment_key: str) -> dict[str, str]:
    """Every GET URL of the app, by route, with this RFP's reference or id and this attachment key filled in."""
    values = {"reference": rfp.reference, "rfp_id": rfp.id, "attachment_key": attachment_key}
    found = {}
    rule: Rule
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        arguments = set(rule.arguments)
        if not arguments <= set(values) | {"kind"}:
            continue
        kinds = re.findall(r"any\(([^)]*)\)", rule.rule) if "kind" in arguments else [""]
        for kind in (choice.strip() for choice in kinds[0].split(",")):
            found[f"{rule.rule} {kind}".strip()] = rule.build({**values, "kind": kind}, append_unknown=False)[1]
    return found


def content(response):
    """What a reader gets from a response: the page (without its CSRF token), the workbook's cells, or the bytes."""
    if response.mimetype == "text/html":
        return _CSRF.sub("csrf", response.get_data(as_text=True))
    if response.mimetype.endswith("spreadsheetml.sheet"):
        # An XLSX carries the time it was written: compare what is in its cells.
        workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}
    return response.get_data()


def render_all(client, paths: dict[str, str]) -> dict[str, tuple]:
    pages = {}
    for route, path in paths.items():
        response = client.get(path)
        body = content(response)
        if isinstance(body, str):  # a page may repeat its own address (the sign-in redirect does)
            body = body.replace(path, "{path}")
        response.close()
        pages[route] = (response.status_code, response.mimetype, body)
    return pages


@pytest.fixture
def bidders(make_vendor_rep, make_vendor, north, south):
    users = {
        name: make_vendor_rep(make_vendor(name, regions=[north, south]))
        for name in ("Sealed Submitter Ltd", "Sealed Drafter Ltd", "Sealed Withdrawer Ltd")
    }
    db.session.commit()
    return users


def test_nothing_about_a_bid_shows_to_anyone_else_before_opening(
    app, client, log_in, rfp, bidders, make_buyer, make_vendor_rep, admin, bid_input, now, monkeypatch
):
    # A PDF's embedded font subsets carry the second they were written (fontTools); pin it so that two
    # renderings of the same document a second apart are the same bytes.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    observers = {"public": None, "buyer": make_buyer(), "other vendor": make_vendor_rep(), "administrator": admin}
    db.session.commit()
    # Before: an attachment key that does not exist; after: the key of the bidder's attachment.
    paths = urls(app, rfp, NO_SUCH_KEY)
    assert f"/rfps/{rfp.reference}/tabulation.csv" in paths.values() and f"/admin/rfps/{rfp.id}" in paths.values()
    assert f"/bids/attachments/{NO_SUCH_KEY}" in paths.values()

    def look(observer, paths):
        if observer is None:
            with client.session_transaction() as session:
                session.clear()
            return render_all(client, paths)
        return render_all(log_in(observer), paths)

    before = {name: look(user, paths) for name, user in observers.items()}
    outbox_before = db.session.scalar(db.select(db.func.count()).select_from(OutboundEmail))

    submitter, drafter, withdrawer = bidders.values()
    services.save_bid(submitter, rfp.reference, bid_input(rfp), revision=None, submit=True)
    attachment = services.add_attachment(submitter, rfp.reference, "spec.pdf", PDF, revision=2)
    services.submit_bid(submitter, rfp.reference, revision=3)
    services.save_bid(drafter, rfp.reference, bid_input(rfp, product="Draft only"), revision=None)
    services.save_bid(withdrawer, rfp.reference, bid_input(rfp), revision=None, submit=True)
    services.withdraw_bid(withdrawer, rfp.reference, revision=2)

    paths_after = urls(app, rfp, attachment.key)
    after = {name: look(user, paths_after) for name, user in observers.items()}
    for name in observers:
        for route, path in paths_after.items():
            assert after[name][route] == before[name][route], f"{path} differs for {name} once bids exist"
    # No e-mail was written about any of it, so the administrators' outbox is unchanged too.
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboundEmail)) == outbox_before

    # The bidder itself sees its own bid and receipt, and its attachment.
    own = log_in(submitter)
    assert "Your bid is submitted and sealed" in text_of(own.get(f"/rfps/{rfp.reference}/bid"))
    download = own.get(f"/bids/attachments/{attachment.key}")
    assert download.status_code == 200
    download.close()

    # After the opening the tabulation tells all: the submitted bid, not the draft nor the withdrawn one.
    now(rfp.bid_deadline)
    services.open_bids(admin, rfp.id)
    tabulation = text_of(client.get(f"/rfps/{rfp.reference}/tabulation"))
    assert "Sealed Submitter Ltd" in tabulation
    assert "Sealed Drafter Ltd" not in tabulation and "Sealed Withdrawer Ltd" not in tabulation
    download = log_in(admin).get(f"/bids/attachments/{attachment.key}")
    assert download.status_code == 200 and download.data == PDF
    download.close()


def test_another_vendor_cannot_reach_a_bid_by_any_action(log_in, rfp, bidders, make_vendor_rep, bid_input, now):
    submitter = bidders["Sealed Submitter Ltd"]
    services.save_bid(submitter, rfp.reference, bid_input(rfp), revision=None, submit=True)
    attachment = services.add_attachment(submitter, rfp.reference, "spec.pdf", PDF, revision=2)
    outsider = make_vendor_rep()
    db.session.commit()
    client = log_in(outsider)
    # Its own (absent) bid: the same refusal whether or not anyone else bid.
    response = client.post(f"/rfps/{rfp.reference}/bid/withdraw", data={"revision": "2"})
    assert response.status_code == 409 and services.NO_BID in text_of(response)
    response = client.post(f"/rfps/{rfp.reference}/bid/attachments/{attachment.key}/remove", data={"revision": "2"})
    assert response.status_code == 409 and services.NO_BID in text_of(response)
    assert client.get(f"/bids/attachments/{attachment.key}").status_code == 404
    assert client.get(f"/bids/attachments/{attachment.key[::-1]}").status_code == 404
    sheet = client.get(f"/rfps/{rfp.reference}/bid/sheet.csv").get_data(as_text=True)
    assert "Acme Book" not in sheet


def post_urls(app, rfp, attachment_key: str) -> dict[str, str]:
    """Every POST URL of the app that acts on this RFP (by reference or id) or on this attachment."""
    values = {"reference": rfp.reference, "rfp_id": rfp.id, "attachment_key": attachment_key}
    return {
        rule.rule: rule.build(values, append_unknown=False)[1]
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.arguments and set(rule.arguments) <= set(values)
    }


def test_no_action_answers_differently_once_bids_exist(
    app, client, log_in, rfp, bidders, make_buyer, make_vendor_rep, admin, bid_input, now
):
    """Every POST on the RFP, sent empty by each other principal, gets the same answer with or without bids.

    Each request runs in a savepoint that is rolled back, so that one action (a follow, a refused
    opening) does not change what the next one sees.
    """
    observers = {
        "public": None,
        "buyer": make_buyer().id,
        "other vendor": make_vendor_rep().id,
        "administrator": admin.id,
    }
    db.session.commit()
    bidder_ids = [user.id for user in bidders.values()]

    def answers(paths: dict[str, str]) -> dict:
        seen = {}
        for name, user_id in observers.items():
            for route, path in paths.items():
                with single_transaction(keep=False):
                    user = db.session.get(User, user_id) if user_id else None
                    if user is None:
                        with client.session_transaction() as session:
                            session.clear()
                        response = client.post(path, data={})
                    else:
                        response = log_in(user).post(path, data={})
                    body = response.get_data(as_text=True).replace(path, "{path}")
                    location = (response.headers.get("Location") or "").replace(path, "{path}")
                    seen[(name, route)] = (response.status_code, location, _CSRF.sub("csrf", body))
                    response.close()
                db.session.expire_all()
        return seen

    rfp_id = rfp.id
    paths = post_urls(app, rfp, NO_SUCH_KEY)
    assert f"/rfps/{rfp.reference}/bid" in paths.values() and f"/admin/rfps/{rfp.id}/open" in paths.values()
    before = answers(paths)
    rfp = db.session.get(Rfp, rfp_id)
    submitter, drafter = (db.session.get(User, user_id) for user_id in bidder_ids[:2])
    services.save_bid(submitter, rfp.reference, bid_input(rfp), revision=None, submit=True)
    attachment = services.add_attachment(submitter, rfp.reference, "spec.pdf", PDF, revision=2)
    services.save_bid(drafter, rfp.reference, bid_input(rfp, product="Draft only"), revision=None)
    after = answers(post_urls(app, rfp, attachment.key))
    for key, answer in after.items():
        assert answer == before[key], f"POST {key[1]} answers {key[0]} differently once bids exist"


OUTBOX_VIEWS = ("", "?state=queued", "?state=sent", "?state=failed")


def test_the_outbox_and_every_email_tell_nothing_of_bids_or_askers_before_opening(
    app, log_in, rfp, bidders, make_vendor, make_vendor_rep, admin, bid_input, now
):
    """The same question, answer and addendum, once when nobody bid and an outsider asked, once when one vendor
    submitted, one drafted, one withdrew and the drafter asked: the administrator's outbox (every filter, every
    count) and every e-mail to a vendor that did not bid are the same. A bid itself e-mails nobody."""
    follower = make_vendor_rep(make_vendor("Sealed Follower Ltd"))
    outsider = make_vendor_rep(make_vendor("Sealed Outsider Ltd"))
    db.session.commit()
    clarifications.follow_rfp(follower, rfp.reference)
    bidder_emails = {user.email for user in bidders.values()}
    rfp_id, reference, admin_id, outsider_id = rfp.id, rfp.reference, admin.id, outsider.id
    follower_email = follower.email
    submitter_id, drafter_id, withdrawer_id = (user.id for user in bidders.values())
    submitter_email, drafter_email = bidders["Sealed Submitter Ltd"].email, bidders["Sealed Drafter Ltd"].email
    # Mail the cooperative writes to its districts goes on being listed, before and after the sealed mail.
    queue_email("pat@lakeview.example", "Your need is pooled", "Listed in the outbox as ever.")
    db.session.commit()

    def world(with_bids: bool) -> tuple[dict, str, list, str]:
        with single_transaction(keep=False):
            current = db.session.get(Rfp, rfp_id)
            submitter, drafter, withdrawer = (
                db.session.get(User, user_id) for user_id in (submitter_id, drafter_id, withdrawer_id)
            )
            administrator = db.session.get(User, admin_id)
            asker = db.session.get(User, outsider_id)
            if with_bids:
                mail_before_bids = db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail))
                services.save_bid(submitter, reference, bid_input(current), revision=None, submit=True)
                services.save_bid(drafter, reference, bid_input(current, product="Draft only"), revision=None)
                services.save_bid(withdrawer, reference, bid_input(current), revision=None, submit=True)
                services.withdraw_bid(withdrawer, reference, revision=2)
                assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == mail_before_bids
                asker = drafter
            question = clarifications.ask_question(asker, reference, "Is a 12-inch screen acceptable on line 1?")
            clarifications.answer_question(administrator, question.id, "Yes, 11.6 inches or more.")
            line = current.lines[0]
            clarifications.issue_addendum(
                administrator,
                rfp_id,
                clarifications.AddendumInput(
                    summary="Ten more laptops.",
                    lines=(clarifications.LineChange(line.id, quantity=line.quantity + 10),),
                ),
            )
            client = log_in(administrator)
            pages = {view: content(client.get(f"/admin/outbox{view}")) for view in OUTBOX_VIEWS}
            listed = text_of(client.get("/admin/outbox"))
            mail = db.session.scalars(
                sa.select(OutboundEmail).order_by(OutboundEmail.to_address, OutboundEmail.subject)
            )
            to_others = [
                (message.to_address, message.subject, message.body)
                for message in mail
                if message.to_address not in bidder_emails
            ]
            opened_outbox = ""
            if with_bids:
                now(current.bid_deadline)
                services.open_bids(administrator, rfp_id)
                opened_outbox = text_of(client.get("/admin/outbox"))
            db.session.expire_all()
        return pages, listed, to_others, opened_outbox

    quiet_pages, listed, quiet_mail, _ = world(with_bids=False)
    busy_pages, _, busy_mail, opened_outbox = world(with_bids=True)
    for view in OUTBOX_VIEWS:
        assert busy_pages[view] == quiet_pages[view], f"/admin/outbox{view} differs once bids exist"
    assert "pat@lakeview.example Your need is pooled" in listed and "Sealed until the opening" in listed
    assert follower_email not in listed and "Queued (1)" in listed
    assert busy_mail == quiet_mail
    # Only the follower hears of the answer and the addendum: not the asker, who does not follow.
    assert sorted((address, subject) for address, subject, _body in quiet_mail) == sorted(
        [
            (follower_email, f"{reference}: a question has been answered"),
            (follower_email, f"{reference}: addendum 1 issued"),
            ("pat@lakeview.example", "Your need is pooled"),
        ]
    )

    # Opened, the outbox tells to whom the RFP's mail went: the follower, and the submitter told of its bid's return.
    assert f"{submitter_email} {reference}: addendum 1 issued" in opened_outbox
    assert f"{follower_email} {reference}: a question has been answered" in opened_outbox
    assert f"{follower_email} {reference}: bids opened" in opened_outbox
    assert drafter_email not in opened_outbox
