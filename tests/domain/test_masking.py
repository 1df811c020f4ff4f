"""Masking of personal data (domain §1)."""

import pytest

from app.domain.masking import mask_id_number, mask_phone, mask_recipient


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("021-58881234", "021*****1234"), ("1234", "****"),
     ("", ""), (None, None)],
)
def test_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [("110105194912310021", "1101**********0021"), ("11010519491231002X", "1101**********002X"),
     ("12345678", "********")],
)
def test_id_number(number, masked):
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    ("recipient", "masked"),
    [("zhang@example.com", "z****@example.com"), ("a@x.cn", "*@x.cn"),
     ("13812345678", "138****5678"), ("", "")],
)
def test_outbox_recipient(recipient, masked):
    assert mask_recipient(recipient) == masked
