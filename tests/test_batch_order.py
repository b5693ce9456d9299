"""The order a batch starts its files in: largest first when files run side by side (issue 17)."""

from __future__ import annotations

from pathlib import Path

from pipeline.runtime.batch import start_order


def files(tmp_path: Path, sizes: dict[str, int]) -> list[Path]:
    out = []
    for name, size in sizes.items():
        path = tmp_path / name
        if size >= 0:
            path.write_bytes(b"x" * size)
        out.append(path)
    return out


def test_side_by_side_the_largest_file_starts_first_and_equal_sizes_keep_their_order(tmp_path):
    fs = files(tmp_path, {"a.pdf": 10, "b.pdf": 300, "c.pdf": 20, "d.pdf": 300, "e.pdf": 5})
    assert [fs[i].name for i in start_order(fs, jobs=2)] == ["b.pdf", "d.pdf", "c.pdf", "a.pdf", "e.pdf"]


def test_a_missing_file_starts_last_and_one_at_a_time_keeps_the_given_order(tmp_path):
    fs = files(tmp_path, {"gone.pdf": -1, "small.pdf": 1, "big.pdf": 50})
    assert [fs[i].name for i in start_order(fs, jobs=4)] == ["big.pdf", "small.pdf", "gone.pdf"]
    assert start_order(fs, jobs=1) == [0, 1, 2]
