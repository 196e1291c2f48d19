"""The extension points of the RFP pages: panels that other areas add to them.

The rfps area sits below bids and clarifications, so its pages cannot import what those areas show. Instead each
area registers its panel's template for a place on a page when its blueprint is registered (:func:`panel`), and
the page renders every panel registered for that place. A panel whose template is not there stops the app from
starting: a renamed panel must never vanish silently from a sealed-bid page.
"""

from __future__ import annotations

from enum import StrEnum

from flask import Blueprint, Flask, current_app

_EXTENSION = "coop.rfp_panels"


class Place(StrEnum):
    BOARD_SUMMARY = "board_summary"  # the public RFP page, under the RFP's summary
    BOARD_END = "board_end"  # the public RFP page, at its end
    MANAGE = "manage"  # the administrator's RFP page, under the RFP's actions
    COMMITMENT = "commitment"  # the district's commitments page, in each line's row (``entry`` is the row)


def register(app: Flask, place: Place, template: str) -> None:
    """Show ``template`` at ``place`` on every RFP page that has it; refused when the template does not exist.

    Raises
    ------
    jinja2.TemplateNotFound
        If no template of that name exists.
    """
    app.jinja_env.get_template(template)
    app.extensions.setdefault(_EXTENSION, {}).setdefault(place, []).append(template)


def panel(bp: Blueprint, place: Place, template: str) -> None:
    """Register ``template`` at ``place`` when ``bp`` is registered on the app."""
    bp.record_once(lambda state: register(state.app, place, template))


def panels(place: str) -> list[str]:
    """The templates registered at ``place``, in the order of registration (for the RFP pages' templates)."""
    return list(current_app.extensions.get(_EXTENSION, {}).get(Place(place), []))
