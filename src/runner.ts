/**
 * The runner's workflow commands, written out rather than imported from @actions/core:
 * core's entry point loads @actions/http-client and undici eagerly (for OIDC), which
 * alone tripled this action's start-up. This module follows core's protocol to the byte
 * (test/unit/runner-conformance.test.ts runs both side by side), and loads nothing.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';

export interface Runner {
  getInput(name: string): string;
  setSecret(secret: string): void;
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
  getState(name: string): string;
  info(message: string): void;
  debug(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  setFailed(message: string): void;
  /** Appends markdown to the job summary, when the runner gives one. */
  appendSummary(markdown: string): void;
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function command(name: string, message: string): void {
  process.stdout.write(`::${name}::${escapeData(message)}${EOL}`);
}

/** `name<<delimiter` heredoc, as core writes GITHUB_OUTPUT and GITHUB_STATE. */
function fileCommand(file: 'OUTPUT' | 'STATE', legacy: string, name: string, value: string): void {
  const path = process.env[`GITHUB_${file}`];
  if (!path) {
    process.stdout.write(`${EOL}::${legacy} name=${name}::${escapeData(value)}${EOL}`);
    return;
  }
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter))
    throw new Error('Unexpected delimiter in a file command');
  appendFileSync(path, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8');
}

export const runner: Runner = {
  getInput: (name) => (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim(),
  setSecret: (secret) => command('add-mask', secret),
  setOutput: (name, value) => fileCommand('OUTPUT', 'set-output', name, value),
  saveState: (name, value) => fileCommand('STATE', 'save-state', name, value),
  getState: (name) => process.env[`STATE_${name}`] ?? '',
  info: (message) => {
    process.stdout.write(`${message}${EOL}`);
  },
  debug: (message) => command('debug', message),
  warning: (message) => command('warning', message),
  error: (message) => command('error', message),
  setFailed: (message) => {
    process.exitCode = 1;
    command('error', message);
  },
  appendSummary: (markdown) => {
    const path = process.env.GITHUB_STEP_SUMMARY;
    if (path) appendFileSync(path, `${markdown}${EOL}`, 'utf8');
  },
};
