"""The RFP document: rendered from the RFP and its category template, stored per version, printable as PDF.

:func:`store_version` is also called by the addenda service, after it bumps
``rfp.document_version``: it renders the RFP's current state as that version.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from markupsafe import Markup

from coop import evaluated_cost
from coop.extensions import db
from coop.rfps import queries
from coop.rfps.models import Rfp, RfpDocument, RfpLine

DOCUMENT_TEMPLATE = "rfps/document.html"


@dataclass(frozen=True)
class DocumentLine:
    line_no: int
    code: str
    name: str
    unit: str
    description: str
    quantity: int
    requirements: list[str]
    named_districts: list[str]


@dataclass(frozen=True)
class DocumentSection:
    title: str
    html: Markup


def spec_requirements(rfp: Rfp, line: RfpLine) -> list[tuple[str, str]]:
    """The line's spec values as ``(key, requirement in words)``, in the template's field order.

    These are what a bid must answer, one by one: how the offered product meets each.
    """
    template = queries.template_for(rfp)
    if template is None:
        return [(key, f"{key}: {value}") for key, value in sorted(line.spec.items()) if value not in (None, "")]
    return [
        (spec_field.key, spec_field.wording(line.spec[spec_field.key]))
        for spec_field in template.spec_fields
        if line.spec.get(spec_field.key) not in (None, "")
    ]


def requirements(rfp: Rfp, line: RfpLine) -> list[str]:
    """The line's spec values worded as performance requirements, in the template's field order."""
    return [wording for _key, wording in spec_requirements(rfp, line)]


def render_html(rfp: Rfp) -> str:
    """The RFP's document, as it stands now, as one standalone printable HTML page (version ``rfp.document_version``)."""
    template = queries.template_for(rfp)
    lines = [
        DocumentLine(
            line.line_no,
            line.item.code,
            line.item.name,
            line.item.unit,
            line.description,
            line.quantity,
            requirements(rfp, line),
            queries.named_districts(line),
        )
        for line in sorted(rfp.lines, key=lambda line: line.line_no)
    ]
    terms = dict(rfp.terms or {})
    criteria = queries.criteria(rfp)
    evaluation = evaluated_cost.method(criteria, queries.minimum_score(rfp))
    total_quantity = sum(line.quantity for line in lines)
    district_count = queries.district_count(rfp)
    sections = []
    if template is not None:
        context = {
            "rfp": rfp,
            "lines": lines,
            "terms": terms,
            "criteria": criteria,
            "evaluation": evaluation,
            "total_quantity": total_quantity,
            "district_count": district_count,
        }
        # The sandbox autoescapes what it substitutes: its output is safe HTML.
        sections = [DocumentSection(section.title, Markup(section.render(**context))) for section in template.sections]
    return current_app.jinja_env.get_template(DOCUMENT_TEMPLATE).render(
        rfp=rfp,
        template=template,
        lines=lines,
        terms=terms,
        criteria=criteria,
        evaluation=evaluation,
        sections=sections,
        total_quantity=total_quantity,
        district_count=district_count,
        version=rfp.document_version,
        erate_min_days=queries.ERATE_MIN_DAYS,
    )


def store_version(rfp: Rfp) -> RfpDocument:
    """Render the RFP's current state as version ``rfp.document_version`` and add it to the session (no commit)."""
    document = RfpDocument(rfp_id=rfp.id, version=rfp.document_version, html=render_html(rfp))
    db.session.add(document)
    db.session.flush()
    return document


# The document links its stylesheet by a path of this site; the PDF renderer reads it from the static folder.
_PDF_BASE_URL = "https://coop.invalid/"


def pdf_response(content: bytes, filename: str) -> tuple[bytes, int, dict[str, str]]:
    """A view's answer that shows a PDF in the browser, saved as ``filename`` (a reference: no quoting needed)."""
    return content, 200, {"Content-Type": "application/pdf", "Content-Disposition": f'inline; filename="{filename}"'}


def render_pdf(html: str) -> bytes:
    """The HTML document as PDF (WeasyPrint)."""
    import weasyprint  # imported late: it loads pango, which only the PDF route needs
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_prefix = f"{_PDF_BASE_URL}static/"
    static_folder = Path(current_app.static_folder).resolve()

    class StaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(static_prefix):
                path = (static_folder / url.removeprefix(static_prefix)).resolve()
                if path.is_relative_to(static_folder) and path.is_file():
                    return URLFetcherResponse(
                        url, path.read_bytes(), {"Content-Type": mimetypes.guess_type(path.name)[0]}
                    )
            return super().fetch(url, headers)

    return weasyprint.HTML(string=html, base_url=_PDF_BASE_URL, url_fetcher=StaticFetcher()).write_pdf()
