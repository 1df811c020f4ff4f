"""PDF documents: a template of ``reports/templates`` laid out over plain context dicts.

``render_pdf`` renders one document. ``render_batch`` renders many contexts of one template as
ONE HTML document, each context its own page group (``break-after: page``, page numbers
restarting), so fonts are subset once (bench/notices.py measures it); it says which pages belong
to which context, so a job can write the merged PDF and cut one PDF per unit out of it.

WeasyPrint is called directly: no request is needed, only an app context (for the
translations), so screens, the API and jobs share these functions. Contexts come from
``reports.context``; templates only lay them out.
"""

import threading
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import segno
from flask import send_file
from flask_babel import force_locale, gettext, ngettext
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration

from app.domain.money import format_money
from app.domain.rates import format_percent

HERE = Path(__file__).resolve().parent
STYLESHEET = HERE / "static" / "print.css"
HTML_LANG = {"zh": "zh-CN", "en": "en"}  # document language -> <html lang>
ANCHOR = "document-"  # id of each context's <section>: how pages are traced back to contexts


def format_price(value: Decimal | None) -> str:
    """A unit price: two decimals, or four where it has them (``2.5`` -> ``2.50``)."""
    if value is None:
        return ""
    return f"{value:,.2f}" if value == round(value, 2) else f"{value:,.4f}"


def format_quantity(value: Decimal | None) -> str:
    """An area or another two-decimal quantity; empty when there is none."""
    return "" if value is None else f"{value:,.2f}"


def format_day(value) -> str:
    return value.isoformat() if value else ""


def qr_code(text: str) -> str:
    """``text`` as a QR code, an SVG ``data:`` URI for an ``<img>`` (medium error correction:
    a printed notice may be creased)."""
    return segno.make(text, error="m").svg_data_uri(scale=4, border=2)


def format_moment(value) -> str:
    """A local (business-zone) datetime, to the minute."""
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=StrictUndefined,  # a misspelt context key fails the render, not the reader
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
env.install_gettext_callables(gettext, ngettext, newstyle=True)
env.filters.update(
    money=format_money,
    price=format_price,
    quantity=format_quantity,
    day=format_day,
    moment=format_moment,
    percent=format_percent,
    qr=qr_code,
)


def page_label() -> list[str]:
    """The text before and after the page number: "Page %(page)s" is translated whole and cut
    at its placeholder, where print.css puts the page counter."""
    return gettext("Page %(page)s", page="\0").split("\0")


env.globals["page_label"] = page_label

_local = threading.local()  # Pango font maps are not shared between threads


def _fonts_and_styles() -> tuple[FontConfiguration, list[CSS]]:
    """This thread's font configuration and parsed stylesheet, made once and reused."""
    if not hasattr(_local, "styles"):
        _local.fonts = FontConfiguration()
        _local.styles = [CSS(filename=str(STYLESHEET), font_config=_local.fonts)]
    return _local.fonts, _local.styles


def warm_up() -> None:
    """Ready this thread's fonts (regular and bold faces), stylesheet and compiled templates.

    A worker calls it once before forking its work-horses, which then start warm: a process's
    first document otherwise costs ~0.4 s more than the next (bench/notices.py).
    """
    fonts, styles = _fonts_and_styles()
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)
    sample = '<html lang="zh-CN"><h1>缴费通知单</h1><p>收据 ¥1,234.50 <b>壹仟元整</b></p></html>'
    HTML(string=sample).render(stylesheets=styles, font_config=fonts).write_pdf()


@dataclass(frozen=True)
class Batch:
    """One rendered document holding many contexts; ``pages[i]`` are the pages of context i."""

    document: Document
    pages: list[range]

    def write_pdf(self) -> bytes:
        return self.document.write_pdf()

    def pdf_of(self, index: int) -> bytes:
        """The PDF of context ``index`` alone, cut out of the laid-out batch."""
        pages = self.document.pages
        return self.document.copy([pages[n] for n in self.pages[index]]).write_pdf()


def render_html(template: str, contexts: list[dict], lang: str = "zh") -> str:
    """The HTML of ``template`` over ``contexts``, one ``<section>`` each, in ``lang``."""
    if lang not in HTML_LANG:
        raise ValueError(f"unknown document language {lang!r}")
    with force_locale(lang):
        return env.get_template(template).render(documents=contexts, html_lang=HTML_LANG[lang])


def render_batch(template: str, contexts: list[dict], lang: str = "zh") -> Batch:
    """Lay out every context of ``template`` as one document (not yet written)."""
    if not contexts:
        raise ValueError("nothing to render")
    fonts, styles = _fonts_and_styles()
    html = HTML(string=render_html(template, contexts, lang), base_url=str(HERE))
    document = html.render(stylesheets=styles, font_config=fonts)
    starts = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith(ANCHOR):
                starts.setdefault(int(anchor.removeprefix(ANCHOR)), number)
    ends = [starts[i] for i in range(1, len(contexts))] + [len(document.pages)]
    return Batch(document, [range(starts[i], ends[i]) for i in range(len(contexts))])


def render_pdf(template: str, context: dict, lang: str = "zh") -> bytes:
    """The PDF of one document."""
    return render_batch(template, [context], lang).write_pdf()


def pdf_response(template: str, context: dict, lang: str = "zh"):
    """A screen's or the API's answer: the document inline, named after its number."""
    pdf = render_pdf(template, context, lang)
    return send_file(
        BytesIO(pdf), mimetype="application/pdf", download_name=f"{context['number']}.pdf"
    )
