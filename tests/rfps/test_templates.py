"""RFP templates are validated data, worded vendor-neutrally."""

from __future__ import annotations

import pytest
from library_copy import copy_library, edit

from coop.rfps.neutrality import find_brand_names
from coop.rfps.template_library import TemplateError, load_library

pytestmark = pytest.mark.no_db

CATEGORIES = {
    "student-laptops",
    "tablets",
    "network-switches",
    "wireless-access-points",
    "firewalls",
    "interactive-displays",
    "sis-licences",
    "mdm-licences",
    "cabling",
    "security",
    "staff-laptops",
}


def test_every_shipped_template_loads_with_criteria_adding_up_to_100():
    library = load_library()
    assert set(library) == CATEGORIES
    for template in library.values():
        assert sum(criterion.weight for criterion in template.criteria) == 100
        assert template.spec_fields and template.sections


def test_spec_fields_state_performance_requirements():
    laptops = load_library()["student-laptops"]
    assert laptops.field("ram_gb").wording(8) == "Memory (RAM): at least 8 GB"
    assert laptops.field("touchscreen").wording(True) == "Touchscreen: required"
    term = load_library()["mdm-licences"].field("term_years")
    assert (term.wording(1), term.wording(3)) == ("Licence term: 1 year", "Licence term: 3 years")
    assert laptops.field("ram_gb").check(12) == "Memory (RAM) must be one of: 4, 8, 16."
    assert laptops.field("battery_hours").check(4) == "Battery life (manufacturer-rated) must be at least 6."
    assert laptops.field("battery_hours").check(7.5) == "Battery life (manufacturer-rated) must be a whole number."
    assert laptops.field("screen_in").check("11.6") is None
    assert laptops.field("storage_gb").check(None) == "Storage is required."


def test_a_broken_template_is_refused_naming_file_and_field(tmp_path):
    library = copy_library(tmp_path)
    edit(library / "tablets.toml", "allowed = [32, 64, 128, 256, 512]", "allowed = []")
    edit(library / "tablets.toml", "weight = 55", "weight = 50")
    edit(library / "cabling.toml", 'kind = "boolean"', 'kind = "yesno"')
    edit(library / "firewalls.toml", 'summary = "Next-generation firewalls', 'summary = "FortiGate firewalls')
    edit(
        library / "sis-licences.toml",
        'body = "Licences for {{ total_quantity }}',
        'body = "Licences for {{ total_quantity }',
    )
    with pytest.raises(TemplateError) as raised:
        load_library(library)
    assert raised.value.errors == [
        "cabling.toml: spec_fields[1].kind: must be one of choice, integer, decimal, text, boolean",
        "firewalls.toml: summary: “FortiGate” is a brand or model name: describe the performance you need instead, "
        "or write “FortiGate or equal” so that any product that performs as well can be offered.",
        "sis-licences.toml: sections[0].body: Jinja2 syntax error on line 1: unexpected '}'",
        "tablets.toml: spec_fields[1].allowed: must be a non-empty list for a choice field",
        "tablets.toml: criteria: weights must add up to 100, not 95",
    ]


def test_unknown_keys_and_bad_toml_are_refused(tmp_path):
    library = copy_library(tmp_path)
    edit(library / "tablets.toml", "version = 1", 'version = 1\ncolour = "blue"')
    (library / "cabling.toml").write_text("key = \n")
    with pytest.raises(TemplateError) as raised:
        load_library(library)
    assert raised.value.errors[0].startswith("cabling.toml: not valid TOML: ")
    assert raised.value.errors[1] == "tablets.toml: colour: unknown key"


@pytest.mark.parametrize(
    ("text", "brands"),
    [
        ("11.6-inch laptop, 8 GB RAM, 64 GB storage", []),
        ("Dell Latitude 3140 or equal, 8 GB RAM", []),
        ("Same as our Lenovo 100e fleet", ["Lenovo"]),
        ("iPad 10th generation; Apple Pencil or equivalent", ["iPad"]),
        ("managed by Jamf or approved equal", []),
        ("We need HP. Or equal pricing", ["HP"]),
        ("the chip vendor's HPC line", []),
        ("uses Meraki cloud management", ["Meraki"]),
    ],
)
def test_the_brand_check_flags_brands_unless_or_equal_follows(text, brands):
    assert [finding.brand for finding in find_brand_names(text)] == brands
