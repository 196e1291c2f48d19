"""How long a district's 5,000-row needs spreadsheet takes to import, CSV, XLSX and ODS.

Runs the real service (`coop.needs.services.import_needs`) against a scratch
database: a temporary SQLite file, or PostgreSQL when a URL is given (a schema
of its own is created and dropped). The ODS file is the CSV saved by LibreOffice
(`soffice`), and left out where it is not installed. Writes bench/results/needs_import.md.

    python bench/needs_import_bench.py [--rows 5000] [--runs 3] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import openpyxl
import report
import sqlalchemy as sa
from flask_migrate import upgrade

from coop import clock, create_app
from coop.accounts.models import Membership, Role, User
from coop.catalogue.models import Category, Item
from coop.extensions import db
from coop.needs import services
from coop.orgs.models import District, OrganisationStatus, Region

RESULTS = Path(__file__).resolve().parent / "results" / "needs_import.md"
COLUMNS = ["item_code", "quantity", "needed_by", "budget_cap", "erate_eligible", "spec_notes"]


def spreadsheets(rows: int) -> dict[str, bytes]:
    today = clock.today()
    records = [
        [
            f"ITEM-{i % 50}",
            str(1 + i % 300),
            (today + timedelta(days=1 + i % 365)).isoformat(),
            f"{1000 + i}.50" if i % 2 else "",
            "yes" if i % 3 == 0 else "no",
            f"spec notes for row {i}",
        ]
        for i in range(rows)
    ]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    writer.writerows(records)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    for record in records:
        sheet.append(record)
    xlsx = io.BytesIO()
    workbook.save(xlsx)
    files = {"needs.csv": text.getvalue().encode(), "needs.xlsx": xlsx.getvalue()}
    if shutil.which("soffice"):
        files["needs.ods"] = saved_by_libreoffice(files["needs.csv"])
    return files


def saved_by_libreoffice(csv_content: bytes) -> bytes:
    """The CSV opened by LibreOffice (dates and numbers typed as its CSV import types them) and saved as ODS."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "needs.csv").write_bytes(csv_content)
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "ods", "--outdir", folder, f"{folder}/needs.csv"],
            check=True,
            capture_output=True,
            env={**os.environ, "HOME": folder},  # a profile of its own
            timeout=300,
        )
        return (Path(folder) / "needs.ods").read_bytes()


def measure(
    database_url: str, engine_options: dict, files: dict[str, bytes], rows: int, runs: int
) -> list[tuple[str, float]]:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options, "SECRET_KEY": "bench"}
    )
    timings = []
    with app.app_context():
        upgrade()
        category = Category(slug="devices", name="Devices")
        region = Region(code="north", name="North")
        district = District(
            name="Bench SD", state="OR", region=region, enrollment=1000, status=OrganisationStatus.APPROVED
        )
        user = User(email="bench@example.org", name="Bench", password_hash="unused")
        user.memberships.append(Membership(organisation=district, role=Role.DISTRICT_BUYER))
        db.session.add_all(
            [
                category,
                *[Item(category=category, code=f"ITEM-{i}", name=f"Item {i}") for i in range(50)],
                region,
                district,
                user,
            ]
        )
        db.session.commit()
        for name, content in files.items():
            for _ in range(runs):
                start = time.perf_counter()
                result = services.import_needs(db.session.get(User, user.id), name, content)
                timings.append((name, time.perf_counter() - start))
                if result.count != rows:
                    raise SystemExit(f"{name}: imported {result.count} rows, expected {rows}")
        db.session.remove()
        db.engine.dispose()
    return timings


def machine() -> str:
    return (
        f"{report.cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    files = spreadsheets(args.rows)
    lines = [
        f"# Needs import: {args.rows:,} rows",
        "",
        f"Machine: {machine()}",
        f"Command: `python bench/needs_import_bench.py --rows {args.rows} --runs {args.runs}`",
        f"Load average (1 minute) at the start: {os.getloadavg()[0]:.2f}",
        "",
        "| database | file | fastest s | slowest s |",
        "| --- | --- | --- | --- |",
    ]
    targets = [("SQLite", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3", {}, None)]
    if args.database_url:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        targets.append(
            ("PostgreSQL", args.database_url, {"connect_args": {"options": f"-c search_path={schema}"}}, schema)
        )
    for label, url, options, schema in targets:
        admin = sa.create_engine(url) if schema else None
        if admin:
            with admin.begin() as connection:
                connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        try:
            timings = measure(url, options, files, args.rows, args.runs)
        finally:
            if admin:
                with admin.begin() as connection:
                    connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
                admin.dispose()
        for name in files:
            seconds = [elapsed for file, elapsed in timings if file == name]
            lines.append(f"| {label} | {name.split('.')[-1].upper()} | {min(seconds):.2f} | {max(seconds):.2f} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
