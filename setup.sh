#!/usr/bin/env bash
# Set-up commands on a fresh Debian 12 machine (README.md), as root or a user with sudo; they
# need nothing but bash and apt-get (no make, no Python yet):
#   bash setup.sh serve    install, migrate, seed the demo data, serve http://127.0.0.1:$PORT
#                          (PORT=5000 unless set) on the embedded defaults
#   bash setup.sh test     install with the test tools, run the whole suite (on every core, then
#                          the production topology and the browser walk), then run it again
#                          with the clock 400 days ahead (tests never depend on the wall clock);
#                          arguments go to pytest (e.g. -x, -k month)
#   bash setup.sh lock     regenerate requirements.lock from pyproject.toml (then run the tests)
# Every install takes the exact versions of requirements.lock.
set -euo pipefail
cd "$(dirname "$0")"

# pytest, where "no test selected" (exit 5: `-k month` selects none of a part) is no failure.
pytest_run() {
    local rc=0
    "$BIN/python" -m pytest "$@" || rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 5 ]
}

VENV=.venv
BIN="$PWD/$VENV/bin"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
# Debian's Python; WeasyPrint's libraries (libharfbuzz-subset0 makes PDFs ~8x faster), a CJK font.
RUN_DEBS="python3 python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-zenhei"
# The suite starts its own PostgreSQL, Redis, workers and web server, drives Chromium and reads
# PDFs back.
TEST_DEBS="$RUN_DEBS postgresql redis-server chromium poppler-utils"
CLOCK_AHEAD_DAYS=400

debs() {
    local missing=""
    for package in "$@"; do
        dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed' \
            || missing="$missing $package"
    done
    if [ -n "$missing" ]; then
        echo "apt-get install$missing"
        $SUDO apt-get update -q
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
    fi
}

venv() {  # $1: the extras, "" or "[test]"; redone when pyproject.toml or the lock changes
    local stamp="$VENV/.installed${1:+-test}"
    if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ] && [ "$stamp" -nt requirements.lock ]; then
        return
    fi
    [ -x "$BIN/python" ] || /usr/bin/python3 -m venv "$VENV"
    "$BIN/pip" install -q --disable-pip-version-check -c requirements.lock -e ".$1"
    touch "$stamp"
}

translations() {
    PATH="$BIN:$PATH" bash translations/compile.sh
}

case "${1:-}" in
serve)
    debs $RUN_DEBS
    venv ""
    translations
    "$BIN/flask" --app app db upgrade
    "$BIN/flask" --app app wuye seed-demo
    # Embedded mode: one process runs the jobs in a thread, so one gunicorn worker, threaded.
    exec "$BIN/gunicorn" --bind "127.0.0.1:${PORT:-5000}" --workers 1 --threads 8 \
        --access-logfile - 'app:create_app()'
    ;;
test)
    shift
    debs $TEST_DEBS
    venv "[test]"
    translations
    # The suite on every core (pytest-xdist); then, one at a time, what runs whole processes and
    # the browser for minutes: the production topology and the walk of every screen.
    pytest_run -n auto -m "not production and not walk" "$@"
    pytest_run -m "production or walk" "$@"
    # The production topology's own processes keep the real clock: that part is left out; so is
    # the walk (its world is dated from business_date()), for time.
    echo "--- the suite again, with the clock $CLOCK_AHEAD_DAYS days ahead ---"
    pytest_run -q -n auto -m "not production and not walk" --clock-ahead "$CLOCK_AHEAD_DAYS" "$@"
    ;;
lock)
    debs $RUN_DEBS
    venv "[test]"
    "$BIN/pip" install -q --disable-pip-version-check uv
    "$BIN/uv" pip compile pyproject.toml --extra test --python-version 3.11 \
        --python-platform linux --no-header --annotation-style line -o requirements.lock
    echo "requirements.lock written: now run 'bash setup.sh test'"
    ;;
*)
    echo "usage: bash setup.sh serve|test|lock  (see README.md)" >&2
    exit 2
    ;;
esac
