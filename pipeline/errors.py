"""Exceptions for when a file cannot be processed at all.

A document that is merely odd yields records with warnings; these are for files the
program cannot go on with. `kind` is stable and machine-readable (errors/*.json, quarantine).
"""


class FinsamError(Exception):
    kind = "error"

    def __init__(self, message: str, kind: str | None = None):
        super().__init__(message)
        if kind:
            self.kind = kind


class UnreadableFile(FinsamError):
    kind = "unreadable"


class EncryptedFile(FinsamError):
    kind = "encrypted"


class UnsupportedFile(FinsamError):
    kind = "unsupported"


class LimitExceeded(FinsamError):
    kind = "limit"


class OcrUnavailable(FinsamError):
    kind = "ocr_unavailable"
