"""One release version (pipeline.__version__, read by pyproject.toml) and `finsam --version`."""

from __future__ import annotations

import sysconfig
import tomllib
from importlib.metadata import distributions
from pathlib import Path

from typer.testing import CliRunner

from pipeline import PIPELINE_VERSION, __version__
from pipeline.cli import app

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_version_has_one_source():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert "version" not in project and "version" in project["dynamic"]
    # The installed metadata was built from it. (Looked up in site-packages: a stale
    # ./finsam.egg-info from an older install would shadow it when the checkout is on sys.path.)
    installed = [d.version for d in distributions(name="finsam", path=[sysconfig.get_paths()["purelib"]])]
    assert installed == [__version__]


def test_finsam_version_prints_the_release_and_the_records_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"finsam {__version__} (records: pipeline version {PIPELINE_VERSION})"
