"""The roles a member has in its organisation.

Apart from the accounts area, which stores them: every area's access rules name a role, and the notifications and
orgs areas sit below accounts.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    DISTRICT_BUYER = "district_buyer"
    VENDOR_REP = "vendor_rep"
    COOP_ADMIN = "coop_admin"
