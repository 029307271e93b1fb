"""The room booker's page: answer a room request from the emailed link. No account: the signed link is the proof."""
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..forms import RoomAnswerForm
from ..services.room_answers import RoomAnswerRefused, room_request_answer, room_request_read
from .form_errors import add_errors


def _refused(request, refusal: RoomAnswerRefused):
    return render(request, "booking/refused.html", {"reason": str(refusal)}, status=refusal.status)


# Never kept: the page shows who asked for what, to whoever holds the link.
@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    """Who may see it: anyone with the link. Shows the dates asked for (changing nothing); the buttons answer."""
    now = timezone.now()
    try:
        asked = room_request_read(token=token, now=now)
    except RoomAnswerRefused as refusal:
        return _refused(request, refusal)
    form = RoomAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            answered = room_request_answer(token=token, now=now, **form.cleaned_data)
        except RoomAnswerRefused as refusal:
            return _refused(request, refusal)
        except ValidationError as error:
            add_errors(form, error)
        else:
            return render(request, "booking/answered.html", {"answered": answered})
    # ?answer= (from the email's confirm or decline link) only chooses which form comes first.
    chosen = request.GET.get("answer") if request.method == "GET" else form.data.get("answer")
    return render(request, "booking/answer.html", {"asked": asked, "form": form, "chosen": chosen})
