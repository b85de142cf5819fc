#!/usr/bin/env bash
# The translation catalogues under workbench/locale/, built with Babel (pybabel).
#
#   bash scripts/translations.sh            # after changing strings: extract -> update -> compile
#   bash scripts/translations.sh init fr    # start a new language (then translate
#                                           # workbench/locale/fr/LC_MESSAGES/messages.po and
#                                           # run the script again)
#   bash scripts/translations.sh compile    # only compile the .po files into .mo files
#
# The languages on offer are the compiled catalogues found under workbench/locale: a new
# language needs no code change. tests/test_i18n.py fails on an untranslated or fuzzy string and
# on a .mo file older than its .po, so commit the .po and the .mo together.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCALE=workbench/locale
POT=$LOCALE/messages.pot
KEYWORDS=(-k N_ -k NP_:1c,2 -k M_ -k MP_:1,2 -k MC_:1c,2)

extract() {
    local fresh
    fresh=$(mktemp)
    pybabel extract -F babel.cfg "${KEYWORDS[@]}" --add-comments=TRANSLATORS: \
        --add-location=file --sort-by-file --width=100 \
        --project="Anywhere Learning Workbench" --copyright-holder="Anywhere Learning Workbench" \
        -o "$fresh" workbench
    # keep the old template when only its creation date would change (no noise in git)
    if [ -f "$POT" ] && diff -q <(grep -v '^"POT-Creation-Date:' "$POT") \
            <(grep -v '^"POT-Creation-Date:' "$fresh") >/dev/null; then
        rm -f "$fresh"
    else
        mv "$fresh" "$POT"
    fi
}

case "${1:-all}" in
    init)
        extract
        pybabel init -i "$POT" -d "$LOCALE" -D messages -l "${2:?which language? e.g. fr}" --width=100
        ;;
    compile)
        pybabel compile -d "$LOCALE" -D messages --statistics
        ;;
    all)
        extract
        pybabel update -i "$POT" -d "$LOCALE" -D messages --no-fuzzy-matching --ignore-obsolete \
            --width=100 --ignore-pot-creation-date
        pybabel compile -d "$LOCALE" -D messages --statistics
        ;;
    *)
        echo "usage: $0 [all|init LANG|compile]" >&2
        exit 2
        ;;
esac
