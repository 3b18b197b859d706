"""Turning cells into values: dates as people type them, enumerations, the ID number."""

import re
import unicodedata
from datetime import date, datetime, timedelta

from members import idnumber
from members.importing.files import _blank
from members.models import Member

# --------------------------------------------------------------------------- cells


class CellError(Exception):
    pass


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(?:(\d{1,2})\s*日?)?)?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME_SUFFIX_RE = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_SCIENTIFIC_RE = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)
_EXCEL_EPOCH = date(1899, 12, 30)
DATE_HINT = "请写成 2021-07-01、2021/7/1、2021年7月1日 或 2021.07 等形式"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 13800138000.0 from a number cell
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d}"
    return str(value).strip()


def _date_from_text(text: str) -> date:
    text = _TIME_SUFFIX_RE.sub("", unicodedata.normalize("NFKC", text).strip())
    m = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if not m:
        raise CellError(f"“{text}”不是可识别的日期，{DATE_HINT}。")
    year, month, day = int(m[1]), int(m[2]), int(m[3] or 1)  # 2021.07 means the 1st of July
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"“{text}”不是有效日期（月或日超出范围）。") from None


def parse_date(value, *, today: date) -> date | None:
    """A date as people put it in a sheet: a date cell, 2021-07-01, 2021/7/1, 2021年7月1日, 2021.07, 20210701."""
    if _blank(value):
        return None
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, bool):
        raise CellError(f"“{value}”不是日期，{DATE_HINT}。")
    elif isinstance(value, int | float):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            result = _date_from_text(str(int(value)))  # 20210701 typed as a number
        elif float(value).is_integer() and 0 < value < 2958466:
            result = _EXCEL_EPOCH + timedelta(days=int(value))  # a date cell that lost its date format
        elif 1900 < value < 2100:
            text = repr(float(value))
            if text.endswith(".1"):
                # Excel turned 2021.10 into the number 2021.1: October and January look the same.
                raise CellError(f"数字 {text} 无法区分1月和10月，请把该列设为文本或日期格式后重新填写。")
            result = _date_from_text(text)  # 2021.07 typed into Excel arrives as the number 2021.07
        else:
            raise CellError(f"数字 {value} 不是有效日期，{DATE_HINT}。")
    else:
        result = _date_from_text(str(value))
    if result.year < 1900:
        raise CellError(f"日期 {result:%Y-%m-%d} 早于1900年，请核对。")
    if result > today:
        raise CellError(f"日期 {result:%Y-%m-%d} 晚于今天，请核对。")
    return result


def _choice(value, options: dict[str, object], what: str):
    text = _text(value)
    try:
        return options[text]
    except KeyError:
        allowed = "、".join(dict.fromkeys(k for k in options if k))
        raise CellError(f"“{text}”不是有效的{what}，应填写：{allowed}。") from None


GENDERS = {"男": Member.Gender.MALE, "女": Member.Gender.FEMALE}
CATEGORIES = {"正式党员": Member.Category.FULL, "预备党员": Member.Category.PROBATIONARY,
              "正式": Member.Category.FULL, "预备": Member.Category.PROBATIONARY}
STATUSES = {label: value for value, label in Member.Status.choices}
YES_NO = {"是": True, "否": False, "": False}

TEXT_FIELDS = ("name", "ethnicity", "education", "job", "mobile", "landline", "address", "mobile_destination", "note")
DATE_FIELDS = ("birth_date", "joined_on", "confirmed_on", "lost_contact_since")
_MAX_LENGTH = {f: Member._meta.get_field(f).max_length for f in TEXT_FIELDS}


_MISMATCH_COLUMN = {"id_birth_mismatch": "birth_date", "id_gender_mismatch": "gender"}


def _id_number(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError("公民身份号码所在单元格是数字格式：Excel 只保留15位有效数字，号码末尾几位已经丢失。"
                        "请把该列设为“文本”格式，重新填写完整的18位号码后再导入。")
    text = _text(value)
    if "*" in text:
        raise CellError("公民身份号码已被隐藏（含“*”号），无法导入，请填写完整号码。")
    if _SCIENTIFIC_RE.match(text):
        raise CellError(f"公民身份号码显示为科学计数法（{text}），说明 Excel 已把它当成数字，末尾几位已经丢失。"
                        "请把该列设为“文本”格式，重新填写完整的18位号码。")
    return idnumber.normalize(unicodedata.normalize("NFKC", text))


