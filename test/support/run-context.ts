/**
 * A RunContext for a given runner environment, read by @actions/github's own Context class
 * (the one the action uses), so tests and tools see the run exactly as the action does.
 */
import { context } from '@actions/github';
import { type GitHubContext, type RunContext, toRunContext } from '../../src/context.js';

/** Context reads process.env when constructed: build one under `env`, then put env back. */
export function runContextFor(env: NodeJS.ProcessEnv): RunContext {
  const saved = process.env;
  process.env = { ...env };
  try {
    const Context = context.constructor as new () => GitHubContext;
    return toRunContext(new Context(), env);
  } finally {
    process.env = saved;
  }
}
