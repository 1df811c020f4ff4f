"""Masking of personal data (docs/domain.md §1)."""

import pytest

from app.domain.masking import (
    mask_account,
    mask_changes,
    mask_email,
    mask_id_number,
    mask_phone,
    mask_recipient,
    personal_columns,
)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("021-58881234", "021*****1234"),
        ("1234", "****"),
        ("", ""),
        (None, None),
    ],
)
def test_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("110105194912310021", "1101**********0021"),
        ("11010519491231002X", "1101**********002X"),
        ("12345678", "********"),
    ],
)
def test_id_number(number, masked):
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    ("recipient", "masked"),
    [
        ("zhang@example.com", "z****@example.com"),
        ("a@x.cn", "*@x.cn"),
        ("13812345678", "138****5678"),
        ("", ""),
    ],
)
def test_outbox_recipient(recipient, masked):
    assert mask_recipient(recipient) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("zhangwei@example.com", "z*******@example.com"),
        ("a@x.cn", "*@x.cn"),
        ("no-at-sign", "**********"),
        ("", ""),
        (None, None),
    ],
)
def test_email(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize(
    ("account", "masked"),
    [
        ("6222000011115555", "6222********5555"),
        ("6222****5555", "6222****5555"),
        ("zhang@alipay.com", "z****@alipay.com"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_payer_account(account, masked):
    assert mask_account(account) == masked


def test_personal_columns_are_a_lists_own_and_a_related_owners():
    columns = [
        "name",
        "phone",
        "email",
        "owner.phone",
        "owner.email",
        "owner.name",
        "community.code",
        "",
        "phone_book",
    ]
    assert personal_columns(columns, ("email", "id_number")) == [
        "email",
        "owner.email",
        "owner.phone",
    ]
    assert personal_columns(["phone", "payer_account"], ()) == []  # e.g. a community's phone


def test_audit_changes_mask_every_personal_field():
    changes = {
        "before": {"email": "a@b.cn", "name": "张三"},
        "after": {"email": "zhang@b.cn", "account": "6222000011115555"},
    }
    assert mask_changes(changes) == {
        "before": {"email": "*@b.cn", "name": "张三"},
        "after": {"email": "z****@b.cn", "account": "6222********5555"},
    }
