"""Pages read so far, for progress display of long files (a 49-page scan takes minutes).

The reader calls `start(total)` and `advance(n)`; whoever wants to show progress sets a hook
(`set_hook`), e.g. the isolated worker in pipeline/runtime/batch.py, which sends it to the parent.
No hook: nothing happens. A failing hook never stops reading."""

from __future__ import annotations

from collections.abc import Callable

_hook: Callable[[int, int], object] | None = None
_done = 0
_total = 0


def set_hook(fn: Callable[[int, int], object] | None) -> None:
    global _hook
    _hook = fn


def start(total: int) -> None:
    global _done, _total
    _done, _total = 0, total
    _emit()


def advance(n: int = 1) -> None:
    global _done
    _done = min(_total, _done + n)
    _emit()


def _emit() -> None:
    if _hook is None or _total <= 0:
        return
    try:
        _hook(_done, _total)
    except Exception:  # noqa: BLE001 - progress is a courtesy, never a failure
        pass
