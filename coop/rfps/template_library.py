"""RFP templates: vendor-neutral specifications, terms, criteria and documents per category.

Templates are data under ``rfp_templates/`` (TOML, one file per category, with
Jinja2 section bodies). :func:`load_library` reads and validates them all; the
app calls it at start-up so that a broken template stops the app with a message
naming the file and the field, instead of breaking an RFP later.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import jinja2
from flask import current_app
from jinja2.sandbox import SandboxedEnvironment

from coop import config
from coop.rfps.neutrality import find_brand_names

TEMPLATE_DIR = config.RFP_TEMPLATES_DIR
FIELD_KINDS = ("choice", "integer", "decimal", "text", "boolean")
COMPARISONS = ("at_least", "at_most", "exactly")
TEMPLATE_KEYS = {
    "key",
    "title",
    "category",
    "version",
    "summary",
    "erate_category",
    "spec_fields",
    "terms",
    "criteria",
    "evaluation",
    "sections",
}
SPEC_FIELD_KEYS = {
    "key",
    "label",
    "kind",
    "unit",
    "unit_one",
    "allowed",
    "minimum",
    "maximum",
    "comparison",
    "required",
}
TERMS_KEYS = {"delivery_days", "delivery", "warranty"}
#: Purchase orders ask for delivery this many days after the award is final, at most (a slip of the keyboard beyond).
MAX_DELIVERY_DAYS = 730
CRITERION_KEYS = {"key", "label", "weight"}
EVALUATION_KEYS = {"minimum_score"}
SECTION_KEYS = {"title", "body"}

# Section bodies are data an administrator may edit: render them sandboxed.
_sandbox = SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)


class TemplateError(ValueError):
    """One or more templates are invalid; ``errors`` lists every problem, each naming file and field."""

    def __init__(self, errors: list[str]):
        super().__init__("invalid RFP templates:\n" + "\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class SpecField:
    key: str
    label: str
    kind: str
    unit: str = ""
    #: The unit's word for exactly one, where it differs ("year" beside "years").
    unit_one: str = ""
    allowed: tuple = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    comparison: str = "exactly"
    required: bool = False

    def parse(self, raw: str | None):
        """A form's text for this field as the value a line's spec keeps (bool, int, a listed option, or text),
        the same on every path that writes a spec; may not fit (:meth:`check` says why)."""
        text = (raw or "").strip()
        if text == "":
            return None
        if self.kind == "boolean":
            return {"yes": True, "no": False}.get(text.lower(), text)
        if self.kind == "choice":
            return next((option for option in self.allowed if str(option) == text), text)
        if self.kind == "integer":
            try:
                number = Decimal(text)
            except InvalidOperation:
                return text
            return int(number) if number == number.to_integral_value() else text
        return text  # decimals stay text ("11.6"): never a float

    def check(self, value) -> str | None:
        """Why ``value`` does not fit this field, or None when it does."""
        if value in (None, ""):
            return f"{self.label} is required." if self.required else None
        if self.kind == "choice":
            if str(value) not in {str(option) for option in self.allowed}:
                return f"{self.label} must be one of: {', '.join(str(option) for option in self.allowed)}."
        elif self.kind in ("integer", "decimal"):
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                return f"{self.label} must be a number."
            if self.kind == "integer" and number != number.to_integral_value():
                return f"{self.label} must be a whole number."
            if self.minimum is not None and number < self.minimum:
                return f"{self.label} must be at least {self.minimum}."
            if self.maximum is not None and number > self.maximum:
                return f"{self.label} must be at most {self.maximum}."
        elif self.kind == "boolean" and not isinstance(value, bool):
            return f"{self.label} must be yes or no."
        return None

    def with_unit(self, value) -> str:
        """``value`` followed by its unit, e.g. "3 years", "1 year", "8 GB"."""
        unit = self.unit_one if self.unit_one and str(value) == "1" else self.unit
        return f"{value} {unit}" if unit else f"{value}"

    def wording(self, value) -> str:
        """The requirement as the RFP document states it, e.g. "Memory (RAM): at least 8 GB"."""
        if self.kind == "boolean":
            return f"{self.label}: {'required' if value else 'not required'}"
        qualifier = {"at_least": "at least ", "at_most": "at most ", "exactly": ""}[self.comparison]
        return f"{self.label}: {qualifier}{self.with_unit(value)}"


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    weight: int


@dataclass(frozen=True)
class Section:
    title: str
    body: str

    def render(self, **context) -> str:
        return _sandbox.from_string(self.body).render(**context)


@dataclass(frozen=True)
class RfpTemplate:
    key: str
    title: str
    category: str
    version: int
    summary: str
    spec_fields: tuple[SpecField, ...]
    delivery_days: int
    delivery_terms: str
    warranty_terms: str
    criteria: tuple[Criterion, ...]
    sections: tuple[Section, ...]
    erate_category: str = ""
    #: The lowest weighted non-price score (0 to 100) a bid needs not to be set aside; each RFP starts with it.
    minimum_score: int = 0

    def field(self, key: str) -> SpecField | None:
        return next((field for field in self.spec_fields if field.key == key), None)


class _Checker:
    """Collects every problem in one file, each prefixed with the file name and the field's path."""

    def __init__(self, filename: str):
        self.filename = filename
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{self.filename}: {path}: {message}")

    def text(self, data: dict, key: str, path: str, *, required: bool = True) -> str:
        value = data.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            self.error(path, "must be a non-empty string" if required else "must be a string")
            return ""
        for finding in find_brand_names(value):
            self.error(path, finding.message)
        return value

    def integer(self, data: dict, key: str, path: str, *, minimum: int, maximum: int | None = None) -> int:
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.error(path, f"must be a whole number of at least {minimum}")
            return minimum
        if maximum is not None and value > maximum:
            self.error(path, f"must be a whole number from {minimum} to {maximum}")
            return maximum
        return value

    def unknown_keys(self, data: dict, allowed: set[str], path: str) -> None:
        for key in sorted(set(data) - allowed):
            self.error(f"{path}.{key}" if path else key, "unknown key")

    def table_list(self, data: dict, key: str) -> list[dict]:
        value = data.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(entry, dict) for entry in value):
            self.error(key, "must be a non-empty list of tables")
            return []
        return value


def _spec_field(check: _Checker, data: dict, path: str) -> SpecField:
    check.unknown_keys(data, SPEC_FIELD_KEYS, path)
    kind = data.get("kind")
    if kind not in FIELD_KINDS:
        check.error(f"{path}.kind", f"must be one of {', '.join(FIELD_KINDS)}")
    comparison = data.get("comparison", "exactly")
    if comparison not in COMPARISONS:
        check.error(f"{path}.comparison", f"must be one of {', '.join(COMPARISONS)}")
    allowed = data.get("allowed", [])
    if kind == "choice" and (not isinstance(allowed, list) or not allowed):
        check.error(f"{path}.allowed", "must be a non-empty list for a choice field")
    bounds = {}
    for bound in ("minimum", "maximum"):
        if bound in data:
            if (
                kind not in ("integer", "decimal")
                or isinstance(data[bound], bool)
                or not isinstance(data[bound], (int, float))
            ):
                check.error(f"{path}.{bound}", "is only for integer and decimal fields, as a number")
            else:
                bounds[bound] = Decimal(str(data[bound]))
    if len(bounds) == 2 and bounds["minimum"] > bounds["maximum"]:
        check.error(f"{path}.minimum", "must not exceed maximum")
    return SpecField(
        key=check.text(data, "key", f"{path}.key"),
        label=check.text(data, "label", f"{path}.label"),
        kind=kind or "text",
        unit=check.text(data, "unit", f"{path}.unit", required=False),
        unit_one=check.text(data, "unit_one", f"{path}.unit_one", required=False),
        allowed=tuple(allowed) if isinstance(allowed, list) else (),
        comparison=comparison,
        required=bool(data.get("required", False)),
        **bounds,
    )


def _template(filename: str, data: dict) -> tuple[RfpTemplate | None, list[str]]:
    check = _Checker(filename)
    check.unknown_keys(data, TEMPLATE_KEYS, "")
    key = check.text(data, "key", "key")
    if key and key != Path(filename).stem:
        check.error("key", f"must match the file name ({Path(filename).stem!r})")
    fields = tuple(
        _spec_field(check, entry, f"spec_fields[{i}]") for i, entry in enumerate(check.table_list(data, "spec_fields"))
    )
    seen: set[str] = set()
    for i, field in enumerate(fields):
        if field.key in seen:
            check.error(f"spec_fields[{i}].key", f"duplicate key {field.key!r}")
        seen.add(field.key)
    terms = data.get("terms") if isinstance(data.get("terms"), dict) else {}
    if not terms:
        check.error("terms", "must be a table with delivery_days, delivery and warranty")
    check.unknown_keys(terms, TERMS_KEYS, "terms")
    criteria = []
    for i, entry in enumerate(check.table_list(data, "criteria")):
        check.unknown_keys(entry, CRITERION_KEYS, f"criteria[{i}]")
        criteria.append(
            Criterion(
                key=check.text(entry, "key", f"criteria[{i}].key"),
                label=check.text(entry, "label", f"criteria[{i}].label"),
                weight=check.integer(entry, "weight", f"criteria[{i}].weight", minimum=1),
            )
        )
    if criteria and sum(criterion.weight for criterion in criteria) != 100:
        check.error("criteria", f"weights must add up to 100, not {sum(c.weight for c in criteria)}")
    if criteria and "price" not in {criterion.key for criterion in criteria}:
        check.error("criteria", "must include the 'price' criterion")
    price = next((criterion.weight for criterion in criteria if criterion.key == "price"), 0)
    heaviest_rival = max(
        (criterion for criterion in criteria if criterion.key != "price"),
        key=lambda criterion: criterion.weight,
        default=None,
    )
    if data.get("erate_category") and heaviest_rival is not None and heaviest_rival.weight >= price:
        check.error(
            "criteria",
            f"an E-Rate template must weigh price most: price weighs {price} and "
            f"{heaviest_rival.key!r} weighs {heaviest_rival.weight}",
        )
    evaluation = data.get("evaluation")
    minimum_score = 0
    if not isinstance(evaluation, dict):
        check.error("evaluation", "must be a table with minimum_score")
    else:
        check.unknown_keys(evaluation, EVALUATION_KEYS, "evaluation")
        minimum_score = evaluation.get("minimum_score")
        if not isinstance(minimum_score, int) or isinstance(minimum_score, bool) or not 0 <= minimum_score <= 100:
            check.error("evaluation.minimum_score", "must be a whole number from 0 to 100")
            minimum_score = 0
    sections = []
    for i, entry in enumerate(check.table_list(data, "sections")):
        check.unknown_keys(entry, SECTION_KEYS, f"sections[{i}]")
        body = check.text(entry, "body", f"sections[{i}].body")
        try:
            _sandbox.parse(body)
        except jinja2.TemplateSyntaxError as error:
            check.error(f"sections[{i}].body", f"Jinja2 syntax error on line {error.lineno}: {error.message}")
        sections.append(Section(title=check.text(entry, "title", f"sections[{i}].title"), body=body))
    template = RfpTemplate(
        key=key,
        title=check.text(data, "title", "title"),
        category=check.text(data, "category", "category"),
        version=check.integer(data, "version", "version", minimum=1),
        summary=check.text(data, "summary", "summary"),
        spec_fields=fields,
        delivery_days=check.integer(
            terms, "delivery_days", "terms.delivery_days", minimum=1, maximum=MAX_DELIVERY_DAYS
        ),
        delivery_terms=check.text(terms, "delivery", "terms.delivery"),
        warranty_terms=check.text(terms, "warranty", "terms.warranty"),
        criteria=tuple(criteria),
        sections=tuple(sections),
        erate_category=check.text(data, "erate_category", "erate_category", required=False),
        minimum_score=minimum_score,
    )
    return (None if check.errors else template), check.errors


def library() -> dict[str, RfpTemplate]:
    """The templates :func:`load_library` read when the app was created: the one place that reads them."""
    return current_app.extensions["coop.rfp_templates"]


def load_library(directory: Path = TEMPLATE_DIR) -> dict[str, RfpTemplate]:
    """Read and validate every ``*.toml`` template in ``directory``, keyed by template key.

    Raises
    ------
    TemplateError
        Listing every problem in every file, each naming the file and the field.
    """
    templates: dict[str, RfpTemplate] = {}
    errors: list[str] = []
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise TemplateError([f"{directory}: no *.toml template found"])
    for path in paths:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            errors.append(f"{path.name}: not valid TOML: {error}")
            continue
        template, problems = _template(path.name, data)
        errors.extend(problems)
        if template is not None:
            templates[template.key] = template
    if errors:
        raise TemplateError(errors)
    return templates
