"""Rendering a record book to PDF with WeasyPrint (templates/meetings/pdf/recordbook.html)."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from branches.models import Organization
from meetings.recordbook.sections import RecordBook, build_record_book

TEMPLATE = "meetings/pdf/recordbook.html"
STYLESHEET = "css/recordbook.css"
# The document's own origin: relative and /static/ URLs resolve under it, and the fetcher serves
# nothing else (stack-notes §2.5: no file://, no network, whatever the HTML says).
BASE_URL = "https://orglife-book.invalid/"


def _static_only_fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves the project's own static files and refuses everything else (file://, http…):
        minutes are untrusted input, and a PDF renderer that follows URLs can leak local files."""

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith("/static/"):
                raise ValueError(f"记录册只加载本系统的静态文件，已拒绝：{url}")
            relative = unquote(parts.path.removeprefix("/static/"))
            found = finders.find(relative) if ".." not in Path(relative).parts else None
            if not found:
                raise ValueError(f"静态文件不存在：{relative}")
            mime = "text/css" if relative.endswith(".css") else "application/octet-stream"
            return URLFetcherResponse(url, Path(found).read_bytes(), {"Content-Type": mime})

    return StaticOnlyFetcher()


@dataclass(frozen=True)
class RenderedBook:
    pdf: bytes
    pages: int
    filename: str


def render_record_book(book: RecordBook) -> RenderedBook:
    from weasyprint import HTML  # imported here: loading Pango costs time the rest of the app never needs

    html = render_to_string(TEMPLATE, {"book": book, "stylesheet": f"/static/{STYLESHEET}"})
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=_static_only_fetcher()).render()
    return RenderedBook(pdf=document.write_pdf(), pages=len(document.pages), filename=book.filename)


def record_book_pdf(*, branch: Organization, year: int, now: datetime | None = None) -> RenderedBook:
    return render_record_book(build_record_book(branch=branch, year=year, now=now))


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """Another of the project's documents (e.g. a 组织生活会 report) to PDF, fetching only the project's
    static files like the book does; returns the bytes and the page count."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=BASE_URL, url_fetcher=_static_only_fetcher()).render()
    return document.write_pdf(), len(document.pages)
