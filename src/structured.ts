/**
 * Parses a JSON or YAML document given as an input. JSON is tried first (and covers
 * `${{ toJSON(...) }}`); the YAML parser is only loaded when JSON fails, to keep start-up fast.
 * Errors name the input and the position of the problem.
 */
import { InputError } from './errors.js';

export interface ParseOptions {
  /**
   * Every YAML scalar stays the string it was written as (YAML's failsafe schema): for maps
   * whose keys and values are names, where `007`, `0xcafe` or `null` must not become a number
   * or nothing.
   */
  scalarsAsWritten?: boolean;
}

export async function parseStructured(
  input: string,
  text: string,
  options: ParseOptions = {},
): Promise<unknown> {
  try {
    return JSON.parse(text);
  } catch (jsonError) {
    const { parseDocument } = await import('yaml');
    const document = parseDocument(text, {
      uniqueKeys: true,
      ...(options.scalarsAsWritten ? { schema: 'failsafe' } : {}),
    });
    const problem = document.errors[0];
    if (!problem) return document.toJS();
    // Text that opens like JSON was meant as JSON: its parser's message is the useful one.
    const meantAsJson = /^\s*[[{]/.test(text);
    const detail = meantAsJson
      ? `JSON: ${(jsonError as Error).message}`
      : `YAML: ${problem.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`;
    const where = problem.linePos?.[0];
    const position = where && !meantAsJson ? ` at line ${where.line}, column ${where.col}` : '';
    throw new InputError(input, `is not valid JSON or YAML${position}: ${detail}`);
  }
}

export async function parseObject(
  input: string,
  text: string,
  options: ParseOptions = {},
): Promise<Record<string, unknown>> {
  const value = await parseStructured(input, text, options);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'a list' : value === null ? 'empty' : `a ${typeof value}`;
    throw new InputError(input, `must be a JSON or YAML object (key: value), but it is ${kind}`);
  }
  return value as Record<string, unknown>;
}
