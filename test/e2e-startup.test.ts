/**
 * Start-up: what every run pays is the entry bundle; what only some runs need (Octokit for the
 * GitHub reads, YAML for `user-map`, glob for `images`) sits in chunks loaded on first use.
 * Guarded here because an eager import anywhere in src/ silently pulls a chunk into the entry
 * (and every run's start-up, measured in the README's Performance section).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeFeishu, startFakeFeishu } from './support/fake-feishu.js';
import { ENTRY, runAction } from './support/run-action.js';

let fake: FakeFeishu;
const SECRET = 'startup-secret';
beforeEach(async () => {
  fake = await startFakeFeishu({ appSecret: SECRET });
});
afterEach(async () => {
  await fake.close();
});

/** The entry alone, without any of its lazy chunks next to it. */
const entryOnly = mkdtempSync(join(tmpdir(), 'entry-only-'));
for (const file of ['index.js', 'package.json'])
  copyFileSync(join(dirname(ENTRY), file), join(entryOnly, file));
afterAll(() => rmSync(entryOnly, { recursive: true, force: true }));

describe('start-up loads only what the run uses', () => {
  it('sends a card with the entry bundle alone: no lazy chunk is needed', async () => {
    const run = await runAction({
      entry: join(entryOnly, 'index.js'),
      inputs: {
        'app-id': 'cli_test_app',
        'app-secret': SECRET,
        domain: fake.url,
        to: 'oc_test_chat',
      },
    });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(fake.messages('oc_test_chat'), run.stdout).toHaveLength(1);
  });

  it('keeps Octokit, YAML and glob out of the entry bundle', () => {
    const entry = readFileSync(ENTRY, 'utf8');
    // Strings each library carries in its code (user agents, error texts), not our own.
    expect(entry).not.toContain('octokit-core.js');
    expect(entry).not.toContain('Implicit map keys need to be');
    expect(entry).not.toContain('@actions/glob');
  });
});
