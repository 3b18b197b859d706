"""《基层党支部活动情况记录册》: the yearly record book of one branch, from the records alone.

    source    load_source: a branch-year's records in a constant number of queries
    sections  build_record_book: the sections in printed order (SECTION_BUILDERS); register_section lets
              reviews/ fill 组织生活会/整改清单, 民主评议党员, 谈心谈话 and 警示教育
    pdf       render_record_book / record_book_pdf: WeasyPrint, templates/meetings/pdf/recordbook.html
    docx      meeting_docx: one meeting's record as a Word document
    batch     request_batch / run_batch: a 党委's branches as one zip, in a worker
"""

from meetings.recordbook.batch import request_batch, run_batch
from meetings.recordbook.docx import meeting_docx
from meetings.recordbook.pdf import RenderedBook, record_book_pdf, render_record_book
from meetings.recordbook.sections import (
           SECTION_BUILDERS,
           RecordBook,
           Section,
           build_record_book,
           register_section,
)
from meetings.recordbook.source import BookSource, MeetingRecord, RecordBookError, load_source, meeting_record

__all__ = ["SECTION_BUILDERS", "BookSource", "MeetingRecord", "RecordBook", "RecordBookError", "RenderedBook", "Section",
           "build_record_book", "load_source", "register_section", "meeting_docx", "meeting_record", "record_book_pdf", "render_record_book",
           "request_batch", "run_batch"]
