/** Longest piece of a bad input value quoted back in an error. */
const QUOTE_LIMIT = 80;

/**
 * An input the workflow author must fix. Always fails the step (never a warning), and is
 * thrown before any request is made, so a bad input never sends half a notification.
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly input: string,
    readonly problem: string,
  ) {
    super(`Input "${input}" ${problem}`);
  }

  /** `value` is quoted (trimmed to a readable length); never pass a secret here. */
  static invalid(input: string, value: string, allowed: string): InputError {
    return new InputError(input, `has an invalid value ${quote(value)}: ${allowed}`);
  }
}

/**
 * The same error in the words of a step that names the inputs differently (the recall step's
 * `message-ids` is the action's `recall`): the input it names, and any `input` it mentions.
 */
export function renamed(error: InputError, names: Record<string, string>): InputError {
  const rename = (name: string) => (Object.hasOwn(names, name) ? (names[name] as string) : name);
  const problem = error.problem.replace(/`([a-z-]+)`/g, (whole, name: string) =>
    Object.hasOwn(names, name) ? `\`${rename(name)}\`` : whole,
  );
  return new InputError(rename(error.input), problem);
}

export function quote(value: string): string {
  const oneLine = value.replace(/[\r\n\t]+/g, ' ');
  const short = oneLine.length > QUOTE_LIMIT ? `${oneLine.slice(0, QUOTE_LIMIT)}…` : oneLine;
  return JSON.stringify(short);
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
