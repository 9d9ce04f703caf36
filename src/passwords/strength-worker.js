// @ts-check
/**
 * Runs in the password-strength worker thread (see password-policy.ts): zxcvbn, with its
 * dictionaries, lives here and never on the event loop. Plain JavaScript, like hash-worker.js, so
 * it loads the same way from src/ and dist/.
 *
 * Its cost is not bounded by the password's length alone: repeated l33t patterns ("p4$$w0rd",
 * "$+@73" repeated) multiply the substitutions it tries. So only the first RATED_PREFIX code points
 * are rated, with at most L33T_MAX_SUBSTITUTIONS. Measured here (Node 20, @zxcvbn-ts 3.0.4, a
 * 2-core machine under heavy load) over hand-picked and 500 random repeated l33t patterns, worst
 * CPU time per rating: 20 code points with 8 substitutions 24 ms; 24 with 8, 47 ms; 16 with 16,
 * 42 ms; 32 with 8, 56 ms; the whole 128 (the default 100 substitutions) several seconds. 20 keeps
 * the worst case near half of the ~50 ms budget, and 20 characters carry more than enough guesses
 * for a verdict (a password weak there is weak). The prefix is cut here, not with zxcvbn's
 * `maxLength` option: the synchronous zxcvbn() of 3.0.4 ignores it (only zxcvbnAsync applies it).
 */
import { zxcvbn, zxcvbnOptions } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

const RATED_PREFIX = 20;
const L33T_MAX_SUBSTITUTIONS = 8;

zxcvbnOptions.setOptions({
  translations: english.translations,
  graphs: common.adjacencyGraphs,
  dictionary: { ...common.dictionary, ...english.dictionary },
  maxLength: RATED_PREFIX,
  l33tMaxSubstitutions: L33T_MAX_SUBSTITUTIONS,
});
zxcvbn('warm-up-only');

/**
 * the first `n` code points (never half of a surrogate pair)
 * @param {string} text
 * @param {number} n
 */
function prefix(text, n) {
  let out = '';
  let count = 0;
  for (const ch of text) {
    if (count++ === n) break;
    out += ch;
  }
  return out;
}

/** @param {{ password: string, userInputs: string[] }} task */
export function score(task) {
  // the account's own words are cut to the same prefix too: a password that is (or starts with) a
  // username longer than the rated prefix is then still that word, not an unknown string
  const inputs = [...new Set(task.userInputs.flatMap((w) => [w, prefix(w, RATED_PREFIX)]))];
  const result = zxcvbn(prefix(task.password, RATED_PREFIX), inputs);
  return { score: result.score, warning: result.feedback.warning ?? null, suggestions: result.feedback.suggestions };
}
