"""The docs stay true to the code: generated pages are current, every command is in the
CLI reference, every table is in the data model, and every config example loads."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest
from cogapp import Cog

from monitor.indices import load_definition
from monitor.ops.settings import load_config
from monitor.store import Store

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
# A fenced TOML block, and the fragment marker of its first line (see docs/development.md).
_TOML = re.compile(r"^```toml\n(.*?)^```", re.MULTILINE | re.DOTALL)
_FRAGMENT = re.compile(r"# fragment(?: (\[[^\]]+\]))?")


def _generate() -> ModuleType:
    """docs/generate.py, the code the cog blocks call (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _examples() -> list[pytest.param]:
    examples = []
    for page in [ROOT / "README.md", *PAGES]:
        text = page.read_text(encoding="utf-8")
        for match in _TOML.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            name = f"{page.relative_to(ROOT)}:{line}"
            examples.append(pytest.param(match[1], id=name))
    return examples


def test_generated_pages_are_current() -> None:
    # cog's exit status: 5 when the page would change, others when a block fails.
    stale = [
        str(page.relative_to(ROOT))
        for page in PAGES
        if Cog().main(["cog", "--check", str(page)]) != 0
    ]
    assert not stale, f"stale: {', '.join(stale)}; regenerate with `cog -r docs/*.md`"


def test_every_command_is_in_the_cli_reference() -> None:
    reference = (DOCS / "cli-reference.md").read_text(encoding="utf-8")
    paths = [ctx.command_path for ctx in _generate().commands()]
    assert "monitor outbox retry" in paths  # subcommands of groups are walked too
    missing = [path for path in paths if f"## `{path}`\n" not in reference]
    assert not missing, f"not in docs/cli-reference.md: {missing}"


def test_every_table_and_view_is_in_the_data_model(tmp_path: Path) -> None:
    page = (DOCS / "data-model.md").read_text(encoding="utf-8")
    with Store.open(tmp_path / "monitor.db") as store:
        names = [
            row["name"]
            for row in store.db.query(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
                " AND name NOT LIKE '\\_%' ESCAPE '\\'"  # sqlite-utils' migration log
            )
        ]
    assert "score_movers" in names
    # An FTS5 table's own storage (narrative_fts_data, …) is SQLite's, not ours to document.
    fts = [name for name in names if f"| `{name}` |" in page and name.endswith("_fts")]
    names = [name for name in names if not any(name.startswith(f"{t}_") for t in fts)]
    missing = [name for name in names if f"| `{name}` |" not in page]
    assert not missing, f"not in docs/data-model.md: {missing}"


def test_the_readme_and_the_configuration_page_show_config() -> None:
    pages = {param.id.split(":")[0] for param in _examples()}
    assert {"README.md", "docs/configuration.md", "docs/notifications.md"} <= pages


@pytest.mark.parametrize("example", _examples())
def test_config_example_loads(
    example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loaded from a temporary directory, where its relative paths resolve (an `indices`
    directory is there); a fragment of one table's keys goes under that table's header
    first. An example marked `# index definition` is checked as one. A URL an example
    takes from the environment (`url_env = "NAME"`) is set to a loopback one."""
    if example.startswith("# index definition"):
        assert load_definition(_write(tmp_path / "index.toml", example)).measures
        return
    (tmp_path / "indices").mkdir()
    # The docs' own definitions are there: a config example may watch one (`courts`).
    for n, definition in enumerate(_definitions()):
        _write(tmp_path / "indices" / f"example{n}.toml", definition)
    for variable in re.findall(r'^\s*\w*url_env\s*=\s*"(\w+)"', example, re.M):
        monkeypatch.setenv(variable, "http://127.0.0.1:9/placeholder")
    marker = _FRAGMENT.match(example)
    table = marker[1] if marker and marker[1] else None
    path = tmp_path / "config.toml"
    path.write_text(f"{table}\n{example}" if table else example, encoding="utf-8")
    config = load_config(path)
    assert config.path == path
    assert config.data_dir.is_relative_to(tmp_path)


def _definitions() -> list[str]:
    return [p.values[0] for p in _examples() if p.values[0].startswith("# index definition")]


# A file the walkthrough has you save ("Save it as `indices/courts.toml`:" and its block),
# and a command it runs with the output it shows (an excerpt: "…" skips lines).
_SAVED = re.compile(r"as\s+`([^`]+)`:\n\n```\w+\n(.*?)^```", re.MULTILINE | re.DOTALL)
_RUN = re.compile(r"^```sh\n(monitor [^\n]*)\n```\n\n```text\n(.*?)^```", re.M | re.DOTALL)


def _flat(text: str) -> str:
    """Text without table borders (U+2500–U+257F) or line wrapping."""
    return " ".join(re.sub(r"[\u2500-\u257f]", " ", text).split())


def test_the_add_an_index_walkthrough_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file docs/add-an-index.md has you write is written, every command it shows
    is run in order, and each shows the output the page says (in order, as excerpts)."""
    from click.testing import CliRunner

    from monitor.cli.main import cli

    page = (DOCS / "add-an-index.md").read_text(encoding="utf-8")
    saved = dict(_SAVED.findall(page))
    assert {"indices/courts.toml", "config.toml", "open-courts-2025.csv"} <= saved.keys()
    for name, text in saved.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        _write(tmp_path / name, text)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    runs = _RUN.findall(page)
    commands = [command.split()[1] for command, _ in runs]
    assert commands == [
        "indices",
        "indices",
        "watch",
        "import-workbook",
        "import-workbook",
        "show",
        "digest",
    ]
    for command, expected in runs:
        result = CliRunner().invoke(cli, command.split()[1:])
        assert result.exit_code == 0, f"{command}:\n{result.output}"
        shown, at = _flat(result.output), 0
        for line in filter(None, (_flat(x) for x in expected.splitlines())):
            if line != "…":
                found = shown.find(line, at)
                assert found >= 0, f"{command}: {line!r} is not in (or out of order in)\n{shown}"
                at = found + len(line)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_python_examples_use_only_the_public_api() -> None:
    """A script needs `monitor` alone; private module paths may move."""
    import monitor

    blocks = re.findall(r"^```python\n(.*?)^```", (ROOT / "README.md").read_text(), re.M | re.S)
    assert blocks, "the README shows the Python API"
    for block in blocks:
        imports = re.findall(r"^(?:from \S+ )?import .*$", block, re.M)
        assert imports == ["import monitor"], imports
        used = set(re.findall(r"\bmonitor\.(\w+)", block))
        assert used <= set(monitor.__all__), sorted(used - set(monitor.__all__))
