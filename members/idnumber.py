"""公民身份号码 (GB 11643-1999): validation, masking, encryption and the keyed search digest."""

import hashlib
import hmac
import re
from datetime import date
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ValidationError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"  # ISO 7064 MOD 11-2: index = sum mod 11
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    return _CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def birth_date_of(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender_of(number: str) -> str:
    """'male' or 'female': the 17th digit is odd for men."""
    return "male" if int(number[16]) % 2 else "female"


def validate(raw: str, *, birth_date: date | None = None, gender: str | None = None) -> str:
    """Return the normalized number or raise ValidationError with a message a person can act on."""
    number = normalize(raw)
    if len(number) != 18:
        raise ValidationError(f"公民身份号码应为18位，当前为{len(number)}位。", code="id_length")
    if not _PATTERN.match(number):
        raise ValidationError("公民身份号码前17位应为数字，最后一位为数字或X。", code="id_format")
    try:
        born = birth_date_of(number)
    except ValueError:
        raise ValidationError("公民身份号码中的出生日期（第7至14位）不是有效日期。", code="id_birth") from None
    if born > date.today() or born.year < 1900:
        raise ValidationError("公民身份号码中的出生日期不合理。", code="id_birth")
    if check_char(number[:17]) != number[17]:
        raise ValidationError("公民身份号码校验位不正确，请核对后重新输入。", code="id_checksum")
    if birth_date and birth_date != born:
        raise ValidationError(
            f"公民身份号码中的出生日期为{born:%Y-%m-%d}，与填写的出生日期{birth_date:%Y-%m-%d}不一致。", code="id_birth_mismatch"
        )
    if gender and gender != gender_of(number):
        raise ValidationError("公民身份号码第17位表示的性别与填写的性别不一致。", code="id_gender_mismatch")
    return number


MASK_PREFIX = "*" * 14


def mask(number: str) -> str:
    """**************1234: only the last four stay. The region code (digits 1–6) and the sequence
    number narrow a birth date down to a handful of people, and the birth date is public enough
    (a roster's 出生日期, a birthday list) to rebuild a number masked any less (issue 11, point 1)."""
    return f"{MASK_PREFIX}{number[-4:]}" if len(number) == 18 else "****"


def coarse_birth_date(born: date | None) -> str:
    """What a viewer who may not see the number sees of the birth date: the year."""
    return f"{born:%Y}年" if born else ""


@lru_cache(maxsize=1)
def _fernet() -> Fernet:
    return Fernet(settings.ID_NUMBER_ENCRYPTION_KEY.encode())


def encrypt(number: str) -> str:
    return _fernet().encrypt(number.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def digest(number: str) -> str:
    """Keyed HMAC-SHA256: finds and de-duplicates numbers without storing them in the clear."""
    return hmac.new(settings.ID_NUMBER_HMAC_KEY.encode(), normalize(number).encode(), hashlib.sha256).hexdigest()


def make_valid(first17: str) -> str:
    """Complete 17 digits with their check character (demo data and tests)."""
    return first17 + check_char(first17)


def encrypt_bytes(content: bytes) -> bytes:
    """Files that carry ID numbers (an uploaded roster waiting for confirmation) are kept encrypted too."""
    return _fernet().encrypt(content)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(token)
