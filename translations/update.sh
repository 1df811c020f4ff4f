#!/bin/sh
# Re-extract translations/messages.pot from the sources and merge it into our catalogues
# (translations/zh, translations/en). Then translate the new or fuzzy entries in
# translations/zh/LC_MESSAGES/messages.po and run translations/compile.sh.
# translations/extra/ (strings of Flask-AppBuilder and marshmallow) is not touched.
set -eu
cd "$(dirname "$0")/.."
pybabel extract -F translations/babel.cfg \
    -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
    --add-comments=TRANSLATORS: --project=Wuye --copyright-holder=Wuye \
    -o translations/messages.pot .
pybabel update -i translations/messages.pot -d translations --ignore-obsolete
