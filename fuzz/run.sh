#!/usr/bin/env bash
# Fuzz every target in fuzz_targets/ (the page reader, the HTTP text parsers,
# the judge, the redactor, URL mapping, the write guard, the configuration
# knobs, ...), seeded from the project's fixtures. Not part of CI. Needs cargo-fuzz (`cargo install
# cargo-fuzz`); libFuzzer needs nightly flags, which RUSTC_BOOTSTRAP=1 lets
# the stable toolchain accept.
#   fuzz/run.sh [SECONDS_PER_TARGET [TARGET...]]   (default: 600, every target)
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"
shift || true
export RUSTC_BOOTSTRAP=1
targets="${*:-$(ls fuzz_targets | sed 's/\.rs$//')}"
for t in $targets; do mkdir -p "corpus/$t"; done
for f in ../fixtures/pages/*.md ../fixtures/e2e/*.md ../specs/*/*.md; do
  cp -n "$f" corpus/read_page/ 2>/dev/null || true
done
# Seed the HTTP text parsers with every fenced block of the fixtures.
python3 - <<'PY'
import glob, os, re
n = 0
for path in glob.glob("../fixtures/pages/*.md"):
    text = open(path, encoding="utf-8", errors="replace").read()
    for block in re.findall(r"```[^\n]*\n(.*?)```", text, re.S):
        n += 1
        open(f"corpus/http_text/seed-{n}", "w").write(block)
        if block.lstrip().startswith("HTTP/"):
            body = block.split("\n\n", 1)[-1]
            open(f"corpus/judge/seed-{n}", "w").write(body)
# URL mapping: target base URL, documented URL, a value for its `{v}`.
bases = ["http://127.0.0.1:8080", "http://127.0.0.1:8080/base/", "https://u:p@h:1/a/b"]
values = ["../../admin/@evil.invalid", "a?b#c&d=e", "%2e%2e", "s3cr<et>{x}"]
urls = set()
for path in glob.glob("../fixtures/pages/*.md") + glob.glob("../specs/*/*.md"):
    text = open(path, encoding="utf-8", errors="replace").read()
    urls.update(re.findall(r"^(?:GET|POST|PATCH|PUT|DELETE) (\S+)", text, re.M))
for i, url in enumerate(sorted(urls)):
    url = re.sub(r"\{[^}]*\}", "{v}", url, count=1)
    seed = f"{bases[i % len(bases)]}\n{url}\n{values[i % len(values)]}"
    open(f"corpus/url_map/seed-{i}", "w").write(seed)
PY
# Seed the write guard with the target forms of tests/hardening_auth.rs.
i=0
for t in "POST http://127.0.0.1" "MERGE http://[::ffff:127.0.0.1]" "get http://localhost" \
         "PURGE http://LOCALHOST.:9" "POST http://evil.localhost" "POST http://0.0.0.0" \
         "PUT http://2130706433" "DELETE http://0x7f000001" "POST https://graph.microsoft.com"; do
  i=$((i + 1))
  printf '%s' "$t" > "corpus/write_guard/seed-$i"
done
for target in $targets; do
  echo "== fuzzing $target for ${secs}s"
  cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$secs" -max_len=65536 2>&1 \
    | grep -E "^(#[0-9]+[[:space:]]+DONE|Done|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)" || true
done
