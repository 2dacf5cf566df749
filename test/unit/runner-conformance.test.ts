/**
 * src/runner.ts writes the runner's workflow commands itself (see why there). This proves
 * it writes what @actions/core writes: the same stdout commands and the same file-command
 * records, for awkward values (newlines, %, colons, unicode, empty).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runner } from '../../src/runner.js';
import { parseCommandFile } from '../support/run-action.js';

const VALUES = [
  'plain',
  'multi\nline\r\nvalue',
  '100% done: a, b',
  '',
  '✅ 部署成功 · «key»',
  '::warning::inner',
];

interface Capture {
  stdout: string;
  output: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  exitCode: number | string | undefined;
}

async function capture(write: () => void | Promise<void>): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), 'runner-'));
  const files = {
    GITHUB_OUTPUT: join(dir, 'o'),
    GITHUB_STATE: join(dir, 's'),
    GITHUB_STEP_SUMMARY: join(dir, 'm'),
  };
  for (const [name, path] of Object.entries(files)) {
    writeFileSync(path, '');
    vi.stubEnv(name, path);
  }
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const exitBefore = process.exitCode;
  try {
    await write();
  } finally {
    spy.mockRestore();
  }
  const exitCode = process.exitCode;
  process.exitCode = exitBefore;
  return {
    stdout,
    output: parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    state: parseCommandFile(readFileSync(files.GITHUB_STATE, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    exitCode,
  };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('runner matches @actions/core', () => {
  it('outputs and state', async () => {
    const writeAll = (impl: Pick<typeof runner, 'setOutput' | 'saveState'>) => () => {
      for (const [i, v] of VALUES.entries()) {
        impl.setOutput(`o${i}`, v);
        impl.saveState(`s${i}`, v);
      }
    };
    const ours = await capture(writeAll(runner));
    const theirs = await capture(writeAll(core));
    expect(ours.output).toEqual(theirs.output);
    expect(ours.state).toEqual(theirs.state);
    expect(Object.values(ours.output)).toEqual(VALUES);
  });

  it('log commands, masks and failure', async () => {
    const ours = await capture(() => {
      for (const v of VALUES) {
        runner.info(v);
        runner.debug(v);
        runner.warning(v);
        runner.error(v);
        runner.setSecret(v || 'x');
      }
      runner.setFailed('bad\ninput');
    });
    const theirs = await capture(() => {
      for (const v of VALUES) {
        core.info(v);
        core.debug(v);
        core.warning(v);
        core.error(v);
        core.setSecret(v || 'x');
      }
      core.setFailed('bad\ninput');
    });
    expect(ours.stdout).toBe(theirs.stdout);
    expect(ours.exitCode).toBe(1);
    expect(theirs.exitCode).toBe(1);
  });

  it('inputs and state are read the same way', () => {
    vi.stubEnv('INPUT_APP-ID', '  cli_x \n');
    vi.stubEnv('INPUT_SOME_NAME', 'v');
    vi.stubEnv('STATE_finish', '{"a":1}');
    expect(runner.getInput('app-id')).toBe(core.getInput('app-id'));
    expect(runner.getInput('some name')).toBe(core.getInput('some name'));
    expect(runner.getInput('absent')).toBe(core.getInput('absent'));
    expect(runner.getState('finish')).toBe(core.getState('finish'));
  });

  it('the summary gets the markdown as written', async () => {
    const ours = await capture(() => runner.appendSummary('### Hi\n| a |'));
    const theirs = await capture(() =>
      core.summary
        .addRaw('### Hi\n| a |', true)
        .write()
        .then(() => undefined),
    );
    expect(ours.summary).toBe(theirs.summary);
  });
});
