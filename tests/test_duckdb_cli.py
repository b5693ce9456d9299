"""The `duckdb` command analysts use (duckdb-cli, installed with the project) opens finsam.duckdb."""

import subprocess
import sys
from pathlib import Path

from pipeline.outputs.tables import rebuild_tables


def test_duckdb_cli_opens_the_database_from_another_directory(tmp_path: Path):
    out = tmp_path / "outputs"
    rebuild_tables(out)
    cli = Path(sys.executable).parent / "duckdb"
    assert cli.exists(), "duckdb-cli is a project dependency"
    res = subprocess.run(
        [str(cli), str(out / "finsam.duckdb"), "-csv", "-c", "select doc_type, count(*) as n from segments group by 1"],
        cwd=tmp_path.parent, capture_output=True, text=True, timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0] == "doc_type,n"
