"""The brand-name check that keeps specifications vendor-neutral.

Public procurement may not steer a purchase to one manufacturer by naming its
product. A specification names the performance it needs; where a brand is the
clearest way to say that, it must be followed by "or equal", which admits every
product that performs as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Manufacturers and product lines common in K-12 technology purchasing.
BRAND_NAMES = (
    "Acer",
    "Apple",
    "iPad",
    "MacBook",
    "Chromebook Plus",
    "Asus",
    "Dell",
    "Hewlett Packard",
    "HP",
    "Lenovo",
    "ThinkPad",
    "IdeaPad",
    "Microsoft Surface",
    "Surface Pro",
    "Surface Laptop",
    "Samsung Galaxy",
    "Samsung",
    "Cisco",
    "Meraki",
    "Aruba",
    "Ubiquiti",
    "UniFi",
    "Ruckus",
    "Juniper",
    "Extreme Networks",
    "Netgear",
    "TP-Link",
    "Fortinet",
    "FortiGate",
    "Palo Alto Networks",
    "SonicWall",
    "Sophos",
    "WatchGuard",
    "Promethean",
    "ActivPanel",
    "SMART Board",
    "ViewSonic",
    "ViewBoard",
    "Newline",
    "Boxlight",
    "Clevertouch",
    "PowerSchool",
    "Infinite Campus",
    "Skyward",
    "Aeries",
    "Jamf",
    "Intune",
    "Mosyle",
    "Lightspeed",
    "GoGuardian",
    "Securly",
    "Verkada",
    "Axis Communications",
    "Avigilon",
    "Panduit",
    "CommScope",
    "Belden",
    "Leviton",
    "Intel Core",
    "Ryzen",
    "Snapdragon",
    "Kajeet",
)

_BRAND_PATTERN = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(name) for name in sorted(BRAND_NAMES, key=len, reverse=True)) + r")(?![\w-])",
    re.IGNORECASE,
)
# "... or equal", "... or approved equal", "... or equivalent" later in the same sentence admits the brand.
_OR_EQUAL = re.compile(r"\bor\s+(approved\s+)?(equal|equivalent)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.;!?\n]")


@dataclass(frozen=True)
class BrandFinding:
    brand: str
    position: int

    @property
    def message(self) -> str:
        return (
            f"“{self.brand}” is a brand or model name: describe the performance you need instead, "
            f"or write “{self.brand} or equal” so that any product that performs as well can be offered."
        )


def find_brand_names(text: str) -> list[BrandFinding]:
    """Brand or model names in ``text`` not followed by "or equal" in the same sentence."""
    findings = []
    for match in _BRAND_PATTERN.finditer(text or ""):
        rest = text[match.end() :]
        sentence_end = _SENTENCE_END.search(rest)
        sentence_rest = rest[: sentence_end.start()] if sentence_end else rest
        if not _OR_EQUAL.search(sentence_rest):
            findings.append(BrandFinding(brand=match.group(1), position=match.start()))
    return findings
