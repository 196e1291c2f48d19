"""Fixtures for the whole suite.

The schema is built by the Alembic migrations (not ``create_all``), on SQLite by
default and on PostgreSQL when ``COOP_TEST_DATABASE_URL`` is set. Each test runs
inside one transaction that is rolled back at its end; tests that need real
commits (a live server, races) ask for ``committed_db`` instead, which empties
every table afterwards.
"""

from __future__ import annotations

import contextvars
import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import access_matrix
import hypothesis
import pytest
import sqlalchemy as sa
import support
from flask import Flask, session
from flask.testing import FlaskClient
from flask_login import login_user

from coop import clock, config, create_app
from coop.accounts.models import Membership, User
from coop.accounts.passwords import hash_password
from coop.bids import services as bid_services
from coop.bids.models import Bid, BidLine, BidStatus, DiscountBracket
from coop.catalogue.models import Category, Item
from coop.extensions import db
from coop.needs.models import Need
from coop.orgs.models import District, Organisation, OrganisationStatus, Region, Vendor
from coop.rfps.models import Rfp, RfpDocument, RfpLine, RfpStatus
from coop.roles import Role
from coop.transactions import single_transaction

# On CI (CI=true) the property tests draw the same examples every run (seeded from a hash of each test): a red build is
# then one that anybody can reproduce, and never a random example that a loaded machine's solver cannot prove optimal
# within its time limit (it ends "feasible"), which no change caused. Elsewhere they draw new examples each run,
# which is how they find new failures (pin one found so with @example).
hypothesis.settings.register_profile("ci", derandomize=True)
if os.environ.get("CI") == "true":
    hypothesis.settings.load_profile("ci")

T = TypeVar("T")

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)  # argon2 is slow by design: hash once for the whole suite


@pytest.fixture(scope="session")
def database(tmp_path_factory) -> Iterator[tuple[str, dict]]:
    """The test database's URL and engine options.

    On SQLite a file in the session's temporary folder; on PostgreSQL a schema of
    its own, dropped at the end. A session is one run, or one worker process of a
    parallel run (``pytest -n``, each worker has its own temporary folder): runs
    and workers sharing one server (two engineers, CI, ``make test``) cannot
    disturb each other.
    """
    url = config.test_database_url()
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'coop-test.sqlite3'}", {}
        return
    schema = f"coop_test_{uuid.uuid4().hex[:12]}"
    admin_engine = sa.create_engine(url)
    with admin_engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield url, {"connect_args": {"options": f"-c search_path={schema}"}}
    finally:
        with admin_engine.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin_engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own application context, as in production.

    Without this, a request would reuse the test's application context and with it
    ``g`` (Flask-Login's cached user) and the test's database session.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database: tuple[str, dict], tmp_path_factory) -> Iterator[Flask]:
    from flask_migrate import upgrade

    app = create_app(
        {
            "COOP_UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database[0],
            "SQLALCHEMY_ENGINE_OPTIONS": database[1],
            "WTF_CSRF_ENABLED": False,  # tests/accounts checks CSRF with it switched on
            "SECRET_KEY": "test-secret-key",
            # tests/accounts checks tight limits
            "COOP_SIGN_IN_RATE_LIMIT": "100000 per minute",
            "COOP_SIGN_IN_ACCOUNT_RATE_LIMIT": "100000 per minute",
            "COOP_SIGN_UP_RATE_LIMIT": "100000 per minute",
            # Tests move the clock by days while signed in; tests/accounts/test_sessions.py checks the timeouts
            "COOP_SESSION_IDLE_MINUTES": 100 * 365 * 24 * 60,
            "COOP_SESSION_MAX_HOURS": 100 * 365 * 24,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def another_app(app: Flask) -> Iterator[Callable[..., Flask]]:
    """``another_app(**settings)``: the app as another process builds it (another gunicorn worker, another host),
    on the suite's database, with these settings. Its connections are closed at the end, and the rate limiter
    (one object that every app shares in this process) is put back on counters of the suite's own."""
    suite_settings = {
        key: app.config[key]
        for key in (
            "TESTING",
            "SQLALCHEMY_DATABASE_URI",
            "SQLALCHEMY_ENGINE_OPTIONS",
            "WTF_CSRF_ENABLED",
            "SECRET_KEY",
            "COOP_UPLOAD_DIR",
        )
    }
    made: list[Flask] = []

    def make(**settings) -> Flask:
        made.append(create_app({**suite_settings, **settings}))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()
    create_app(suite_settings)


@pytest.fixture(autouse=True)
def _transaction(request, app: Flask) -> Iterator[None]:
    """Run the test inside one outer transaction that is rolled back; services still 'commit' (to savepoints)."""
    with app.app_context():
        if "committed_db" in request.fixturenames or "no_db" in request.keywords:
            yield
            db.session.remove()
        else:
            with single_transaction(keep=False):
                yield


@pytest.fixture
def committed_db(app: Flask) -> Iterator[None]:
    """Real commits, visible to other threads and connections; every table emptied afterwards."""
    yield
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@dataclass(frozen=True)
class Snapshot:
    """What one build wrote: the rows it added to each table, the bid attachments' files, and what it returned."""

    value: object
    rows: dict[sa.Table, list[dict]]
    files: dict[Path, bytes]


@pytest.fixture(scope="session")
def _snapshots() -> dict[tuple[str, date], Snapshot]:
    return {}


@pytest.fixture
def from_snapshot(_snapshots: dict[tuple[str, date], Snapshot]) -> Callable[[Callable[[], T]], T]:
    """``from_snapshot(build)``: the rows ``build()`` adds, copied into the test's database; what it returned.

    ``build`` runs once per session and day (data dated from the day) in a transaction that is rolled back, and the
    rows it added are read back; each test that asks gets them inserted, with the same keys and values, so that what
    the test reads is what ``build`` made. For builds that cost seconds (the demo's loader solves award rounds) or that
    hundreds of tests share. ``build`` returns plain values (keys, not ORM objects, which do not outlive the rollback)
    and only adds rows: a change to a row that was there before it ran is not copied.
    """

    def restore(build: Callable[[], T]) -> T:
        key = (f"{build.__module__}.{build.__qualname__}", clock.today())
        snapshot = _snapshots.get(key)
        if snapshot is None:
            snapshot = _snapshots[key] = _take_snapshot(build)
        for table, rows in snapshot.rows.items():
            if rows:
                db.session.execute(table.insert(), rows)
        for path, content in snapshot.files.items():
            if not path.exists():  # a test removed an attachment's file: the next copy has it again
                path.write_bytes(content)
        db.session.flush()
        return snapshot.value

    return restore


def _take_snapshot(build: Callable[[], object]) -> Snapshot:
    """Run ``build`` in a transaction of its own (in a test, a savepoint), read back the rows it added, roll it back."""
    upload_dir = bid_services.upload_dir()
    files_before = set(upload_dir.glob("*")) if upload_dir.exists() else set()
    with single_transaction(keep=False):
        before = {table: _keyed_rows(table) for table in db.metadata.sorted_tables}
        value = build()
        db.session.flush()
        rows = {
            table: [row for key, row in _keyed_rows(table).items() if key not in before[table]]
            for table in db.metadata.sorted_tables
        }
    files = (
        {path: path.read_bytes() for path in set(upload_dir.glob("*")) - files_before} if upload_dir.exists() else {}
    )
    return Snapshot(value, rows, files)


def _keyed_rows(table: sa.Table) -> dict[tuple, dict]:
    """A table's rows in primary-key order (rows that refer to earlier ones of their table are inserted after)."""
    key = list(table.primary_key.columns)
    query = sa.select(table).order_by(*key)
    return {tuple(row[column.name] for column in key): dict(row) for row in db.session.execute(query).mappings()}


@pytest.fixture
def scenario(from_snapshot, make_buyer, make_district, make_vendor_rep, make_admin, make_need, make_region, make_item):
    """The access matrix's scenario (:func:`access_matrix.build_scenario`): the users by principal, and the ids and
    references its routes are filled in with.

    Built once (:func:`from_snapshot`) and copied into each of the matrix's many tests, and the header, fuzz and
    NUL-byte tests that walk the same routes."""

    def build() -> tuple[dict[str, int], dict]:
        users, values = access_matrix.build_scenario(
            make_buyer, make_district, make_vendor_rep, make_admin, make_need, make_region, make_item
        )
        return {principal: user.id for principal, user in users.items()}, values

    user_ids, values = from_snapshot(build)
    return {principal: db.session.get(User, user_id) for principal, user_id in user_ids.items()}, values


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_sequence = itertools.count(1)


@pytest.fixture
def make_region() -> Callable[..., Region]:
    def make(code: str | None = None, name: str | None = None) -> Region:
        code = code or f"region-{next(_sequence)}"
        existing = db.session.scalar(sa.select(Region).where(Region.code == code))
        if existing:
            return existing
        region = Region(code=code, name=name or code.replace("-", " ").title())
        db.session.add(region)
        db.session.flush()
        return region

    return make


@pytest.fixture
def north(make_region) -> Region:
    return make_region("north", "North")


@pytest.fixture
def south(make_region) -> Region:
    return make_region("south", "South")


@pytest.fixture
def make_user() -> Callable[..., User]:
    def make(organisation: Organisation, role: Role, *, email: str | None = None, name: str = "Pat Example") -> User:
        user = User(email=email or f"user{next(_sequence)}@example.org", name=name, password_hash=_PASSWORD_HASH)
        user.memberships.append(Membership(organisation=organisation, role=role))
        db.session.add(user)
        db.session.flush()
        return user

    return make


@pytest.fixture
def make_district(make_region) -> Callable[..., District]:
    def make(
        name: str | None = None,
        *,
        region: Region | None = None,
        status=OrganisationStatus.APPROVED,
        state: str = "OR",
        enrollment: int = 1200,
    ) -> District:
        district = District(
            name=name or f"District {next(_sequence)}",
            state=state,
            region=region or make_region("north"),
            enrollment=enrollment,
            status=status,
            contact_name="Pat",
            contact_email="pat@example.org",
        )
        db.session.add(district)
        db.session.flush()
        return district

    return make


@pytest.fixture
def make_vendor(make_region) -> Callable[..., Vendor]:
    def make(
        name: str | None = None, *, regions: list[Region] | None = None, status=OrganisationStatus.APPROVED
    ) -> Vendor:
        vendor = Vendor(
            name=name or f"Vendor {next(_sequence)}",
            regions=regions or [make_region("north")],
            status=status,
            contact_name="Sam",
            contact_email="sam@example.com",
        )
        db.session.add(vendor)
        db.session.flush()
        return vendor

    return make


@pytest.fixture
def make_bid(make_vendor, now) -> Callable[..., Bid]:
    """A bid of a new vendor inserted as rows, for tests of what reads bids (the tabulation, award rounds)."""

    def make(rfp: Rfp, vendor_name: str, offers: dict, *, status=BidStatus.SUBMITTED, brackets=()) -> Bid:
        """``offers`` maps line numbers to :func:`support.offer` fields; a submitted bid gets its record."""
        lines = {line.line_no: line for line in rfp.lines}
        bid = Bid(
            rfp=rfp,
            vendor=make_vendor(vendor_name),
            status=status,
            submitted_at=now() - timedelta(days=1) if status == BidStatus.SUBMITTED else None,
            lines=[BidLine(rfp_line=lines[line_no], **fields) for line_no, fields in offers.items()],
            discount_brackets=[
                DiscountBracket(min_value_cents=value, percent=Decimal(percent)) for value, percent in brackets
            ],
        )
        db.session.add(bid)
        db.session.flush()
        if status == BidStatus.SUBMITTED:
            bid.submitted_content = bid_services.content(bid)  # what submitting records
            db.session.flush()
        return bid

    return make


@pytest.fixture
def make_buyer(make_district, make_user) -> Callable[..., User]:
    """A district buyer of a new (approved unless told otherwise) district."""

    def make(district: District | None = None, **district_options) -> User:
        return make_user(district or make_district(**district_options), Role.DISTRICT_BUYER)

    return make


@pytest.fixture
def make_vendor_rep(make_vendor, make_user) -> Callable[..., User]:
    def make(vendor: Vendor | None = None, **vendor_options) -> User:
        return make_user(vendor or make_vendor(**vendor_options), Role.VENDOR_REP)

    return make


@pytest.fixture
def make_admin(make_user) -> Callable[..., User]:
    def make() -> User:
        cooperative = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Test Cooperative"))
        if cooperative is None:
            cooperative = Organisation(name="Test Cooperative", status=OrganisationStatus.APPROVED)
            db.session.add(cooperative)
        return make_user(cooperative, Role.COOP_ADMIN)

    return make


@pytest.fixture
def admin(make_admin) -> User:
    """A cooperative administrator of the "Test Cooperative", committed."""
    user = make_admin()
    db.session.commit()
    return user


@pytest.fixture
def make_item() -> Callable[..., Item]:
    def make(
        code: str | None = None, *, category: str = "student-devices", name: str | None = None, spec: dict | None = None
    ) -> Item:
        category_row = db.session.scalar(sa.select(Category).where(Category.slug == category))
        if category_row is None:
            category_row = Category(slug=category, name=category.replace("-", " ").title())
            db.session.add(category_row)
        code = code or f"ITEM-{next(_sequence)}"
        item = Item(category=category_row, code=code, name=name or f"Item {code}", spec=spec or {})
        db.session.add(item)
        db.session.flush()
        return item

    return make


@pytest.fixture
def make_need(make_item) -> Callable[..., Need]:
    def make(
        district: District, *, item: Item | None = None, quantity: int = 40, needed_by: date | None = None, **fields
    ) -> Need:
        need = Need(
            district=district,
            item=item or make_item(),
            quantity=quantity,
            needed_by=needed_by or clock.today() + timedelta(days=90),
            **fields,
        )
        db.session.add(need)
        db.session.flush()
        return need

    return make


LAPTOP_SPEC = {"screen_in": 11.6, "ram_gb": 8, "storage_gb": 64, "battery_hours": 10, "warranty_years": 3}


@pytest.fixture
def make_rfp(app, make_item, now) -> Callable[..., Rfp]:
    """An RFP with two laptop lines, open (published) until ``deadline_in`` from the frozen now, unless told otherwise."""
    template = app.extensions["coop.rfp_templates"]["student-laptops"]

    def make(
        *,
        status: RfpStatus = RfpStatus.OPEN,
        deadline_in: timedelta = timedelta(days=30),
        template_key: str = "student-laptops",
        quantities=(120, 40),
        title: str = "Student laptops 2027",
    ) -> Rfp:
        number = next(_sequence)
        first_item = make_item(f"LAPTOP-{number}-A", category="student-laptops", name="11-inch student laptop")
        rfp = Rfp(
            reference=f"RFP-T-{number:04d}",
            title=title,
            category=first_item.category,
            status=status,
            template_key=template_key,
            terms={
                "delivery_days": template.delivery_days,
                "delivery": template.delivery_terms,
                "warranty": template.warranty_terms,
                "criteria": [{"key": "price", "label": "Price", "weight": 100}],
            },
            bid_deadline=now() + deadline_in,
            published_at=now() - timedelta(days=10) if status != RfpStatus.DRAFT else None,
        )
        items = [first_item] + [
            make_item(f"LAPTOP-{number}-{chr(66 + i)}", category="student-laptops", name="14-inch student laptop")
            for i in range(len(quantities) - 1)
        ]
        for line_no, (item, quantity) in enumerate(zip(items, quantities), start=1):
            rfp.lines.append(
                RfpLine(
                    line_no=line_no,
                    item=item,
                    quantity=quantity,
                    spec=dict(LAPTOP_SPEC),
                    description="Student device for 1:1 programmes.",
                )
            )
        db.session.add(rfp)
        db.session.flush()
        db.session.add(RfpDocument(rfp_id=rfp.id, version=1, html="<p>version 1</p>"))
        db.session.flush()
        return rfp

    return make


@pytest.fixture
def sign_in(client: FlaskClient) -> Callable[[User], FlaskClient]:
    """Sign ``user`` in through the real sign-in form; returns the client."""

    def do(user: User) -> FlaskClient:
        response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


@pytest.fixture
def log_in(app: Flask, client: FlaskClient) -> Callable[[User], FlaskClient]:
    """Give the client the session a real sign-in gives ``user``, without argon2's deliberate slowness
    (tests/accounts signs in through the form)."""

    def do(user: User) -> FlaskClient:
        with app.test_request_context(environ_base=client.environ_base):  # the same address and browser
            login_user(user)
            signed_in_session = dict(session)
        with client.session_transaction() as client_session:
            client_session.clear()
            client_session.update(signed_in_session)
        return client

    return do


@pytest.fixture
def now(monkeypatch) -> Callable[..., datetime]:
    """Freeze the one clock: ``now(moment)`` sets it, ``now()`` reads it."""
    frozen = {"at": clock.utcnow().replace(microsecond=0)}
    monkeypatch.setattr(clock, "utcnow", lambda: frozen["at"])

    def at(moment: datetime | None = None) -> datetime:
        if moment is not None:
            frozen["at"] = moment
        return frozen["at"]

    return at


@pytest.fixture
def table_rows() -> Callable[..., list[str]]:
    """``table_rows(response, table_id)``: the visible text of each body row of that table."""
    return support.table_rows
