"""The record book PDF: built from services-made records, read back with pdftotext/pdffonts."""

import importlib
import io
import os
import re
import shutil
import subprocess
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.urls import reverse

from branches.models import Organization
from meetings import recordbook
from meetings.models import Attendance, Kind, RecordBookBatch
from meetings.recordbook import pdf
from meetings.services import Mark, record_meeting
from tests.factories import make_member

TZ = ZoneInfo("Asia/Shanghai")
YEAR = 2025
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
                                reason="poppler-utils (pdftotext, pdffonts) is needed to read the PDF back")


@pytest.fixture(autouse=True)
def default_policy(db):
    """The default quota rules and policy values come from data migrations; a live_server test earlier in
    the session flushes the tables (TransactionTestCase), so put them back: 补记 and the compliance
    summary depend on them."""
    from django.apps import apps

    for module in ("meetings.migrations.0002_default_quota_rules", "branches.migrations.0003_default_policy_values",
                   "meetings.migrations.0005_campaign_rules", "reviews.migrations.0002_campaign_policy_values",
                   "meetings.migrations.0007_i15_counted_kinds"):
        importlib.import_module(module).seed(apps, None)


def at(month, day, hour=9, year=YEAR):
    return datetime(year, month, day, hour, 0, tzinfo=TZ)


def _record(branch, kinds, held, topic, *, now=None, **fields):
    return record_meeting(actor=None, branch=branch, kinds=kinds, held_at=held, topic=topic,
                          now=now or held + timedelta(hours=3), ended_at=held + timedelta(hours=2), **fields)


@pytest.fixture
def book_year(tree, secretary_a, member_a):
    """Branch A's 2025: a roster of 5, a committee meeting, a combined 主题党日+党员大会+党课, a 补记 and a
    民主评议 with a leave and an absence."""
    branch = tree["a"]
    sec = secretary_a.member
    org_member = make_member(branch, name="陈组织", party_post="organization_member")
    make_member(branch, name="周预备", category="probationary", joined_on=datetime(2024, 10, 1).date())
    make_member(branch, name="吴老党员", birth_date=datetime(1950, 3, 2).date())
    wang = member_a.member
    _record(branch, [Kind.BRANCH_COMMITTEE], at(1, 8), "研究年度工作计划", host=sec, recorder=org_member,
            place="社区党群服务中心", minutes="书记传达上级精神。\n组织委员汇报发展党员情况。", resolutions="通过年度计划。")
    _record(branch, [Kind.THEME_DAY, Kind.BRANCH_ASSEMBLY, Kind.PARTY_LECTURE], at(3, 5, 14), "学习贯彻党章主题党日",
            host=sec, recorder=org_member, lecturer="李书记", place="二楼会议室", guests="街道党工委 刘委员",
            minutes="党课：党章第一章。\n" + "讨论发言要点。" * 400, resolutions="开展志愿服务。",
            attendance={wang.pk: Mark("leave", "外出就医")})
    # Held in April, recorded in June: after April (theme day period) and Q2 grace… → 补记.
    late = _record(branch, [Kind.THEME_DAY], at(4, 3), "清明祭扫主题党日", now=at(6, 20), host=sec, recorder=org_member,
                   attendance={wang.pk: Mark("absent", "")})
    _record(branch, [Kind.MEMBER_REVIEW, Kind.BRANCH_ASSEMBLY], at(12, 10), "民主评议党员大会", host=sec,
            recorder=org_member, minutes="<script>alert(1)</script> 评议过程。")
    assert late.late_entry
    return branch


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "book.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_fonts(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def rendered(book_year, settings):
    result = recordbook.record_book_pdf(branch=book_year, year=YEAR, now=at(12, 31, 20))
    if os.environ.get("RECORDBOOK_KEEP"):  # to look at it: RECORDBOOK_KEEP=/tmp/book.pdf pytest …
        with open(os.environ["RECORDBOOK_KEEP"], "wb") as f:
            f.write(result.pdf)
    return result


def test_book_embeds_the_cjk_font(rendered, tmp_path):
    fonts = pdf_fonts(rendered.pdf, tmp_path)
    # WeasyPrint names the subset "XXXXXX+Noto-Sans-CJK-SC"; other tools write "NotoSansCJKsc".
    cjk = [line for line in fonts.splitlines() if "NotoSansCJK" in line.replace("-", "")]
    assert cjk, fonts
    # pdffonts columns: name type encoding emb sub uni object ID
    assert all(line.split()[-5] == "yes" for line in cjk), fonts


def test_book_has_branch_sections_attendees_and_late_marks(rendered, tmp_path):
    text = pdf_text(rendered.pdf, tmp_path)
    assert "兴隆社区党支部" in text
    for title in ("使用说明", "党支部基本情况", "党员花名册", "年度工作计划", "支部党员大会记录", "支部委员会会议记录",
                  "党小组会记录", "党课记录", "主题党日记录", "组织生活会记录", "民主评议党员记录", "谈心谈话记录",
                  "警示教育记录", "考勤汇总", "组织生活完成情况", "上级党组织检查意见"):
        assert title in text, title
    assert re.search(r"目\s*录", text)
    for name in ("李书记", "陈组织", "周预备", "吴老党员", "王党员"):
        assert name in text, name
    assert "补记" in text
    assert "外出就医" in text  # absentee with reason
    assert "街道党工委 刘委员" in text  # 列席
    assert "主持人（签字）" in text and "记录人（签字）" in text
    assert "本次会议同时计为" in text
    assert "第 2 页 共" in text and f"共 {rendered.pages} 页" in text


def test_sections_without_records_say_so(rendered, tmp_path):
    text = pdf_text(rendered.pdf, tmp_path)
    assert "本年度暂无警示教育记录" in text
    assert "本年度暂无组织生活会记录" in text
    assert "本年度暂无谈心谈话记录" in text  # filled by reviews/ (register_section) when there are talks
    assert "民主测评尚未结束" in text or "本年度尚未开展民主评议党员" in text
    assert "本系统尚未记录上级党组织的检查意见" in text


def test_the_contents_give_each_section_and_meeting_its_page(rendered, book_year, tmp_path):
    """The TOC's page numbers (target-counter, in their own box after the dotted leader) are the pages the
    headings are on: every section and every meeting, read back page by page."""
    pages = pdf_text(rendered.pdf, tmp_path).split("\f")
    book = recordbook.build_record_book(branch=book_year, year=YEAR, now=at(12, 31, 20))
    headings = [s.heading for s in book.sections]
    meetings = [(f"第{e.number}次", e.meeting.topic) for s in book.sections for e in s.entries]
    listed = [(found[1], int(found[2])) for line in pages[1].splitlines()
              if (found := re.fullmatch(r"\s*(.+?)\s*\.{3,}\s*(\d+)\s*", line))]
    sections = {title: page for title, page in listed}
    assert [h for h in headings if h in sections] == headings, listed
    for heading in headings:
        assert heading in pages[sections[heading] - 1], heading
    assert meetings
    for number, topic in meetings:
        assert any(topic in title and number in pages[page - 1] and topic in pages[page - 1]
                   for title, page in listed), (number, topic)


def test_page_count_is_sane(rendered, tmp_path):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert len(reader.pages) == rendered.pages
    # cover + toc + 16 sections on their own pages, the long minutes a few more; not hundreds.
    assert 18 <= rendered.pages <= 40


def test_minutes_are_escaped_and_ids_masked(book_year):
    html = render_to_string(pdf.TEMPLATE, {
        "book": recordbook.build_record_book(branch=book_year, year=YEAR, now=at(12, 31)), "stylesheet": "x.css"})
    assert "<script>" not in html and "&lt;script&gt;" in html
    member = book_year.members.first()
    assert member.id_number_masked in html and member.id_number not in html


def test_multi_kind_meeting_appears_in_each_kind(book_year):
    book = recordbook.build_record_book(branch=book_year, year=YEAR, now=at(12, 31))
    sections = {s.key: s for s in book.sections}
    for kind in (Kind.THEME_DAY, Kind.BRANCH_ASSEMBLY, Kind.PARTY_LECTURE):
        topics = [e.meeting.topic for e in sections[kind].entries]
        assert "学习贯彻党章主题党日" in topics, kind
    entry = next(e for e in sections[Kind.PARTY_LECTURE].entries if e.meeting.topic == "学习贯彻党章主题党日")
    assert entry.also == "支部党员大会、主题党日"
    counts = next(e.meeting for e in sections[Kind.THEME_DAY].entries if e.meeting.topic == "学习贯彻党章主题党日")
    assert (counts.expected, counts.present, counts.present_full, counts.present_probationary) == (5, 4, 3, 1)
    assert counts.absentees[0].name == "王党员" and counts.absentees[0].reason == "外出就医"


def test_book_is_built_with_a_constant_number_of_queries(book_year, django_assert_max_num_queries):
    recordbook.build_record_book(branch=book_year, year=YEAR, now=at(12, 31))  # warm per-process caches
    with django_assert_max_num_queries(32) as small:  # ~22 of its own, the rest reviews/' four section providers
        recordbook.build_record_book(branch=book_year, year=YEAR, now=at(12, 31))
    sec = book_year.members.get(name="李书记")
    for month in range(1, 12):
        _record(book_year, [Kind.BRANCH_COMMITTEE, Kind.THEME_DAY], at(month, 20), f"{month}月支委会", host=sec,
                recorder=sec)
    with django_assert_max_num_queries(len(small.captured_queries)):
        book = recordbook.build_record_book(branch=book_year, year=YEAR, now=at(12, 31))
    assert sum(len(s.entries) for s in book.sections) > 20


def test_attendance_summary_counts_per_member_month(book_year):
    book = recordbook.build_record_book(branch=book_year, year=YEAR, now=at(12, 31))
    rows = {r.name: r for r in next(s for s in book.sections if s.key == "attendance").context["rows"]}
    wang = rows["王党员"]
    assert (wang.months[2].present, wang.months[2].leave) == (0, 1)
    assert (wang.months[3].absent, wang.months[3].expected) == (1, 1)
    assert rows["李书记"].present == rows["李书记"].expected == 4


def test_not_a_branch_is_refused(tree):
    with pytest.raises(recordbook.RecordBookError, match="不是党支部"):
        recordbook.build_record_book(branch=tree["d1"], year=YEAR)


def test_fetcher_refuses_anything_but_static_files():
    fetcher = pdf._static_only_fetcher()
    for url in ("file:///etc/passwd", "http://example.com/x.css", f"{pdf.BASE_URL}etc/passwd",
                f"{pdf.BASE_URL}static/../../../etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    response = fetcher.fetch(f"{pdf.BASE_URL}static/{pdf.STYLESHEET}")
    assert response.content_type == "text/css" and b"Noto Sans CJK SC" in response.read()


# --- views ------------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _pdf_url(branch, year=YEAR):
    return reverse("recordbook-pdf", args=[branch.code, year])


@pytest.fixture
def worker_renders(monkeypatch, media, django_capture_on_commit_callbacks):
    """The "pdf" worker, in this process: render_book.delay runs the task function itself."""
    from meetings import tasks

    monkeypatch.setattr(tasks.render_book, "delay", lambda *args: tasks.render_book(*args))


@pytest.mark.parametrize("who", ["secretary_a", "viewer", "organizer", "admin_user"])
def test_branch_view_permission_downloads_the_pdf(client, book_year, request, who, worker_renders,
                                                   django_capture_on_commit_callbacks):
    client.force_login(request.getfixturevalue(who))
    with django_capture_on_commit_callbacks(execute=True):
        waiting = client.get(_pdf_url(book_year))  # not stored yet: a worker renders it, the page waits
    assert waiting.status_code == 202 and "正在后台生成" in waiting.content.decode()
    status = client.get(reverse("recordbook-pdf-status", args=[book_year.code, YEAR])).json()
    assert status["ready"] is True and status["pages"] > 1
    response = client.get(_pdf_url(book_year))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_plain_member_is_forbidden(client, book_year, member_a):
    client.force_login(member_a)
    assert client.get(_pdf_url(book_year)).status_code == 403


def test_outsider_gets_404(client, book_year, secretary_b):
    client.force_login(secretary_b)
    assert client.get(_pdf_url(book_year)).status_code == 404


def test_anonymous_is_sent_to_login(client, book_year):
    response = client.get(_pdf_url(book_year))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_book_page_of_a_branch_links_the_download(client, book_year, secretary_a):
    client.force_login(secretary_a)
    response = client.get(reverse("recordbook", args=[book_year.code]))
    assert response.status_code == 200
    assert _pdf_url(book_year, year=datetime.now(TZ).year) in response.content.decode()


def test_branch_page_links_the_record_book(client, book_year, secretary_a):
    client.force_login(secretary_a)
    response = client.get(reverse("org-detail", args=[book_year.code]))
    assert reverse("recordbook", args=[book_year.code]) in response.content.decode()


# --- command ----------------------------------------------------------------------------------------


def test_command_writes_the_pdf(book_year, tmp_path, capsys):
    out = tmp_path / "book.pdf"
    call_command("render_recordbook", branch="A", year=YEAR, output=str(out))
    assert out.read_bytes().startswith(b"%PDF")
    assert "页" in capsys.readouterr().out


def test_command_refuses_unknown_or_non_branch(tree, tmp_path):
    with pytest.raises(CommandError, match="找不到组织代码"):
        call_command("render_recordbook", branch="NOPE", year=YEAR, output=str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="不是党支部"):
        call_command("render_recordbook", branch="D1", year=YEAR, output=str(tmp_path / "x.pdf"))


# --- batch ------------------------------------------------------------------------------------------


def _stream(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_batch_task_stores_one_pdf_per_branch(book_year, tree, media, monkeypatch):
    from meetings import tasks

    batch, enqueue = recordbook.request_batch(actor=None, org=tree["d1"], year=YEAR)
    assert enqueue and batch.total == 2
    sent = []
    monkeypatch.setattr(tasks, "group", lambda sigs: _Group(list(sigs), sent))
    assert tasks.render_recordbook_batch(batch.pk) == 2  # the task function itself, as the worker calls it
    assert sorted(s.args for s in sent) == sorted([(batch.pk, tree["a"].pk), (batch.pk, tree["a2"].pk)])
    for sig in sent:  # a group of one task per branch-year
        assert sig.task == "meetings.tasks.render_batch_item"
        tasks.render_batch_item(*sig.args)
    batch.refresh_from_db()
    assert batch.status == RecordBookBatch.Status.DONE and batch.done == batch.total == 2
    paths = list(batch.items.values_list("file", flat=True))
    assert all((media / p).is_file() and (media / p).read_bytes().startswith(b"%PDF") for p in paths)
    assert not batch.file  # no zip is built: the download streams the stored books
    assert tasks.render_recordbook_batch(batch.pk) == 0  # redelivered: a finished batch is left alone


class _Group:
    def __init__(self, sigs, sent):
        self.tasks, self.sent = sigs, sent

    def apply_async(self):
        self.sent.extend(self.tasks)


def test_batch_request_enqueues_on_commit(client, tree, organizer, media, django_capture_on_commit_callbacks, monkeypatch):
    from meetings import tasks

    sent = []
    monkeypatch.setattr(tasks.render_recordbook_batch, "delay", lambda pk: sent.append(pk))
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("recordbook-batch-create", args=["D1"]), {"year": YEAR})
    batch = RecordBookBatch.objects.get()
    assert response.status_code == 302 and sent == [batch.pk]
    assert batch.total == 2 and batch.requested_by == organizer
    progress = client.get(reverse("recordbook-batch-progress", args=[batch.pk])).json()
    assert progress == {"status": "pending", "status_label": "排队中", "done": 0, "total": 2, "percent": 0,
                        "download_url": None, "error": ""}


def test_batch_needs_view_on_the_committee(client, tree, secretary_a, secretary_b, media):
    client.force_login(secretary_a)  # a branch role sees its branch, not the 党委
    assert client.post(reverse("recordbook-batch-create", args=["D1"]), {"year": YEAR}).status_code == 404
    batch, _ = recordbook.request_batch(actor=None, org=tree["d1"], year=YEAR)
    client.force_login(secretary_b)
    assert client.get(reverse("recordbook-batch", args=[batch.pk])).status_code == 404
    assert client.get(reverse("recordbook-batch-download", args=[batch.pk])).status_code == 404


def test_batch_download_streams_the_stored_books(client, book_year, tree, viewer, media):
    batch, _ = recordbook.request_batch(actor=None, org=tree["d1"], year=YEAR)
    recordbook.run_batch(batch_id=batch.pk)
    client.force_login(viewer)  # a viewer may download what an organizer started
    page = client.get(reverse("recordbook-batch", args=[batch.pk]))
    assert page.status_code == 200 and "已完成" in page.content.decode()
    response = client.get(reverse("recordbook-batch-download", args=[batch.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip" and response.streaming
    archive = _stream(response)
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == 2 and {n.split("-")[0] for n in names} == {"A", "A2"} and any("兴隆社区党支部" in n for n in names)
    stored = {i.name: (media / i.file).read_bytes() for i in batch.items.all()}
    assert {n: archive.read(n) for n in names} == stored  # byte for byte the stored files


def test_attendance_rows_exist_for_every_expected_member(book_year):
    # Guards the fixture: the book's counts rest on attendance written by record_meeting.
    assert Attendance.objects.filter(meeting__branch=book_year).count() > 0
    assert Organization.objects.get(code="A").is_branch


# --- DOCX of one meeting ----------------------------------------------------------------------------


def _combined_meeting(branch):
    from meetings.models import Meeting

    return Meeting.objects.get(branch=branch, topic="学习贯彻党章主题党日")


def test_meeting_docx_has_every_minute_field(client, book_year, secretary_a):
    from docx import Document

    client.force_login(secretary_a)
    response = client.get(reverse("meeting-record-docx", args=[_combined_meeting(book_year).pk]))
    assert response.status_code == 200 and "filename*=utf-8''" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    for label in ("时间", "地点", "主持人", "记录人", "应到人数", "实到人数", "缺席人员及原因", "列席人员", "会议主题"):
        assert label in cells, label
    assert "王党员（请假：外出就医）" in cells and "5人" in cells
    assert "党课：党章第一章。" in text and "主持人（签字）" in text


def test_meeting_docx_prints_the_quorum_and_the_votes(book_with_votes_and_registers):
    from docx import Document

    from meetings.models import Meeting

    meeting = Meeting.objects.get(topic="十月党员大会")
    content, _name = recordbook.meeting_docx(meeting=meeting, branch_name="兴隆社区党支部")
    document = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "到会情况" in cells and any("不能进行表决" in c for c in cells)
    assert "1. 调整活动时间：赞成1票" in text and "未达法定人数，经确认保存" in text


def test_meeting_docx_marks_late_entries(book_year):
    from docx import Document

    from meetings.models import Meeting

    late = Meeting.objects.get(branch=book_year, late_entry=True)
    content, filename = recordbook.meeting_docx(meeting=late, branch_name=book_year.name)
    assert filename.endswith(".docx") and "主题党日" in filename
    assert "【补记】" in "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def test_meeting_docx_permissions(client, book_year, member_a, secretary_b):
    url = reverse("meeting-record-docx", args=[_combined_meeting(book_year).pk])
    client.force_login(member_a)
    assert client.get(url).status_code == 403
    client.force_login(secretary_b)
    assert client.get(url).status_code == 404


def test_long_tables_repeat_their_header_on_every_page(book_year, tmp_path):
    for i in range(45):
        make_member(book_year, name=f"党员{i:02d}号")
    rendered = recordbook.record_book_pdf(branch=book_year, year=YEAR, now=at(12, 31, 20))
    path = tmp_path / "long.pdf"
    path.write_bytes(rendered.pdf)
    pages = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    def running_header(page):
        return next((line for line in page.splitlines() if line.strip()), "")

    roster_pages = [p for p in pages if "党员花名册" in running_header(p)]
    assert len(roster_pages) >= 2  # 50 members do not fit on one landscape page
    # the roster is two tables (items 1–11, then contact and status items 12–16): each repeats its own header
    assert all(("公民身份号码" in p and "入党日期" in p) or ("家庭住址" in p and "党籍状态" in p) for p in roster_pages)


def test_basics_print_the_facts_of_the_books_year_not_todays(book_year):
    from datetime import date

    from branches import services as branch_services

    before = next(s for s in recordbook.build_record_book(branch=book_year, year=YEAR, now=at(12, 31)).sections
                  if s.key == "basics").context
    make_member(book_year, name="新来的", joined_on=date(YEAR + 1, 3, 1))  # joined the year after
    branch_services.create_party_group(actor=None, branch=book_year, name="第一党小组", set_up_on=date(YEAR + 1, 3, 1))
    basics = next(s for s in recordbook.build_record_book(branch=book_year, year=YEAR, now=at(12, 31)).sections
                  if s.key == "basics").context
    assert basics["facts"].member_count == before["facts"].member_count == 5
    assert basics["groups"] == []  # set up after the book's year


def test_compliance_shows_a_period_made_up_late_apart_from_one_kept(book_year):
    book = recordbook.build_record_book(branch=book_year, year=YEAR, now=at(12, 31))
    rows = next(s for s in book.sections if s.key == "compliance").context["rows"]
    theme = next(r for r in rows if r.label == "主题党日")
    # April's 主题党日 was recorded on 20 June, after April's grace: 补记完成, not 已完成
    assert "补记完成：4月" in theme.shortfalls


@pytest.fixture
def book_with_votes_and_registers(book_year, secretary_a):
    """book_year plus a 党员大会 with two voted items (one without quorum, confirmed), a 流动 member, a 失联
    member and an approved exemption with the upper level's consent."""
    from meetings.models import Exemption
    from meetings.services import Vote

    make_member(book_year, name="钱流动", is_mobile=True, mobile_destination="广东省深圳市南山区",
                mobile_since=datetime(2025, 3, 1).date(), mobile="13800138000", address="江城区兴隆路8号3栋201")
    make_member(book_year, name="孙失联", lost_contact=True, lost_contact_since=datetime(2024, 11, 1).date())
    elderly = make_member(book_year, name="郑卧床", birth_date=datetime(1940, 1, 1).date())
    Exemption.objects.create(branch=book_year, member=elderly, reason="elderly", detail="卧床不起",
                             starts_on=datetime(2025, 1, 1).date(), ends_on=datetime(2025, 12, 31).date(),
                             status=Exemption.Status.APPROVED, upper_consent_on=datetime(2025, 1, 5).date(),
                             upper_consent_ref="区委组织部（2025）2号")
    _record(book_year, [Kind.BRANCH_ASSEMBLY], at(9, 12), "接收预备党员党员大会", host=secretary_a.member,
            votes=[Vote("接收周某为预备党员", 5, 1, 0)])
    absent = {m.pk: Mark("absent", "出差") for m in book_year.members.exclude(name__in=["李书记", "郑卧床"])}
    _record(book_year, [Kind.BRANCH_ASSEMBLY], at(10, 12), "十月党员大会", votes=[Vote("调整活动时间", 1)],
            attendance=absent, confirm_without_quorum=True)
    return book_year


def test_book_prints_the_quorum_line_and_each_items_vote(book_with_votes_and_registers):
    from pypdf import PdfReader

    result = recordbook.record_book_pdf(branch=book_with_votes_and_registers, year=YEAR, now=at(12, 31, 20))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(result.pdf)).pages).replace(" ", "")
    assert "支部党员大会：应到会有表决权的党员" in text and "可以进行表决" in text
    assert "接收周某为预备党员" in text and "赞成5票，反对1票，弃权0票" in text and "通过" in text
    assert "调整活动时间" in text and "未达法定人数，经确认保存" in text and "不能进行表决" in text


def test_book_roster_has_all_16_items_and_a_register_page(book_with_votes_and_registers):
    from pypdf import PdfReader

    result = recordbook.record_book_pdf(branch=book_with_votes_and_registers, year=YEAR, now=at(12, 31, 20))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(result.pdf)).pages).replace(" ", "")
    for label in ("姓名", "性别", "民族", "公民身份号码", "出生日期", "学历", "人员类别", "所在党支部", "入党日期",
                  "转正日期", "工作岗位", "手机号", "固定电话", "家庭住址", "党籍状态", "是否为失联党员", "是否为流动党员"):
        assert label in text, label
    assert "13800138000" in text and "兴隆路8号3栋201" in text
    assert "流动党员、失联党员、暂不参加组织生活党员登记" in text
    assert "钱流动" in text and "2025.03.01" in text and "广东省深圳市南山区" in text
    assert "孙失联" in text and "2024年11月" in text
    assert "郑卧床" in text and "卧床不起" in text and "区委组织部（2025）2号" in text


def test_the_book_prints_the_birth_year_only(book_year):
    """Issue 11 point 1: the book goes to upper-level viewers too, and a birth date beside the ID number's
    last four characters gives the number away; the roster prints the year, like the masked views."""
    from datetime import date

    from pypdf import PdfReader

    make_member(book_year, name="周出生", birth_date=date(1987, 3, 5))
    result = recordbook.record_book_pdf(branch=book_year, year=YEAR, now=at(12, 31, 20))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(result.pdf)).pages).replace(" ", "")
    assert "周出生" in text and "1987年" in text and "1987.03.05" not in text
