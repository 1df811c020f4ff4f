"""The house style, checked with the suite: ruff's lint rules and formatting over the code, and
mypy over the rules and the services (pyproject.toml, ``[tool.ruff]`` and ``[tool.mypy]``;
``.pre-commit-config.yaml`` runs the same before a commit)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CODE = ["app", "jobs", "reports", "tests", "bench", "config.py"]


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", *CODE],
        ["ruff", "format", "--check", *CODE],
        ["mypy", "--cache-dir", "/tmp/wuye-mypy-cache"],
    ],
    ids=["lint", "format", "types"],
)
def test_the_code_keeps_the_house_style(command):
    done = subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
