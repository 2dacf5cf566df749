#!/usr/bin/env bash
# Regenerates the README's pictures (docs/*.png) from the project's own renderer: each card
# is rendered by `npm run preview` (src/ -> card JSON -> scripts/card-html.ts) and shot with
# headless Chromium. CI does not run this: the PNGs are committed.
#
#   scripts/screenshot.sh            # needs chromium (Debian: apt-get install -y chromium
#                                    #  fonts-noto-cjk fonts-noto-color-emoji)
set -euo pipefail
cd "$(dirname "$0")/.."

browser=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
if [ -z "$browser" ]; then
  echo "screenshot.sh needs Chromium: apt-get install -y chromium fonts-noto-cjk fonts-noto-color-emoji" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
width=640

chromium() {
  local profile
  profile=$(mktemp -d "$work/profile.XXXXXX")
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$profile" "$@" 2>/dev/null
}

# shoot NAME [preview options…]: renders the card to HTML, measures it, writes docs/NAME.png.
shoot() {
  local name=$1
  shift
  local html="$work/$name.html"
  npx --no-install tsx scripts/preview.ts --no-color --html "$html" "$@" >/dev/null
  # The page's height at this width, read back through the DOM Chromium dumps.
  sed 's|</body>|<script>document.title="height="+Math.ceil(document.body.getBoundingClientRect().height)</script></body>|' \
    "$html" >"$work/$name.measure.html"
  local height
  height=$(chromium --window-size="$width,2000" --dump-dom "file://$work/$name.measure.html" |
    sed -n 's|.*<title>height=\([0-9]*\)</title>.*|\1|p')
  if [ -z "$height" ]; then
    echo "could not measure $name" >&2
    exit 1
  fi
  chromium --force-device-scale-factor=2 --window-size="$width,$height" \
    --screenshot="$PWD/docs/$name.png" "file://$html" >/dev/null
  echo "docs/$name.png (${width}x${height} CSS px, 2x)"
}

mkdir -p docs

# A deploy that went well: the card the one-step deploy recipe ends with.
shoot card \
  --event push --status success \
  --message '**shop 2.4.1** is live on [production](https://shop.acme.dev): checkout now retries payment captures on gateway timeouts.' \
  --field 'Environment: production' \
  --field 'Duration: 3m 12s' \
  --mention author --user-map 'monalisa: mona@acme.dev' \
  --key deploy-prod

# A failure alert from a final job: every needed job with its result, the author mentioned.
shoot card-failure \
  --event push --workflow Release --job notify \
  --title 'Release 2.4.1 failed · acme/shop' \
  --message 'Tests failed on `main`, so **production was not deployed**. The run has the logs.' \
  --needs '{"build":{"result":"success","outputs":{}},"test":{"result":"failure","outputs":{}},"deploy":{"result":"skipped","outputs":{}}}' \
  --mention author --user-map 'monalisa: mona@acme.dev'
