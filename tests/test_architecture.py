"""The house rules of ``ARCHITECTURE.md``, checked on the source: layers, no cycles, short functions."""

from __future__ import annotations

import ast
import pathlib
import sys

import pytest

import quantum_jax

PACKAGE = pathlib.Path(quantum_jax.__file__).parent

# The layers of ARCHITECTURE.md, bottom first. A module may import modules of its own layer or of
# lower ones, never of a higher one; a new module must be placed here.
LAYERS: dict[str, int] = {
    # 0 foundation: wire labels, recording, the Pauli algebra, array kernels, shift-rule algebra, shots
    **dict.fromkeys(
        ["_wires", "_recording", "_pauli", "_kernels", "_shift_rules", "_shots", "_memory", "_precision"], 0
    ),
    # 1 operations: gates, observables, measurements
    **dict.fromkeys(
        [
            "_operation",
            "_observables",
            "_gates",
            "_hermitian",
            "_sampling",
            "_measurements",
            "_legacy",
            "_fermionic",
            "_controlled",
            "_arithmetic",
            "_matrix",
            "_templates",
            "_qaoa",
            "_midcircuit",
            "_channels",
            "_density",
        ],
        1,
    ),
    # 2 tape, and the deferral of mid-circuit measurements (a tape-to-tape rewrite)
    **dict.fromkeys(["_tape", "_deferred"], 2),
    # 3 simulator and the device description it runs on
    **dict.fromkeys(["_table", "_program", "_simulator", "_device"], 3),
    # 3 the density-matrix simulator beside the statevector one (issue 16)
    **dict.fromkeys(["_mixed"], 3),
    # 7 the public face of the noise models (issue 16)
    **dict.fromkeys(["noise"], 7),
    # 4 differentiation and execution
    **dict.fromkeys(
        [
            "_methods",
            "_adjoint",
            "_core",
            "_execute",
            "_transforms",
            "_tracker",
            "_tape_transforms",
            "_spsa",
            "_hadamard",
            "_noise",
        ],
        4,
    ),
    # 5 QNodes
    **dict.fromkeys(["_qnode", "_set_shots", "_drawer", "_drawer_mpl"], 5),
    # 6 the PennyLane-style shim
    **dict.fromkeys(["numpy", "_autograd", "_optimizers", "_metric_tensor"], 6),
    # 7 the public faces: re-exports and the demo
    **dict.fromkeys(
        ["__init__", "__main__", "gradients", "simulator", "tape", "pauli", "qaoa", "math", "transforms"], 7
    ),
}

MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, ast.Module]:
    return {f.stem: ast.parse(f.read_text(), str(f)) for f in sorted(PACKAGE.glob("*.py"))}


def _imports(tree: ast.Module) -> set[str]:
    """The package modules a module imports anywhere (module level, functions, TYPE_CHECKING)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module is None:
                out.update(alias.name for alias in node.names)
            elif node.level == 1:
                out.add(node.module.split(".")[0])
            elif node.module and node.module.startswith("quantum_jax."):
                out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[1] for a in node.names if a.name.startswith("quantum_jax."))
    return out


def test_every_module_has_a_layer():
    assert sorted(set(_modules()) - set(LAYERS)) == []
    assert sorted(set(LAYERS) - set(_modules())) == []


def test_imports_point_down_only():
    upward = [
        f"{name} (layer {LAYERS[name]}) imports {dep} (layer {LAYERS[dep]})"
        for name, tree in _modules().items()
        for dep in sorted(_imports(tree))
        if dep in LAYERS and LAYERS[dep] > LAYERS[name]
    ]
    assert upward == []


def test_no_import_cycles():
    graph = {name: _imports(tree) & set(LAYERS) for name, tree in _modules().items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return [*path, node, dep]
            if dep not in state and (cycle := visit(dep, [*path, node])):
                return cycle
        state[node] = 2
        return None

    cycles = [c for name in sorted(graph) if name not in state and (c := visit(name, []))]
    assert cycles == []


def test_no_long_functions():
    long = [
        f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for name, tree in _modules().items()
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


# The runtime dependencies of pyproject.toml; anything else (scipy for Rotosolve's optional
# substep minimizers) is imported lazily where it is used, never at import time.
RUNTIME_DEPENDENCIES = {"jax", "jaxlib", "numpy", "optax", "quantum_jax"}

# Optional dependencies (extras of pyproject.toml) and the only modules allowed to import them, inside
# functions only, so that ``import quantum_jax`` never needs them: matplotlib for ``qml.draw_mpl``.
OPTIONAL_DEPENDENCIES: dict[str, set[str]] = {"matplotlib": {"_drawer_mpl"}}


def _function_level_imports(tree: ast.Module) -> set[int]:
    """The ``id`` of every import statement inside a function of the module."""
    return {
        id(node)
        for func in ast.walk(tree)
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef))
        for node in ast.walk(func)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    }


def _exempt(name: str, root: str, node: ast.AST, lazy: set[int]) -> bool:
    return name in OPTIONAL_DEPENDENCIES.get(root, set()) and id(node) in lazy


def test_modules_import_only_the_standard_library_and_runtime_dependencies():
    found = sorted(
        f"{name} imports {root}"
        for name, tree in _modules().items()
        for lazy in [_function_level_imports(tree)]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0)
        for root in (
            [a.name.split(".")[0] for a in node.names]
            if isinstance(node, ast.Import)
            else [str(node.module).split(".")[0]]
        )
        if root not in sys.stdlib_module_names
        and root not in RUNTIME_DEPENDENCIES
        and not _exempt(name, root, node, lazy)
    )
    assert found == []


def test_optional_dependencies_are_imported_lazily_only():
    tree = ast.parse("import matplotlib\ndef f():\n    from matplotlib.figure import Figure\n")
    lazy = _function_level_imports(tree)
    top, inner = tree.body[0], tree.body[1].body[0]
    assert not _exempt("_drawer_mpl", "matplotlib", top, lazy)
    assert _exempt("_drawer_mpl", "matplotlib", inner, lazy)
    assert not _exempt("_drawer", "matplotlib", inner, lazy)


def test_the_checks_can_fail(tmp_path):
    bad = ast.parse("from ._qnode import QNode\nfrom . import _tape\nimport quantum_jax._core\n")
    assert _imports(bad) == {"_qnode", "_tape", "_core"}


@pytest.mark.parametrize("name", quantum_jax.__all__)
def test_public_names_exist(name):
    assert getattr(quantum_jax, name) is not None


def test_namespace_holds_no_typing_helpers():
    assert not hasattr(quantum_jax, "Any")
    assert "numpy" in quantum_jax.__all__
    assert sorted(quantum_jax.__all__) == sorted(set(quantum_jax.__all__))
