"""Doctests of modules that need an optional extra are skipped when the extra is not installed.

``qml.draw_mpl`` needs matplotlib (the ``notebooks`` extra); ``.ci/run`` installs it, so CI runs these
doctests; a bare ``pip install -e ".[test]"`` skips them instead of failing.
"""

import importlib.util

import pytest

# module path prefix -> the optional package its doctests import
_NEEDS = {"quantum_jax/_drawer_mpl.py": "matplotlib"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the doctests of a module whose optional dependency is missing as skipped."""
    for item in items:
        for prefix, package in _NEEDS.items():
            if item.nodeid.startswith(prefix) and importlib.util.find_spec(package) is None:
                item.add_marker(pytest.mark.skip(reason=f"{package} (an optional extra) is not installed"))
