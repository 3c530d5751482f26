"""The architecture as a test: imports point one way, cli/addin -> workbook -> kpi_rules, and
inside workbook from the reader up to the writer. Lazy imports inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Lower number = lower layer. A module may import its own layer or lower ones only.
LAYERS = [
    ("kpi_rules", 0),
    ("workbook", 1),  # the package itself; every module below has a layer of its own
    ("workbook.addresses", 1),
    ("workbook.lock_file", 1),  # is a book open in Excel? (reads a lock file by path only)
    ("workbook.isolated", 1),  # work on books in worker processes with limits (imports no reader)
    ("workbook.read", 2),
    ("workbook.check", 3),
    ("workbook.plan", 4),
    ("workbook.xlsx", 5),
    ("workbook.refresh", 6),
    ("workbook.samples", 6),
    ("workbook.pack", 6),  # the committee pack: reads checks, uses the plan's words, writes atomically
    ("addin", 7),
    ("kpi_cli", 8),
]
OURS = ("kpi_rules", "workbook", "addin", "kpi_cli")


def layer_of(module: str) -> int | None:
    best = None
    for prefix, rank in LAYERS:
        inside = module == prefix or module.startswith(prefix + ".")
        if inside and (best is None or len(prefix) > len(best[0])):
            best = (prefix, rank)
    return None if best is None else best[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str | None = None) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return [(line, name) for line, name in found if name.split(".")[0] in OURS]


def our_modules() -> list[Path]:
    return sorted(p for top in OURS for p in (REPO / top).rglob("*.py"))


def test_every_module_has_a_layer_of_its_own():
    named = [prefix for prefix, _ in LAYERS]
    unplaced = [module_name(p) for p in our_modules()
                if module_name(p) not in ("workbook",)
                and not any(module_name(p).startswith(prefix + ".") or module_name(p) == prefix
                            for prefix in named if prefix != "workbook")]
    assert unplaced == []


@pytest.mark.parametrize("path", our_modules(), ids=lambda p: module_name(p))
def test_imports_point_down(path):
    own = layer_of(module_name(path))
    upward = [f"line {line}: {name}" for line, name in imports_of(path)
              if (layer_of(name) or 0) > own]
    assert upward == [], f"{module_name(path)} imports a higher layer"


def test_the_test_sees_a_lazy_upward_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from ..plan import build_plan\n")
    names = [name for _, name in imports_of(probe, "workbook.read.probe")]
    assert names == ["workbook.plan"] and layer_of(names[0]) > layer_of("workbook.read.probe")
