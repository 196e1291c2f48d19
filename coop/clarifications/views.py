"""Vendors' questions, the cooperative's answers, addenda, and the clarifications panel of the public board."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from coop import clock
from coop.access import public, roles
from coop.clarifications import queries, services
from coop.clarifications.forms import (
    AnswerForm,
    AskForm,
    DismissForm,
    FollowForm,
    addendum_form,
    addendum_input,
    field_name,
)
from coop.clarifications.models import QuestionStatus
from coop.errors import Refusal, Rejection, show_on_form
from coop.rfps import panels
from coop.rfps import queries as rfp_queries
from coop.rfps.models import Rfp, RfpStatus
from coop.rfps.views import public_rfp_or_404
from coop.roles import Role

bp = Blueprint("clarifications", __name__, template_folder="templates")
panels.panel(bp, panels.Place.BOARD_END, "clarifications/_rfp_panel.html")


def board_url(rfp: Rfp) -> str:
    """The RFP's page on the public board."""
    return url_for("rfps.show", reference=rfp.reference)


def _is_approved_vendor() -> bool:
    return (
        current_user.is_authenticated
        and current_user.role == Role.VENDOR_REP
        and current_user.organisation is not None
        and current_user.organisation.is_approved
    )


@dataclass
class Panel:
    """What the board's clarifications panel shows for one RFP."""

    rfp: Rfp
    answers: list
    addenda: list
    can_ask: bool
    following: bool
    ask_form: AskForm | None
    follow_form: FollowForm | None


@bp.app_template_global()
def rfp_clarifications(rfp: Rfp) -> Panel:
    """The panel's data: public answers (no asker), addenda, and the vendor's ask and follow forms while open."""
    vendor = _is_approved_vendor()
    can_ask = vendor and rfp_queries.effective_status(rfp, clock.utcnow()) == RfpStatus.OPEN
    return Panel(
        rfp=rfp,
        answers=queries.public_answers(rfp.id),
        addenda=queries.addenda(rfp.id),
        can_ask=can_ask,
        following=vendor and queries.is_following(rfp.id, current_user.organisation.id),
        ask_form=AskForm(formdata=None) if can_ask else None,
        follow_form=FollowForm(formdata=None) if can_ask else None,
    )


# --- vendors ---------------------------------------------------------------------------------------------------


@bp.route("/rfps/<reference>/questions/new", methods=["GET", "POST"])
@roles(Role.VENDOR_REP)
def ask(reference: str):
    """Ask the cooperative a question on an open RFP."""
    rfp = public_rfp_or_404(reference)
    form = AskForm()
    if form.validate_on_submit():
        try:
            services.ask_question(current_user, reference, form.text.data)
        except Refusal as error:
            if not show_on_form(form, error):
                return redirect(board_url(rfp))
        else:
            flash(
                "Your question has been sent to the cooperative. Its answer will be published on the RFP's page "
                "without your name.",
                "success",
            )
            return redirect(url_for("clarifications.my_questions"))
    return render_template("clarifications/ask.html", rfp=rfp, form=form, board_url=board_url(rfp)), (
        422 if form.errors else 200
    )


@bp.route("/rfps/<reference>/follow", methods=["POST"])
@roles(Role.VENDOR_REP)
def follow(reference: str):
    """Follow an open RFP: hear of its answers and addenda."""
    rfp = public_rfp_or_404(reference)
    form = FollowForm()
    if form.validate_on_submit():
        try:
            created = services.follow_rfp(current_user, reference)
        except Refusal as error:
            flash(str(error), "warning")
        else:
            flash(
                f"You follow {rfp.reference}: you will be e-mailed its answers and addenda."
                if created
                else f"You already follow {rfp.reference}.",
                "success" if created else "info",
            )
        if form.back.data == "bid":
            return redirect(url_for("bids.edit", reference=rfp.reference))
    return redirect(board_url(rfp))


@bp.route("/questions")
@roles(Role.VENDOR_REP)
def my_questions():
    """The vendor's own questions and what became of them."""
    return render_template(
        "clarifications/my_questions.html",
        questions=queries.vendor_questions(current_user.organisation.id),
        board_url=board_url,
    )


# --- the public ------------------------------------------------------------------------------------------------


@bp.route("/rfps/<reference>/addenda/<int:number>")
@public
def addendum(reference: str, number: int):
    """One addendum of a published RFP, with what it changed."""
    rfp = public_rfp_or_404(reference)
    found = queries.addendum(rfp.id, number)
    if found is None:
        abort(404)
    return render_template(
        "clarifications/addendum.html",
        rfp=rfp,
        addendum=found,
        admin=False,
        changes=services.describe_changes(found, rfp),
        board_url=board_url(rfp),
    )


# --- the cooperative -------------------------------------------------------------------------------------------


@bp.route("/admin/questions")
@roles(Role.COOP_ADMIN)
def admin_overview():
    """Open RFPs and any RFP with a pending question."""
    return render_template("clarifications/admin_overview.html", rfps=queries.rfps_for_admin())


@bp.route("/admin/rfps/<int:rfp_id>/questions")
@roles(Role.COOP_ADMIN)
def admin_questions(rfp_id: int):
    """An RFP's questions: pending first, then those decided."""
    rfp = rfp_queries.rfp_or_404(rfp_id)
    return render_template(
        "clarifications/admin_questions.html",
        rfp=rfp,
        pending=queries.questions_for_rfp(rfp.id, QuestionStatus.PENDING),
        decided=[
            question for question in queries.questions_for_rfp(rfp.id) if question.status != QuestionStatus.PENDING
        ],
    )


def _question_page(question, answer_form: AnswerForm, dismiss_form: DismissForm, status: int = 200):
    return render_template(
        "clarifications/admin_question.html",
        question=question,
        rfp=question.rfp,
        answer_form=answer_form,
        dismiss_form=dismiss_form,
    ), status


def _question_or_404(question_id: int):
    question = queries.question(question_id)
    if question is None:
        abort(404)
    return question


@bp.route("/admin/questions/<int:question_id>")
@roles(Role.COOP_ADMIN)
def admin_question(question_id: int):
    """One question, with the forms to answer or dismiss it."""
    question = _question_or_404(question_id)
    answer_form = AnswerForm(formdata=None, question=question.text)
    return _question_page(question, answer_form, DismissForm(formdata=None))


def _decide(question_id: int, form, decide, success: str, *, answering: bool):
    question = _question_or_404(question_id)
    if form.validate_on_submit():
        try:
            decide(question)
        except Refusal as error:
            if not show_on_form(form, error):
                return redirect(url_for("clarifications.admin_question", question_id=question.id))
        else:
            flash(success, "success")
            return redirect(url_for("clarifications.admin_questions", rfp_id=question.rfp_id))
    other = DismissForm(formdata=None) if answering else AnswerForm(formdata=None, question=question.text)
    forms = (form, other) if answering else (other, form)
    return _question_page(question, *forms, status=422)


@bp.route("/admin/questions/<int:question_id>/answer", methods=["POST"])
@roles(Role.COOP_ADMIN)
def answer(question_id: int):
    """Publish the answer to a question and e-mail it to every interested vendor."""
    form = AnswerForm()
    return _decide(
        question_id,
        form,
        lambda question: services.answer_question(
            current_user, question.id, form.answer.data, published_question=form.question.data
        ),
        "The answer is published on the RFP's page, without the asker's name, and e-mailed to every "
        "vendor following the RFP.",
        answering=True,
    )


@bp.route("/admin/questions/<int:question_id>/dismiss", methods=["POST"])
@roles(Role.COOP_ADMIN)
def dismiss(question_id: int):
    """Dismiss a question, with a reason for the vendor who asked."""
    form = DismissForm()
    return _decide(
        question_id,
        form,
        lambda question: services.dismiss_question(current_user, question.id, form.reason.data),
        "The question is dismissed; the vendor who asked sees your reason in its list of questions.",
        answering=False,
    )


@bp.route("/admin/rfps/<int:rfp_id>/addenda")
@roles(Role.COOP_ADMIN)
def admin_addenda(rfp_id: int):
    """An RFP's addenda."""
    rfp = rfp_queries.rfp_or_404(rfp_id)
    addenda = queries.addenda(rfp.id)
    # Not one word on bids returned to draft: before opening that number would tell how many bids there are.
    return render_template(
        "clarifications/admin_addenda.html",
        rfp=rfp,
        addenda=[(item, services.describe_changes(item, rfp)) for item in addenda],
        can_issue=_can_issue(rfp),
    )


def _can_issue(rfp: Rfp) -> str | None:
    """Why no addendum can be issued now, or None."""
    try:
        services.check_addendum_possible(rfp)
    except Refusal as error:
        return str(error)
    return None


@bp.route("/admin/rfps/<int:rfp_id>/addenda/new", methods=["GET", "POST"])
@roles(Role.COOP_ADMIN)
def new_addendum(rfp_id: int):
    """Issue an addendum: change lines, specs, terms or the deadline."""
    rfp = rfp_queries.rfp_or_404(rfp_id)
    refusal = _can_issue(rfp)
    if refusal:
        flash(refusal, "warning")
        return redirect(url_for("clarifications.admin_addenda", rfp_id=rfp.id))
    form = addendum_form(rfp, rfp_queries.template_for(rfp))
    if form.validate_on_submit():
        try:
            issued = services.issue_addendum(current_user, rfp.id, addendum_input(form))
        except Refusal as error:
            flash(str(error), "warning")
            return redirect(url_for("clarifications.admin_addenda", rfp_id=rfp.id))
        except Rejection as rejected:
            for problem in rejected.problems:
                form[field_name(problem.field)].errors.append(problem.message)
        else:
            # The same words whether or not any bid was returned: the count is sealed until opening.
            flash(
                f"Addendum {issued.number} is issued and every vendor following {rfp.reference} is being e-mailed. "
                "Vendors with submitted bids have been asked to re-confirm.",
                "success",
            )
            return redirect(url_for("clarifications.admin_addenda", rfp_id=rfp.id))
    return render_template("clarifications/addendum_form.html", rfp=rfp, form=form), (422 if form.errors else 200)
