"""The shared taxonomy record (built once per test session, handed out per module)."""

import pytest

from tests.reports.taxonomy_fixture import build_record


@pytest.fixture(scope="module")
def taxonomy():
    """(record, terms): a realistic taxonomy record and the terms of its non-catalogue variants."""
    return build_record()
