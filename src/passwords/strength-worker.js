// @ts-check
/**
 * Runs in the password-strength worker thread (see password-policy.ts): zxcvbn, with its
 * dictionaries, lives here and never on the event loop. Its cost is not bounded by the length of
 * the password alone — "P@ssw0rd!" repeated to 128 characters took seconds (l33t substitutions
 * times repeat matching) — so the policy runs it here under a deadline and terminates the thread
 * when one check takes too long. Plain JavaScript, like hash-worker.js, so it loads the same way
 * from src/ and dist/.
 */
import { zxcvbn, zxcvbnOptions } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';
zxcvbnOptions.setOptions({
  translations: english.translations,
  graphs: common.adjacencyGraphs,
  dictionary: { ...common.dictionary, ...english.dictionary },
  // The work grows steeply with length and l33t characters ("p4$$w0rd" repeated: 7.5 s at 64
  // characters with the defaults, 1.7 s at these bounds on a 2-core machine). The first 40
  // characters carry more than enough guesses for a verdict; a longer password weak there is weak.
  maxLength: 40,
  l33tMaxSubstitutions: 16,
});
zxcvbn('warm-up-only');

/** @param {{ password: string, userInputs: string[] }} task */
export function score(task) {
  const result = zxcvbn(task.password, task.userInputs);
  return { score: result.score, warning: result.feedback.warning ?? null, suggestions: result.feedback.suggestions };
}
