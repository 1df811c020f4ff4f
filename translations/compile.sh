#!/bin/sh
# Compile every catalogue (*.po -> *.mo; the .mo files are not in git): ours, then the
# supplement for the libraries' strings. Run at install and after editing any .po file.
set -eu
cd "$(dirname "$0")/.."
pybabel compile -d translations
pybabel compile -d translations/extra
