/**
 * Rule regexes run on every incoming mail, so a pattern that can backtrack catastrophically is
 * refused when the rule is saved, and the text a pattern sees is capped (see MATCH_LIMITS).
 */
export const MATCH_LIMITS = { header: 2_000, body: 20_000 } as const;

export type RegexCheck = { ok: true; regex: RegExp } | { ok: false; message: string };

export function compileRuleRegex(pattern: string): RegexCheck {
  if (pattern.length > 500) return { ok: false, message: 'regex is longer than 500 characters' };
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'i');
  } catch (err) {
    return { ok: false, message: `regex does not compile: ${(err as Error).message}` };
  }
  if (/\\[1-9]|\\k</.test(pattern)) return { ok: false, message: 'regex back-references are not allowed' };
  if (hasNestedQuantifier(pattern)) {
    return { ok: false, message: 'regex repeats a group that itself repeats (e.g. (a+)+), which can take forever on some input' };
  }
  return { ok: true, regex };
}

/** True when a quantified group contains a quantifier: the shape behind exponential backtracking. */
function hasNestedQuantifier(pattern: string): boolean {
  // Per open group: does it contain a quantifier?
  const stack: boolean[] = [];
  let lastGroupHadQuantifier = false;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      i++;
      lastGroupHadQuantifier = false;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      lastGroupHadQuantifier = false;
      continue;
    }
    if (c === '(') {
      stack.push(false);
      continue;
    }
    if (c === ')') {
      const had = stack.pop() ?? false;
      lastGroupHadQuantifier = had;
      if (had && stack.length) stack[stack.length - 1] = true;
      continue;
    }
    const isQuantifier = c === '*' || c === '+' || (c === '{' && /^\{\d+,\d*\}/.test(pattern.slice(i)));
    const unbounded = c === '*' || c === '+' || (c === '{' && /^\{\d+,\}/.test(pattern.slice(i)));
    if (isQuantifier) {
      if (pattern[i - 1] === ')' && lastGroupHadQuantifier && unbounded) return true;
      if (stack.length) stack[stack.length - 1] = true;
    }
    if (c !== '?') lastGroupHadQuantifier = false;
  }
  return false;
}
