"""The store, rendering and the config sit below the parser and the rules: they never import them,
directly or through another module (shared words live in vocab, defaults, views, mail)."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).parent.parent / "mailproc"
BELOW_THE_STAGES = [
    "mailproc.config",
    "mailproc.render",
    "mailproc.views",
    "mailproc.lifecycle",
    *(f"mailproc.store.{p.stem}" for p in sorted((PACKAGE / "store").glob("*.py")) if p.stem != "__init__"),
]
STAGES = ("mailproc.parse", "mailproc.rules")


def _source(module: str) -> pathlib.Path | None:
    path = PACKAGE.parent.joinpath(*module.split("."))
    return next((p for p in (path.with_suffix(".py"), path / "__init__.py") if p.exists()), None)


def _imports(module: str) -> set[str]:
    """The mailproc modules `module` imports when it runs (imports only for type checking left out)."""
    found: set[str] = set()

    class Imports(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
                return
            self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(alias.name for alias in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.module:
                found.update({node.module, *(f"{node.module}.{alias.name}" for alias in node.names)})

    Imports().visit(ast.parse(_source(module).read_text(encoding="utf-8")))
    return {m for m in found if m.startswith("mailproc.") and _source(m)}


def _reached(module: str) -> dict[str, str]:
    """Every mailproc module `module` loads, with the module that imports it."""
    by, todo = {module: ""}, [module]
    while todo:
        current = todo.pop()
        parents = {".".join(current.split(".")[:i]) for i in range(2, current.count(".") + 1)}
        for imported in _imports(current) | parents:
            if imported not in by:
                by[imported] = current
                todo.append(imported)
    return by


@pytest.mark.parametrize("module", BELOW_THE_STAGES)
def test_never_imports_the_parser_nor_the_rules(module):
    reached = _reached(module)
    assert {m: f"imported by {by}" for m, by in reached.items() if m.startswith(STAGES)} == {}


def test_the_check_sees_a_stage_imported_on_the_way():
    assert any(m.startswith("mailproc.rules") for m in _reached("mailproc.outbound"))
