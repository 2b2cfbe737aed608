"""Every test here is in the reliability suite: ``pytest -m reliability`` runs it alone."""
import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "cs_pipeline_tests/reliability/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.reliability)
