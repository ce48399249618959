"""Drafting the letter with figures that stay computed: the generated letter turned into prose
with ``{{KEY}}`` tokens, an officer's rewriting kept across refreshes, and the draft exported
through the letter's own renderers (its headings, charts, annex of figures and evidence file).

Every function opens its own transactions on ``db``; ``principal`` is who asks (None: the
command line). ``reporting.draft_checks`` lists what to look at before sending.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from bluehelmet.domain.access import Principal
from bluehelmet.domain.drafts import (
    TOKEN,
    Draft,
    DraftParagraph,
    TypedFigure,
    paragraph_of,
    paragraph_value,
    tokens,
    typed_figures,
)
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.reporting.build import build_letter, figures_in_order
from bluehelmet.reporting.model import Figure, Letter, Names, Paragraph, Section, Sentence
from bluehelmet.reporting.render import Format, render
from bluehelmet.reporting.wording import LANGUAGES, FigurePart, Wording
from bluehelmet.services import drafts as stored
from bluehelmet.services.database import Database

__all__ = [
    "MAX_PROSE",
    "STYLE",
    "Change",
    "DraftView",
    "UnknownFigures",
    "all_figures",
    "create",
    "delete",
    "drafted_letter",
    "export",
    "figures_of",
    "generated",
    "letter_of",
    "list_drafts",
    "refresh",
    "set_paragraph",
    "show",
]

#: The longest prose a paragraph may hold (characters): a paragraph, not a document.
MAX_PROSE = 20_000


class UnknownFigures(BluehelmetError):
    """Tokens whose figure the letter does not have, each with its paragraph."""

    def __init__(self, missing: Sequence[tuple[str, str]]) -> None:
        self.missing = list(missing)
        listed = "; ".join(f"paragraph {p}: {{{{{k}}}}}" for p, k in missing)
        super().__init__(f"no figure for {listed} (the annex's figure keys are listed by 'report draft show')")


@dataclass(frozen=True)
class Change:
    """A figure a refresh moved: None before (new) or after (gone)."""

    key: str
    before: float | None
    after: float | None


@dataclass(frozen=True)
class DraftView:
    """A draft as the doors show it, in one of its languages."""

    draft: Draft
    language: str
    paragraphs: tuple[DraftParagraph, ...]
    figures: dict[str, float]
    changed: tuple[Change, ...]

    def as_json(self) -> dict[str, Any]:
        """The contract of ``report draft show --json``: ``paragraphs`` as id and text, in the
        letter's order, then what else a script may want."""
        d = self.draft
        return {
            "paragraphs": [{"id": p.id, "text": p.text.get(self.language, "")} for p in self.paragraphs],
            "name": d.name,
            "version": d.version,
            "language": self.language,
            "languages": list(d.languages),
            "from": d.date_from.isoformat(),
            "to": d.date_to.isoformat(),
            "symbol": d.symbol,
            "date": d.letter_date.isoformat() if d.letter_date else None,
            "refreshed_at": d.refreshed_at.isoformat() if d.refreshed_at else None,
            "edited": [p.id for p in self.paragraphs if p.edited(self.language)],
            "figures": {k: _plain(v) for k, v in self.figures.items()},
            "changed": [{"key": c.key, "before": _plain(c.before), "after": _plain(c.after)} for c in self.changed],
        }

    def typed(self) -> list[TypedFigure]:
        """Digits the officer typed in this language's prose that read like a figure."""
        return [
            t for p in self.paragraphs if p.edited(self.language) for t in typed_figures(p.id, p.text[self.language])
        ]


def _plain(value: float | None) -> float | int | None:
    """A whole value as a whole number (``5``, not ``5.0``, in JSON)."""
    return int(value) if value is not None and float(value).is_integer() else value


# ------------------------------------------------------------------ the letter as prose with tokens


def _prose(paragraph: Paragraph, w: Wording) -> str:
    out: list[str] = []
    for i, sentence in enumerate(paragraph.sentences):
        if i:
            out.append(" ")
        for part in w.parts(sentence):
            # Literal braces could read as a token: a record's text keeps them apart.
            out.append(f"{{{{{part.figure.key}}}}}" if isinstance(part, FigurePart) else part.replace("{{", "{ {"))
    return "".join(out)


def _ids(letter: Letter) -> list[tuple[str, str, Paragraph]]:
    """Each paragraph with its id and section key, in reading order: its own key, else the
    section key and its place in the section; a repeated id gets its place appended."""
    out: list[tuple[str, str, Paragraph]] = []
    seen: set[str] = set()
    for section in letter.walk():
        for n, paragraph in enumerate(section.paragraphs, start=1):
            ident = paragraph.key or f"{section.key}.{n}"
            if ident in seen:
                ident = f"{ident}.{n}"
            seen.add(ident)
            out.append((ident, section.key, paragraph))
    return out


def generated(letter: Letter, languages: Sequence[str]) -> list[DraftParagraph]:
    """The letter's paragraphs as a draft's, in each language, the figures as tokens."""
    wordings = {lang: Wording(lang) for lang in languages}
    values = figures_of(letter)
    out = []
    for ident, section, paragraph in _ids(letter):
        text = {lang: _prose(paragraph, w) for lang, w in wordings.items()}
        keys = {k for t in text.values() for k in tokens(t)}
        out.append(DraftParagraph(ident, section, text, {}, {k: values[k] for k in sorted(keys) if k in values}))
    return out


def all_figures(letter: Letter) -> dict[str, Figure]:
    """Every figure of the letter by key, those its sentences state and those they nest (a
    figure in a list): what a token may name, with its coverage."""
    found = {f.key: f for f in letter.figures}
    for section in letter.walk():
        for paragraph in section.paragraphs:
            for sentence in paragraph.sentences:
                for value in sentence.values.values():
                    for item in value.items if isinstance(value, Names) else (value,):
                        if isinstance(item, Figure):
                            found.setdefault(item.key, item)
    return found


def figures_of(letter: Letter) -> dict[str, float]:
    """Every figure of the letter by key: the keys a token may name. A value that is not a
    finite number (a rate over nothing) is no figure to state."""
    return {k: float(f.value) for k, f in all_figures(letter).items() if math.isfinite(f.value)}


#: A draft is of the Secretary-General's letter: its frame (heading, opening, closing, signature).
STYLE = "letter"


def letter_of(db: Database, draft: Draft, today: date | None = None) -> Letter:
    """The letter as the records make it now, for the draft's mission and period, in the
    letter's frame: the draft's symbol and date (the day after the period when it has none)."""
    with db.transaction("reader") as tx:
        mission = stored.mission_name(tx, draft)
    return build_letter(
        db,
        draft.date_from,
        draft.date_to,
        mission=mission,
        today=today,
        style=STYLE,
        symbol=draft.symbol,
        dated=draft.letter_date,
    )


# ------------------------------------------------------------------------------- the operations


def _languages(given: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(given)) or ["en"]
    unknown = [lang for lang in chosen if lang not in LANGUAGES]
    if unknown:
        raise BluehelmetError(f"no letter in {', '.join(unknown)}; languages: {', '.join(LANGUAGES)}")
    return chosen


def _now() -> datetime:
    return datetime.now(UTC)


def create(
    db: Database,
    name: str,
    date_from: date,
    date_to: date,
    *,
    languages: Sequence[str] = ("en",),
    symbol: str = "",
    letter_date: date | None = None,
    mission: str | None = None,
    principal: Principal | None = None,
    actor: str = "officer",
    today: date | None = None,
) -> DraftView:
    """A new draft: the generated letter of the period, paragraph by paragraph."""
    chosen = _languages(languages)
    if not stored.may_write(principal):
        raise BluehelmetError("your role may not write drafts of the letter")
    letter = build_letter(
        db,
        date_from,
        date_to,
        mission=mission,
        today=today,
        style=STYLE,
        symbol=symbol.strip(),
        dated=letter_date,
    )
    values = {
        "name": name.strip(),
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "languages": chosen,
        "symbol": symbol.strip(),
        "letter_date": letter_date.isoformat() if letter_date else None,
        "paragraphs": [paragraph_value(p) for p in generated(letter, chosen)],
        "figures": figures_of(letter),
        "changed": [],
        "refreshed_at": _now().isoformat(),
    }
    with db.transaction(actor) as tx:
        draft = stored.create(tx, values, principal, mission=letter.mission)
        return _view(draft, chosen[0])


def _view(draft: Draft, language: str | None) -> DraftView:
    chosen = language or draft.languages[0]
    if chosen not in draft.languages:
        raise BluehelmetError(f"draft '{draft.name}' is in {', '.join(draft.languages)}, not {chosen}")
    changed = tuple(Change(str(c["key"]), c.get("before"), c.get("after")) for c in draft.changed)
    paragraphs = tuple(paragraph_of(p) for p in draft.paragraphs)
    return DraftView(draft, chosen, paragraphs, dict(draft.figures), changed)


def list_drafts(db: Database, principal: Principal | None = None, *, mission: str | None = None) -> list[Draft]:
    with db.transaction("reader") as tx:
        return stored.list_drafts(tx, principal, mission=mission)


def show(
    db: Database,
    name: str,
    *,
    language: str | None = None,
    mission: str | None = None,
    principal: Principal | None = None,
) -> DraftView:
    with db.transaction("reader") as tx:
        return _view(stored.find(tx, name, principal, mission=mission), language)


def set_paragraph(
    db: Database,
    name: str,
    paragraph: str,
    text: str,
    *,
    language: str | None = None,
    mission: str | None = None,
    principal: Principal | None = None,
    actor: str = "officer",
    version: int | None = None,
) -> DraftView:
    """Replace one paragraph's prose in one language (the draft's first when None). Refused:
    an unknown paragraph, empty or oversized prose, a token of a figure the draft does not have
    (named with its paragraph), and a change based on an older ``version`` of the draft."""
    prose = text.strip()
    if not prose:
        raise BluehelmetError(f"paragraph {paragraph}: the prose is empty (write the paragraph, or keep its text)")
    if len(prose) > MAX_PROSE:
        raise BluehelmetError(f"paragraph {paragraph}: the prose has {len(prose):,} characters (at most {MAX_PROSE:,})")
    with db.transaction(actor) as tx:
        draft = stored.find(tx, name, principal, mission=mission)
        if version is not None and version != draft.version:
            raise BluehelmetError(f"draft '{name}' changed since version {version} (now {draft.version}): reload it")
        view = _view(draft, language)
        ids = [p.id for p in view.paragraphs]
        if paragraph not in ids:
            raise BluehelmetError(f"draft '{name}' has no paragraph {paragraph!r} ('report draft show' lists them)")
        missing = [(paragraph, k) for k in tokens(prose) if k not in draft.figures]
        if missing:
            raise UnknownFigures(missing)
        paragraphs = []
        for p in view.paragraphs:
            if p.id != paragraph:
                paragraphs.append(paragraph_value(p))
                continue
            text_by = {**p.text, view.language: prose}
            keys = {k for t in text_by.values() for k in tokens(t)}
            at_edit = {k: draft.figures[k] for k in sorted(keys) if k in draft.figures}
            edited_at = {**p.edited_at, view.language: _now().isoformat()}
            paragraphs.append(paragraph_value(DraftParagraph(p.id, p.section, text_by, edited_at, at_edit, at_edit)))
        saved = stored.update(tx, draft, {"paragraphs": paragraphs}, principal)
        return _view(saved, view.language)


def _missing(paragraphs: Sequence[DraftParagraph], figures: dict[str, float]) -> list[tuple[str, str]]:
    return [(p.id, k) for p in paragraphs for t in p.text.values() for k in tokens(t) if k not in figures]


def _merge(old: Sequence[DraftParagraph], new: Sequence[DraftParagraph]) -> list[DraftParagraph]:
    """The new letter's paragraphs, in its order, where an officer's prose replaces the
    generated prose of each language they edited; an edited paragraph the letter no longer has
    stays, after the paragraph it followed; an unedited one goes."""
    by_id = {p.id: p for p in old}
    out: list[DraftParagraph] = []
    for p in new:
        before = by_id.get(p.id)
        if before is None or not before.any_edited:
            out.append(p)
            continue
        text = {lang: before.text[lang] if before.edited(lang) else t for lang, t in p.text.items()}
        out.append(DraftParagraph(p.id, p.section, text, dict(before.edited_at), {}, dict(before.figures_at_edit)))
    for i, p in enumerate(old):
        if p.any_edited and p.id not in {q.id for q in out}:
            placed = [q.id for q in out]
            earlier = next((placed.index(o.id) for o in reversed(old[:i]) if o.id in placed), -1)
            out.insert(earlier + 1, p)  # after the nearest paragraph before it that is still there
    return out


def _with_values(p: DraftParagraph, figures: dict[str, float]) -> DraftParagraph:
    keys = sorted({k for t in p.text.values() for k in tokens(t)})
    return dataclasses.replace(p, figures={k: figures[k] for k in keys if k in figures})


def refresh(
    db: Database,
    name: str,
    *,
    mission: str | None = None,
    principal: Principal | None = None,
    actor: str = "officer",
    today: date | None = None,
) -> DraftView:
    """Recompute every figure from the records and keep the officer's prose: the paragraphs
    nobody edited take the letter's new wording. The figures that moved are listed in
    ``changed``. Refused, with nothing changed, if a token names a figure the letter no longer has."""
    with db.transaction("reader") as tx:
        draft = stored.find(tx, name, principal, mission=mission)
    letter = letter_of(db, draft, today)
    figures = figures_of(letter)
    merged = _merge([paragraph_of(p) for p in draft.paragraphs], generated(letter, draft.languages))
    missing = _missing(merged, figures)
    if missing:
        raise UnknownFigures(missing)
    old = draft.figures
    changed = [
        Change(k, old.get(k), figures.get(k))
        for k in [*figures, *(k for k in old if k not in figures)]
        if old.get(k) != figures.get(k)
    ]
    changes = {
        "paragraphs": [paragraph_value(_with_values(p, figures)) for p in merged],
        "figures": figures,
        "changed": [{"key": c.key, "before": c.before, "after": c.after} for c in changed],
        "refreshed_at": _now().isoformat(),
    }
    with db.transaction(actor) as tx:
        current = stored.find(tx, name, principal, mission=mission)
        if current.version != draft.version:
            raise BluehelmetError(f"draft '{name}' changed while it was refreshed: refresh it again")
        return _view(stored.update(tx, current, changes, principal), None)


def delete(
    db: Database, name: str, *, mission: str | None = None, principal: Principal | None = None, actor: str = "officer"
) -> None:
    with db.transaction(actor) as tx:
        stored.delete(tx, stored.find(tx, name, principal, mission=mission), principal)


# ----------------------------------------------------------------------------------- the export


def _sentence(prose: str, figures: dict[str, Figure]) -> Sentence:
    """The prose as a letter's sentence: literal braces escaped, each token a named value."""
    message: list[str] = []
    values: dict[str, Figure] = {}
    last = 0
    for match in TOKEN.finditer(prose):
        message.append(prose[last : match.start()].replace("{", "{{").replace("}", "}}"))
        name = f"figure{len(values)}"
        values[name] = figures[match.group(1)]
        message.append(f"{{{name}}}")
        last = match.end()
    message.append(prose[last:].replace("{", "{{").replace("}", "}}"))
    return Sentence("".join(message), values)


def drafted_letter(letter: Letter, paragraphs: Sequence[DraftParagraph], language: str) -> Letter:
    """The letter with the draft's prose in place of its paragraphs: the same sections, charts
    and figures (the annex lists the figures the prose states, then the letter's others)."""
    figures = all_figures(letter)
    missing = _missing(paragraphs, dict.fromkeys(figures, 0.0))
    if missing:
        raise UnknownFigures(missing)
    empty = [p.id for p in paragraphs if not p.text.get(language, "").strip()]
    if empty:
        raise BluehelmetError(f"paragraph {', '.join(empty)} has no text in {language}: write it before exporting")
    keys = [s.key for s in letter.walk()]
    by_section: dict[str, list[Paragraph]] = {k: [] for k in keys}
    for p in paragraphs:
        home = p.section if p.section in by_section else keys[-1]
        by_section[home].append(Paragraph((_sentence(p.text.get(language, ""), figures),), p.id))

    def rebuilt(section: Section) -> Section:
        subs = tuple(rebuilt(s) for s in section.subsections)
        return dataclasses.replace(section, paragraphs=tuple(by_section[section.key]), subsections=subs)

    sections = tuple(rebuilt(s) for s in letter.sections)
    stated = figures_in_order(sections)
    rest = tuple(f for f in letter.figures if f.key not in {s.key for s in stated})
    return dataclasses.replace(letter, sections=sections, figures=stated + rest)


def export(
    db: Database,
    name: str,
    fmt: Format | str,
    *,
    language: str | None = None,
    mission: str | None = None,
    principal: Principal | None = None,
    today: date | None = None,
    stem: str = "letter",
) -> dict[str, bytes]:
    """The draft as files (``render``'s: the main file first, the evidence file last), its
    figures computed from the records now. Refused if a token names a figure the letter lacks."""
    view = show(db, name, language=language, mission=mission, principal=principal)
    letter = letter_of(db, view.draft, today)
    return render(drafted_letter(letter, view.paragraphs, view.language), fmt, view.language, name=stem)
