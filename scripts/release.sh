#!/usr/bin/env bash
# Tags a release: scripts/release.sh 1.2.3 (or npm run release -- 1.2.3).
#
# Checks that package.json and CHANGELOG.md name the version, that the tree is clean and on
# main, and that dist/ is what `npm run bundle` builds from src/; then makes the annotated tag
# v1.2.3 and moves the major tag v1 to it. Nothing is pushed: the push command is printed.
#
#   --dry-run   run every check, make no tag
set -euo pipefail
cd "$(dirname "$0")/.."

dry_run=false
version=
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=true ;;
    -h | --help)
      sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) version=$arg ;;
  esac
done
version=${version#v}

fail() {
  echo "release: $*" >&2
  exit 1
}

[[ "$version" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$ ]] ||
  fail "give the version as MAJOR.MINOR.PATCH, e.g. scripts/release.sh 1.2.3 (got '${version}')"
major=${BASH_REMATCH[1]}
tag="v$version"
major_tag="v$major"

# The version first: it is what every recipe's `@v$major` resolves to.
package_version=$(node -p "require('./package.json').version")
[ "$package_version" = "$version" ] ||
  fail "package.json says $package_version, not $version: set its version (and package-lock.json's) first"
grep -Eq "^## \[?v?${version//./\\.}\]?([[:space:]]|$)" CHANGELOG.md ||
  fail "CHANGELOG.md has no section for $version: add a '## [$version] - $(date +%Y-%m-%d)' heading with the changes"

branch=$(git rev-parse --abbrev-ref HEAD)
[ "$branch" = main ] || fail "releases are tagged on main; this is '$branch'"
[ -z "$(git status --porcelain)" ] || fail "the work tree has changes; commit or stash them first:
$(git status --short)"
if git rev-parse -q --verify "refs/tags/$tag" >/dev/null; then
  fail "tag $tag exists already"
fi


echo "Rebuilding dist/ to check it matches src/ …"
npm run -s bundle >/dev/null
if [ -n "$(git status --porcelain -- dist)" ]; then
  git status --short -- dist >&2
  fail "dist/ is stale: commit the rebuilt dist/ (npm run bundle) before releasing"
fi

if $dry_run; then
  echo "Dry run: every check passed; $tag would be tagged at $(git rev-parse --short HEAD) and $major_tag moved to it."
  exit 0
fi

git tag -a "$tag" -m "feishu-notify $tag"
git tag -fa "$major_tag" -m "feishu-notify $major_tag (at $tag)" "$tag^{commit}"

echo "Tagged $tag and moved $major_tag to $(git rev-parse --short "$tag^{commit}")."
echo "Push them with:"
echo
echo "  git push origin $tag && git push --force origin $major_tag"
