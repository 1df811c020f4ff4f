"""Errors raised by services, carrying field-level, translatable messages.

The edges map them: a flash message in screens, ``400 {"message": {field: [why]}}`` in the API
(409 for a conflict, 404 for what the user may not see), a log line in jobs.
"""

from collections.abc import Mapping
from datetime import date

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.domain.periods import parse_month
from app.domain.windows import EARLIEST_DAY, LATEST_DAY, in_business_years


class DomainError(Exception):
    """Bad input for a business operation; ``messages`` maps a field name to its reasons."""

    status = 400

    def __init__(self, messages: Mapping[str, list] | None = None, **fields):
        merged = {k: list(v) for k, v in (messages or {}).items()}
        for field, why in fields.items():
            merged.setdefault(field, []).append(why)
        self.messages = merged
        super().__init__(self.as_text())

    def as_dict(self) -> dict[str, list[str]]:
        """The messages, rendered in the current language."""
        return {field: [str(m) for m in msgs] for field, msgs in self.messages.items()}

    def as_text(self) -> str:
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.as_dict().items())

    def __str__(self) -> str:  # rendered lazily, in the language of whoever reads it
        return self.as_text()


class ConflictError(DomainError):
    """The operation would duplicate something that must be unique."""

    status = 409


class NotFoundError(DomainError):
    """A referenced row does not exist or is outside what the user may see."""

    status = 404


def choices_text(enum) -> LazyString:
    """The members of ``enum`` as a list in the language the message is read in: their labels
    if they have them (``住宅、商业、车位或其他``), else their values."""

    def text() -> str:
        words = [str(getattr(m, "label", m.value)) for m in enum]
        return format_list(words, style="or", locale=get_locale() or "zh")

    return LazyString(text)


class Problems:
    """Collects field messages so that one error reports every bad field at once."""

    def __init__(self) -> None:
        self.messages: dict[str, list] = {}
        self.conflicts: set[str] = set()

    def add(self, field: str, why) -> None:
        self.messages.setdefault(field, []).append(why)

    def check(self, ok: bool, field: str, why) -> bool:
        if not ok:
            self.add(field, why)
        return ok

    def one_of(self, field: str, value, enum) -> bool:
        """Check that ``value`` is one of the enum's values; the message lists them as the user
        reads them (by their labels where the enum has them, as the screens offer them)."""
        return self.check(
            value in {m.value for m in enum},
            field,
            _l("Choose one of: %(values)s.", values=choices_text(enum)),
        )

    def text(self, field: str, value, limit: int, required: bool = True) -> str:
        """``value`` as trimmed text of at most ``limit`` characters (required unless not)."""
        text = ("" if value is None else str(value)).strip()
        if required:
            self.check(bool(text), field, _l("This field is required."))
        self.check(len(text) <= limit, field, _l("At most %(n)d characters.", n=limit))
        return text

    def day(self, field: str, value, missing=None) -> date | None:
        """A date given as one or in ISO form, in the years 2000-2099 (docs/input.md); None
        (after ``missing``, if given) when absent."""
        if value in (None, ""):
            if missing is not None:
                self.add(field, missing)
            return None
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            self.add(field, _l("Use the form YYYY-MM-DD."))
            return None
        return day if self._in_business_years(field, day) else None

    def month(self, field: str, value) -> date | None:
        """The first day of a month given as ``YYYY-MM`` or as any of its days, in the years
        2000-2099; None if not."""
        month = value.replace(day=1) if isinstance(value, date) else parse_month(value)
        if month is None:
            self.add(field, _l("Use the form YYYY-MM."))
            return None
        return month if self._in_business_years(field, month, "%Y-%m") else None

    def _in_business_years(self, field: str, day: date, form: str = "%Y-%m-%d") -> bool:
        bounds = {"earliest": EARLIEST_DAY.strftime(form), "latest": LATEST_DAY.strftime(form)}
        if form == "%Y-%m-%d":
            why = _l("Give a day from %(earliest)s to %(latest)s.", **bounds)
        else:
            why = _l("Give a month from %(earliest)s to %(latest)s.", **bounds)
        return self.check(in_business_years(day), field, why)

    def conflict(self, duplicate: bool, field: str, why) -> None:
        """Record ``why`` when ``duplicate``: a value that must be unique is already taken."""
        if duplicate:
            self.add(field, why)
            self.conflicts.add(field)

    def raise_if_any(self) -> None:
        """Raise ``ConflictError`` (409) if only duplicates are wrong, else ``DomainError``."""
        if self.messages:
            only_duplicates = set(self.messages) <= self.conflicts
            raise (ConflictError if only_duplicates else DomainError)(self.messages)
