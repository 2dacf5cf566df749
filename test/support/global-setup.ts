/**
 * Builds the bundle of the current source once per test run, so end-to-end tests never run a
 * stale `dist/`. The build is cached by a hash of everything that goes into it: a run with no
 * change to src/ or the dependencies reuses the last build and starts at once.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BUNDLE_ROOT, ROOT } from './run-action.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const inputs = [
    ...filesUnder(join(ROOT, 'src')).sort(),
    ...['package.json', 'package-lock.json', 'tsconfig.json'].map((f) => join(ROOT, f)),
  ];
  for (const file of inputs)
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file));
  return hash.digest('hex');
}

export default function setup(): void {
  // E2E_ENTRY runs another build (a released dist/, say) and skips this one.
  if (process.env.E2E_ENTRY) return;
  const hash = sourceHash();
  const stamp = join(BUNDLE_ROOT, 'source-hash');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  rmSync(BUNDLE_ROOT, { recursive: true, force: true });
  mkdirSync(join(BUNDLE_ROOT, 'recall'), { recursive: true });
  // The same build as `npm run bundle`, into a scratch directory (dist/ stays as committed).
  execFileSync(
    join(ROOT, 'node_modules/.bin/ncc'),
    ['build', 'src/index.ts', '-o', join(BUNDLE_ROOT, 'dist'), '--minify', '--quiet'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  writeFileSync(stamp, hash);
}
