"""Tesseract slots shared by a batch's worker processes (pipeline.read.ocr_slots)."""

from __future__ import annotations

import os
import signal
import threading

from pipeline.read import ocr_slots


def test_no_more_holders_than_slots_and_a_waiter_gets_the_freed_slot(tmp_path):
    ocr_slots.use(ocr_slots.create(tmp_path, 1))
    try:
        holding, release, second_in = threading.Event(), threading.Event(), threading.Event()

        def first() -> None:
            with ocr_slots.slot():
                holding.set()
                release.wait()

        def second() -> None:
            with ocr_slots.slot():
                second_in.set()

        a = threading.Thread(target=first)
        a.start()
        holding.wait()
        b = threading.Thread(target=second)
        b.start()
        b.join(timeout=0.5)
        assert not second_in.is_set()  # the only slot is held
        release.set()
        a.join()
        b.join()
        assert second_in.is_set()
    finally:
        ocr_slots.use(None)


def test_a_killed_holder_leaves_its_slot_free(tmp_path):
    folder = ocr_slots.create(tmp_path, 1)
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the holder: takes the slot, says so, and waits to be killed
        ocr_slots.use(folder)
        with ocr_slots.slot():
            os.write(ready_w, b"x")
            signal.pause()
        os._exit(0)
    try:
        assert os.read(ready_r, 1) == b"x"
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    ocr_slots.use(folder)
    try:
        with ocr_slots.slot():  # would wait for ever had the dead worker kept it
            pass
    finally:
        ocr_slots.use(None)


def test_without_a_folder_or_with_its_files_gone_calls_run_at_once(tmp_path):
    ocr_slots.use(None)
    with ocr_slots.slot():
        pass
    ocr_slots.use(tmp_path / "removed")
    try:
        with ocr_slots.slot():
            pass
    finally:
        ocr_slots.use(None)


def test_a_page_gives_its_slot_back_before_its_words_are_parsed(tmp_path, monkeypatch):
    """The next page's Tesseract need not wait while this page's output is parsed."""
    import fcntl

    from PIL import Image, ImageDraw

    import pipeline.read.ocr as ocr

    folder = ocr_slots.create(tmp_path, 1)
    parse = ocr.pytesseract.pytesseract.file_to_dict
    slot_free_at_parse: list[bool] = []

    def parse_and_look(tsv, delimiter, column):
        fd = os.open(folder / "slot-0", os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            slot_free_at_parse.append(True)
        except OSError:
            slot_free_at_parse.append(False)
        finally:
            os.close(fd)
        return parse(tsv, delimiter, column)

    monkeypatch.setattr(ocr.pytesseract.pytesseract, "file_to_dict", parse_and_look)
    image = Image.new("L", (600, 120), 255)
    ImageDraw.Draw(image).text((20, 40), "Protokoll 2024", fill=0)
    ocr_slots.use(folder)
    try:
        data = ocr._tesseract_data(image, psm=6)
    finally:
        ocr_slots.use(None)
    assert slot_free_at_parse == [True]
    assert set(data) >= {"text", "conf", "left", "top", "block_num"}


def _waiter(folder, rank: int, report_w: int, release_r: int | None = None) -> int:
    """A forked worker of the given rank that takes a slot, reports its rank, and (when given a
    pipe) holds the slot until a byte arrives on it."""
    pid = os.fork()
    if pid == 0:
        try:
            ocr_slots.use(folder, rank)
            with ocr_slots.slot():
                os.write(report_w, bytes([rank]))
                if release_r is not None:
                    os.read(release_r, 1)
        finally:
            os._exit(0)
    return pid


def _waits(folder, rank: int) -> bool:
    return any(p.name.startswith(f"wait-{rank:09d}-") for p in folder.iterdir())


def test_a_file_started_earlier_gets_the_freed_slot_before_a_later_one_that_waited_longer(tmp_path):
    import time

    folder = ocr_slots.create(tmp_path, 1)
    report_r, report_w = os.pipe()
    release_r, release_w = os.pipe()
    pids = [_waiter(folder, 5, report_w, release_r)]
    try:
        assert os.read(report_r, 1) == bytes([5])  # the holder has the only slot
        pids.append(_waiter(folder, 9, report_w))  # a later file waits first ...
        deadline = time.monotonic() + 10
        while not _waits(folder, 9) and time.monotonic() < deadline:
            time.sleep(0.01)
        pids.append(_waiter(folder, 2, report_w))  # ... then an earlier one
        while not _waits(folder, 2) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _waits(folder, 9) and _waits(folder, 2)
        os.write(release_w, b"x")
        assert os.read(report_r, 1) + os.read(report_r, 1) == bytes([2, 9])
    finally:
        for pid in pids:
            os.waitpid(pid, 0)
    assert not any(p.name.startswith("wait-") for p in folder.iterdir())  # the queue is left empty


def test_a_dead_waiter_of_an_earlier_file_holds_nobody_back(tmp_path):
    import fcntl

    folder = ocr_slots.create(tmp_path, 1)
    stale = folder / f"wait-{0:09d}-999999-1"  # left by a killed worker: its lock died with it
    stale.touch()
    fd = os.open(folder / "slot-0", os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # busy for a moment, so the call has to wait
    releaser = threading.Timer(0.2, os.close, args=(fd,))
    releaser.start()
    got = threading.Event()

    def take() -> None:
        with ocr_slots.slot():
            got.set()

    ocr_slots.use(folder, 3)
    try:
        taker = threading.Thread(target=take, daemon=True)
        taker.start()
        taker.join(timeout=60)  # not a speed limit: without it a wrong wait would hang the run
        assert got.is_set()
    finally:
        ocr_slots.use(None)
        releaser.join()
