"""Translations: Simplified Chinese by default, English on request, nothing left in English.

Three catalogues are merged, later ones winning: Flask-AppBuilder's own, ours
(``translations/``, extracted from the sources) and the supplement ``translations/extra/`` (the
library strings FAB's zh catalogue lacks, a few corrections, marshmallow's error messages).
These tests check that our catalogue covers the current sources, that the supplement covers the
installed libraries, that the compiled ``.mo`` files match the ``.po`` files, and that screens and
the API speak the language asked for.
"""

import inspect
import re
from pathlib import Path

import flask_appbuilder
import flask_babel
import marshmallow.fields
import marshmallow.schema
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
EXTRA = TRANSLATIONS / "extra"
FAB_DIR = Path(flask_appbuilder.__file__).resolve().parent

# The same command as translations/update.sh (the template check below notices any drift).
KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2")
EXTRACT = ["-F", str(TRANSLATIONS / "babel.cfg"), *(f"--keyword={k}" for k in KEYWORDS)]

PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([a-zA-Z%])")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _load_po(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


def _placeholders(text: str) -> list:
    return sorted((name or "", conv) for name, conv in PLACEHOLDER.findall(text) if conv != "%")


def _problems(catalog, msgids) -> list[str]:
    """Why each of ``msgids`` lacks a usable translation in ``catalog`` (empty list: none)."""
    problems = []
    for msgid in sorted(msgids, key=str):
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            problems.append(f"untranslated: {msgid!r}")
        else:
            singular = msgid[0] if isinstance(msgid, tuple) else msgid
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for string in strings:
                if _placeholders(string) != _placeholders(singular):
                    problems.append(f"placeholders differ: {msgid!r} -> {string!r}")
    return problems


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- our catalogue -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The message template of the current sources, extracted in-process like update.sh."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    status = CommandLineInterface().run(
        ["pybabel", "--quiet", "extract", *EXTRACT, "-o", str(pot), str(ROOT)]
    )
    assert not status, "pybabel extract failed"
    return _load_po(pot)


def test_sources_have_messages(extracted):
    # a broken babel.cfg extracts nothing, and every later check would pass vacuously
    assert {"Units", "Area (m²)", "This field is required."} <= _ids(extracted)


def test_template_is_up_to_date(extracted):
    committed = _load_po(TRANSLATIONS / "messages.pot")
    new = sorted(_ids(extracted) - _ids(committed), key=str)
    gone = sorted(_ids(committed) - _ids(extracted), key=str)
    assert not (new or gone), (
        f"translations/messages.pot is stale (run translations/update.sh): new {new}, gone {gone}"
    )
    for message in extracted:
        if message.id:
            assert message.python_format == committed[message.id].python_format, message.id


def test_every_source_message_has_a_chinese_translation(extracted):
    zh = _load_po(TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po")
    assert not zh.fuzzy, "the zh catalogue is marked fuzzy: pybabel compile would skip it"
    problems = _problems(zh, _ids(extracted))
    assert not problems, "translations/zh/LC_MESSAGES/messages.po:\n" + "\n".join(problems)


def test_supplement_is_translated_and_agrees_with_ours():
    ours = _load_po(TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po")
    extra = _load_po(EXTRA / "zh" / "LC_MESSAGES" / "messages.po")
    assert not extra.fuzzy
    assert not _problems(extra, _ids(extra))
    # the supplement is merged last: a different translation there would silently replace ours
    clashes = [
        (m.id, ours[m.id].string, m.string)
        for m in extra
        if m.id and m.id in ours and ours[m.id].string and ours[m.id].string != m.string
    ]
    assert not clashes


@pytest.mark.parametrize("folder", [TRANSLATIONS, EXTRA], ids=["ours", "extra"])
@pytest.mark.parametrize("locale", ["zh", "en"])
def test_compiled_catalogues_match_sources(folder, locale):
    po_file = folder / locale / "LC_MESSAGES" / "messages.po"
    mo_file = po_file.with_suffix(".mo")
    hint = "run translations/compile.sh"
    assert mo_file.exists(), f"{mo_file} is missing: {hint}"
    with mo_file.open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    expected = {m.id: m.string for m in _load_po(po_file) if m.id and m.string and not m.fuzzy}
    assert compiled == expected, f"{mo_file} does not match its .po: {hint}"


# --- the supplement covers the libraries -------------------------------------------------------


def _fab_messages() -> set[str]:
    """Every msgid in the installed Flask-AppBuilder's Python code and templates."""
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "__": None}
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options_map = {"templates/**.html": {"encoding": "utf-8"}}
    return {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(FAB_DIR), method_map, options_map, keywords=keywords
        )
        if isinstance(message, str) and message.strip()
    }


def _marshmallow_messages() -> set[str]:
    """marshmallow's default error messages that are not templates (those cannot be looked up)."""
    messages = set(marshmallow.schema.Schema._default_error_messages.values())
    for _name, cls in inspect.getmembers(marshmallow.fields, inspect.isclass):
        messages |= set(getattr(cls, "default_error_messages", {}).values())
    messages |= {
        f"Not a valid {kind}." for kind in ("datetime", "time", "naive datetime", "aware datetime")
    }
    return {m for m in messages if "{" not in m}


def _untranslated(app, messages: set[str]) -> list[str]:
    with app.test_request_context("/?_l_=zh"):
        return sorted(m for m in messages if flask_babel.gettext(m) == m)


def test_translation_directories_are_absolute_and_ordered(app):
    directories = [Path(d) for d in app.extensions["babel"].translation_directories]
    assert all(d.is_absolute() for d in directories)
    assert [d.resolve() for d in directories] == [FAB_DIR / "translations", TRANSLATIONS, EXTRA]


def test_flask_appbuilder_strings_are_all_chinese(app):
    messages = _fab_messages()
    assert {"Add", "Edit", "Show", "Delete", "Search", "Record Count"} <= messages
    assert not _untranslated(app, messages)


def test_marshmallow_messages_are_all_chinese(app):
    messages = _marshmallow_messages()
    assert {"Not a valid number.", "Missing data for required field.", "Unknown field."} <= messages
    assert not _untranslated(app, messages)


# --- screens -----------------------------------------------------------------------------------


def test_screen_speaks_chinese_by_default(login):
    client = login("CustomerService")
    response = client.get("/unitview/list/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = _visible_text(html)
    # ours: title, column labels, enum labels, menu
    for chinese in ("房屋", "面积（㎡）", "物业类型", "住宅", "已入住", "基础资料", "业主/住户"):
        assert chinese in text, chinese
    # Flask-AppBuilder's, from its catalogue ...
    for chinese in ("搜索", "添加过滤条件", "记录数目"):
        assert chinese in text, chinese
    assert 'title="添加新记录"' in html
    # ... and from our supplement (FAB's zh catalogue lacks these)
    for chinese in ("添加", "查看", "编辑", "退出登录"):
        assert chinese in text, chinese
    for english in (
        "Units",
        "Area",
        "Property type",
        "Residential",
        "Search",
        "Record Count",
        "Show",
        "Edit",
        "Logout",
    ):
        assert not re.search(rf"\b{re.escape(english)}\b", text), english


def test_screen_switches_to_english_and_back(login):
    client = login("CustomerService")
    assert client.get("/lang/en").status_code == 302
    text = _visible_text(client.get("/unitview/list/").get_data(as_text=True))
    for english in (
        "Units",
        "Area (m²)",
        "Property type",
        "Residential",
        "Occupied",
        "Search",
        "Record Count",
        "Show",
        "Edit",
        "Master data",
    ):
        assert english in text, english
    for chinese in ("房屋", "面积", "搜索", "查看"):
        assert chinese not in text, chinese

    client.get("/lang/zh")
    text = _visible_text(client.get("/unitview/list/").get_data(as_text=True))
    assert "面积（㎡）" in text and "Area" not in text


# --- API ---------------------------------------------------------------------------------------

NEW_UNIT = {"building": 1, "code": "1-1-909", "property_type": "residential", "area": "-5"}


def _area_message(client, headers, body, query=""):
    response = client.post(f"/api/v1/unit/{query}", headers=headers, json=body)
    assert response.status_code == 400, response.json
    return response.json["message"]


def test_api_domain_message_in_chinese_then_english(client, api):
    headers = api("CustomerService")
    [message] = _area_message(client, headers, NEW_UNIT)["area"]
    assert message.startswith("面积必须大于 0") and "㎡" in message, message
    [message] = _area_message(client, headers, NEW_UNIT, "?_l_=en")["area"]
    assert message.startswith("The area must be above 0"), message
    # the language of one request does not stick to the next
    [message] = _area_message(client, headers, NEW_UNIT)["area"]
    assert CJK.search(message), message


def test_api_marshmallow_messages_in_chinese_then_english(client, api):
    headers = api("CustomerService")
    body = {**NEW_UNIT, "area": "abc", "floor": 3}
    messages = _area_message(client, headers, body)
    assert messages["area"] == ["不是有效的数字。"]
    assert messages["floor"] == ["未知字段。"]
    messages = _area_message(client, headers, body, "?_l_=en")
    assert messages["area"] == ["Not a valid number."]
    assert messages["floor"] == ["Unknown field."]


def test_api_answers_in_the_language_the_client_accepts(client, api):
    """No session on the API: Accept-Language, else WUYE_LOCALE; ?_l_ wins over both."""
    headers = api("CustomerService")
    english = {**headers, "Accept-Language": "en-US,en;q=0.9"}
    [message] = _area_message(client, english, NEW_UNIT)["area"]
    assert message.startswith("The area must be above 0"), message
    chinese = {**headers, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
    [message] = _area_message(client, chinese, NEW_UNIT)["area"]
    assert CJK.search(message), message
    [message] = _area_message(client, {**headers, "Accept-Language": "fr"}, NEW_UNIT)["area"]
    assert CJK.search(message), message  # nothing we speak: the default, zh
    [message] = _area_message(client, chinese, NEW_UNIT, "?_l_=en")["area"]
    assert message.startswith("The area must be above 0"), message


def test_an_auditors_export_follows_the_language_accepted(client, api):
    """Every header in the language asked for, a related row's columns included."""

    def header(language: str) -> str:
        asked = {**api("Auditor"), "Accept-Language": language}
        response = client.get("/api/v1/export/unit?format=csv", headers=asked)
        return response.data.decode("utf-8-sig").splitlines()[0]

    english = "ID,Building (ID),Building (Code),Code,Payment code,Property type"
    assert header("en").startswith(english)
    chinese = header("zh-CN")
    assert chinese.startswith("系统编号,楼栋（系统编号）,楼栋（编号）,编号,缴费码")
    assert not re.search(r"[A-Za-z]{3,}", chinese), chinese
