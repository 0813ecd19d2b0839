import { RE2JS } from 're2js';

/**
 * Rule regexes run on every incoming mail, on text a stranger wrote. They run on RE2 (re2js), whose
 * matching time grows linearly with the text, so no pattern can stall the process the way a
 * backtracking engine does on `(a|a)+b`. The time also grows with the compiled program, which
 * counted repetitions inflate (`(?:.?){1000}` is thousands of steps per character), so the program
 * is capped too (MAX_PROGRAM). RE2 has no back-references or look-around; a pattern using them is
 * refused when the rule is saved. The text a pattern sees is capped (MATCH_LIMITS); equals and
 * contains see all of it.
 */
export const MATCH_LIMITS = { header: 10_000, body: 20_000 } as const;

/** Compiled steps a rule regex may have: everyday patterns (a UUID, an address, words) take 10-60. */
export const MAX_PROGRAM = 200;

export type RuleRegex = {
  /** Capturing groups as RE2 parsed the pattern: an escaped or bracketed parenthesis, `(?:` and `\Q(\E` open none; `(?<name>` opens one. */
  groups: number;
  test(text: string): boolean;
  /** The first capture group that took part in the match, or null when there is no match. */
  firstGroup(text: string): string | null;
};

export type RegexCheck = { ok: true; regex: RuleRegex } | { ok: false; message: string };

export function compileRuleRegex(pattern: string): RegexCheck {
  if (pattern.length > 500) return { ok: false, message: 'regex is longer than 500 characters' };
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
  } catch (err) {
    const reason = (err as Error).message.replace(/^error parsing regexp: /, '');
    const hint = /\\[1-9]|\\k<|\(\?<?[=!]/.test(pattern)
      ? ' (back-references and look-around are not supported: rule regexes run on RE2, which never backtracks)'
      : /\\u[0-9a-fA-F]{4}/.test(pattern) ? ' (write a character by its code as \\x{e9}, not \\u00e9)'
        : /repeat count/.test(reason) ? ' (a count may be at most 1000, nested counts included)' : '';
    return { ok: false, message: `regex does not compile: ${reason}${hint}` };
  }
  if (compiled.programSize() > MAX_PROGRAM) {
    return {
      ok: false,
      message: `regex is too large once its repetitions are expanded (${compiled.programSize()} steps, at most ${MAX_PROGRAM}): use smaller counts, e.g. {1,20} rather than {1,1000}`,
    };
  }
  return {
    ok: true,
    regex: {
      groups: compiled.groupCount(),
      test: (text) => compiled.matcher(text).find(),
      firstGroup(text) {
        const m = compiled.matcher(text);
        if (!m.find()) return null;
        for (let g = 1; g <= m.groupCount(); g++) {
          const value = m.group(g);
          if (value !== null && value !== undefined) return value;
        }
        return null;
      },
    },
  };
}
