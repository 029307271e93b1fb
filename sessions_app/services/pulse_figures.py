"""The morale pulse month by month, with privacy rule 2 planned once per site and month."""
import dataclasses
import datetime
from decimal import Decimal
from fractions import Fraction

from ..models import Site, Team
from ..rounding import BAND_PLACES, rounded_percent
from .monthly_sums import SCORES, pulse_month_ended, pulse_sums
from .privacy import (HIDDEN, Figure, bands_publishable, figure, mean_publishable, pending, plan_means, protect,
                      total_of_totals)

# The answers in three bands, each shown as its share of the month's answers, never as a count.
BANDS = [("Low (1–2)", (1, 2)), ("Okay (3)", (3,)), ("Good (4–5)", (4, 5))]


@dataclasses.dataclass
class PulseCell:
    """One group's answers in one month: how many, their total score, and how many gave each score."""

    answers: int = 0
    score_sum: int = 0
    spread: tuple[int, ...] = (0,) * len(SCORES)

    @staticmethod
    def total(cells) -> "PulseCell":
        return _cell((cell.answers, cell.score_sum, *cell.spread) for cell in cells)

    @property
    def mean_publishable(self) -> bool:
        return self.answers > 0 and mean_publishable(self.answers, self.score_sum)

    @property
    def bands_publishable(self) -> bool:
        return bands_publishable(self.spread, bands=[scores for _, scores in BANDS])

    def band_percents(self) -> list[Decimal]:
        """Return each band's share of the answers, in per cent as every page and file rounds it."""
        return [rounded_percent(Fraction(sum(self.spread[score - SCORES[0]] for score in scores), self.answers),
                                BAND_PLACES) for _, scores in BANDS]


@dataclasses.dataclass
class PulseMonth:
    answers: Figure = Figure(0)
    mean: float | None = None
    bands: list[Decimal] | None = None  # each band's per cent of the answers; None where not published


def _pulse_month(cell: PulseCell, published: Figure, *, mean_shown: bool, bands_shown: bool) -> PulseMonth:
    shown = published.shown and cell.answers > 0 and mean_shown
    return PulseMonth(
        answers=published,
        mean=cell.score_sum / cell.answers if shown else None,
        bands=cell.band_percents() if shown and bands_shown else None,
    )


@dataclasses.dataclass
class SitePulse:
    """One site's month of answers, with one plan of what may show, used by every view of it."""

    teams: dict  # team id (None: preferred not to say) -> PulseCell
    counts: dict  # team id -> Figure
    total: PulseCell
    total_count: Figure
    means_shown: set
    total_mean_shown: bool

    @classmethod
    def plan(cls, rows: dict) -> "SitePulse":
        teams = {key: _cell([figures]) for key, figures in rows.items()}
        counts, total_shown = protect({key: cell.answers for key, cell in teams.items()})
        total = PulseCell.total(teams.values())
        total_count = figure(total.answers)
        if total_count.shown and not total_shown:
            total_count = Figure(total.answers, HIDDEN)
        # Those who preferred not to say are never shown alone: their figures are the site's less the teams'.
        alone = {key for key, cell in teams.items() if key is not None and counts[key].shown and cell.mean_publishable}
        means_shown, total_mean_shown = plan_means(
            {key: (cell.answers, cell.score_sum) for key, cell in teams.items()}, alone=alone,
            total_shown=total_count.shown and total.mean_publishable)
        return cls(teams, counts, total, total_count, means_shown, total_mean_shown)

    @property
    def total_bands_shown(self) -> bool:
        """The whole's bands publishable, and so the bands of the groups not shown alone, taken together.

        The whole less the teams whose bands show alone gives the others' bands and score sum together.
        """
        rest = PulseCell.total(cell for key, cell in self.teams.items() if not self.bands_alone(key))
        return self.total_mean_shown and self.total.bands_publishable and (rest.answers == 0 or rest.bands_publishable)

    def bands_alone(self, team_id: int | None) -> bool:
        """Return whether a team's bands show in its own view: beside its mean, where they pass the rule."""
        return team_id in self.means_shown and self.teams[team_id].bands_publishable

    @property
    def mean_known(self) -> bool:
        return self.total.answers == 0 or self.total_mean_shown

    def team_month(self, team_id: int) -> PulseMonth:
        if team_id not in self.teams:
            return PulseMonth()
        cell = self.teams[team_id]
        return _pulse_month(cell, self.counts[team_id], mean_shown=team_id in self.means_shown,
                            bands_shown=self.bands_alone(team_id))

    def site_month(self) -> PulseMonth:
        return _pulse_month(self.total, self.total_count, mean_shown=self.total_mean_shown,
                            bands_shown=self.total_bands_shown)


def _sites_month(parts: list[SitePulse]) -> PulseMonth:
    """Add up several sites' months: a figure shows only where every site's does, so it adds nothing."""
    total = PulseCell.total(part.total for part in parts)
    return _pulse_month(total, total_of_totals([part.total_count for part in parts]),
                        mean_shown=all(part.mean_known for part in parts),
                        bands_shown=total.bands_publishable
                        and all(part.total.answers == 0 or part.total_bands_shown for part in parts))


def pulse_months(*, sites: list[Site], team: Team | None, months: list[datetime.date],
                 now: datetime.datetime) -> dict[datetime.date, PulseMonth]:
    """Return the pulse per month for the sites, or one team of them, with rule 2 applied across teams.

    Suppression is planned over every team of a site in one pass (SitePulse), so the same cell is hidden
    whichever view shows it, and no site total less the other teams gives a small team or a withheld
    mean away. A week counts in the month its Monday is in, so a month is published once its last week
    has ended at every site shown, each in its own time zone.
    """
    shown_sites = sites if team is None else [site for site in sites if site.pk == team.site_id]
    # The estate reads a row for every team and month (60,000 over 5 years): they stay plain
    # tuples (answers, score sum, then each score's count) until a site's month adds them up.
    cells: dict[datetime.date, dict[int, dict[int | None, tuple]]] = {}
    for site_id, team_id, month, *figures in pulse_sums(sites=sites, months=months):
        cells.setdefault(month, {}).setdefault(site_id, {})[team_id] = figures
    result = {}
    for month in months:
        if not all(pulse_month_ended(site, month, now) for site in shown_sites):
            result[month] = PulseMonth(answers=pending())
            continue
        by_site = cells.get(month, {})
        plans = [SitePulse.plan(by_site.get(site.pk, {})) for site in shown_sites]
        if team is not None:
            result[month] = plans[0].team_month(team.pk)
        elif len(plans) == 1:
            result[month] = plans[0].site_month()
        else:
            result[month] = _sites_month(plans)
    return result


def _cell(rows) -> PulseCell:
    """Add up rows of (answers, score sum, each score's count) into one cell."""
    rows = list(rows)
    if not rows:
        return PulseCell()
    sums = [sum(column) for column in zip(*rows)]
    return PulseCell(sums[0], sums[1], tuple(sums[2:]))
