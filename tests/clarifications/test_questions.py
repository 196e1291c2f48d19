"""Vendors ask questions on an open RFP; the cooperative answers them publicly, without the asker's name, or dismisses them."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from support import text_of

from coop.audit.models import AuditEvent
from coop.audit.services import verify_chain
from coop.clarifications.models import Question, QuestionStatus
from coop.extensions import db
from coop.notifications.models import OutboundEmail
from coop.orgs.models import OrganisationStatus
from coop.rfps.models import RfpStatus, VendorInterest


def questions(rfp):
    db.session.expire_all()
    return db.session.scalars(sa.select(Question).where(Question.rfp_id == rfp.id).order_by(Question.id)).all()


def outbox():
    return db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()


def actions(rfp):
    return [
        event.action
        for event in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.rfp_id == rfp.id).order_by(AuditEvent.id)
        )
    ]


def ask(client, rfp, text="Is a 12-inch screen acceptable for line 1?"):
    return client.post(f"/rfps/{rfp.reference}/questions/new", data={"text": text})


def test_an_approved_vendor_asks_and_sees_its_question_pending(log_in, rfp, acme_rep, acme, panel_html):
    client = log_in(acme_rep)
    response = ask(client, rfp)
    assert response.status_code == 302
    assert response.headers["Location"] == "/questions"
    [question] = questions(rfp)
    assert (question.status, question.vendor_id, question.text) == (
        QuestionStatus.PENDING,
        acme.id,
        "Is a 12-inch screen acceptable for line 1?",
    )
    # Asking does not make the vendor follow the RFP: a follow recorded with the question would name the asker.
    assert (
        db.session.scalar(
            sa.select(VendorInterest).where(VendorInterest.rfp_id == rfp.id, VendorInterest.vendor_id == acme.id)
        )
        is None
    )
    own = text_of(client.get("/questions"))
    assert f"{rfp.reference}" in own and "Is a 12-inch screen acceptable for line 1?" in own
    assert "Pending Awaiting the cooperative's answer." in own
    assert actions(rfp) == ["question.asked"]
    assert verify_chain(rfp.id).intact
    # Pending questions are not public.
    assert "12-inch" not in panel_html(rfp)


def test_a_question_sent_twice_is_asked_once(log_in, rfp, acme_rep):
    # A double click, or the browser sending the form again: one question for the cooperative to answer.
    client = log_in(acme_rep)
    assert [ask(client, rfp).status_code for _ in range(2)] == [302, 302]
    assert len(questions(rfp)) == 1
    assert actions(rfp) == ["question.asked"]
    # Another question is another question.
    ask(client, rfp, text="Is a 13-inch screen acceptable for line 1?")
    assert len(questions(rfp)) == 2


def test_the_question_form_page_and_an_empty_question(log_in, rfp, acme_rep):
    client = log_in(acme_rep)
    assert "Ask a question on " + rfp.reference in text_of(client.get(f"/rfps/{rfp.reference}/questions/new"))
    response = ask(client, rfp, text="   ")
    assert response.status_code == 422
    assert "Write your question." in text_of(response)
    response = ask(client, rfp, text="x" * 2001)
    assert "A question can be at most 2,000 characters." in text_of(response)
    assert questions(rfp) == []


def test_questions_close_at_the_bid_deadline(log_in, rfp, acme_rep, now):
    client = log_in(acme_rep)
    deadline = rfp.bid_deadline
    now(deadline - timedelta(seconds=1))
    assert ask(client, rfp, "Last-second question?").status_code == 302
    now(deadline)
    ask(client, rfp, "Too late?")
    with client.session_transaction() as flashed:
        assert flashed["_flashes"][-1] == ("warning", "The bid deadline has passed: no more questions can be asked.")
    assert [q.text for q in questions(rfp)] == ["Last-second question?"]


def test_the_refusal_after_the_deadline_is_flashed(log_in, rfp, acme_rep, now):
    client = log_in(acme_rep)
    now(rfp.bid_deadline + timedelta(hours=1))
    ask(client, rfp, "Too late?")
    with client.session_transaction() as flashed:
        assert flashed["_flashes"] == [("warning", "The bid deadline has passed: no more questions can be asked.")]
    assert questions(rfp) == []


def test_no_questions_on_an_rfp_that_is_not_open(log_in, make_rfp, acme_rep):
    closed = make_rfp(status=RfpStatus.CLOSED)
    client = log_in(acme_rep)
    ask(client, closed)
    with client.session_transaction() as flashed:
        assert flashed["_flashes"] == [("warning", "Questions can be asked only while the RFP is open for bids.")]
    committing = make_rfp(status=RfpStatus.COMMITTING)
    committing.published_at = None
    db.session.flush()
    assert ask(client, committing).status_code == 404  # not on the public board at all
    assert questions(closed) == [] and questions(committing) == []


def test_only_approved_vendors_ask(log_in, rfp, make_vendor_rep, make_buyer, admin):
    pending = make_vendor_rep(status=OrganisationStatus.PENDING)
    for user in (pending, make_buyer(), admin):
        assert ask(log_in(user), rfp).status_code == 403
    assert questions(rfp) == []


def _answer(client, question, answer="Yes: 11.6 inches is the minimum, larger screens are acceptable.", wording=None):
    return client.post(
        f"/admin/questions/{question.id}/answer", data={"question": wording or question.text, "answer": answer}
    )


def test_an_answer_is_public_without_the_askers_name_and_emailed_to_every_follower(
    log_in, rfp, acme_rep, acme, globex_rep, follow, admin, panel_html
):
    follow(rfp, globex_rep.organisation)
    ask(log_in(acme_rep), rfp, "Can line 1 be 12-inch?")
    [question] = questions(rfp)
    client = log_in(admin)
    admin_page = client.get(f"/admin/questions/{question.id}").get_data(as_text=True)
    assert "Can line 1 be 12-inch?" in admin_page
    assert "Acme" not in admin_page and "Quinn" not in admin_page and "acme-learning" not in admin_page

    response = _answer(client, question)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/rfps/{rfp.id}/questions"
    [question] = questions(rfp)
    assert question.status == QuestionStatus.ANSWERED

    public = panel_html(rfp)
    assert "Q. Can line 1 be 12-inch?" in public
    assert "A. Yes: 11.6 inches is the minimum, larger screens are acceptable." in public
    for secret in ("Acme", "Quinn", "acme-learning"):
        assert secret not in public

    # Only the follower is e-mailed: the asker, who does not follow, reads the answer on the board and in its list.
    messages = outbox()
    assert [message.to_address for message in messages] == [globex_rep.email]
    for message in messages:
        assert message.subject == f"{rfp.reference}: a question has been answered"
        assert "Can line 1 be 12-inch?" in message.body and "11.6 inches is the minimum" in message.body
        for secret in ("Acme", "Quinn", "acme-learning"):
            assert secret not in message.subject and secret not in message.body

    admin_list = client.get(f"/admin/rfps/{rfp.id}/questions").get_data(as_text=True)
    assert "Acme" not in admin_list and "Quinn" not in admin_list
    assert actions(rfp) == ["question.asked", "question.answered"]
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "question.answered")).one()
    assert event.before["status"] == "pending" and event.after["status"] == "answered"
    assert "vendor_id" not in event.after
    assert verify_chain(rfp.id).intact


def test_the_administrator_can_reword_the_published_question(log_in, rfp, acme_rep, admin, panel_html):
    ask(log_in(acme_rep), rfp, "We at Acme Learning Supply ask: is 12-inch fine?")
    [question] = questions(rfp)
    _answer(log_in(admin), question, wording="Is a 12-inch screen fine?", answer="Yes.")
    public = panel_html(rfp)
    assert "Q. Is a 12-inch screen fine?" in public and "Acme" not in public
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "question.answered")).one()
    assert event.before["text"] == "We at Acme Learning Supply ask: is 12-inch fine?"
    assert event.after["text"] == "Is a 12-inch screen fine?"


def test_an_answer_needs_words_and_comes_once(log_in, rfp, acme_rep, admin):
    ask(log_in(acme_rep), rfp)
    [question] = questions(rfp)
    client = log_in(admin)
    response = _answer(client, question, answer="")
    assert response.status_code == 422
    assert "Write the answer." in text_of(response)
    assert questions(rfp)[0].status == QuestionStatus.PENDING
    _answer(client, question)
    response = _answer(client, question, answer="Another answer")
    assert response.status_code == 302
    with client.session_transaction() as flashed:
        assert flashed["_flashes"][-1] == ("warning", "This question has already been answered or dismissed.")
    assert questions(rfp)[0].answer.startswith("Yes: 11.6")


def test_no_answer_after_the_deadline(log_in, rfp, acme_rep, admin, now):
    ask(log_in(acme_rep), rfp)
    [question] = questions(rfp)
    now(rfp.bid_deadline)
    client = log_in(admin)
    _answer(client, question)
    with client.session_transaction() as flashed:
        assert flashed["_flashes"] == [
            ("warning", "Questions can be answered only while the RFP is open for bids, before its deadline.")
        ]
    assert questions(rfp)[0].status == QuestionStatus.PENDING
    assert outbox() == []


def test_a_dismissal_is_told_to_the_asker_only(log_in, rfp, acme_rep, globex_rep, follow, admin, panel_html):
    follow(rfp, globex_rep.organisation)
    ask(log_in(acme_rep), rfp, "Will you buy our tablets instead?")
    [question] = questions(rfp)
    client = log_in(admin)
    response = client.post(f"/admin/questions/{question.id}/dismiss", data={"reason": ""})
    assert response.status_code == 422
    assert "Say why the question is dismissed: the vendor who asked it will read this." in text_of(response)
    response = client.post(
        f"/admin/questions/{question.id}/dismiss", data={"reason": "Out of scope: this RFP is for laptops."}
    )
    assert response.status_code == 302
    assert questions(rfp)[0].status == QuestionStatus.DISMISSED

    assert "tablets" not in panel_html(rfp) and "Out of scope" not in panel_html(rfp)
    # No e-mail: the outbox would tell the administrator who asked.
    assert outbox() == []
    own = text_of(log_in(acme_rep).get("/questions"))
    assert "Will you buy our tablets instead? Dismissed Dismissed: Out of scope: this RFP is for laptops." in own
    other = text_of(log_in(globex_rep).get("/questions"))
    assert "tablets" not in other and "Your company has not asked any question yet." in other
    assert actions(rfp)[-1] == "question.dismissed"
    assert verify_chain(rfp.id).intact


def test_follow_an_rfp_once(log_in, rfp, globex_rep, panel_html):
    before = panel_html(rfp, globex_rep)
    assert "Follow this RFP" in before and "Ask a question" in before
    client = log_in(globex_rep)
    assert client.post(f"/rfps/{rfp.reference}/follow").status_code == 302
    client.post(f"/rfps/{rfp.reference}/follow")
    with client.session_transaction() as flashed:
        assert flashed["_flashes"] == [
            ("success", f"You follow {rfp.reference}: you will be e-mailed its answers and addenda."),
            ("info", f"You already follow {rfp.reference}."),
        ]
    assert db.session.scalar(sa.select(sa.func.count(VendorInterest.id)).where(VendorInterest.rfp_id == rfp.id)) == 1
    after = panel_html(rfp, globex_rep)
    assert "Your company follows this RFP" in after and "Follow this RFP" not in after
    assert actions(rfp) == ["vendor_interest.registered"]


def test_the_panel_offers_nothing_to_the_public_or_after_the_deadline(rfp, make_buyer, globex_rep, panel_html, now):
    for html in (panel_html(rfp), panel_html(rfp, make_buyer())):
        assert "Ask a question" not in html and "Follow this RFP" not in html
        assert "No questions have been answered yet." in html and "No addenda have been issued." in html
    now(rfp.bid_deadline)
    assert "Ask a question" not in panel_html(rfp, globex_rep)


def test_following_a_closed_rfp_is_refused(log_in, make_rfp, globex_rep):
    closed = make_rfp(status=RfpStatus.CLOSED)
    client = log_in(globex_rep)
    client.post(f"/rfps/{closed.reference}/follow")
    with client.session_transaction() as flashed:
        assert flashed["_flashes"] == [("warning", "An RFP can be followed only while it is open for bids.")]
    assert db.session.scalar(sa.select(sa.func.count(VendorInterest.id))) == 0


def test_the_public_board_page_carries_the_panel_without_the_asker(log_in, rfp, acme_rep, globex_rep, admin, client):
    ask(log_in(acme_rep), rfp, "Is a carrying case included?")
    [question] = questions(rfp)
    _answer(log_in(admin), question, answer="No: cases are not part of this RFP.")
    client.post("/sign-out")
    board = client.get(f"/rfps/{rfp.reference}")
    assert board.status_code == 200
    html = board.get_data(as_text=True)
    assert 'id="clarifications"' in html
    assert "Q. Is a carrying case included?" in text_of(board)
    assert "A. No: cases are not part of this RFP." in text_of(board)
    for secret in ("Acme", "Quinn", "acme-learning"):
        assert secret not in html
    assert "Ask a question" not in html  # the public may read, not ask
    vendor_view = log_in(globex_rep).get(f"/rfps/{rfp.reference}").get_data(as_text=True)
    assert 'id="ask-form"' in vendor_view and 'id="follow-form"' in vendor_view
    assert "Acme" not in vendor_view


def test_the_rfps_audit_log_does_not_name_the_asker(log_in, rfp, acme_rep, admin, table_rows):
    ask(log_in(acme_rep), rfp, "Can line 1 be 12-inch?")
    [question] = questions(rfp)
    client = log_in(admin)
    _answer(client, question)
    response = client.get(f"/admin/rfps/{rfp.id}")
    # "Who" is an e-mail address for the cooperative's own actions, "a vendor" for the asker's.
    assert [row.split(" UTC ")[1] for row in table_rows(response, "audit-events")] == [
        "question.asked a vendor",
        f"question.answered {admin.email}",
    ]
    assert acme_rep.email not in response.get_data(as_text=True)


def test_a_vendor_follows_from_its_bid_page_and_comes_back_to_it(log_in, rfp, globex_rep, admin, acme_rep):
    client = log_in(globex_rep)
    page = client.get(f"/rfps/{rfp.reference}/bid").get_data(as_text=True)
    assert 'id="follow-form"' in page and 'name="back" type="hidden" value="bid"' in page
    response = client.post(f"/rfps/{rfp.reference}/follow", data={"back": "bid"})
    assert response.status_code == 302 and response.headers["Location"] == f"/rfps/{rfp.reference}/bid"
    with client.session_transaction() as flashed:
        assert flashed["_flashes"] == [
            ("success", f"You follow {rfp.reference}: you will be e-mailed its answers and addenda.")
        ]
    assert "Your company follows this RFP" in text_of(client.get(f"/rfps/{rfp.reference}/bid"))
    ask(log_in(acme_rep), rfp, "Can line 1 be 12-inch?")
    _answer(log_in(admin), questions(rfp)[0])
    assert [message.to_address for message in outbox()] == [globex_rep.email]


def test_the_answer_box_comes_first_and_the_published_wording_is_edited_only_on_purpose(log_in, rfp, acme_rep, admin):
    ask(log_in(acme_rep), rfp)
    [question] = questions(rfp)
    html = log_in(admin).get(f"/admin/questions/{question.id}").get_data(as_text=True)
    answer, wording = html.index('name="answer"'), html.index('name="question"')
    assert answer < html.index('<details class="mb-3" id="question-wording">') < wording
    assert "autofocus" in html[html.rindex("<textarea", 0, answer + 20) : answer + 200]
