"""CSV files a spreadsheet opens safely: no cell can run as a formula."""
import csv

from django.http import HttpResponse

# OWASP's list: a cell starting with any of these may be read as a formula (tab and carriage return too).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """Return the value, with a leading apostrophe where a spreadsheet could take it for a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else value


def csv_response(*, filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    """Return a CSV download whose every cell is safe to open in a spreadsheet."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([csv_cell(cell) for cell in header])
    writer.writerows([[csv_cell(cell) for cell in row] for row in rows])
    return response
