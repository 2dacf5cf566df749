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

# Each picture twice, as a reader sees the default (language: auto) card: docs/NAME.png with the
# client in English and docs/NAME.zh-CN.png in Chinese (for README.zh-CN.md), the author's own
# text written in that reader's language too.

# A deploy that went well: the card the one-step deploy recipe ends with.
shoot card --reader en_us \
  --event push --status success \
  --message '**shop 2.4.1** is live on [production](https://shop.acme.dev): checkout now retries payment captures on gateway timeouts.' \
  --field 'Environment: production' \
  --field 'Duration: 3m 12s' \
  --mention author --user-map 'monalisa: mona@acme.dev' \
  --key deploy-prod
shoot card.zh-CN --reader zh_cn \
  --event push --status success \
  --message '**shop 2.4.1** 已上线[生产环境](https://shop.acme.dev)：支付网关超时时，结账会自动重试扣款。' \
  --field '环境: 生产' \
  --field '耗时: 3 分 12 秒' \
  --mention author --user-map 'monalisa: mona@acme.dev' \
  --key deploy-prod

# A failure alert from a final job: every needed job with its result, the author mentioned.
failure=(--event push --workflow Release --job notify
  --needs '{"build":{"result":"success","outputs":{}},"test":{"result":"failure","outputs":{}},"deploy":{"result":"skipped","outputs":{}}}'
  --mention author --user-map 'monalisa: mona@acme.dev')
shoot card-failure --reader en_us "${failure[@]}" \
  --title 'Release 2.4.1 failed · acme/shop' \
  --message 'Tests failed on `main`, so **production was not deployed**. The run has the logs.'
shoot card-failure.zh-CN --reader zh_cn "${failure[@]}" \
  --title '发布 2.4.1 失败 · acme/shop' \
  --message '`main` 上的测试失败，**生产环境未部署**。日志见运行记录。'
