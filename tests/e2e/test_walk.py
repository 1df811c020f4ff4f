"""Every screen of every role, in a real browser, in Chinese, the way staff get there.

For each of the six roles the walk signs in through the login form, collects every entry of the
navbar (the links of its dropdowns too) and opens each; on a list page it also opens the first
row's show page, and the add page and the first row's edit page when the list offers them. The
world is first filled with a row on every screen (tests/e2e/world.py). On every page it notes:

- an HTTP status of 400 or more (none belongs on a page the menu offers; a 500 never may), or
  a page that turns the user away to the home or login page;
- an English word (3 or more Latin letters, not in ``ALLOWED``) in a label, table header,
  button, flash, help text, heading, panel heading, option or the navbar;
- a raw value (``None``, ``True``, ``False``, ``__None``, ``[]``) as the whole text of a table
  cell or a field's value;
- a request to a host other than the server;
- a list whose HTML is over 1 MB.

and saves a full-page screenshot under test-output/e2e/screens/<role>/.

``KNOWN`` records, per page (its path, ids as ``<id>``), what the walk finds today. The test
fails on any finding not in ``KNOWN`` and ALSO on any finding of ``KNOWN`` the walk no longer
makes: whoever fixes a screen deletes its lines here, so the table only shrinks, and it is the
work list of what is left to fix. A 500 is never written into it.
"""

import re
import shutil
import time
from collections import defaultdict
from urllib.parse import urlsplit

import pytest

from app.domain.statements.bank import FIELDS as BANK_FIELDS
from app.security.roles import ROLES
from tests.conftest import USERNAMES
from tests.e2e.conftest import CONTEXT, OUTPUT
from tests.e2e.world import fill_world

pytestmark = [pytest.mark.browser, pytest.mark.walk]

SCREENS = OUTPUT / "screens"

#: Latin words a Chinese screen may show (compared without case). Kept short, each for a reason;
#: two-letter codes (ID, MM) are never words here.
ALLOWED = {
    # file formats and codes staff know by their letters (YYYY: the format of a month field)
    *("PDF", "CSV", "XLS", "XLSX", "JSON", "API", "URL", "SMS", "SHA", "YYYY"),
    # brands: the product's name (物业 Wuye), the owners' app (业主 App), the banks of the
    # statement mappings (built in: icbc, ccb; the world's: cmb)
    *("Wuye", "App", "ICBC", "CCB", "CMB"),
    # the test world's data, not the screens' words: each user is named after its role
    *ROLES,
    *USERNAMES.values(),
}
ALLOWED_FOLDED = {word.casefold() for word in ALLOWED}
#: Words only a page may show: the keys of a bank mapping's JSON, which the administrator types
#: there (app/domain/statements/bank.py, FIELDS), in its help text; the file the roles page says
#: roles are written in (app/security/roles.py).
ALLOWED_ON = {
    "/bankmappingview/": {
        part.casefold() for field in BANK_FIELDS for part in field.split("_") if len(part) > 2
    },
    "/roles/": {"security", "roles"},
}

#: What the walk does not follow: leaving, or changing the language of, the session.
NOT_WALKED = re.compile(r"^/(logout|lang)/")
RAW = {"None", "True", "False", "__None", "[]"}
LIST_LIMIT = 1_000_000  # bytes of a list page's HTML

READ_PAGE = """(raw) => {
    const shown = "th, label, button, .btn, .alert, .help-block, h1, h2, h3, h4, h5, h6, "
        + "legend, .panel-heading, .navbar, option";
    const text = e => (e.innerText || e.textContent || "").trim();
    const header = td => {  // the row's own header (a show page), else the column's
        const own = td.parentElement.querySelector("th");
        if (own) return text(own);
        const table = td.closest("table");
        const row = table && table.tHead && table.tHead.rows[0];
        const cell = row && row.cells[td.cellIndex];
        return cell ? text(cell) : "";
    };
    const labelOf = e => {  // a field's label, else its name
        const label = e.id && document.querySelector(`label[for="${e.id}"]`);
        return label ? text(label) : e.name || "";
    };
    const fields = "input:not([type=hidden]):not([type=submit]):not([type=button])"
        + ":not([type=checkbox]):not([type=radio]):not([type=file]), textarea";
    return {
        texts: [...document.querySelectorAll(shown)].map(text),
        cells: [...document.querySelectorAll("td")]
            .filter(td => raw.includes(text(td)))
            .map(td => [text(td), header(td)]),
        values: [
            ...[...document.querySelectorAll(fields)].map(e => [e.value.trim(), labelOf(e)]),
            ...[...document.querySelectorAll("select")].map(
                e => [e.selectedOptions.length ? text(e.selectedOptions[0]) : "", labelOf(e)]),
            ...[...document.querySelectorAll(".select2-chosen, .select2-selection__rendered")]
                .map(e => {
                    const box = e.closest("td, .form-group");
                    const field = box && box.querySelector("select, input");
                    return [text(e), field ? labelOf(field) : ""];
                }),
        ].filter(([value]) => raw.includes(value)),
        menu: [...document.querySelectorAll(".navbar a[href]")].map(a => a.getAttribute("href")),
        links: [...document.querySelectorAll("a[href]")]
            .filter(a => !a.closest(".navbar"))
            .map(a => a.getAttribute("href")),
    };
}"""

# What the walk finds today (see the module docstring): page -> findings. Empty: every finding
# of the first walk (59 on 28 pages) is fixed.
KNOWN: dict[str, set[str]] = {}


def pattern(path: str) -> str:
    """The page a path is of: its numeric segments as ``<id>``."""
    return re.sub(r"/\d+(?=/|$)", "/<id>", path)


def slug(url: str) -> str:
    parts = urlsplit(url)
    name = re.sub(r"[^A-Za-z0-9]+", "-", parts.path).strip("-") or "home"
    if parts.query:
        name += "-" + re.sub(r"[^A-Za-z0-9]+", "-", parts.query).strip("-")[:60]
    return name


def english(texts: list[str], path: str) -> set[str]:
    allowed = ALLOWED_FOLDED.union(
        *(words for prefix, words in ALLOWED_ON.items() if path.startswith(prefix))
    )
    words = set()
    for text in texts:
        for word in re.findall(r"[A-Za-z]{3,}", text):
            if word.casefold() not in allowed:
                words.add(word)
    return words


class Walk:
    """One role's walk: the pages to open, in order, without repeats; the findings by page."""

    def __init__(self, page, server_url: str, role: str, found: dict[str, set[str]]):
        self.page, self.server, self.role, self.found = page, server_url, role, found
        self.seen: set[str] = set()
        self.todo: list[str] = []
        self.opened = 0
        self.current = "/"
        self.host = urlsplit(server_url).netloc
        page.on("request", self._request)

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.host:
            self.note(self.current, f"request to another host: {parts.netloc}")

    def note(self, path: str, finding: str) -> None:
        self.found[pattern(path)].add(finding)

    def add(self, href: str | None) -> None:
        """Queue a link of this site (same origin, not ``#``), once."""
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            return
        parts = urlsplit(href if "://" in href else self.server + href)
        if parts.netloc != self.host or NOT_WALKED.match(parts.path):
            return
        local = parts.path + (f"?{parts.query}" if parts.query else "")
        if local not in self.seen:
            self.seen.add(local)
            self.todo.append(local)

    def run(self) -> None:
        shutil.rmtree(SCREENS / self.role, ignore_errors=True)  # no screenshot of an old walk
        self.add("/")
        self.open("/", menu=True)
        while self.todo:
            self.open(self.todo.pop(0))

    def open(self, local: str, menu: bool = False) -> None:
        path = urlsplit(local).path
        self.current = path
        response = self.page.goto(self.server + local, wait_until="load")
        self.opened += 1
        status = response.status if response is not None else 0
        if status >= 400:
            self.note(path, f"HTTP {status} ({self.role})")
        landed = urlsplit(self.page.url).path
        if landed in ("/", "/login/") and path != landed:  # turned away
            self.note(path, f"redirected to {landed} ({self.role})")
        read = self.page.evaluate(READ_PAGE, sorted(RAW))
        if menu:
            for href in read["menu"]:
                self.add(href)
        for word in english(read["texts"], path):
            self.note(path, f"English: {word}")
        for value, where in read["cells"] + read["values"]:
            self.note(path, f"raw value {value}: {where}")
        if self._is_list(path):
            if response is not None and len(response.body()) > LIST_LIMIT:
                self.note(path, "list HTML over 1 MB")
            self._follow_rows(path, read["links"])
        folder = SCREENS / self.role
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(folder / f"{slug(local)}.png"), full_page=True)

    @staticmethod
    def _is_list(path: str) -> bool:
        return bool(re.search(r"/list/?$", path))

    def _follow_rows(self, path: str, links: list[str]) -> None:
        """The list's first row's show and edit pages, and its add page, when offered."""
        view = path.rsplit("/list", 1)[0]
        for kind in ("show", "edit"):
            first = next(
                (h for h in links if re.match(rf"^{re.escape(view)}/{kind}/\d+$", h.split("?")[0])),
                None,
            )
            self.add(first)
        self.add(next((h for h in links if h.split("?")[0] == f"{view}/add"), None))


def test_every_role_walks_every_screen_it_is_offered(
    app, browser, server_url, sign_in, session, files_dir, monkeypatch
):
    # The browser keeps the static files for the walk, as behind the production web server,
    # instead of asking the test server again for each of some 25 on every page.
    monkeypatch.setitem(app.config, "SEND_FILE_MAX_AGE_DEFAULT", 3600)
    started = time.monotonic()
    fill_world(session)
    filled = time.monotonic()
    found: dict[str, set[str]] = defaultdict(set)
    for role in ROLES:
        context = browser.new_context(**CONTEXT)
        page = context.new_page()
        page.set_default_timeout(30_000)
        sign_in(page, role)
        walk = Walk(page, server_url, role, found)
        walk.run()
        context.close()
        print(f"{role}: {walk.opened} pages")
    print(f"world {filled - started:.1f}s, walk {time.monotonic() - filled:.1f}s")
    found = {page: findings for page, findings in found.items() if findings}
    errors = sorted(
        f"{page}: {finding}"
        for page, findings in found.items()
        for finding in findings
        if re.match(r"HTTP 5", finding)
    )
    assert not errors, "server errors:\n" + "\n".join(errors)
    new = sorted(f"{page}: {f}" for page, fs in found.items() for f in fs - KNOWN.get(page, set()))
    gone = sorted(f"{page}: {f}" for page, fs in KNOWN.items() for f in fs - found.get(page, set()))
    report = "\n".join(
        f"    {page!r}: {{{', '.join(repr(f) for f in sorted(fs))}}},"
        for page, fs in sorted(found.items())
    )
    assert not new and not gone, (
        "new findings:\n"
        + "\n".join(new)
        + "\n\nknown findings gone (delete them from KNOWN):\n"
        + "\n".join(gone)
        + "\n\nwhat the walk found:\n"
        + report
    )
