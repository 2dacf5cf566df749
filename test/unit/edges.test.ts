/**
 * Issue 15, where only a pure function (or one call over a scripted transport) changes: Feishu's
 * error hints, "being processed" answers, long rate-limit resets, brace patterns, the 1.0 release.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call } from '../../src/feishu/call.js';
import { FeishuError, feishuError } from '../../src/feishu/errors.js';
import type { HttpRequest, HttpResponse, Transport } from '../../src/feishu/http.js';
import { DEFAULT_POLICY } from '../../src/feishu/retry.js';
import { expandBraces } from '../../src/images.js';
import { readSettings } from '../../src/inputs.js';
import { ROOT } from '../support/run-action.js';

const hint = (code: number) => feishuError('send to oc_x', code, { code, msg: 'm' }, 400).hint;

describe("hints from Feishu's code list", () => {
  it('tell a disabled app (10014) from a wrong secret (10015)', () => {
    // 10014 also names the secret: a wrong one has been answered with 10014 as well.
    expect(hint(10014)).toMatch(/unavailable.*disabled/);
    expect(hint(10015)).toMatch(/app-secret/);
    expect(hint(10015)).not.toMatch(/disabled/);
  });

  it.each([
    [99991543, /credentials.*enabled/],
    [99991662, /credentials.*enabled/],
    [99991673, /credentials.*enabled/],
    [99991665, /permission/],
    [230027, /im:message\.group_msg/],
    [230035, /may not send/],
    [230071, /permission/],
    [232009, /chat is not available/],
    [11235, /only group admins may @all/],
    [11247, /rate limit/],
  ])('%i has a hint', (code, pattern) => {
    expect(hint(code)).toMatch(pattern);
  });

  it('230001 is the generic "invalid parameter", not only a bad recipient', () => {
    expect(hint(230001)).toMatch(/generic.*invalid parameter.*content/);
  });
});

function scripted(answers: HttpResponse[]) {
  const requests: HttpRequest[] = [];
  const slept: number[] = [];
  const transport: Transport = {
    send: async (request) => {
      requests.push(request);
      const answer = answers.shift();
      if (!answer) throw new Error('no more answers');
      return answer;
    },
    dispose: () => undefined,
  };
  const sleep = async (ms: number) => {
    slept.push(ms);
  };
  return { transport, requests, slept, sleep };
}

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: JSON.stringify(body),
});
const sent = answer(200, { code: 0, data: { message_id: 'om_1' } });
const request = (): HttpRequest => ({
  method: 'POST',
  url: 'https://open.feishu.cn/open-apis/im/v1/messages',
  body: JSON.stringify({ uuid: 'u-1' }),
});

describe('"being processed" answers', () => {
  it.each([230049, 18121])(
    '%i is waited for and asked again, the same request, without spending a retry',
    async (code) => {
      const s = scripted([answer(400, { code, msg: 'being processed' }), sent]);
      const body = await call(
        {
          transport: s.transport,
          policy: { ...DEFAULT_POLICY, retries: 0 },
          debug: () => {},
          sleep: s.sleep,
        },
        'send to oc_x',
        request,
      );
      expect(body.data).toEqual({ message_id: 'om_1' });
      expect(s.requests.map((r) => r.body)).toEqual([request().body, request().body]);
      expect(s.slept).toHaveLength(1);
    },
  );

  it('11247 is throttling: retried', async () => {
    const s = scripted([answer(400, { code: 11247, msg: 'too many requests' }), sent]);
    const ctx = {
      transport: s.transport,
      policy: { ...DEFAULT_POLICY, retries: 1 },
      debug: () => {},
      sleep: s.sleep,
    };
    await expect(call(ctx, 'send to oc_x', request)).resolves.toMatchObject({ code: 0 });
  });
});

describe('a rate-limit reset longer than the cap', () => {
  const limited = answer(429, { code: 99991400, msg: 'limit' }, { 'x-ogw-ratelimit-reset': '25' });

  it('is waited for in full, and the one retry then succeeds', async () => {
    const s = scripted([limited, sent]);
    const ctx = {
      transport: s.transport,
      policy: { ...DEFAULT_POLICY, retries: 1 },
      debug: () => {},
      sleep: s.sleep,
      random: () => 0,
    };
    await expect(call(ctx, 'send to oc_x', request)).resolves.toMatchObject({ code: 0 });
    expect(s.slept).toEqual([25_000]);
  });

  it('fails at once when the deadline comes first: no retry spent on a certain refusal', async () => {
    const s = scripted([limited, sent]);
    const ctx = {
      transport: s.transport,
      policy: { ...DEFAULT_POLICY, retries: 2 },
      deadline: Date.now() + 10_000,
      debug: () => {},
      sleep: s.sleep,
    };
    await expect(call(ctx, 'send to oc_x', request)).rejects.toBeInstanceOf(FeishuError);
    expect(s.requests).toHaveLength(1);
    expect(s.slept).toEqual([]);
  });
});

describe('user-map', () => {
  it('keeps every login as written: 007, 0xcafe and null are logins, not numbers or nothing', async () => {
    const values: Record<string, string> = {
      'dry-run': 'true',
      'user-map': '007: ou_bond\n0xcafe: ou_cafe\nnull: ou_null\nmona_acme: ou_mona',
    };
    const settings = await readSettings({
      getInput: (name) => values[name] ?? '',
      setSecret: () => undefined,
    });
    expect(Object.keys(settings.userMap).sort()).toEqual(['007', '0xcafe', 'mona_acme', 'null']);
    expect(settings.userMap['0xcafe']).toEqual({ kind: 'open_id', id: 'ou_cafe' });
  });
});

describe('image patterns', () => {
  it('expand {a,b} alternatives, nested ones too', () => {
    expect(expandBraces('shots/*.{png,jpg}')).toEqual(['shots/*.png', 'shots/*.jpg']);
    expect(expandBraces('{a,b/{c,d}}.png')).toEqual(['a.png', 'b/c.png', 'b/d.png']);
    expect(expandBraces('plain[1].png')).toEqual(['plain[1].png']);
    expect(expandBraces('odd{one}.png')).toEqual(['odd{one}.png']);
  });
});

describe('the 1.0 release', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');

  it('is version 1.0.0, the major every recipe pins', () => {
    expect(pkg.version).toBe('1.0.0');
    const pins = new Set(
      [...readme.matchAll(/feishu-notify(?:\/recall)?@(v\d+)/g)].map((m) => m[1]),
    );
    expect([...pins]).toEqual([`v${pkg.version.split('.')[0]}`]);
  });

  it('has a CHANGELOG entry below Unreleased, and the README says what v1 promises', () => {
    expect(changelog.indexOf('## [Unreleased]')).toBeLessThan(changelog.indexOf('## [1.0.0]'));
    expect(readme).toMatch(/## Versions[\s\S]*no input or output is removed or\s+renamed/);
  });

  it('says which scope user_id recipients need', () => {
    expect(readme).toMatch(/\| `contact:user\.employee_id:readonly` \|[^\n]*user_id/);
  });

  /** The release script in a scratch repository on a branch that is not main. */
  function release(version: string, packageVersion: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'release-'));
    mkdirSync(join(dir, 'scripts'));
    copyFileSync(join(ROOT, 'scripts/release.sh'), join(dir, 'scripts/release.sh'));
    copyFileSync(join(ROOT, 'CHANGELOG.md'), join(dir, 'CHANGELOG.md'));
    execFileSync(
      'node',
      [
        '-e',
        `require('fs').writeFileSync('package.json', JSON.stringify({ version: '${packageVersion}' }))`,
      ],
      { cwd: dir },
    );
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    git('init', '-q', '-b', 'topic');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'x');
    try {
      execFileSync('bash', ['scripts/release.sh', version, '--dry-run'], {
        cwd: dir,
        stdio: 'pipe',
      });
      return '';
    } catch (error) {
      return String((error as { stderr: Buffer }).stderr);
    }
  }

  it('the release script refuses a version package.json does not name', () => {
    expect(release('1.0.0', '0.1.0')).toContain('package.json says 0.1.0, not 1.0.0');
  });

  it('and one the CHANGELOG has no section for', () => {
    expect(release('1.0.1', '1.0.1')).toContain('CHANGELOG.md has no section for 1.0.1');
  });

  it('1.0.0 passes the version checks (this scratch repository then fails on its branch)', () => {
    expect(release('1.0.0', '1.0.0')).toContain("releases are tagged on main; this is 'topic'");
  });
});
