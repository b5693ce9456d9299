"""The stages after a batch (pipeline.runtime.after_batch.after_batch): one order, one error handling,
called by `finsam process` and both flows; and no stage of finsam's own is ever "not
installed" (a broken import fails loudly)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline.runtime.after_batch as stages
import pipeline.outputs.tables
from pipeline.runtime.after_batch import AfterBatch, TablesNotRebuilt, after_batch

ROOT = Path(__file__).resolve().parent.parent
OWN_PACKAGES = ("pipeline", "extractors", "flows", "models")


def _kallelse(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / "kallelse.txt"
    src.write_text("KALLELSE\nStyrelsens sammanträde 2024-03-12\n1. Mötets öppnande\n", encoding="utf-8")
    return src


# --- no "stage not installed" ------------------------------------------------------------

def _imported_modules(node: ast.AST) -> list[str]:
    names = []
    for n in ast.walk(node):
        if isinstance(n, ast.Import):
            names += [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
            names.append(n.module)
        elif isinstance(n, ast.ImportFrom) and n.level:
            names.append("pipeline.<relative>")
    return names


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    t = handler.type
    names = [t] if not isinstance(t, ast.Tuple) else list(t.elts)
    return any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names)


def test_no_import_of_finsams_own_modules_is_optional():
    """`except ImportError` around an import of finsam's own modules turned a broken module
    into a silently skipped stage; only third-party imports may be optional."""
    offenders = []
    for package in ("pipeline", "extractors", "flows"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text("utf-8"), str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Try) or not any(_catches_import_error(h) for h in node.handlers):
                    continue
                own = [m for stmt in node.body for m in _imported_modules(stmt)
                       if m.split(".")[0] in OWN_PACKAGES]
                if own:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {own}")
    assert offenders == []


@pytest.mark.parametrize("module", ["pipeline.outputs.tables", "pipeline.report"])
def test_a_broken_stage_module_makes_finsam_process_fail_loudly(tmp_path: Path, module: str):
    """Before: a broken import of the tables module made `finsam process` exit 0 with no tables."""
    src = _kallelse(tmp_path / "in")
    out = tmp_path / "out"
    code = (
        "import sys\n"
        "class Broken:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name == {module!r}:\n"
        "            raise ImportError('simulated broken module ' + name)\n"
        "sys.meta_path.insert(0, Broken())\n"
        "from pipeline.cli import app\n"
        "app()\n"
    )
    res = subprocess.run([sys.executable, "-c", code, "process", str(src), "--out", str(out), "--jobs", "1"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert res.returncode != 0, res.stdout + res.stderr
    assert f"simulated broken module {module}" in res.stderr
    assert not (out / "tables").exists()


# --- one after-batch function -------------------------------------------------------------

def test_after_batch_reconciles_first_then_builds_tables_with_the_flags(tmp_path: Path):
    from tables_fixtures import corpus  # noqa: PLC0415

    import duckdb  # noqa: PLC0415

    corpus(tmp_path, 2)
    (tmp_path / "reconcile" / "flags.json").unlink(missing_ok=True)
    order = []

    def step(name, fn, out):
        order.append(name)
        return fn(out)

    done = after_batch(tmp_path, run_step=step)
    assert order == list(stages.STEPS) == ["reconcile-and-report", "rebuild-tables"]
    assert done.tables_rebuilt and done.reconciliation is not None
    flags = json.loads((tmp_path / "reconcile" / "flags.json").read_text("utf-8"))
    con = duckdb.connect(str(tmp_path / "finsam.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM flags").fetchone()[0] == len(flags) == done.reconciliation.flags

    order.clear()
    assert after_batch(tmp_path, reconcile_first=False, run_step=step) == AfterBatch(tables_rebuilt=True)
    assert order == ["rebuild-tables"]


def test_a_failing_table_rebuild_raises_one_line_with_what_was_done(tmp_path: Path, monkeypatch):
    def broken(out):
        raise OSError(28, "No space left on device\n(while writing documents.parquet)")

    monkeypatch.setattr(pipeline.outputs.tables, "rebuild_tables", broken)
    with pytest.raises(TablesNotRebuilt) as info:
        after_batch(tmp_path)
    assert "\n" not in str(info.value) and "No space left on device" in str(info.value)
    assert "finsam tables --rebuild" in str(info.value)
    assert isinstance(info.value.__cause__, OSError)
    assert info.value.result.reconciliation is not None  # reconciliation ran before
    with pytest.raises(TablesNotRebuilt):
        after_batch(tmp_path, reconcile_first=False)


def _calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Call):
            f = n.func
            out.add(f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "")
    return out


def test_the_cli_and_both_flows_call_the_same_after_batch():
    """The sequence after a batch is written once: the CLI and the flows call after_batch and
    never a stage function themselves."""
    import flows.nightly
    import flows.process
    import pipeline.cli

    stage_fns = {"rebuild_tables", "run_reconciliation", "reconcile",
                 "write_duckdb"}
    for module in (pipeline.cli, flows.nightly, flows.process):
        assert module.after_batch is stages.after_batch, module.__name__
        calls = _calls(Path(module.__file__))
        assert "after_batch" in calls, module.__name__
    for path in (ROOT / "flows").glob("*.py"):
        assert not _calls(path) & stage_fns, path.name
    cli_process = ast.get_source_segment(
        (ROOT / "pipeline" / "cli.py").read_text("utf-8"),
        next(n for n in ast.parse((ROOT / "pipeline" / "cli.py").read_text("utf-8")).body
             if isinstance(n, ast.FunctionDef) and n.name == "_after_batch"))
    assert "after_batch(out)" in cli_process


def test_finsam_process_runs_after_batch(tmp_path: Path, monkeypatch):
    from pipeline.cli import app  # noqa: PLC0415

    seen = []
    real = stages.after_batch
    monkeypatch.setattr("pipeline.cli.after_batch", lambda out, **kw: seen.append(out) or real(out, **kw))
    src = _kallelse(tmp_path / "in")
    res = CliRunner().invoke(app, ["process", str(src), "--out", str(tmp_path / "out"), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert seen == [tmp_path / "out"]
    assert "reconciliation: 0 error" in res.output
    assert (tmp_path / "out" / "tables" / "documents.parquet").exists()


def test_the_stages_imports_start_on_a_thread_and_a_failing_one_is_left_to_its_stage(monkeypatch):
    """import_in_background loads the stages' modules beside the batch; a module that cannot
    be imported is not reported there (its stage imports it again and fails loudly, above)."""
    import importlib

    loaded = []

    def fake_import(name):
        loaded.append(name)
        if name == "pipeline.report":
            raise ImportError("simulated broken module")
        return sys.modules.get(name)

    monkeypatch.setattr(importlib, "import_module", fake_import)
    thread = stages.import_in_background()
    thread.join(timeout=30)
    assert not thread.is_alive() and thread.daemon
    assert loaded == list(stages._STAGE_MODULES)


def test_finsam_process_starts_the_stages_imports_before_the_batch(tmp_path: Path, monkeypatch):
    import pipeline.cli as cli

    order = []
    monkeypatch.setattr(cli, "import_in_background", lambda: order.append("imports"))
    real = cli.process_batch

    def batch(*args, **kwargs):
        order.append("batch")
        return real(*args, **kwargs)

    monkeypatch.setattr(cli, "process_batch", batch)
    src = _kallelse(tmp_path / "in")
    res = CliRunner().invoke(cli.app, ["process", str(src), "--out", str(tmp_path / "out"), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert order == ["imports", "batch"]
