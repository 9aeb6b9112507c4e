import pytest

from auditor.simulate.generator import generate


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes half a minute or more (a fresh install, a whole demo)")


@pytest.fixture(scope="session")
def world():
    """The simulated territory for seed 7 (read-only: tests that alter it make their own)."""
    return generate(7)
