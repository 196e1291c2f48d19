"""The demo cooperative: a small Oregon-like purchasing cooperative with data to click through.

``flask --app coop demo load`` loads it into an empty database (``make run`` does
so with ``--if-empty`` the first time). Every demo user has the password
``coop-demo-2026``. The log-ins worth remembering:

======================  =================================  ==========================================
role                    e-mail                             organisation
======================  =================================  ==========================================
cooperative admin       ``admin@coop.example``             Cascadia Schools Purchasing Cooperative
district buyer          ``buyer@lakeview.k12.example``     Lakeview School District (1,450 students)
vendor rep              ``sales@evergreen-learning.example``  Evergreen Learning Technologies
======================  =================================  ==========================================

The vendor rep has a submitted bid, with its receipt and a PDF spec sheet, on the
open Chromebook RFP, another on the switches RFP whose deadline passed two days ago
(still sealed: the administrator has not opened it yet), and another on the licences
RFP, opened (its tabulation is public at ``/rfps/<reference>/tabulation``), scored and
awarded: Evergreen won its web-filtering line, protested the award of another and was
denied, and has two purchase orders. :mod:`coop.demo.bids` tells who else bid,
:mod:`coop.demo.evaluation` how the opened bids were scored, and :mod:`coop.demo.awards`
how the licences RFP was awarded.

Every other district has ``buyer@<district>.k12.example`` (e.g.
``buyer@cedar-falls.k12.example``) and every other vendor
``sales@<vendor>.example`` (e.g. ``sales@willamette-networks.example``);
:mod:`coop.demo.data` lists them all. Two organisations wait in the
administrator's approval queue: Elk Meadow School District
(``buyer@elk-meadow.k12.example``) and Summit Classroom Technology
(``sales@summit-classroom.example``); their users can sign in but do nothing
until approved.
"""

from __future__ import annotations

DEMO_PASSWORD = "coop-demo-2026"

# (role, e-mail, organisation): the headline log-ins, quoted in the README.
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = (
    ("cooperative admin", "admin@coop.example", "Cascadia Schools Purchasing Cooperative"),
    ("district buyer", "buyer@lakeview.k12.example", "Lakeview School District"),
    ("vendor rep", "sales@evergreen-learning.example", "Evergreen Learning Technologies"),
)
