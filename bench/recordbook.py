"""Record book PDF benchmark: pages/s and peak memory of WeasyPrint on a branch-year.

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/orglife_book uv run python bench/recordbook.py

Sets up its own data in a dedicated database (the DATABASE_URL's server, database
`orglife_bench_book`; --rebuild starts it afresh), then renders, each in a fresh child process so
that its peak RSS is its own (resource.getrusage(RUSAGE_CHILDREN)):
  * city   — one branch-year like the city data set: 30 members in 3 党小组, ~40 meetings with
             attendance (monthly 主题党日/党员大会 and 支委会, quarterly 党课 and 党小组会, 组织生活会,
             民主评议, 警示教育), minutes of a few hundred characters;
  * big    — a ~100-page book: the same roster, more meetings with long minutes;
  * ref    — stack-notes M.1's synthetic document rendered in the same run (100 meetings, 2 paragraphs
             and a 30-row attendance table each), the anchor the figures are compared against.
Writes the "## Record book PDF" section of bench/results.md.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "orglife_bench_book"
CITY_DB = os.environ.get("BENCH_CITY_DB", "orglife_bench_city")  # bench/city.py's seed_demo city, if built
YEAR = 2025
TZ = ZoneInfo("Asia/Shanghai")
GOAL_PAGES_PER_S = 7.0
GOAL_PEAK_MB = 400
RESULTS = ROOT / "bench" / "results.md"
SECTION = "## Record book PDF"


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/orglife")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def ensure_database(url: str, *, rebuild: bool) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if rebuild:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orglife.settings")
    import django

    django.setup()


# --- data -------------------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = ["建国", "秀英", "志强", "丽华", "海燕", "国庆", "晓明", "桂兰", "文军", "春梅", "永红", "德明", "玉珍", "卫东", "雪梅"]
PARAGRAPH = ("会议传达学习了上级党组织关于加强基层党组织建设的文件精神，结合本支部实际逐条对照，"
             "查找在组织生活、党员教育管理和联系服务群众等方面存在的不足。与会党员围绕主题依次发言，"
             "{name}同志谈到要把学习成果转化为推动社区治理的实际行动，建议每月固定一天开展志愿服务；"
             "其他同志结合岗位职责补充了意见建议，会议对下一阶段的重点任务作了具体分工。")


def _minutes(rng, names, paragraphs: int) -> str:
    return "\n".join(PARAGRAPH.format(name=rng.choice(names)) for _ in range(paragraphs))


def build_data() -> dict[str, str]:
    import random

    from django.db import transaction

    from branches import services as branch_services
    from branches.models import Organization

    codes = {"city": "BENCH-CITY", "big": "BENCH-100"}
    if Organization.objects.filter(code__in=codes.values()).count() == 2:
        return codes  # built by an earlier run (--rebuild drops the database)
    rng = random.Random(20250101)
    K = Organization.Kind
    with transaction.atomic():
        city = branch_services.create_organization(actor=None, parent=None, code="BENCH", name="中共临江市委",
                                                   kind=K.PARTY_COMMITTEE)
        district = branch_services.create_organization(actor=None, parent=city, code="BENCH-D", kind=K.PARTY_COMMITTEE,
                                                       name="中共临江市江城区委")
        seq = iter(range(1, 10_000))
        _seed_branch(rng, seq, parent=district, code=codes["city"], name="江城区兴隆社区党支部", scale=1, paragraphs=2)
        # The ~100-page book: the same roster, meetings at 3× with long minutes.
        _seed_branch(rng, seq, parent=district, code=codes["big"], name="江城区长乐社区党支部", scale=3, paragraphs=5)
    return codes


def _seed_branch(rng, seq, *, parent, code, name, scale: int, paragraphs: int) -> None:
    from branches import services as branch_services
    from branches.models import Organization
    from meetings.models import Attendance, Kind
    from meetings.selectors import expected_members
    from meetings.services import Mark, record_meeting
    from members import idnumber
    from members import services as member_services

    branch = branch_services.create_organization(
        actor=None, parent=parent, code=code, kind=Organization.Kind.BRANCH, name=name,
        sector=Organization.Sector.COMMUNITY, founded_on=date(2003, 7, 1), approval_document="江组〔2003〕12号",
        term_start=date(2023, 6, 1), term_end=date(2026, 5, 31))
    groups = [branch_services.create_party_group(actor=None, branch=branch, name=f"第{i}党小组",
                                                 set_up_on=date(2003, 7, 1)) for i in "一二三"]
    posts = ["secretary", "deputy_secretary", "organization_member", "propaganda_member", "discipline_member"]
    members = []
    for i in range(30):
        gender = "female" if i % 3 == 0 else "male"
        born = date(1950 + i * 2 % 50, 1 + i % 12, 1 + i % 27)
        number = idnumber.make_valid(f"110101{born:%Y%m%d}{(next(seq) * 2 + (gender == 'male')) % 1000:03d}")
        probationary = i in (27, 28)
        joined = date(2024, 9, 1) if probationary else date(min(born.year + 22 + i % 5, 2020), 7, 1)
        members.append(member_services.create_member(
            actor=None, branch=branch, id_number=number, name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            gender=gender, birth_date=born, category="probationary" if probationary else "full",
            joined_on=joined, confirmed_on=None if probationary else date(joined.year + 1, 7, 1),
            party_post=posts[i] if i < len(posts) else "member", party_group=groups[i % 3],
            education=rng.choice(["大学本科", "大专", "高中", "硕士研究生"]), job="社区工作者"))
    names = [m.name for m in members]
    host, recorder = members[0], members[2]

    def record(kinds, held, topic, length, *, group=None, late=False):
        expected = list(expected_members(branch=branch, on=held.date(), kinds=kinds, party_group=group))
        marks = {m.pk: Mark(rng.choice([Attendance.Status.LEAVE, Attendance.Status.ABSENT]),
                            rng.choice(["因病请假", "外出务工", "照顾家人", ""]))
                 for m in rng.sample(expected, min(3, len(expected) // 4))}
        now = held + (timedelta(days=75) if late else timedelta(hours=4))  # late: a 补记
        record_meeting(actor=None, branch=branch, kinds=kinds, held_at=held, topic=topic, now=now,
                       ended_at=held + timedelta(hours=2), party_group=group, place="社区党群服务中心",
                       host=host, recorder=recorder, minutes=_minutes(rng, names, length),
                       resolutions="一、按计划落实分工。\n二、下次会议听取落实情况汇报。",
                       guests="街道党工委组织委员" if Kind.LIFE_MEETING in kinds else "",
                       lecturer=host.name if Kind.PARTY_LECTURE in kinds else "", attendance=marks)

    for month in range(1, 13):
        for rep in range(scale):
            day = 3 + rep * 9
            kinds = [Kind.THEME_DAY] + ([Kind.BRANCH_ASSEMBLY] if month % 3 == 0 and rep == 0 else [])
            record(kinds, datetime(YEAR, month, day, 14, tzinfo=TZ), f"{month}月主题党日：学习交流第{rep + 1}次", paragraphs,
                   late=(month == 5 and rep == 0))
            record([Kind.BRANCH_COMMITTEE], datetime(YEAR, month, day + 2, 9, tzinfo=TZ), f"{month}月支委会：研究近期工作",
                   max(1, paragraphs - 1))
        if month % 3 == 0:
            record([Kind.PARTY_LECTURE], datetime(YEAR, month, 20, 14, tzinfo=TZ), f"第{month // 3}季度党课", paragraphs + 1)
            for group in groups[:2]:
                record([Kind.GROUP_MEETING], datetime(YEAR, month, 24, 19, tzinfo=TZ), f"{group.name}学习会", 1, group=group)
    record([Kind.WARNING_EDUCATION], datetime(YEAR, 6, 26, 14, tzinfo=TZ), "观看警示教育片", paragraphs)
    record([Kind.WARNING_EDUCATION, Kind.PARTY_LECTURE], datetime(YEAR, 11, 14, 14, tzinfo=TZ), "以案促改警示教育党课",
           paragraphs)
    record([Kind.LIFE_MEETING, Kind.BRANCH_ASSEMBLY], datetime(YEAR, 12, 12, 14, tzinfo=TZ), "年度组织生活会", paragraphs + 2)
    record([Kind.MEMBER_REVIEW, Kind.BRANCH_ASSEMBLY], datetime(YEAR, 12, 19, 14, tzinfo=TZ), "民主评议党员大会", paragraphs)


# --- children ---------------------------------------------------------------------------------------


def child_render(code: str, year: int = YEAR) -> dict:
    import weasyprint  # noqa: F401  loaded once per worker process, not per book: outside the timing, as for M.1's document

    from branches.models import Organization
    from meetings import recordbook

    branch = Organization.objects.select_related("parent").get(code=code)
    started, cpu = time.perf_counter(), time.process_time()
    book = recordbook.build_record_book(branch=branch, year=year, now=datetime(year + 1, 1, 5, tzinfo=TZ))
    built = time.perf_counter()
    rendered = recordbook.render_record_book(book)
    done = time.perf_counter()
    meetings = len({e.meeting.pk for s in book.sections for e in s.entries})
    return {"pages": rendered.pages, "seconds": done - started, "build_seconds": built - started,
            "cpu_seconds": time.process_time() - cpu,
            "bytes": len(rendered.pdf), "meetings": meetings,
            "self_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def child_reference() -> dict:
    """stack-notes M.1's document: A4, margin boxes, per meeting a heading, 2 paragraphs, 30-row table."""
    from weasyprint import HTML

    css = """@page { size: A4; margin: 20mm;
      @top-center { content: string(branch); font-family: "Noto Sans CJK SC"; }
      @bottom-center { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-family: "Noto Sans CJK SC"; } }
      body { font-family: "Noto Sans CJK SC"; font-size: 10pt; } h1 { string-set: branch content(); }
      h2 { break-before: page; } table { border-collapse: collapse; width: 100%; } td, th { border: 0.5pt solid #666; }"""
    rows = "".join(f"<tr><td>{i}</td><td>党员{i}</td><td>出席</td><td>无</td></tr>" for i in range(30))
    meeting = ("<h2>第{n}次 支部党员大会</h2><p>" + PARAGRAPH.format(name="张三") + "</p><p>" + PARAGRAPH.format(name="李四")
               + "</p><table><thead><tr><th>序号</th><th>姓名</th><th>出席</th><th>原因</th></tr></thead><tbody>" + rows + "</tbody></table>")
    html = (f"<html lang='zh-Hans'><style>{css}</style><body><h1>兴隆社区党支部 党支部工作记录本</h1>"
            + "".join(meeting.format(n=n) for n in range(100)) + "</body></html>")
    started, cpu = time.perf_counter(), time.process_time()
    document = HTML(string=html).render()
    pdf = document.write_pdf()
    return {"pages": len(document.pages), "seconds": time.perf_counter() - started, "bytes": len(pdf), "meetings": 100,
            "cpu_seconds": time.process_time() - cpu,
            "self_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def busiest_city_branch(url: str) -> tuple[str, int] | None:
    """The branch-year with the most held meetings in the city data set, if bench/city.py built it."""
    import psycopg

    city = urlunsplit(urlsplit(url)._replace(path=f"/{CITY_DB}"))
    try:
        with psycopg.connect(city, connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT o.code, EXTRACT(YEAR FROM m.held_at AT TIME ZONE 'Asia/Shanghai')::int AS y, COUNT(*) AS n "
                "FROM meetings_meeting m JOIN branches_organization o ON o.id = m.branch_id WHERE m.status = 'held' "
                "GROUP BY 1, 2 ORDER BY n DESC LIMIT 1").fetchone()
    except psycopg.Error:
        return None
    return (row[0], row[1]) if row else None


def run_child(args: list[str]) -> tuple[dict, float]:
    """One render in a fresh process; returns its report and the children's peak RSS so far (MB)."""
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    report = json.loads(out.stdout.strip().splitlines()[-1])
    return report, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def measure(documents: list[tuple[str, list[str]]], runs: int) -> dict[str, dict]:
    """Render every document once per round, round after round (A B C ref, A B C ref, …), so that each
    round's renders share the machine's speed of the moment; each document's ratio to the reference is
    taken round by round (pages per CPU-second ÷ the reference's in the same round) and its median kept."""
    reports = {label: [] for label, _ in documents}
    for _ in range(runs):
        for label, args in documents:
            report, _children_peak = run_child(args)
            reports[label].append(report)
            print(f"  {label}: {report['pages']} pages in {report['seconds']:.2f} s (CPU {report['cpu_seconds']:.2f} s), "
                  f"peak {report['self_peak_mb']:.0f} MB", flush=True)
    ref = reports["reference"]
    rows = {}
    for label, done in reports.items():
        seconds = statistics.median(r["seconds"] for r in done)
        pages = done[0]["pages"]
        rows[label] = {
            "label": label, "pages": pages, "meetings": done[0]["meetings"], "seconds": seconds,
            "pages_per_s": pages / seconds, "peak_mb": max(r["self_peak_mb"] for r in done),
            "kb": done[0]["bytes"] // 1024, "runs": runs,
            "build_seconds": statistics.median(r.get("build_seconds", 0) for r in done),
            "cpu_seconds": statistics.median(r["cpu_seconds"] for r in done),
            "ratios": [(r["pages"] / r["cpu_seconds"]) / (b["pages"] / b["cpu_seconds"]) for r, b in zip(done, ref, strict=True)]}
        rows[label]["ratio"] = statistics.median(rows[label]["ratios"])
    return rows


def write_results(rows: list[dict], children_peak: float, load: tuple[float, float], notes: list[str]) -> None:
    import platform

    import weasyprint

    lines = [
        SECTION,
        "",
        f"`bench/recordbook.py`, {datetime.now(TZ):%Y-%m-%d %H:%M}, WeasyPrint {weasyprint.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load[0]:.1f} at the start and "
        f"{load[1]:.1f} at the end; PostgreSQL database `{BENCH_DB}`. Each render runs in a fresh child process "
        f"(from the first query to the PDF bytes, median of {rows[0]['runs']}; WeasyPrint is imported before the "
        f"clock starts, as for the M.1 document, since a worker process loads it once for many books; peak = the "
        f"child's max RSS from `getrusage`). Goals (design.md): ≥ {GOAL_PAGES_PER_S:g} pages/s, ≤ {GOAL_PEAK_MB} MB for a 100-page book. "
        "Machines are noisy, so the last columns compare pages per CPU-second with stack-notes M.1's document rendered "
        "**in the same run, round by round** (each round renders every document once, then the M.1 document; a "
        "document's ratio is the median of its per-round ratios) and scale M.1's published 7.0 pages/s by that ratio "
        "(CPU time is steadier than wall time on a shared machine, and a round's renders share its speed).",
        "",
        "| document | meetings | pages | wall | CPU | pages/s (wall) | pages/CPU-s | × M.1 doc (same rounds, CPU: median (min–max)) | ≈ pages/s at M.1's speed | peak RSS | PDF |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        per_cpu = row["pages"] / row["cpu_seconds"]
        ratio = row["ratio"]
        lines.append(f"| {row['title']} | {row['meetings']} | {row['pages']} | {row['seconds']:.1f} s | "
                     f"{row['cpu_seconds']:.1f} s | {row['pages_per_s']:.1f} | {per_cpu:.1f} | {ratio:.2f} ({min(row['ratios']):.2f}–{max(row['ratios']):.2f}) | "
                     f"{7.0 * ratio:.1f} | "
                     f"{row['peak_mb']:.0f} MB | {row['kb']} KB |")
    lines += [
        "| stack-notes M.1 (published, quiet machine of this kind) | 100 | 115 | 16.5 s | | 7.0 | | 1.00 | 7.0 | 488 MB | 797 KB |",
        "",
        f"Max RSS over all children (`RUSAGE_CHILDREN`): {children_peak:.0f} MB.",
        "",
        *notes,
        "",
    ]
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
    if SECTION in text:  # replace only our section, up to the next "## "
        head, _, rest = text.partition(SECTION)
        tail = rest.split("\n## ", 1)
        text = head + "\n".join(lines) + ("\n## " + tail[1] if len(tail) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines)
    RESULTS.write_text(text, encoding="utf-8")


NOTES = [
    "What the layout does to stay fast and small: one font family in two weights (Noto Sans CJK SC Regular/Bold, "
    "subset by HarfBuzz through libharfbuzz-subset0); meeting fields in a small table kept on one page, minutes "
    "and attendee names as flowing paragraphs rather than a 30-row attendance table per meeting; only the roster "
    "and the month-by-member attendance summary are long tables (thead repeats).",
    "",
    "Issue 14 (≥ 10 pages/s): three changes, found with cProfile on the city book and each timed alone (CPU of the "
    "render, best 2 of 3, same process kind): **fixed table layout** with a `<colgroup>` per table (WeasyPrint's auto "
    "layout measured every cell's shortest and longest line first, and every CJK character is a break opportunity: "
    "a third of the render; 13.0–14.0 s → 8.0 s); **borders as two 0.25pt halves** (each cell a uniform 4-side "
    "border, drawn as one rectangle, instead of right/bottom sides drawn one by one through a clip path; the table "
    "adds the outer half, `box-decoration-break: clone` keeps it on both pages of a split table; 8.0 → 7.0 s); the "
    "**TOC leader in dots of eight** with the page number in a fixed-width box (WeasyPrint draws each repetition of a "
    "leader's string as its own text box: ~9,000 for single dots; 7.6 → 5.8 s). Same bench, same rounds, with the "
    "templates and stylesheet before these changes: city branch-year 0.82× M.1 (5.8 pages/s at M.1's speed), "
    "100-page book 0.92× (6.4). The pages look the same (compared as images at 60–150 dpi: cover, TOC, roster split "
    "across pages, meeting heads, attendance, the 组织生活会 and 民主评议 sections and the 组织生活会 report).",
    "",
    "Also: `make setup` and the Docker image install with `--compile-bytecode`. Without it, a process that cannot "
    "write `__pycache__` (the image runs as a non-root user; this machine sets PYTHONDONTWRITEBYTECODE) compiles "
    "WeasyPrint and its dependencies from source at every start, ~1.3 s of CPU per worker process. The render is timed "
    "after WeasyPrint's import, as the M.1 document always was: a worker loads it once for many books.",
    "",
    "No gain beyond the noise from: dropping the bold weight (one font file), `overflow-wrap: normal` instead of "
    "`anywhere` on minutes, no running header/footer, no `break-inside: avoid` on the meeting head or on grid rows, "
    "dropping the explicit font-family rule on every element. Memory is under the goal, so nothing was traded for it.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rebuild", action="store_true", help="recreate the benchmark data")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results.md alone")
    args = parser.parse_args()
    url = bench_database_url()
    if args.child:
        if args.child[0] == "city-db":  # a branch of the real city data set, in its own database
            setup_django(urlunsplit(urlsplit(url)._replace(path=f"/{CITY_DB}")))
            report = child_render(args.child[1], int(args.child[2]))
        else:
            setup_django(url)
            report = child_reference() if args.child[0] == "ref" else child_render(args.child[1])
        print(json.dumps(report))
        return
    ensure_database(url, rebuild=args.rebuild)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    codes = build_data()
    print(f"data ready in {time.perf_counter() - started:.1f} s", flush=True)
    load_start = os.getloadavg()[0]
    documents = [("city", ["render", codes["city"]], "city branch-year (30 members)"),
                 ("big", ["render", codes["big"]], "100-page book")]
    city_branch = busiest_city_branch(url)
    if city_branch:
        documents.append(("city-db", ["city-db", *map(str, city_branch[:2])],
                          f"branch {city_branch[0]} of the seed_demo city ({CITY_DB}), {city_branch[1]}"))
    documents.append(("reference", ["ref"], "M.1 document, same run"))
    measured = measure([(label, args) for label, args, _ in documents], args.runs)
    rows = []
    for label, _, title in documents:
        measured[label]["title"] = title
        rows.append(measured[label])
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    for row in rows:
        print(f"{row['title']}: {row['pages']} pages, {row['seconds']:.2f} s, {row['pages_per_s']:.1f} pages/s, "
              f"× M.1 {row['ratio']:.2f} (rounds: {', '.join(f'{r:.2f}' for r in row['ratios'])}) = "
              f"{7.0 * row['ratio']:.1f} pages/s at M.1's speed, peak {row['peak_mb']:.0f} MB, {row['kb']} KB")
    if not args.no_write:
        write_results(rows, children_peak, (load_start, os.getloadavg()[0]), NOTES)
        print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
