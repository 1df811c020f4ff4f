"""Masking of personal data (信息保密) for roles that may not see it.

``138****5678`` for phones, ``1101**********1234`` for ID numbers, ``z****@example.com`` for
the e-mail address an outbox message went to; short values are masked whole so that nothing
useful leaks.
"""


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


def mask_recipient(recipient: str | None) -> str | None:
    """Where an outbox message went: ``z****@example.com`` (the mailbox hidden, the domain
    kept) or a phone number."""
    if not recipient or "@" not in recipient:
        return mask_phone(recipient)
    mailbox, _, domain = recipient.rpartition("@")
    return f"{mask(mailbox, 1, 0)}@{domain}"


MASKERS = {"phone": mask_phone, "id_number": mask_id_number, "recipient": mask_recipient}


def mask_fields(values: dict) -> dict:
    """``values`` with every personal field (phone, ID number) masked."""
    return {k: MASKERS[k](v) if k in MASKERS else v for k, v in values.items()}


def mask_changes(changes: dict | None) -> dict | None:
    """An audit entry's ``{"before": {...}, "after": {...}}`` with personal fields masked."""
    if not changes:
        return changes
    return {side: mask_fields(v) if isinstance(v, dict) else v for side, v in changes.items()}
