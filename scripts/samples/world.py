"""The fictional world of the sample corpus: Samordningsförbundet Norrådalen, 2024-2026.

All places, organisations (except the two real state agencies, with their real
organisation numbers as printed in the seed documents) and people are invented.
Organisation numbers of fictional parties are built to pass the Luhn check with the
prefix of their kind (kommun 212000-, region 232100-, förbund 222000-).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

FORBUND = "Samordningsförbundet Norrådalen"
MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"]


def luhn_complete(nine: str) -> str:
    """The 10-digit number whose last digit makes `nine` pass the Luhn check."""
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return nine + str((10 - total % 10) % 10)


def fmt_orgnr(ten: str) -> str:
    return f"{ten[:6]}-{ten[6:]}"


def orgnr(nine: str) -> str:
    return fmt_orgnr(luhn_complete(nine))


def broken_orgnr(nine: str) -> str:
    """Same digits with a check digit that fails Luhn (a typo in the last digit)."""
    ten = luhn_complete(nine)
    return fmt_orgnr(ten[:9] + str((int(ten[9]) + 3) % 10))


@dataclass(frozen=True)
class Org:
    name: str
    orgnr: str
    party_type: str  # kommun | region | statlig myndighet | samordningsförbund | other
    short: str = ""


FK = Org("Försäkringskassan", "202100-5521", "statlig myndighet")
AF = Org("Arbetsförmedlingen", "202100-2114", "statlig myndighet")
REGION = Org("Region Västmark", orgnr("232100041"), "region")
NORRASA = Org("Norråsa kommun", orgnr("212000247"), "kommun", "Norråsa")
LILLFORSA = Org("Lillforsa kommun", orgnr("212000251"), "kommun", "Lillforsa")
GRANASEN = Org("Granåsens kommun", orgnr("212000263"), "kommun", "Granåsen")
HEDTRASK = Org("Hedträsks kommun", orgnr("212000272"), "kommun", "Hedträsk")
FORBUNDET = Org(FORBUND, orgnr("222000318"), "samordningsförbund")
# A second, different but valid number for Granåsen: planted "same organisation, other number".
GRANASEN_OTHER_ORGNR = orgnr("212000236")
FOLKHOGSKOLA_NINE = "802471355"  # stiftelse: 8-prefix, fictional
KOMMUNER = [NORRASA, LILLFORSA, GRANASEN, HEDTRASK]

# Share of the working-age population (20-64) per member kommun, in percent.
SHARES = {NORRASA.name: Decimal("71.4"), LILLFORSA.name: Decimal("12.3"), GRANASEN.name: Decimal("9.8"), HEDTRASK.name: Decimal("6.5")}


@dataclass(frozen=True)
class Person:
    name: str
    org: str
    role: str  # as printed after the organisation


# The board (styrelse): one ledamot per member, seven in all.
BOARD = [
    Person("Karin Lindqvist", NORRASA.name, "ordförande"),
    Person("Per-Olof Sandberg", REGION.name, "vice ordförande"),
    Person("Eva Holmström", FK.name, "ledamot"),
    Person("Jonas Berglund", AF.name, "ledamot"),
    Person("Maria Åkesson", LILLFORSA.name, "ledamot"),
    Person("Gunnar Öberg", GRANASEN.name, "ledamot"),
    Person("Anneli Vikström", HEDTRASK.name, "ledamot"),
]
DEPUTIES = [
    Person("Lars Nyström", NORRASA.name, "ersättare"),
    Person("Sofia Engström", REGION.name, "ersättare"),
    Person("Henrik Dahl", FK.name, "ersättare"),
    Person("Amina Yusuf", AF.name, "ersättare"),
]
CHEF = Person("Ulrika Sjöberg", FORBUND, "förbundschef")
SEKRETERARE = Person("Therese Lundin", FORBUND, "administratör")
PROCESSLEDARE = Person("Ahmed Karimi", FORBUND, "processledare")
EKONOM = Person("Mikaela Forsberg", FORBUND, "ekonom")

# Signatories of the överenskommelse series.
SIGN_OVK = {
    AF.name: ("Camilla Fors", "Sektionschef, Arbetsförmedlingen Norrådalen"),
    NORRASA.name: ("Mats Eklund", "Kommunstyrelsens ordförande"),
    LILLFORSA.name: ("Birgitta Hedman", "Kommunstyrelsens ordförande"),
    GRANASEN.name: ("Tomas Wallin", "Kommundirektör"),
    HEDTRASK.name: ("Elin Marklund", "Kommunchef"),
    REGION.name: ("Stefan Rask", "Hälso- och sjukvårdsdirektör"),
    FORBUND: ("Karin Lindqvist", "Ordförande"),
}
REGION_SIGNATORY_2026 = ("Linnea Bäck", "Tf. hälso- och sjukvårdsdirektör")

# Signatories of the uppdragsavtal Steget.
SIGN_STEGET = {
    FORBUND: ("Ulrika Sjöberg", "Förbundschef"),
    NORRASA.name: ("Rickard Holm", "Arbetsmarknadschef, Arbetsmarknadsenheten"),
    FK.name: ("Helena Ström", "Enhetschef, Lokalt försäkringscenter Norråsa"),
    AF.name: ("Camilla Fors", "Sektionschef"),
    REGION.name: ("Oskar Lind", "Verksamhetschef, Psykiatriska kliniken"),
}


def sv_date(d: date) -> str:
    return d.isoformat()


def sv_long(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def kr_dots(sek: int) -> str:
    """3132000 -> '3.132.000 kr' (the agreements' style)."""
    return f"{sek:,}".replace(",", ".") + " kr"


def tkr_round(sek: Decimal) -> int:
    return int((Decimal(sek) / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def tkr_text(n: int) -> str:
    s = f"{abs(n):,}".replace(",", " ")
    return f"-{s}" if n < 0 else s


def pct_text(p: Decimal) -> str:
    return f"{p}".replace(".", ",") + "%"
