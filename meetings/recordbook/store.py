"""Record books kept in Django's storage (the default storage: the data folder's media/ unless a shared
backend is configured, so workers on several machines write where the web nodes read).

    fresh_book   the stored book if its version key still matches the records (a download is a file read)
    ensure_book  render and store the book unless it is fresh (workers only: never in a web process)
"""

import time
from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from branches.models import Organization
from meetings.models import StoredBook
from meetings.recordbook.pdf import record_book_pdf
from meetings.recordbook.version import book_version

BOOKS_DIR = "recordbooks/books"


def book_path(branch: Organization, year: int, version: str) -> str:
    # The version in the name: a new render never overwrites a file a running download is reading.
    return f"{BOOKS_DIR}/{branch.code}/{year}-{version[:16]}.pdf"


def fresh_book(*, branch: Organization, year: int, now: datetime, version: str | None = None) -> StoredBook | None:
    version = version or book_version(branch=branch, year=year, now=now)
    book = StoredBook.objects.filter(branch=branch, year=year, version=version).first()
    if book is None or not default_storage.exists(book.file):
        return None
    return book


def ensure_book(*, branch: Organization, year: int, now: datetime | None = None) -> tuple[StoredBook, bool]:
    """The branch-year's stored book, rendering it when stale or missing. Returns (book, rendered).

    Idempotent: two workers racing on the same branch-year both end with the same row (the later
    write wins, and both files are of the same records)."""
    now = now or timezone.now()
    version = book_version(branch=branch, year=year, now=now)
    book = fresh_book(branch=branch, year=year, now=now, version=version)
    if book is not None:
        return book, False
    started = time.perf_counter()
    rendered = record_book_pdf(branch=branch, year=year, now=now)
    seconds = time.perf_counter() - started
    name = default_storage.save(book_path(branch, year, version), ContentFile(rendered.pdf))
    previous = StoredBook.objects.filter(branch=branch, year=year).values_list("file", flat=True).first()
    book, _ = StoredBook.objects.update_or_create(branch=branch, year=year, defaults={
        "version": version, "file": name, "pages": rendered.pages, "size": len(rendered.pdf),
        "render_seconds": seconds, "rendered_at": timezone.now(),
    })
    if previous and previous != name:
        # The superseded file goes; a batch item still naming it is re-rendered on its next download.
        default_storage.delete(previous)
    return book, True


def render_lock_key(branch_id: int, year: int, version: str) -> str:
    """The cache key that keeps one render per branch-year and version in flight (web → pdf queue)."""
    return f"recordbook:render:{branch_id}:{year}:{version}"


def book_filename(branch: Organization, year: int) -> str:
    return f"{branch.name}{year}年度活动情况记录册.pdf"
