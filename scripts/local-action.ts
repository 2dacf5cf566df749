/**
 * `npm run local-action`: GitHub's local runner for JavaScript actions (@github/local-action)
 * runs the action's main and post steps from src/ against the project's fake Feishu API, with
 * the inputs of .env.example. Checks what a newcomer would look at: the card arrived and the
 * post step finished it in place, the outputs were set, and no secret or token was printed.
 * Exits non-zero when any of that fails (CI runs it once).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startFakeFeishu } from '../test/support/fake-feishu.js';
import { ROOT } from '../test/support/run-action.js';

const fake = await startFakeFeishu();
const problems: string[] = [];
try {
  const envFile = join(ROOT, '.runtime', 'local-action.env');
  mkdirSync(join(ROOT, '.runtime'), { recursive: true });
  const sample = readFileSync(join(ROOT, '.env.example'), 'utf8');
  writeFileSync(envFile, sample.replace(/^INPUT_DOMAIN=.*$/m, `INPUT_DOMAIN=${fake.url}`));

  const tool = join(ROOT, 'node_modules/@github/local-action/bin/local-action.js');
  const started = Date.now();
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [tool, 'run', '.', 'src/main.ts', envFile, '--post', 'src/main.ts'],
    // FORCE_COLOR=0: plain text to search; no GITHUB_* of an outer run leaks in.
    { cwd: ROOT, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    problems.push(`local-action failed: ${error.message.split('\n')[0]}`);
    return { stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
  });
  const printed = stdout + stderr;
  // The steps' own log; the tool's tables (metadata, outputs) are too wide to read here.
  const log = printed.slice(printed.indexOf('Running Action'), printed.indexOf('Action Outputs'));
  process.stdout.write(`${log.replace(/^(::set-output name=content::).*$/m, '$1…')}\n`);

  const [card, ...others] = fake.messages();
  if (!card || others.length > 0)
    problems.push(`expected one message, the chat holds ${fake.messages().length}`);
  else {
    if (card.updates !== 1) problems.push(`the post step updated the card ${card.updates} times`);
    const header = (JSON.parse(card.content) as { header?: { template?: string } }).header;
    if (header?.template !== 'green') problems.push('the finished card is not green (success)');
    if (!new RegExp(`'message-id'\\s*│\\s*'${card.message_id}'`).test(printed))
      problems.push('the Action Outputs table does not show the message-id');
  }
  const tokens = fake.requests
    .map((r) => String(r.headers.authorization ?? '').replace(/^Bearer /, ''))
    .filter(Boolean);
  for (const secret of new Set(['test-secret', ...tokens]))
    if (printed.includes(secret)) problems.push(`a secret was printed: ${secret.slice(0, 4)}…`);
  if (/::error::/.test(printed)) problems.push('an error was logged');

  console.log(
    `\nlocal-action: ${fake.requests.length} requests reached the fake in ${Date.now() - started} ms` +
      ` (${tokens.length} with a token); ${printed.length} characters printed`,
  );
} finally {
  await fake.close();
}
if (problems.length > 0) {
  for (const p of problems) console.error(`FAIL ${p}`);
  process.exit(1);
}
console.log('local-action: main sent the card, post finished it in place; no secret printed');

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  for (const name of Object.keys(env))
    if (/^(GITHUB_|INPUT_|STATE_|RUNNER_)/.test(name)) delete env[name];
  return env;
}
