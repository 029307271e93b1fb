"""Importing many months of sickness absence from a CSV file, after a preview.

An import is checked row by row in Python from two queries (the site's teams, and the figures
already saved for the months in the file), so 10,000 rows cost the same queries as 10. Between
the preview and the confirmation nothing is kept on the server (there may be several app hosts):
the confirmation form carries the file's text, compressed, with a signature of the site and the
text's SHA-256, and the file is read and checked again before anything is saved.
"""
import base64
import csv
import dataclasses
import datetime
import hashlib
import io
import zlib
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import SicknessRecord, Site, Team, User
from .audit import audit_record
from .sickness import month_ended, month_not_ended_message, months_not_ended_check
from .sickness_csv import (AVAILABLE, COLUMNS, LOST, MAX_UPLOAD_BYTES, FigureError, canonical_text, figure_parse, figure_shown,
                           figures_check, header_name, month_label, month_parse, months_ahead, rate_shown)

PREVIEW_ROWS = 20
MAX_PROBLEMS_SHOWN = 1000
SIGNING_SALT = "sessions_app.sickness_import"

NOT_CHECKED = ("This import could not be checked against the file you previewed, so nothing was saved. "
               "Upload the file again.")
CHANGED_SINCE_PREVIEW = ("Figures for these teams changed since your preview, so nothing was saved yet. "
                         "Check the new preview, then confirm.")

@dataclasses.dataclass(frozen=True)
class SicknessRow:
    """One good row of a file: a team's figures for a month, and the figures it replaces if any."""

    line: int
    team: Team
    month: datetime.date
    fte_days_lost: Decimal
    fte_days_available: Decimal
    replaces: tuple[Decimal, Decimal] | None = None

    @property
    def month_label(self) -> str:
        return month_label(self.month)

    @property
    def rate_shown(self) -> str:
        return rate_shown(lost=self.fte_days_lost, available=self.fte_days_available)

    @property
    def lost_shown(self) -> str:
        return figure_shown(self.fte_days_lost)

    @property
    def available_shown(self) -> str:
        return figure_shown(self.fte_days_available)

    @property
    def replaces_shown(self) -> str:
        return f"lost {figure_shown(self.replaces[0])}, available {figure_shown(self.replaces[1])}" \
            if self.replaces else ""


@dataclasses.dataclass(frozen=True)
class SicknessProblem:
    line: int
    message: str


@dataclasses.dataclass(frozen=True)
class TeamReplacements:
    team: Team
    months: list[datetime.date]

    @property
    def periods(self) -> str:
        """Return the months as runs: “January 2025 to June 2025, September 2025”."""
        runs, start, previous = [], None, None
        for month in self.months:
            if previous and months_ahead(previous, 1) == month:
                previous = month
                continue
            if start:
                runs.append((start, previous))
            start = previous = month
        runs.append((start, previous))
        return ", ".join(month_label(a) if a == b else f"{month_label(a)} to {month_label(b)}" for a, b in runs)


@dataclasses.dataclass
class SicknessImport:
    """A CSV file read for one site: its good rows, and every problem with the line it is on."""

    site: Site
    text: str
    lines: int = 0
    rows: list[SicknessRow] = dataclasses.field(default_factory=list)
    problems: list[SicknessProblem] = dataclasses.field(default_factory=list)
    changed_since_preview: bool = False
    not_ended: list[datetime.date] = dataclasses.field(default_factory=list)  # months of its rows still running

    @property
    def not_ended_message(self) -> str:
        return month_not_ended_message(site=self.site, months=self.not_ended) if self.not_ended else ""

    @property
    def can_import(self) -> bool:
        return bool(self.rows) and not self.problems

    @cached_property
    def replacing(self) -> list[SicknessRow]:
        return [row for row in self.rows if row.replaces]

    @property
    def new_count(self) -> int:
        return len(self.rows) - len(self.replacing)

    @property
    def bad_lines(self) -> int:
        return len({problem.line for problem in self.problems})

    @property
    def first_rows(self) -> list[SicknessRow]:
        return self.rows[:PREVIEW_ROWS]

    @property
    def problems_shown(self) -> list[SicknessProblem]:
        return self.problems[:MAX_PROBLEMS_SHOWN]

    @property
    def replaced_by_team(self) -> list[TeamReplacements]:
        teams: dict[int, TeamReplacements] = {}
        for row in self.replacing:
            teams.setdefault(row.team.pk, TeamReplacements(row.team, [])).months.append(row.month)
        for replacements in teams.values():
            replacements.months.sort()
        return sorted(teams.values(), key=lambda replacements: replacements.team.name.lower())

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def replaced_digest(self) -> str:
        """Return a digest of the saved figures the import would replace, to notice a change before confirming."""
        replaced = sorted((row.team.pk, row.month.isoformat(), str(row.replaces)) for row in self.replacing)
        return hashlib.sha256(repr(replaced).encode()).hexdigest()

    @cached_property
    def payload(self) -> str:
        """Return the text for the confirmation form: compressed, so a file of a few MB fits Django's 2.5 MB
        limit on form data, and in base64, so browsers cannot change its line endings on the way back."""
        return base64.urlsafe_b64encode(zlib.compress(self.text.encode(), 6)).decode("ascii")

    @cached_property
    def signature(self) -> str:
        return signing.dumps({"site": self.site.pk, "sha256": self.sha256, "replaced": self.replaced_digest},
                             salt=SIGNING_SALT)


def _columns(header: list[str]) -> dict[str, int]:
    """Return where each needed column is; the names may be in any order, any case, with spaces."""
    names = [header_name(cell) for cell in header]
    if len(names) == 1 and (";" in header[0] or "\t" in header[0]):
        raise ValidationError("The columns are separated by semicolons or tabs. Save the file as “CSV UTF-8 "
                              "(Comma delimited)” so commas separate them.", code="delimiter")
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        raise ValidationError(
            "The first row must name the columns team, month, fte_days_lost and fte_days_available. "
            f"Missing: {', '.join(missing)}.", code="missing_columns")
    twice = [name for name in COLUMNS if names.count(name) > 1]
    if twice:
        raise ValidationError(f"The first row names the column {twice[0]} twice. Keep one of them.", code="twice")
    return {name: names.index(name) for name in COLUMNS}


def sickness_parse(*, site: Site, text: str) -> SicknessImport:
    """Read and check a CSV file of sickness figures for a site, in two queries whatever its length.

    Problems with the whole file (no header, no rows) raise ValidationError; problems with a row
    are listed with its line number, every one of them.
    """
    parsed = SicknessImport(site=site, text=canonical_text(text))
    reader = csv.reader(io.StringIO(parsed.text, newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise ValidationError("The file is empty. Choose a CSV file with a header row and a row for each "
                                  "team and month.", code="empty")
        columns = _columns(header)
        records = [(reader.line_num, record) for record in reader if any(cell.strip() for cell in record)]
    except csv.Error as error:
        raise ValidationError(f"Line {reader.line_num} could not be read as CSV ({error}). Save the file again as "
                              "“CSV UTF-8 (Comma delimited)”.", code="csv")
    if not records:
        raise ValidationError("The file has a header row but no figures under it. Add a row for each team and "
                              "month.", code="no_rows")
    parsed.lines = len(records)

    teams: dict[str, Team] = {}
    for team in Team.objects.filter(site=site):
        teams.setdefault(team.name.strip().lower(), team)
        teams.setdefault(team.slug.lower(), team)
    today = timezone.localdate()
    months: dict[str, datetime.date | FigureError] = {}
    seen: dict[tuple[int, datetime.date], int] = {}
    candidates = []

    def cell(record: list[str], name: str) -> str:
        index = columns[name]
        return record[index].strip() if index < len(record) else ""

    for line, record in records:
        problems = []
        if any(extra.strip() for extra in record[len(header):]):
            # An unquoted 1,234.5 splits into two cells and would shift a figure silently.
            problems.append(f"This row has {len(record)} cells but the header has {len(header)}. "
                            "Put numbers with commas in quotes, or write them without the comma.")
        raw_team, raw_month = cell(record, "team"), cell(record, "month")
        team = teams.get(raw_team.lower())
        if not raw_team:
            problems.append("The team is empty.")
        elif team is None:
            problems.append(f"Unknown team “{raw_team[:60]}”: {site.name} has no team with that name or short name.")
        month = None
        if not raw_month:
            problems.append("The month is empty.")
        else:
            if raw_month not in months:
                try:
                    months[raw_month] = month_parse(raw_month, today=today)
                except FigureError as error:
                    months[raw_month] = error
            month = months[raw_month]
            if isinstance(month, FigureError):
                problems.append(str(month))
                month = None
        figures = []
        for name, label in (("fte_days_lost", LOST), ("fte_days_available", AVAILABLE)):
            raw = cell(record, name)
            try:
                if not raw:
                    raise FigureError(f"{label} is empty.")
                figures.append(figure_parse(raw, label=label))
            except FigureError as error:
                problems.append(str(error))
        if len(figures) == 2:
            problems += figures_check(lost=figures[0], available=figures[1])
        if team and month:
            first = seen.setdefault((team.pk, month), line)
            if first != line:
                problems.append(f"{team.name}, {month_label(month)} is in the file twice: on lines {first} and "
                                f"{line}. Keep one of them.")
        if problems:
            parsed.problems += [SicknessProblem(line, message) for message in problems]
        else:
            candidates.append((line, team, month, *figures))

    if candidates:
        saved = {
            (team_id, month): (lost, available)
            for team_id, month, lost, available in SicknessRecord.objects.filter(
                team__site=site, month__gte=min(c[2] for c in candidates), month__lte=max(c[2] for c in candidates),
            ).values_list("team_id", "month", "fte_days_lost", "fte_days_available")
        }
        parsed.rows = [SicknessRow(line, team, month, lost, available, saved.get((team.pk, month)))
                       for line, team, month, lost, available in candidates]
        now = timezone.now()
        parsed.not_ended = sorted({row.month for row in parsed.rows
                                   if not month_ended(site=site, month=row.month, now=now)})
    return parsed


def sickness_preview(*, site: Site, text: str) -> SicknessImport:
    """Return a file read and checked for its preview; refuse one too big to carry to the confirmation."""
    parsed = sickness_parse(site=site, text=text)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if parsed.can_import and limit is not None and len(parsed.payload) + len(parsed.signature) > limit - 10_000:
        raise ValidationError("This file is too big to import in one go. Keep only the columns team, month, "
                              "fte_days_lost and fte_days_available, or split it into smaller files.", code="too_big")
    return parsed


def _unpack(payload: str) -> str:
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(base64.urlsafe_b64decode(payload.encode("ascii")), 4 * MAX_UPLOAD_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            raise ValueError("too long or cut short")
        return data.decode()
    except (ValueError, zlib.error):  # binascii.Error and UnicodeError are ValueErrors
        raise ValidationError(NOT_CHECKED, code="not_checked")


def sickness_confirm(*, site: Site, payload: str, signature: str) -> SicknessImport:
    """Return the previewed file read and checked again; refuse a payload that is not the one previewed."""
    text = _unpack(payload)
    try:
        signed = signing.loads(signature, salt=SIGNING_SALT)
    except signing.BadSignature:
        raise ValidationError(NOT_CHECKED, code="not_checked")
    if not isinstance(signed, dict) or signed.get("site") != site.pk \
            or signed.get("sha256") != hashlib.sha256(text.encode()).hexdigest():
        raise ValidationError(NOT_CHECKED, code="not_checked")
    parsed = sickness_parse(site=site, text=text)
    parsed.changed_since_preview = signed.get("replaced") != parsed.replaced_digest
    return parsed


@dataclasses.dataclass(frozen=True)
class SicknessImported:
    saved: int
    replaced: int


def sickness_import(*, actor: User, parsed: SicknessImport, month_not_ended: bool = False) -> SicknessImported:
    """Save every row of a checked file at once, replacing figures already saved; one audit entry.

    Months that have not ended at the site are refused unless `month_not_ended` confirms them.
    """
    if not parsed.can_import:
        raise ValidationError("This file has problems, so nothing was saved. Correct them and upload it again.",
                              code="problems")
    months_not_ended_check(site=parsed.site, months=[row.month for row in parsed.rows], now=timezone.now(),
                           month_not_ended=month_not_ended)
    records = [SicknessRecord(team=row.team, month=row.month, fte_days_lost=row.fte_days_lost,
                              fte_days_available=row.fte_days_available) for row in parsed.rows]
    replacing = parsed.replacing
    with transaction.atomic():
        SicknessRecord.objects.bulk_create(records, update_conflicts=True, unique_fields=["team", "month"],
                                           update_fields=["fte_days_lost", "fte_days_available", "updated_at"])
        # One entry for the whole file; it keeps the figures replaced, so a wrong import can be put right.
        audit_record(
            actor=actor, action="sickness_import", obj=parsed.site,
            before={"replaced": [[row.team.slug, f"{row.month:%Y-%m}", str(row.replaces[0]), str(row.replaces[1])]
                                 for row in replacing]} if replacing else None,
            after={"rows": len(records), "new": len(records) - len(replacing), "replaced": len(replacing),
                   "first_month": f"{min(row.month for row in parsed.rows):%Y-%m}",
                   "last_month": f"{max(row.month for row in parsed.rows):%Y-%m}", "sha256": parsed.sha256},
            reason="Sickness absence imported from a CSV file",
        )
    return SicknessImported(saved=len(records), replaced=len(replacing))
