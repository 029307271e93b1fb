"""Helpers that several test modules share (a test module never imports from another)."""
import csv
import io
import re


def page_tables(response) -> dict[str, list[str]]:
    """Return each table row of a page as its cells' text, keyed by the row's caption and first cell."""
    html = response.content.decode()
    table_rows = {}
    for caption, body in re.findall(r"<caption[^>]*>(.*?)</caption>(.*?)</table>", html, flags=re.S):
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
            cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
                     for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
            table_rows[f"{caption.split(',')[0]}: {cells[0]}"] = cells[1:]
    return table_rows


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))
