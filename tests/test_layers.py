"""The layout's contracts, checked over the source with `ast` (no import runs): imports point down the flow, no
import cycle, no module or function past its size. The layers, bottom to top, as README's "How it works" draws them:
a module may import its own package and any layer below it, never a layer above or a sibling package of its own
layer (the foundation's modules and the surfaces aside: config raises errors, the CLI starts the UI)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rag"
LAYERS = [
    ["rag.errors", "rag.imports", "rag.config", "rag.fitted"],  # what every stage may raise, import lazily, be configured by and load fitted
    ["rag.text"],  # sentences, the lexical toolkit, offsets, dates, the parse, the vocabulary
    ["rag.schema"],  # Passage, Citation, Answer: what crosses between stages
    ["rag.embed", "rag.store"],  # the embedding model; where the collection lives
    ["rag.ingest"],
    ["rag.retrieve"],
    ["rag.read"],
    ["rag.answer"],  # prompt, models and backends, generation, verification, the outcome and its wording
    ["rag.assistant", "rag.surface"],  # the facade, and the names of the layers below it the surfaces may use
    ["rag.cli", "rag.ui", "rag.api", "rag.openai_api", "rag.watch", "rag.render", "rag.remote", "rag.examples", "rag.evaluate", "rag.__main__"],
]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, name: str) -> set[str]:
    """Every `rag` module ``path`` imports, at the top, in a function or for type checking alone."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "rag")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] == "rag":
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)  # `from rag.read import reader` names a module
    known = modules()
    return {m for m in found if m in known and m != name}


def layer_of(name: str) -> tuple[int, str]:
    """(layer index, the layer's package the module belongs to)."""
    for index, layer in enumerate(LAYERS):
        for package in layer:
            if name == package or name.startswith(package + "."):
                return index, package
    raise AssertionError(f"{name} is in no layer: add it to LAYERS")


def test_every_module_has_a_layer() -> None:
    for name in modules():
        if name != "rag":
            layer_of(name)


def test_imports_point_down_the_flow() -> None:
    wrong = []
    for name, path in modules().items():
        if name == "rag":
            continue
        level, package = layer_of(name)
        for imported in imports_of(path, name):
            if imported == "rag":
                continue
            other, other_package = layer_of(imported)
            up = other > level
            sideways = other == level and other_package != package and level not in (0, len(LAYERS) - 1)
            if up or sideways:
                wrong.append(f"{name} imports {imported}")
    assert not wrong, "imports against the flow:\n" + "\n".join(sorted(wrong))


def test_no_import_cycle() -> None:
    graph = {name: imports_of(path, name) - {"rag"} for name, path in modules().items()}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            raise AssertionError("import cycle: " + " → ".join([*path[path.index(name) :], name]))
        if name in done:
            return
        for imported in sorted(graph.get(name, ())):
            visit(imported, [*path, name])
        done.add(name)

    for name in graph:
        visit(name, [])


@pytest.mark.parametrize("name", sorted(modules()))
def test_sizes(name: str) -> None:
    path = modules()[name]
    lines = path.read_text().count("\n")
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines (at most {MAX_MODULE_LINES})"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{name}: functions over {MAX_FUNCTION_LINES} lines: {', '.join(long)}"


SURFACES = ("rag.cli", "rag.ui", "rag.api", "rag.openai_api", "rag.watch", "rag.render", "rag.remote")
BELOW_THE_FACADE = ("rag.embed", "rag.store", "rag.ingest", "rag.retrieve", "rag.read", "rag.answer")
# started by `rag ask` before the facade is imported, so a one-shot question does not wait for them (bench/RESULTS.md)
BOOTSTRAP = {"rag.cli": {"rag.embed.models", "rag.read", "rag.read.parse_ahead"}}


def reaches_below_the_facade(name: str, path: Path) -> set[str]:
    """What surface ``name`` imports from the layers between the schema and the facade, its bootstrap aside."""
    return {m for m in imports_of(path, name) if m.startswith(BELOW_THE_FACADE) and m not in BOOTSTRAP.get(name, set())}


@pytest.mark.parametrize("name", SURFACES)
def test_surfaces_go_through_the_facade(name: str) -> None:
    """The CLI, UI, API, watch and render ask the facade (`rag.assistant`) and name what they need of the layers
    below through `rag.surface`; they never import the registry, ingest or the answer steps themselves."""
    assert not reaches_below_the_facade(name, modules()[name]), f"{name} imports below the facade"


def test_the_surface_check_sees_a_violation(tmp_path: Path) -> None:
    path = tmp_path / "ui.py"
    path.write_text("from rag.answer.backends.registry import CHOICES\nfrom rag.assistant import Assistant\n")
    assert reaches_below_the_facade("rag.ui", path) == {"rag.answer.backends.registry"}


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """The contract test can fail: an upward import in a module is reported."""
    path = tmp_path / "probe.py"
    path.write_text("from rag.assistant import Assistant\nfrom rag.read import reader\n")
    assert imports_of(path, "rag.text.probe") == {"rag.assistant", "rag.read", "rag.read.reader"}
    assert layer_of("rag.assistant")[0] > layer_of("rag.text.probe")[0]
