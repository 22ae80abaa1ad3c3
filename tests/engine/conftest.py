import pytest
from tests.engine import builders


@pytest.fixture(scope="session")
def catalogue():
    return builders.catalogue()
