#!/usr/bin/env bash
# Assemble an HTML report page from the app's three parts, exactly as the Rust
# side writes it (src/report/html): app.css, a payload, app.js. For whoever
# edits the app: edit, run this, reload the page.
#
#   bench/html-dev.sh [PAYLOAD.json] [OUT.html]
#       default: fixtures/html/sample.json -> target/html-dev/sample.html
#
# Prints the page's path and a file:// URL. Reads nothing but its inputs and
# writes nothing but OUT. Needs only bash and sed.
set -euo pipefail
cd "$(dirname "$0")/.."

PAYLOAD=${1:-fixtures/html/sample.json}
OUT=${2:-target/html-dev/$(basename "${PAYLOAD%.json}").html}
CSS=src/report/html/app.css
JS=src/report/html/app.js
[ -f "$PAYLOAD" ] || { echo "payload not found: $PAYLOAD" >&2; exit 2; }
mkdir -p "$(dirname "$OUT")"

# The title, from the payload's first "title" (HTML-escaped); a generic one
# when it cannot be read without a JSON parser.
TITLE=$(sed -n 's/^ *"title": *"\(\([^"\\]\|\\.\)*\)",\{0,1\}$/\1/p' "$PAYLOAD" | head -n 1)
TITLE=${TITLE:-graph-contract report}
TITLE=$(printf '%s' "$TITLE" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g')

{
    printf '%s' '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    printf '\n%s' "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
    printf '\n%s' '<meta name="viewport" content="width=device-width, initial-scale=1"><title>'
    printf '%s' "$TITLE"
    printf '%s' '</title>'
    printf '\n%s' '<style>'
    cat "$CSS"
    printf '%s' '</style></head>'
    printf '\n%s' '<body><noscript>This report needs JavaScript to draw its cases.</noscript><div id="app"></div>'
    printf '\n%s' '<script id="gc-data" type="application/json">'
    # Outside JSON strings a payload has no < > &: escaping every one is
    # exact, and no `</script>` can end the data block early.
    sed -e 's/</\\u003c/g' -e 's/>/\\u003e/g' -e 's/&/\\u0026/g' "$PAYLOAD"
    printf '%s' '</script>'
    printf '\n%s' '<script>'
    cat "$JS"
    printf '%s\n' '</script></body></html>'
} > "$OUT"

echo "$OUT"
echo "file://$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
