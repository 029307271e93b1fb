"""Insights: is it working? Who may see them: managers (every site) and supervisors (their own sites).

Every figure here obeys privacy rule 2 for everyone, supervisors included: these pages are
printed, exported and sent to other prisons.
"""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from ..dates import month_start
from ..models import Measure
from ..forms import InsightsFilterForm, MeasureTargetsForm, ServiceStartForm
from ..permissions import role_required, sites_for, sites_managed_by
from ..services import insights, insights_csv
from ..services.board import Board, board_summary
from ..services.built import built, data_generation
from ..services.comparison import compare_before_after
from ..services import spc
from ..services.charts import Line, chart, xmr_chart
from ..services.csv_safe import csv_response
from ..services.monthly_return import monthly_return
from ..services.privacy import threshold
from ..services.targets import chart_targets, measure_targets, measure_targets_save
from ..services.pulse_figures import BANDS
from .supervise import ROLES

BAND_LABELS = [label for label, _ in BANDS]


def _selection(request) -> InsightsFilterForm:
    form = InsightsFilterForm(request.GET, sites=list(sites_for(request.user)))
    form.is_valid()
    return form


def _charts(figures: list[insights.MonthFigures], start, this_month, *, before=(), targets=None) -> dict:
    """Return the charts of the period; the XmR charts also draw `before`, their baseline (at most 12 months).

    `targets` (by measure, in the charts' units) are drawn on the XmR charts and said to be assured or not.
    """
    targets = targets or {}
    months = [f.month for f in figures]
    measured = [*before, *figures]  # months before the period that the charts' limits and step need

    def draw(series, **options):
        return chart(months=months, series=series, start=start, **options)

    def xmr(label, said, values, measure, *, of=figures, **options):
        return xmr_chart(label=label, measure=said, months=[f.month for f in of], values=values, start=start,
                         direction=spc.BETTER[measure], target=targets.get(measure), **options)

    # The drop-ins' own measures have no process before they started (months of nothing give limits of
    # nought), and a month still running would look like a fall: both are left off those charts.
    def of_drop_ins(value):
        return [value(f) if (start is None or f.month >= month_start(start)) and f.month < this_month else None
                for f in measured]

    return {
        "held": xmr("Sessions held", "sessions held", of_drop_ins(lambda f: f.sessions.held), Measure.SESSIONS_HELD,
                    of=measured),
        "seen": xmr("People seen", "people seen", of_drop_ins(lambda f: f.sessions.seen.number), Measure.PEOPLE_SEEN,
                    of=measured),
        "not_seen": xmr("People not seen (came but could not be seen)", "people not seen",
                        of_drop_ins(lambda f: f.sessions.not_seen.number), Measure.PEOPLE_NOT_SEEN, of=measured),
        "utilisation": draw([Line("Utilisation", [f.sessions.utilisation for f in figures])], kind="line",
                            percent=True, top=max([1.0] + [f.sessions.utilisation or 0 for f in figures])),
        "pulse": xmr("Mean pulse score (1 very low to 5 very good)", "the mean pulse score",
                     [f.pulse.mean for f in measured], Measure.PULSE_MEAN, of=measured, top=5),
        # Drawn only where most months can show their bands: a chart of gaps says nothing.
        "bands": draw([Line(label, [float(f.pulse.bands[i]) / 100 if f.pulse.bands else None for f in figures])
                       for i, label in enumerate(BAND_LABELS)], kind="stack", percent=True, top=1)
        if 2 * sum(f.pulse.bands is not None for f in figures) >= len(figures) else None,
        "sickness": xmr("Sickness absence rate", "the sickness absence rate",
                        [f.sickness.rate if f.sickness else None for f in measured], Measure.SICKNESS_RATE,
                        of=measured, percent=True),
    }


def _insights(request, *, from_first_data: bool = False) -> dict:
    """Return everything the dashboard, the report and the CSV show for the chosen site, team and period.

    `from_first_data` (the report) leaves off the period's months before the first with any data.
    """
    generation = data_generation()  # before the sites and teams the figures are built from are read
    form = _selection(request)
    sites, team, months = form.selected_sites, form.value("team"), form.months
    if not sites:
        return {"form": form, "sites": []}
    now = timezone.now()
    start = insights.service_start(sites=sites, team=team)

    def build():
        shown = (insights.from_first_data(sites=sites, team=team, months=months, now=now) if from_first_data
                 else months)
        # The XmR charts' baseline months come in the same queries as the period's.
        before = spc.baseline_months(months=shown, step=month_start(start) if start else None)
        every = insights.insights_months(sites=sites, team=team, months=before + shown, now=now)
        comparison = compare_before_after(sites=sites, team=team, now=now)
        # A target is a site's, for the whole site: a team's or several sites' charts are not judged against it.
        targets = chart_targets(site=sites[0]) if len(sites) == 1 and team is None else {}
        return ((shown, every[:len(before)], every[len(before):], comparison, targets),
                insights.next_start(sites=sites, now=now))

    parts = (tuple(site.pk for site in sites), team.pk if team else None, tuple(months), threshold(),
             insights.insights_time(sites=sites, now=now), from_first_data, start)
    months, before, figures, comparison, targets = built("insights", parts, build, now=now, generation=generation)
    this_month = month_start(now.astimezone(insights.site_zone(sites)).date())
    query = {key: value for key, value in request.GET.items() if key in form.fields and value}
    return {
        "form": form,
        "sites": sites,
        "site": form.value("site") or (sites[0] if len(sites) == 1 else None),
        "team": team,
        "months": months,
        "figures": figures,
        "start": start,
        "comparison": comparison,
        "charts": _charts(figures, start, this_month, before=before, targets=targets),
        "targets": targets,
        "this_month": this_month,
        "query": urlencode(query),
        "threshold": threshold(),
        "band_labels": BAND_LABELS,
    }


@require_safe
@role_required(*ROLES)
def dashboard(request):
    """Who may see it: managers, and supervisors for their own sites. Month by month, and before and after."""
    return render(request, "insights/dashboard.html", _insights(request))


def _board(context: dict) -> Board:
    """Return the board summary of the figures in the context, with the sentences of the charts beside them."""
    charts = context["charts"]
    return board_summary(
        figures=context["figures"], start=context["start"], this_month=context["this_month"],
        chart_words={measure: charts[measure].words for measure in ("held", "seen", "not_seen", "pulse", "sickness")})


@require_safe
@role_required(*ROLES)
def board(request):
    """Who may see it: managers, and supervisors for their own sites. One page for the board: the period's totals."""
    context = _insights(request)
    if context["sites"]:
        context["board"] = _board(context)
        context["generated"] = timezone.localdate()
    return render(request, "insights/board.html", context)


@require_safe
@role_required(*ROLES)
def report(request):
    """Who may see it: managers, and supervisors for their own sites. The printable evaluation report."""
    context = _insights(request, from_first_data=True)
    if context["sites"]:
        context["quotes"] = insights.approved_quotes(sites=context["sites"])
        context["generated"] = timezone.localdate()
        context["board"] = _board(context)
    return render(request, "insights/report.html", context)


def _name(context) -> str:
    team = context["team"]
    place = context["site"].slug if context["site"] else "all-sites"
    return f"{place}-{team.slug}" if team else place


@require_safe
@role_required(*ROLES)
def figures_csv(request):
    """Who may see it: managers, and supervisors for their own sites. The dashboard's monthly figures as CSV."""
    context = _insights(request)
    if not context["sites"]:
        return redirect("insights")
    months = context["months"]
    return csv_response(filename=f"drop-in-figures-{_name(context)}-{months[0]:%Y-%m}-to-{months[-1]:%Y-%m}.csv",
                        header=insights_csv.FIGURES_HEADER, rows=insights_csv.figures_rows(context["figures"]))


@require_safe
@role_required(*ROLES)
def monthly_return_csv(request):
    """Who may see it: managers, and supervisors for their own sites. The restorative supervision delivered, by site."""
    context = _insights(request)
    if not context["sites"]:
        return redirect("insights")
    months = context["months"]
    delivered = monthly_return(sites=context["sites"], months=months, now=timezone.now())
    return csv_response(filename=f"drop-in-monthly-return-{months[0]:%Y-%m}-to-{months[-1]:%Y-%m}.csv",
                        header=insights_csv.RETURN_HEADER, rows=insights_csv.return_rows(delivered))


def _managed_site(request):
    """Return the sites she manages and the one asked for (?site=short-name), else the first (None if none).

    A site asked for that she does not manage, or that does not exist, is not found (404): never her first
    site in its place, or a form posted for one site would save to another.
    """
    sites = list(sites_managed_by(request.user))
    asked = request.GET.get("site")
    if not asked:
        return sites, sites[0] if sites else None
    site = next((s for s in sites if s.slug == asked), None)
    if site is None:
        raise Http404("No site you manage has that short name.")
    return sites, site


@require_http_methods(["GET", "POST"])
@role_required("manager")
def service_start(request):
    """Who may use it: managers. When drop-ins started at a site and its teams, for before and after."""
    sites, site = _managed_site(request)
    if site is None:
        return render(request, "insights/service_start.html", {"sites": sites})
    form = ServiceStartForm(request.POST or None, site=site, teams=list(site.teams.all()))
    if request.method == "POST" and form.is_valid():
        insights.service_start_save(actor=request.user, site=site, started_on=form.cleaned_data["site_started_on"],
                                    team_dates=form.team_dates())
        messages.success(request, f"Start dates for {site.name} saved.")
        return redirect(f"{request.path}?{urlencode({'site': site.slug})}")
    return render(request, "insights/service_start.html", {"sites": sites, "site": site, "form": form})


@require_http_methods(["GET", "POST"])
@role_required("manager")
def targets(request):
    """Who may use it: managers. A site's target for each measure, which its charts say will be met or not."""
    sites, site = _managed_site(request)
    if site is None:
        return render(request, "insights/targets.html", {"sites": sites})
    form = MeasureTargetsForm(request.POST or None, targets=measure_targets(site=site))
    if request.method == "POST" and form.is_valid():
        measure_targets_save(actor=request.user, site=site, values=form.values())
        messages.success(request, f"Targets for {site.name} saved.")
        return redirect(f"{request.path}?{urlencode({'site': site.slug})}")
    return render(request, "insights/targets.html", {"sites": sites, "site": site, "form": form})
