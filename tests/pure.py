"""For test modules of pure code (no app, no database): ``from pure import _transaction``.

It replaces the suite's autouse fixture of that name, which builds the app and migrates a database first. The
mutation run (``make mutation``) runs these modules again for every mutant, in a fresh process each time: without
the app, a mutant costs a fraction of a second instead of a migration.
"""

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _transaction() -> Iterator[None]:
    yield
