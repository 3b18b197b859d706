from datetime import date

import pytest
from django.core.exceptions import ValidationError

from members import idnumber

VALID = "11010519491231002X"  # the GB 11643 worked example


def test_check_character_of_the_standard_example():
    assert idnumber.check_char(VALID[:17]) == "X"
    assert idnumber.validate(VALID) == VALID


def test_lowercase_x_and_spaces_are_normalized():
    assert idnumber.validate(" 11010519491231002x ") == VALID


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("1101051949123100", "应为18位"),
        ("11010519491231002Y", "前17位应为数字"),
        ("110105194913310023", "出生日期"),
        ("110105194912310021", "校验位不正确"),
    ],
)
def test_invalid_numbers_get_a_chinese_reason(raw, fragment):
    with pytest.raises(ValidationError) as exc:
        idnumber.validate(raw)
    assert fragment in exc.value.messages[0]


def test_birth_date_must_agree_with_the_number():
    with pytest.raises(ValidationError, match="不一致"):
        idnumber.validate(VALID, birth_date=date(1950, 1, 1))
    assert idnumber.validate(VALID, birth_date=date(1949, 12, 31))


def test_gender_must_agree_with_the_17th_digit():
    assert idnumber.gender_of(VALID) == "female"  # 17th digit 2 is even
    with pytest.raises(ValidationError, match="性别"):
        idnumber.validate(VALID, gender="male")


def test_mask_keeps_only_the_last_four():
    # region + last four + a public birth date rebuilt every number (issue 11, point 1)
    assert idnumber.mask(VALID) == "**************002X"


def test_digest_is_keyed(settings):
    first = idnumber.digest(VALID)
    settings.ID_NUMBER_HMAC_KEY = "another-key"
    assert idnumber.digest(VALID) != first
    assert len(first) == 64


def test_encryption_round_trip_and_ciphertext_hides_the_number():
    token = idnumber.encrypt(VALID)
    assert VALID not in token
    assert idnumber.decrypt(token) == VALID
