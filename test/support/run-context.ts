/**
 * A RunContext for a given runner environment, read by @actions/github's own Context class
 * (the one the action uses), so tests and tools see the run exactly as the action does.
 */

import { Context } from '../../node_modules/@actions/github/lib/context.js';
import { type RunContext, toRunContext } from '../../src/context.js';

/** Context reads process.env when constructed: build one under `env`, then put env back. */
export function runContextFor(env: NodeJS.ProcessEnv): RunContext {
  const saved = process.env;
  process.env = { ...env };
  try {
    return toRunContext(new Context(), env);
  } finally {
    process.env = saved;
  }
}
