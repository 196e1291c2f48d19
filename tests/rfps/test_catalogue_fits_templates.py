"""Every catalogue item can be described by its category's RFP template, so that any need can be pooled."""

from __future__ import annotations

import pytest

from coop.demo.data import CATALOGUE
from coop.rfps.template_library import load_library

pytestmark = pytest.mark.no_db

ITEMS = [(category.slug, item) for category in CATALOGUE for item in category.items]


@pytest.mark.parametrize(("category", "item"), ITEMS, ids=[item.code for _category, item in ITEMS])
def test_every_catalogue_item_s_spec_is_expressed_by_its_category_s_template(category, item):
    templates = {template.category: template for template in load_library().values()}
    assert category in templates, f"no RFP template serves the {category} category"
    template = templates[category]
    problems = []
    for key, value in item.spec.items():
        field = template.field(key)
        if field is None:
            problems.append(f"{key}: the {template.key} template has no such field")
        elif (problem := field.check(value)) is not None:
            problems.append(f"{key}={value!r}: {problem}")
    assert problems == []


def test_512_gb_can_be_asked_and_a_staff_laptop_is_not_asked_for_a_drop_test():
    library = load_library()
    assert library["student-laptops"].field("storage_gb").check(512) is None
    assert library["tablets"].field("storage_gb").check(512) is None
    assert library["staff-laptops"].field("rugged_drop_cm") is None
    assert library["student-laptops"].field("rugged_drop_cm") is not None  # student devices keep their drop test
    assert library["security"].field("retention_days").wording(30) == "Video retention: at least 30 days"
