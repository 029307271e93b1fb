"""Insights: is it working? Who may see them: managers (every site) and supervisors (their own sites).

Every figure here obeys privacy rule 2 for everyone, supervisors included: these pages are
printed, exported and sent to other prisons.
"""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from ..forms import InsightsFilterForm, ServiceStartForm
from ..models import Pulse
from ..permissions import role_required, sites_for, sites_managed_by
from ..services import insights
from ..services.built import built, data_generation
from ..services.comparison import compare_before_after
from ..services.charts import Line, chart
from ..services.csv_safe import csv_response
from ..services.privacy import threshold
from .supervise import ROLES

SPREAD_LABELS = [label for _, label in Pulse.Score.choices]


def _selection(request) -> InsightsFilterForm:
    form = InsightsFilterForm(request.GET, sites=list(sites_for(request.user)))
    form.is_valid()
    return form


def _charts(figures: list[insights.MonthFigures], start) -> dict:
    months = [f.month for f in figures]

    def draw(series, **options):
        return chart(months=months, series=series, start=start, **options)

    return {
        "sessions": draw([Line("Held", [f.sessions.held for f in figures]),
                          Line("Cancelled", [f.sessions.cancelled for f in figures])]),
        "people": draw([Line("Seen", [f.sessions.seen.number for f in figures]),
                        Line("Not seen", [f.sessions.not_seen.number for f in figures])]),
        "utilisation": draw([Line("Utilisation", [f.sessions.utilisation for f in figures])], kind="line",
                            percent=True, top=max([1.0] + [f.sessions.utilisation or 0 for f in figures])),
        "pulse": draw([Line("Mean score (1 very low to 5 very good)", [f.pulse.mean for f in figures])],
                      kind="line", top=5),
        "spread": draw([Line(label, [f.pulse.spread[i].value if f.pulse.spread else None for f in figures])
                        for i, label in enumerate(SPREAD_LABELS)], kind="stack"),
        "sickness": draw([Line("Sickness absence rate", [f.sickness.rate if f.sickness else None for f in figures])],
                         kind="line", percent=True),
    }


def _insights(request) -> dict:
    """Return everything the dashboard, the report and the CSV show for the chosen site, team and period."""
    generation = data_generation()  # before the sites and teams the figures are built from are read
    form = _selection(request)
    sites, team, months = form.selected_sites, form.value("team"), form.months
    if not sites:
        return {"form": form, "sites": []}
    now = timezone.now()

    def build():
        return ((insights.insights_months(sites=sites, team=team, months=months, now=now),
                 compare_before_after(sites=sites, team=team, now=now)), insights.next_start(sites=sites, now=now))

    parts = (tuple(site.pk for site in sites), team.pk if team else None, tuple(months), threshold(),
             insights.insights_time(sites=sites, now=now))
    figures, comparison = built("insights", parts, build, now=now, generation=generation)
    start = insights.service_start(sites=sites, team=team)
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
        "charts": _charts(figures, start),
        "query": urlencode(query),
        "threshold": threshold(),
        "spread_labels": SPREAD_LABELS,
    }


@require_safe
@role_required(*ROLES)
def dashboard(request):
    """Who may see it: managers, and supervisors for their own sites. Month by month, and before and after."""
    return render(request, "insights/dashboard.html", _insights(request))


@require_safe
@role_required(*ROLES)
def report(request):
    """Who may see it: managers, and supervisors for their own sites. The printable evaluation report."""
    context = _insights(request)
    if context["sites"]:
        context["quotes"] = insights.approved_quotes(sites=context["sites"])
        context["generated"] = timezone.localdate()
        context["held"] = sum(f.sessions.held for f in context["figures"])
        context["cancelled"] = sum(f.sessions.cancelled for f in context["figures"])
    return render(request, "insights/report.html", context)


def _name(context) -> str:
    team = context["team"]
    place = context["site"].slug if context["site"] else "all-sites"
    return f"{place}-{team.slug}" if team else place


def _number(value, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


@require_safe
@role_required(*ROLES)
def figures_csv(request):
    """Who may see it: managers, and supervisors for their own sites. The dashboard's monthly figures as CSV."""
    context = _insights(request)
    if not context["sites"]:
        return redirect("insights")
    header = ["month", "sessions_held", "sessions_cancelled", "people_seen", "people_not_seen", "utilisation_percent",
              "pulse_answers", "pulse_mean_score", *[f"pulse_{label.lower().replace(' ', '_')}" for label in SPREAD_LABELS],
              "sickness_fte_days_lost", "sickness_fte_days_available", "sickness_rate_percent"]
    rows = []
    for f in context["figures"]:
        if f.pulse.spread:
            spread = [str(cell) for cell in f.pulse.spread]
        else:
            spread = ["0" if f.pulse.answers.is_zero else "not yet" if f.pulse.answers.is_pending else "not shown"
                      ] * len(SPREAD_LABELS)
        rows.append([
            f"{f.month:%Y-%m}", f.sessions.held, f.sessions.cancelled, str(f.sessions.seen), str(f.sessions.not_seen),
            _number(f.sessions.utilisation * 100 if f.sessions.utilisation is not None else None, 0),
            str(f.pulse.answers), _number(f.pulse.mean, 2), *spread,
            f.sickness.lost if f.sickness else "", f.sickness.available if f.sickness else "",
            _number(f.sickness.rate * 100 if f.sickness else None, 2),
        ])
    months = context["months"]
    return csv_response(filename=f"drop-in-figures-{_name(context)}-{months[0]:%Y-%m}-to-{months[-1]:%Y-%m}.csv",
                        header=header, rows=rows)


@require_safe
@role_required(*ROLES)
def monthly_return_csv(request):
    """Who may see it: managers, and supervisors for their own sites. Sessions, people supported, minutes, by site."""
    context = _insights(request)
    if not context["sites"]:
        return redirect("insights")
    months = context["months"]
    by_site = insights.session_months(sites=context["sites"], months=months, now=timezone.now())
    rows = [[site.name, f"{month:%Y-%m}", figures.held, str(figures.seen), round(figures.minutes)]
            for site in context["sites"] for month, figures in by_site[site.pk].items()]
    return csv_response(filename=f"drop-in-monthly-return-{months[0]:%Y-%m}-to-{months[-1]:%Y-%m}.csv",
                        header=["site", "month", "sessions_held", "people_supported", "minutes_of_sessions_held"],
                        rows=rows)


@require_http_methods(["GET", "POST"])
@role_required("manager")
def service_start(request):
    """Who may use it: managers. When drop-ins started at a site and its teams, for before and after."""
    sites = list(sites_managed_by(request.user))
    site = next((s for s in sites if s.slug == request.GET.get("site")), sites[0] if sites else None)
    if site is None:
        return render(request, "insights/service_start.html", {"sites": sites})
    form = ServiceStartForm(request.POST or None, site=site, teams=list(site.teams.all()))
    if request.method == "POST" and form.is_valid():
        insights.service_start_save(actor=request.user, site=site, started_on=form.cleaned_data["site_started_on"],
                                    team_dates=form.team_dates())
        messages.success(request, f"Start dates for {site.name} saved.")
        return redirect(f"{request.path}?{urlencode({'site': site.slug})}")
    return render(request, "insights/service_start.html", {"sites": sites, "site": site, "form": form})
