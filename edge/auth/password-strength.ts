import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/**
 * Whether a new password is too easy to guess, offline: zxcvbn (the
 * Dropbox estimator, in its TypeScript port) against its list of common
 * passwords, keyboard patterns, repeats and sequences, and the user's own
 * e-mail. A password it scores below "safely unguessable" (3 of 4) is
 * refused, with the reason in plain words. Ten characters alone let
 * `aaaaaaaaaa`, ten spaces and the e-mail itself through (issue 21).
 */
const MIN_SCORE = 3;

const REASONS: Record<string, string> = {
  straightRow: 'is a row of keys on the keyboard',
  keyPattern: 'is a pattern of keys on the keyboard',
  simpleRepeat: 'repeats a character',
  extendedRepeat: 'repeats a group of characters',
  sequences: 'is a sequence (abc, 123)',
  recentYears: 'is a recent year',
  dates: 'is a date',
  topTen: 'is one of the ten most common passwords',
  topHundred: 'is one of the hundred most common passwords',
  common: 'is a commonly used password',
  similarToCommon: 'is a commonly used password with a small change',
  wordByItself: 'is a single word',
  namesByThemselves: 'is a name',
  commonNames: 'is a common name',
  userInputs: 'contains your e-mail address',
};

/** Built on first use and kept for the isolate: indexing the dictionaries costs more than a check. */
let estimator: ZxcvbnFactory | undefined;

/** Why `password` may not be used (undefined when it may), given what an attacker knows of the user. */
export function weakPasswordReason(password: string, userInputs: readonly string[]): string | undefined {
  estimator ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });
  const inputs = userInputs.flatMap((input) => [input, ...input.split(/[@.+_-]/).filter((part) => part.length >= 3)]);
  const { score, feedback } = estimator.check(password, inputs);
  if (score >= MIN_SCORE) return undefined;
  const reason = (feedback.warning && REASONS[feedback.warning]) || 'is too easy to guess';
  return `${reason}: choose a longer one, several unrelated words for example`;
}
