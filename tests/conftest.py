import pytest

from auditor.simulate.generator import generate


@pytest.fixture(scope="session")
def world():
    """The simulated territory for seed 7 (read-only: tests that alter it make their own)."""
    return generate(7)
