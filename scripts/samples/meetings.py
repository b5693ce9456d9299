"""Agendas (kallelse/föredragningslista) and minutes (protokoll) of the board."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from samples.segments import Seg, iso
from samples.world import BOARD, CHEF, DEPUTIES, EKONOM, FORBUND, PROCESSLEDARE, SEKRETERARE, Person, sv_date

BODY = "Styrelsen"


@dataclass
class Item:
    """One agenda item and what became of it in the minutes."""

    title: str
    kind: str | None = None  # Beslut / Information / Diskussion / Information/diskussion
    presenters: list[str] = field(default_factory=list)
    attachments: list[int] = field(default_factory=list)
    text: str = ""  # agenda text after the presenter line
    proposal: str | None = None  # Förslag till beslut
    minutes: str = ""  # what the protokoll says
    decision: str | None = None  # Beslut: ... in the protokoll (None: no decision recorded)


def _attach_text(numbers: list[int]) -> str:
    if not numbers:
        return ""
    if len(numbers) == 1:
        return f" (Bilaga {numbers[0]})"
    return f" (Bilaga {numbers[0]}-{numbers[-1]})"


def agenda_heading(item: Item) -> str:
    kind = f" – {item.kind}" if item.kind else ""
    return f"{item.title}{kind}{_attach_text(item.attachments)}"


def kallelse(meeting: date, sent: date, time: str, place: str, items: list[Item],
             numbers: list[int] | None = None, running_header: str = "KALLELSE") -> Seg:
    numbers = numbers or list(range(1, len(items) + 1))
    seg = Seg("foredragningslista", f"Kallelse och föredragningslista, styrelsens sammanträde {sv_date(meeting)}",
              running_header=f"{FORBUND.upper()} · {running_header}", body=BODY, meeting_date=meeting, document_date=sent)
    seg.p(sv_date(sent))
    seg.title_("KALLELSE\nFÖREDRAGNINGSLISTA")
    all_att = sorted(a for it in items for a in it.attachments)
    seg.p(f"Styrelsens sammanträde {sv_date(meeting)}, klockan {time}\nLokal: {place}",
          meetings=[{"meeting_date": iso(meeting), "time": time, "place": place, "body": BODY, "justerare": [],
                     "justeringsdatum": None, "anslag_uppsatt": None, "anslag_nedtaget": None}])
    if all_att:
        seg.p(f"Handlingar: Bilaga {all_att[0]}-{all_att[-1]} bifogas kallelsen. Förhinder meddelas kansliet "
              "snarast så att ersättare kan kallas.")
    for n, item in zip(numbers, items):
        paras = []
        if item.presenters:
            paras.append(f"{' och '.join(item.presenters)} föredragande. {item.text}".strip())
        elif item.text:
            paras.append(item.text)
        rec = {"meeting_date": iso(meeting), "item_number": n, "title": item.title, "item_kind": item.kind,
               "presenters": list(item.presenters), "attachments": list(item.attachments),
               "proposed_decision": item.proposal}
        recs = {"agenda_items": [rec]}
        if item.proposal:
            recs["decisions"] = [{"meeting_date": iso(meeting), "paragraph_number": None, "item_number": n,
                                  "decision_kind": "forslag_till_beslut", "text": item.proposal}]
        seg.add({"kind": "agenda", "number": n, "heading": agenda_heading(item), "paras": paras,
                 "proposal": item.proposal}, **recs)
    seg.p(f"Välkomna!\n\n{BOARD[0].name}\nOrdförande\n\n{CHEF.name}\nFörbundschef")
    return seg


@dataclass
class Attendee:
    person: Person
    group: str  # beslutande | ersattare | ovriga
    paragraphs: list[int] = field(default_factory=list)
    role: str | None = None


def _attendee_line(a: Attendee) -> str:
    role = a.role or a.person.role
    text = f"{a.person.name}, {a.person.org}" if a.person.org != FORBUND else f"{a.person.name}"
    text += f", {role}"
    if a.paragraphs:
        text += f" § {a.paragraphs[0]}-{a.paragraphs[-1]}"
    return text


def protokoll(meeting: date, time: str, place: str, first_paragraph: int, items: list[Item],
              attendees: list[Attendee], justerare: Person, justering: date, anslag_up: date, anslag_down: date,
              numbers: list[int] | None = None, compact: bool = False) -> Seg:
    """Minutes: header with attendance, signatures, anslag, then one § per agenda item."""
    numbers = numbers or list(range(first_paragraph, first_paragraph + len(items)))
    seg = Seg("protokoll", f"Protokoll, styrelsens sammanträde {sv_date(meeting)}",
              running_header=f"{FORBUND.upper()} · PROTOKOLL {sv_date(meeting)}", body=BODY, meeting_date=meeting,
              document_date=justering)
    seg.title_("PROTOKOLL")
    seg.kv([("Organ", f"Styrelsen, {FORBUND}"), ("Sammanträdesdatum", sv_date(meeting))])
    groups = {"beslutande": "Beslutande", "ersattare": "Ersättare", "ovriga": "Övriga deltagare"}
    rows = [("Plats och tid", f"{place}, klockan {time}")]
    att_recs = []
    for key, label in groups.items():
        members = [a for a in attendees if a.group == key]
        if members:
            rows.append((label, "\n".join(_attendee_line(a) for a in members)))
        for a in members:
            att_recs.append({"meeting_date": iso(meeting), "person_name": a.person.name,
                             "organisation": a.person.org, "role": a.role or a.person.role, "group": key,
                             "paragraphs": list(range(a.paragraphs[0], a.paragraphs[-1] + 1)) if a.paragraphs else []})
    rows.append(("Justerare", justerare.name))
    rows.append(("Justeringens plats och tid", f"Förbundets kansli, {sv_date(justering)}"))
    para_range = f"§ {numbers[0]}-{numbers[-1]}"
    seg.kv(rows, label_width=55, attendance=att_recs)
    # Who signs the minutes: signatories of the förbund's protokoll; the justerare also
    # attends in that role (one attendance entry per role, as real minutes' gold counts them).
    signers = [(SEKRETERARE, "sekreterare"), (BOARD[0], "ordförande"), (justerare, "justerare")]
    seg.kv([("Sekreterare", f"……………………………………  {SEKRETERARE.name}"),
            ("Ordförande", f"……………………………………  {BOARD[0].name}"),
            ("Justerare", f"……………………………………  {justerare.name}"),
            ("Paragrafer", para_range)],
           signatories=[{"person_name": p.name, "title": t, "organisation": FORBUND, "signed_date": None}
                        for p, t in signers],
           attendance=[{"meeting_date": iso(meeting), "person_name": justerare.name, "organisation": justerare.org,
                        "role": "justerare", "group": "beslutande", "paragraphs": []}])
    seg.h("ANSLAG/BEVIS")
    seg.p("Protokollet är justerat. Justeringen har tillkännagivits genom anslag på förbundets webbplats.")
    seg.kv([("Sammanträdesdatum", sv_date(meeting)), ("Justeringsdatum", sv_date(justering)),
            ("Anslaget sätts upp", sv_date(anslag_up)), ("Anslaget tas ned", sv_date(anslag_down)),
            ("Förvaringsplats", "Samordningsförbundets kansli")], label_width=50,
           meetings=[{"meeting_date": iso(meeting), "time": time, "place": place, "body": BODY,
                      "justerare": [justerare.name], "justeringsdatum": iso(justering),
                      "anslag_uppsatt": iso(anslag_up), "anslag_nedtaget": iso(anslag_down)}])
    if not compact:
        seg.add({"kind": "pagebreak"})
    for n, item in zip(numbers, items):
        heading = f"§ {n} {item.title}" + (f" – {item.kind}" if item.kind else "") + _attach_text(item.attachments)
        seg.h(heading, paragraphs=[{"meeting_date": iso(meeting), "paragraph_number": n, "title": item.title}])
        if item.minutes:
            seg.p(item.minutes)
        if item.decision:
            seg.p(item.decision, lead="Beslut:", decisions=[{
                "meeting_date": iso(meeting), "paragraph_number": n, "item_number": None,
                "decision_kind": "beslut", "text": item.decision}])
    return seg


def standard_attendees(extra_ovriga: list[Attendee] | None = None, absent: set[str] = frozenset(),
                       deputies_present: list[Person] | None = None, limited: dict[str, list[int]] | None = None) -> list[Attendee]:
    limited = limited or {}
    out = [Attendee(p, "beslutande", limited.get(p.name, [])) for p in BOARD if p.name not in absent]
    for d in deputies_present or []:
        out.append(Attendee(d, "ersattare", limited.get(d.name, [])))
    out.append(Attendee(CHEF, "ovriga"))
    out.append(Attendee(SEKRETERARE, "ovriga", role="sekreterare"))
    out += extra_ovriga or []
    return out


__all__ = ["Item", "Attendee", "kallelse", "protokoll", "standard_attendees", "EKONOM", "PROCESSLEDARE", "DEPUTIES"]
