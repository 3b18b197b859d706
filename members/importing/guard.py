"""Hostile spreadsheets (issue 11, point 2).

A 5 KB xlsx with one cell at XFD1048576 (or a sheet declaring `A1:XFD1048576`) makes calamine
allocate the whole range, 16,384 × 1,048,576 cells, before any row limit is checked: Rust aborts the
process (SIGABRT), which no `except` catches, whether that process is a web worker or a Celery worker.
Two guards, both before and around the reader:

1. `check_archive`: an xlsx is a zip; its sizes and each worksheet's declared `<dimension>` are read
   from the archive's directory and the first bytes of the sheet, and an absurd one is refused.
2. `run_isolated`: the reader runs in a forked child with an address-space and CPU limit; if the child
   dies (abort, out of memory, killed), the caller gets a Chinese error instead of dying with it.
"""

import io
import os
import pickle
import re
import zipfile
from collections.abc import Callable

from django.conf import settings

MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024  # a 50,000-row national roster unpacks to about 60 MB
MAX_ARCHIVE_MEMBERS = 2000
MAX_COLUMNS = 200  # the national layout has 21; room for extra columns people add
MAX_DECLARED_ROWS = 60_000  # files.MAX_ROWS data rows, a header and a title, with room to spare
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
CRASH_MESSAGE = ("读取文件时超出了允许的内存或时间（文件中可能有超出范围的单元格或隐藏的大表），已停止读取，未导入任何数据。"
                 "请把名册数据复制到新的工作簿，另存为 xlsx 后再导入。")


class UnsafeFile(Exception):
    """The file cannot be read safely; the message is for the person who uploaded it."""


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _declared_size(head: bytes) -> tuple[int, int] | None:
    match = _DIMENSION.search(head)
    if not match:
        return None
    first_col, first_row, last_col, last_row = match.groups()
    last_col, last_row = last_col or first_col, last_row or first_row
    if not (last_col and last_row):
        return None
    return int(last_row.decode()), _column_number(last_col.decode())


def check_archive(content: bytes) -> None:
    """Refuse an xlsx whose archive or declared sheet size is beyond any roster. Other files pass."""
    if not content.startswith(b"PK\x03\x04"):
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return  # the reader reports a damaged file in its own words
    if len(members) > MAX_ARCHIVE_MEMBERS or sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
        raise UnsafeFile(f"文件解压后超过{MAX_UNCOMPRESSED_BYTES // 1024 // 1024}MB，不像是党员名册，已拒绝读取。")
    for member in members:
        if not _SHEET.match(member.filename):
            continue
        try:
            with archive.open(member) as sheet:
                head = sheet.read(4096)  # <dimension> comes before <sheetData> (ECMA-376 §18.3.1.99)
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError):
            return
        size = _declared_size(head)
        if size is None:
            continue
        rows, columns = size
        if rows > MAX_DECLARED_ROWS or columns > MAX_COLUMNS:
            raise UnsafeFile(f"工作表声明的数据范围过大（{rows}行×{columns}列），超出名册导入的上限"
                             f"（{MAX_DECLARED_ROWS}行、{MAX_COLUMNS}列）。请删除表格中多余的行列，或把名册复制到新的工作簿后再导入。")


def _limit_child(memory_mb: int, cpu_seconds: int) -> None:
    import resource

    page = os.sysconf("SC_PAGE_SIZE")
    try:
        with open("/proc/self/statm") as statm:
            used = int(statm.read().split()[0]) * page  # the address space the fork inherited
    except OSError:
        used = 0
    limit = used + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))


def run_isolated(func: Callable, *args):
    """`func(*args)` in a forked child with a memory and CPU limit; its result or exception comes back
    pickled. A child that dies raises UnsafeFile. Where fork is missing, or the limit is 0, runs inline."""
    memory_mb = getattr(settings, "ROSTER_PARSE_MEMORY_MB", 1024)
    cpu_seconds = getattr(settings, "ROSTER_PARSE_CPU_SECONDS", 120)
    if memory_mb <= 0 or not hasattr(os, "fork"):
        return func(*args)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code, never touches the parent's connections
        status = 1
        try:
            os.close(read_end)
            _limit_child(memory_mb, cpu_seconds)
            try:
                outcome = ("ok", func(*args))
            except MemoryError:
                outcome = ("crash", None)
            except Exception as exc:  # noqa: BLE001 - handed to the parent, which re-raises it
                outcome = ("raised", exc)
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(outcome, pipe, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and data):
        raise UnsafeFile(CRASH_MESSAGE)
    try:
        kind, value = pickle.loads(data)
    except Exception:  # noqa: BLE001 - a truncated answer is a dead child
        raise UnsafeFile(CRASH_MESSAGE) from None
    if kind == "ok":
        return value
    if kind == "raised":
        raise value
    raise UnsafeFile(CRASH_MESSAGE)
