"""Masking of personal data (信息保密) for roles that may not see it.

``138****5678`` for phones, ``1101**********1234`` for ID numbers, ``z****@example.com`` for
e-mail addresses (an owner's, or where an outbox message went), ``6222***********0123`` for a
payer's bank or platform account; short values are masked whole so that nothing useful leaks.
"""

from collections.abc import Iterable


def mask(value: str | None, keep_start: int, keep_end: int) -> str | None:
    """Replace the middle of ``value`` by ``*``, keeping ``keep_start`` and ``keep_end`` chars."""
    if not value:
        return value
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    middle = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * middle + value[len(value) - keep_end :]


def mask_phone(phone: str | None) -> str | None:
    return mask(phone, 3, 4)


def mask_id_number(id_number: str | None) -> str | None:
    return mask(id_number, 4, 4)


def mask_email(email: str | None) -> str | None:
    """``z****@example.com``: the mailbox hidden but its first letter, the domain kept (text
    without ``@`` is masked whole)."""
    if not email or "@" not in email:
        return mask(email, 0, 0)
    mailbox, _, domain = email.rpartition("@")
    return f"{mask(mailbox, 1, 0)}@{domain}"


def mask_recipient(recipient: str | None) -> str | None:
    """Where an outbox message went: an e-mail address or a phone number."""
    if recipient and "@" in recipient:
        return mask_email(recipient)
    return mask_phone(recipient)


def mask_account(account: str | None) -> str | None:
    """A payer's account as a statement gives it: a bank card or account number, or a
    platform account that may be an e-mail address."""
    if account and "@" in account:
        return mask_email(account)
    return mask(account, 4, 4)


#: Personal columns by name, wherever they appear (a list, an export, an audit entry's changes;
#: ``account`` is the payer account a statement import remembered).
MASKERS = {
    "phone": mask_phone,
    "email": mask_email,
    "id_number": mask_id_number,
    "recipient": mask_recipient,
    "payer_account": mask_account,
    "account": mask_account,
}


def personal_columns(columns: Iterable[str], own: Iterable[str]) -> list[str]:
    """The personal ones of a list's ``columns``, sorted: its ``own`` personal fields, and a
    related row's personal column (``owner.phone``) known by its name (a community's phone,
    not in ``own``, is no owner's)."""
    own = set(own)
    return sorted(
        {c for c in columns if c in own or ("." in c and c.rsplit(".", 1)[-1] in MASKERS)}
    )


def mask_fields(values: dict) -> dict:
    """``values`` with every personal field masked."""
    return {k: MASKERS[k](v) if k in MASKERS else v for k, v in values.items()}


def mask_changes(changes: dict | None) -> dict | None:
    """An audit entry's ``{"before": {...}, "after": {...}}`` with personal fields masked."""
    if not changes:
        return changes
    return {side: mask_fields(v) if isinstance(v, dict) else v for side, v in changes.items()}
