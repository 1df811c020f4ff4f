"""docs/api.md against the code: every REST operation and every command is listed, and only those.

The matching rules, both kept simple on purpose:

- Operations: in the section ``## Operations``, a table row ``| METHODS | `PATH` | …`` gives
  one path and its methods (upper case, comma-separated); the path is written exactly as the
  OpenAPI document writes it, parameters in braces (``/api/v1/unit/{pk}``,
  ``/api/{version}/_openapi``). Every (method, path) of ``GET /api/v1/_openapi`` must be in such
  a row, and every (method, path) of such a row must be in the document.
- Commands: in the section ``## Command line``, a table row whose first cell is ``wuye NAME``
  (a sub-group's command with its group: ``wuye report supervision``) is one command of the
  ``flask wuye`` group. Every command must have a row and every row must be a command; the row
  names each of the command's options by its long form (`` `--period …` ``) and each argument
  in upper case (`` `FILE` ``), in backticks.
"""

import re
from pathlib import Path

import click

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
METHODS = ("get", "post", "put", "patch", "delete")
OPERATION_ROW = re.compile(r"^\|\s*([A-Z]+(?:\s*,\s*[A-Z]+)*)\s*\|\s*`([^`]+)`\s*\|", re.M)
COMMAND_ROW = re.compile(r"^\|\s*`(wuye(?: [a-z][a-z-]*)+)`\s*\|(.*)$", re.M)


def section(title: str) -> str:
    """The text of the ``## title`` section of docs/api.md, its ``###`` subsections included."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/api.md has no section '## {title}'"
    return match.group(1)


def documented_operations() -> set[tuple[str, str]]:
    return {
        (method.strip(), path)
        for methods, path in OPERATION_ROW.findall(section("Operations"))
        for method in methods.split(",")
    }


def test_every_operation_is_documented(client, api):
    response = client.get("/api/v1/_openapi", headers=api("Admin"))
    assert response.status_code == 200, response.json
    served = {
        (method.upper(), path)
        for path, operations in response.json["paths"].items()
        for method in operations
        if method in METHODS
    }
    documented = documented_operations()
    assert len(served) > 150  # the document is the whole API, not a part of it

    missing = sorted(served - documented, key=lambda op: (op[1], op[0]))
    assert not missing, "operations missing from docs/api.md, section Operations:\n" + "\n".join(
        f"| {method} | `{path}` |" for method, path in missing
    )
    unknown = sorted(documented - served, key=lambda op: (op[1], op[0]))
    assert not unknown, "docs/api.md lists operations the API does not have:\n" + "\n".join(
        f"{method} {path}" for method, path in unknown
    )


def commands(group: click.Group, prefix: str) -> dict[str, click.Command]:
    """``{"wuye bill-run": command, "wuye report supervision": command, …}``."""
    found = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= commands(command, f"{prefix} {name}")
        else:
            found[f"{prefix} {name}"] = command
    return found


def names(command: click.Command) -> list[str]:
    """How the doc must name each option (its long form) and argument (upper case)."""
    result = []
    for param in command.params:
        if isinstance(param, click.Argument):
            result.append(param.name.upper())
        elif isinstance(param, click.Option):
            result.append(max(param.opts, key=len))
    return result


def test_every_command_is_documented(app):
    registered = commands(app.cli.commands["wuye"], "wuye")
    rows = dict(COMMAND_ROW.findall(section("Command line")))
    assert len(registered) >= 10

    missing = sorted(set(registered) - set(rows))
    assert not missing, f"commands missing from docs/api.md, section Command line: {missing}"
    unknown = sorted(set(rows) - set(registered))
    assert not unknown, f"docs/api.md lists commands that do not exist: {unknown}"
    unnamed = {}
    for name, command in registered.items():
        absent = [p for p in names(command) if not re.search(rf"`{re.escape(p)}[` ]", rows[name])]
        if absent:
            unnamed[name] = absent
    assert not unnamed, f"options or arguments missing from the commands' rows: {unnamed}"
