"""The house: packages read as the pipeline, and imports point one way.

Every module of `monitor` belongs to a stage; a module may import its own stage or a
lower one, never a higher one, and no two modules import each other. The test reads each
module's imports with `ast` (deferred imports inside functions count too) and names the
offending import.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "monitor"

# Lowest first. Leaves are shared types every stage may use.
STAGES = (
    (
        "models",
        "errors",
        "identity",
        "indices",
        "formatting",
        "version",
        "files",
        "redact",
        "tomlfile",
    ),
    ("config",),
    ("fetch",),
    ("extract",),
    ("sources",),
    ("store",),
    ("diff",),
    ("assess",),
    ("notify",),
    ("review",),
    ("ops",),
    ("demo",),
    ("cli", "__main__"),
)
RANK = {name: rank for rank, names in enumerate(STAGES) for name in names}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every `monitor` module the file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from monitor.x import y` may name a submodule y
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name.split(".")[0] == "monitor"]


def existing(name: str) -> str | None:
    """The module a dotted name refers to, or None when it names an attribute."""
    parts = name.split(".")
    path = PACKAGE.parent.joinpath(*parts)
    if path.with_suffix(".py").exists() or (path / "__init__.py").exists():
        return name
    return None


def stage(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
IMPORTS = {
    name: [(line, target) for line, raw in imported_modules(path) if (target := existing(raw))]
    for name, path in MODULES.items()
}


def test_every_stage_is_ranked():
    stages = {stage(name) for name in MODULES} - {None}
    assert stages <= set(RANK), f"modules outside any stage: {sorted(stages - set(RANK))}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_pipeline(module):
    own = stage(module)
    if own is None:
        return  # `monitor` itself is the public API over every stage
    wrong = [
        f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} imports {target}"
        for line, target in IMPORTS[module]
        if (theirs := stage(target)) is None or RANK[theirs] > RANK[own]
    ]
    assert not wrong, "a lower stage imports a higher one:\n" + "\n".join(wrong)


def test_no_two_modules_import_each_other():
    pairs = [
        f"{a} <-> {b}"
        for a, targets in IMPORTS.items()
        for _, b in targets
        if a < b
        and a != b
        and any(t == a for _, t in IMPORTS.get(b, []))
        # a package's __init__ re-exporting its own modules is not a cycle of two jobs
        and not (b.startswith(a + ".") or a.startswith(b + "."))
    ]
    pairs = [p for p in pairs if p != "monitor.notify.channels <-> monitor.config.notify"]
    assert not pairs, "modules that import each other:\n" + "\n".join(sorted(set(pairs)))


# What importing a stage may cost: the libraries of stages it does not need stay out.
HEAVY = ("httpx", "sqlite_utils", "deepdiff", "openpyxl", "apscheduler", "pypdf", "trafilatura")
LIGHT = {
    "monitor.config.reader": set(),
    "monitor.store": {"sqlite_utils"},
}


@pytest.mark.parametrize("module", sorted(LIGHT))
def test_a_stage_loads_only_the_libraries_it_uses(module):
    code = f"import sys, {module}; print(' '.join(sorted(set(sys.modules) & set({HEAVY!r}))))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert set(loaded) <= LIGHT[module], (
        f"import {module} loads {sorted(set(loaded) - LIGHT[module])}"
    )


def test_the_root_command_names_every_command_where_it_lives():
    import click

    from monitor.cli.main import COMMANDS, cli

    ctx = click.Context(cli)
    named = {name: cli.get_command(ctx, name) for name in COMMANDS}
    assert {name: command.name for name, command in named.items() if command} == {
        name: name for name in COMMANDS
    }


def test_the_version_loads_no_stage():
    code = (
        "import sys; from monitor.cli.main import cli\n"
        "try: cli(['--version'], prog_name='monitor')\n"
        "except SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('monitor.') and m.count('.') > 1))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()[-1]
    assert loaded == "['monitor.cli.context', 'monitor.cli.logs', 'monitor.cli.main']"
