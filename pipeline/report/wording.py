"""The report's Swedish words shared by its HTML and Markdown forms: severities, why a file
is in quarantine, the note on a flag that rests on OCR'd figures, a span of years."""

from __future__ import annotations

from models import Flag

SEVERITY_SV = {"error": "Fel", "warning": "Varning", "info": "Information"}
SEVERITY_HELP = {
    "error": "Siffror eller uppgifter som motsäger varandra och bör rättas.",
    "warning": "Något som saknas eller avviker och bör kontrolleras.",
    "info": "Förändringar mellan år som är normala men bra att känna till.",
}
ORDER = ("error", "warning", "info")
# Why a file could not be processed (ProcessingError.kind), for the quarantine section.
ERROR_KIND_SV = {
    "unreadable": "Filen kunde inte läsas (skadad eller inte det filtypen säger)",
    "encrypted": "Filen är krypterad eller lösenordsskyddad",
    "unsupported": "Filtypen stöds inte (PDF, DOCX och TXT stöds)",
    "limit": "Filen är för stor (sidor, bildpunkter eller storlek över gränsen)",
    "timeout": "Läsningen tog för lång tid",
    "memory": "Läsningen krävde för mycket minne",
    "crash": "Läsningen avbröts oväntat",
    "ocr_unavailable": "Textigenkänning (OCR) saknas på datorn",
    "missing": "Filen fanns inte kvar",
    "error": "Filen kunde inte behandlas",
}


def error_kind_sv(kind: str) -> str:
    return ERROR_KIND_SV.get(kind, ERROR_KIND_SV["error"])


QUARANTINE_HELP = ("Filer som inte kunde läsas och därför inte ingår i jämförelserna. De ligger i "
                   "karantänmappen med en förklaring bredvid (filnamnet + .reason.json). Rätta filen och lägg den i inkorgen "
                   "igen; när den har lästs försvinner den från listan.")


def years_text(years: list[int]) -> str:
    if not years:
        return "–"
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def confidence_text(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def ocr_note(f: Flag) -> str | None:
    """A flag that rests on figures read by OCR says so, with each page's confidence: the
    figure may be a misreading (292 for 792), so the page itself should be checked."""
    pages: dict[tuple, float | None] = {}
    for e in f.evidence:
        if e.get("method") == "ocr":
            pages.setdefault((e.get("file"), e.get("page")), e.get("ocr_confidence"))
    if not pages:
        return None
    where = "; ".join(
        f"{file}{', s. ' + str(page) if page else ''}"
        f"{' (OCR-säkerhet ' + confidence_text(conf) + ' %)' if conf is not None else ''}"
        for (file, page), conf in pages.items())
    return (f"Bygger på siffror som lästs med OCR (textigenkänning av en skannad sida): {where}. "
            "Siffran kan vara feltolkad – kontrollera mot sidan i filen innan något rättas.")
