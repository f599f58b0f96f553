import pytest

from tests.factories import load_policies


@pytest.fixture
def policies(db):
    """The three versions of the terms, loaded from the shipped data files."""
    load_policies()
