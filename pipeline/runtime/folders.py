"""The kansli's four folders (inbox, archive, quarantine, outputs) and the rule that keeps them apart."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import FinsamError
from pipeline.names import display_path


@dataclass(frozen=True)
class Folders:
    inbox: Path
    archive: Path
    quarantine: Path
    out: Path

    @classmethod
    def default(cls, base: Path = Path("corpus"), out: Path = Path("outputs")) -> Folders:
        return cls(base / "inbox", base / "archive", base / "quarantine", out)

    def resolved(self) -> Folders:
        return Folders(*(Path(p).expanduser().resolve() for p in (self.inbox, self.archive, self.quarantine, self.out)))

    def ensure(self) -> None:
        self.check()
        for p in (self.inbox, self.archive, self.quarantine, self.out):
            Path(p).mkdir(parents=True, exist_ok=True)

    def check(self) -> None:
        """Refuse folders that overlap (one line): an archive, quarantine or output folder
        inside the inbox is read again as new files by the next cycle (and its originals
        deleted), an inbox inside one of them likewise; the archive and the quarantine must
        be apart too. Compared after resolving links, so a link cannot hide an overlap."""
        named = {"--inbox": self.inbox, "--archive": self.archive, "--quarantine": self.quarantine, "--out": self.out}
        real = {k: Path(v).expanduser().resolve() for k, v in named.items()}
        pairs = [("--inbox", "--archive"), ("--inbox", "--quarantine"), ("--inbox", "--out"),
                 ("--archive", "--quarantine")]
        for a, b in pairs:
            pa_, pb = real[a], real[b]
            if pa_ == pb or pa_.is_relative_to(pb) or pb.is_relative_to(pa_):
                how = "is the same folder as" if pa_ == pb else "is inside" if pa_.is_relative_to(pb) else "contains"
                raise FolderOverlap(f"{a} {display_path(pa_)} {how} {b} {display_path(pb)}; "
                                    "the folders must be apart (files would be taken twice or deleted)")


class FolderOverlap(FinsamError):
    kind = "config"
