import { describe, expect, it } from 'vitest';
import { statusFromNeeds } from '../../src/render/notice.js';
import { isFinal, parseStatus, STATUS_LOOK, STATUSES } from '../../src/status.js';

describe('parseStatus', () => {
  it.each(STATUSES.map((s) => [s]))('accepts its own spelling %s', (status) => {
    expect(parseStatus(status)).toBe(status);
  });

  it.each([
    ['timed_out', 'failure'],
    ['startup_failure', 'failure'],
    ['failed', 'failure'],
    ['neutral', 'info'],
    ['action_required', 'warning'],
    ['canceled', 'cancelled'],
    ['stale', 'skipped'],
    ['queued', 'in_progress'],
    ['pending', 'in_progress'],
    ['waiting', 'in_progress'],
    ['completed', 'success'],
  ])('folds GitHub spelling %s into %s', (raw, status) => {
    expect(parseStatus(raw)).toBe(status);
  });

  it.each([
    ['SUCCESS', 'success'],
    ['Failure', 'failure'],
    ['Timed_Out', 'failure'],
    ['timed-out', 'failure'],
    ['in progress', 'in_progress'],
    ['  Cancelled  ', 'cancelled'],
    ['ACTION-REQUIRED', 'warning'],
  ])('is case- and separator-insensitive: %j -> %s', (raw, status) => {
    expect(parseStatus(raw)).toBe(status);
  });

  it.each(['', 'great', 'succes', 'fail ure', '1', 'true'])('rejects %j', (raw) => {
    expect(parseStatus(raw)).toBeUndefined();
  });

  it.each(['constructor', 'Constructor', '__proto__'])(
    'rejects the inherited object property name %j',
    (raw) => {
      expect(parseStatus(raw)).toBeUndefined();
    },
  );
});

describe('STATUS_LOOK', () => {
  it('gives each status the colour the product promises', () => {
    const colours = Object.fromEntries(STATUSES.map((s) => [s, STATUS_LOOK[s].color]));
    expect(colours).toEqual({
      success: 'green',
      failure: 'red',
      cancelled: 'grey',
      skipped: 'grey',
      in_progress: 'blue',
      warning: 'orange',
      info: 'wathet',
    });
  });

  it('uses header colours Feishu knows', () => {
    const known = [
      'blue',
      'wathet',
      'turquoise',
      'green',
      'yellow',
      'orange',
      'red',
      'carmine',
      'violet',
      'purple',
      'indigo',
      'grey',
      'default',
    ];
    for (const s of STATUSES) expect(known).toContain(STATUS_LOOK[s].color);
  });

  it('has an icon for every status (its words are in the catalog: language.test.ts)', () => {
    for (const s of STATUSES) expect(STATUS_LOOK[s].icon.length).toBeGreaterThan(0);
  });
});

describe('isFinal', () => {
  it('only in_progress can still change', () => {
    expect(STATUSES.filter((s) => !isFinal(s))).toEqual(['in_progress']);
  });
});

describe('statusFromNeeds', () => {
  const needs = (...results: string[]) => results.map((result, i) => ({ name: `j${i}`, result }));

  it('is failure when any needed job failed', () => {
    expect(statusFromNeeds(needs('success', 'failure', 'cancelled'))).toBe('failure');
  });

  it('is cancelled when one was cancelled and none failed', () => {
    expect(statusFromNeeds(needs('success', 'cancelled', 'skipped'))).toBe('cancelled');
  });

  it('is success when all succeeded or were skipped', () => {
    expect(statusFromNeeds(needs('success', 'skipped'))).toBe('success');
    expect(statusFromNeeds(needs('success'))).toBe('success');
  });

  it('reads GitHub spellings of the results', () => {
    expect(statusFromNeeds(needs('success', 'timed_out'))).toBe('failure');
    expect(statusFromNeeds(needs('Canceled'))).toBe('cancelled');
  });
});
