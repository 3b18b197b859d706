"""One meeting's record as a Word document (people still edit minutes in Word)."""

import io

from meetings.models import Meeting, joined_title
from meetings.recordbook.source import meeting_record


def meeting_docx(*, meeting: Meeting, branch_name: str) -> tuple[bytes, str]:
    """The meeting's record with every §10 field, as .docx bytes and a Chinese file name."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    record = meeting_record(meeting.pk)
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(11)
    # Word picks CJK glyphs from the eastAsia font slot, which font.name does not set.
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    for style in ("Title", "Heading 1", "Heading 2"):
        document.styles[style].element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")
    document.add_heading(joined_title(branch_name, f"{record.kind_labels}记录"), level=1)
    if record.late_entry:
        document.add_paragraph(f"【补记】会议于{record.held_at:%Y年%m月%d日}召开，{record.recorded_at:%Y年%m月%d日 %H:%M}录入系统。")
    when = f"{record.held_at:%Y年%m月%d日 %H:%M}"
    if record.ended_at:
        when += f"至{record.ended_at:%H:%M}"
    absentees = "；".join(f"{a.name}（{a.status}{'：' + a.reason if a.reason else '，未注明原因'}）"
                         for a in record.absentees) or "无"
    rows = [
        ("会议类型", record.kind_labels + (f"（{record.party_group}）" if record.party_group else "")),
        ("时间", when), ("地点", record.place or "未填写"),
        ("主持人", record.host or "未填写"), ("记录人", record.recorder or "未填写"),
        *((("党课主讲人", record.lecturer),) if record.lecturer else ()),
        ("应到人数", f"{record.expected}人"),
        ("实到人数", f"{record.present}人（正式党员{record.present_full}人，预备党员{record.present_probationary}人）"),
        ("缺席人员及原因", absentees), ("出席人员", "、".join(record.attendees) or "无"),
        *(("到会情况", line) for line in record.quorums),
        ("列席人员", record.guests or "无"), ("会议主题", record.topic),
    ]
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for row, (label, value) in zip(table.rows, rows, strict=True):
        row.cells[0].text, row.cells[1].text = label, value
    for title, paragraphs, empty in (("会议记录", record.minutes, "未录入会议记录。"), ("决议事项", record.resolutions, "无。")):
        document.add_heading(title, level=2)
        for text in paragraphs or (() if title == "决议事项" and record.votes else (empty,)):
            document.add_paragraph(text)
    if record.votes:
        document.add_heading("表决情况", level=2)
        for number, text, verdict in record.votes:
            document.add_paragraph(f"{number}. {text}：{verdict}")
    document.add_paragraph("")
    document.add_paragraph("主持人（签字）：____________　　记录人（签字）：____________")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), f"{branch_name}{record.held_at:%Y%m%d}{record.kind_labels}记录.docx"
