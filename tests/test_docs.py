"""The docs site: API coverage, the nav's pages, the README's link and the prose pages' examples.

The API pages name every name of ``quantum_jax.__all__``, the nav's pages exist, the README links the
docs, and the Python examples of the prose pages run and assert their numbers.

``mkdocs build --strict`` itself runs in ``.ci/run`` (it needs the ``docs`` extra).
"""

from __future__ import annotations

import pathlib
import re

import pytest

import quantum_jax

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
API = DOCS / "api"

# The pages whose ```python blocks run here, each page's blocks in order in one namespace.
EXECUTED_PAGES = [
    "index.md",
    "concepts.md",
    "howto/training.md",
    "howto/batching.md",
    "howto/shots.md",
    "howto/devices.md",
    "howto/precision.md",
]


def _nav_pages() -> list[str]:
    """The Markdown files named in mkdocs.yml's nav (read as text: PyYAML is not a test dependency)."""
    text = (ROOT / "mkdocs.yml").read_text()
    nav = text[text.index("\nnav:") :]
    return re.findall(r":\s*([\w/.-]+\.md)\s*$", nav, flags=re.MULTILINE)


def _api_names() -> set[str]:
    names: set[str] = set()
    for page in API.glob("*.md"):
        names.update(re.findall(r"^::: quantum_jax\.([\w.]+)\s*$", page.read_text(), flags=re.MULTILINE))
    return names


def test_every_public_name_is_in_the_api_pages():
    missing = sorted(set(quantum_jax.__all__) - _api_names())
    assert missing == [], (
        f"add '::: quantum_jax.NAME' lines for these names to a page of docs/api/: {missing}"
    )


def test_api_pages_name_only_public_objects():
    unknown = sorted(n for n in _api_names() if n.split(".")[0] not in quantum_jax.__all__)
    assert unknown == []


def test_nav_pages_exist_and_every_api_page_is_in_the_nav():
    pages = _nav_pages()
    assert {"index.md", "concepts.md", "pennylane.md", "errors.md", "benchmarks.md"} <= set(pages)
    assert [p for p in pages if not (DOCS / p).is_file()] == []
    assert sorted(f"api/{p.name}" for p in API.glob("*.md")) == sorted(
        p for p in pages if p.startswith("api/")
    )


def test_getting_started_page_is_first_and_keeps_the_readme_commands():
    assert _nav_pages()[0] == "index.md"
    readme, index = (ROOT / "README.md").read_text(), (DOCS / "index.md").read_text()
    quickstart = readme[readme.index("## Quickstart") :].split("\n## ")[0]
    commands = [line for line in quickstart.splitlines() if line.startswith("pip install -e ")]
    assert len(commands) == 2
    assert all(c in index for c in commands)


def test_readme_links_the_docs():
    readme = (ROOT / "README.md").read_text()
    assert "docs/index.md" in readme
    assert "mkdocs build --strict" in readme


def test_concepts_page_covers_the_shift_rule_and_every_execute_option():
    text = (DOCS / "concepts.md").read_text()
    assert "Quantum 6, 677 (2022)" in text
    assert "custom_jvp" in text and "(1 + 2P)^2" in text
    import inspect

    options = list(inspect.signature(quantum_jax.execute).parameters)
    assert [o for o in options if f"| `{o}` |" not in text] == []


def _python_blocks(page: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", (DOCS / page).read_text(), flags=re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("page", EXECUTED_PAGES)
def test_page_examples_run(page, capsys):
    blocks = _python_blocks(page)
    assert blocks, f"{page} has no python examples"
    namespace: dict[str, object] = {"__name__": "docs_example"}
    for block in blocks:
        exec(compile(block, f"docs/{page}", "exec"), namespace)


def test_seed_example_numbers_in_concepts():
    namespace: dict[str, object] = {"__name__": "docs_example"}
    exec(compile(_python_blocks("concepts.md")[1], "docs/concepts.md", "exec"), namespace)
    import numpy as np

    cost_fn, params, x = namespace["cost_fn"], namespace["params"], namespace["x"]
    assert np.isclose(cost_fn(params, x), 1.930506816327422)  # type: ignore[operator]
    hessian = quantum_jax.jacobian(quantum_jax.grad(cost_fn))(params, x)
    expected = [[-0.97517033, 0.01983384, 0.0], [0.01983384, -0.97517033, 0.0], [0.0, 0.0, -0.95533649]]
    np.testing.assert_allclose(hessian, expected, atol=1e-8)
