import { RE2JS } from 're2js';

/**
 * Rule regexes run on every incoming mail, on text a stranger wrote. They run on RE2 (re2js), whose
 * matching time grows linearly with the text whatever the pattern, so no pattern can stall the
 * process the way a backtracking engine does on `(a|a)+b`. RE2 has no back-references or
 * look-around; a pattern using them is refused when the rule is saved. The text a pattern sees is
 * capped (MATCH_LIMITS); equals and contains see all of it.
 */
export const MATCH_LIMITS = { header: 10_000, body: 20_000 } as const;

export type RuleRegex = {
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
    const unsupported = /\\[1-9]|\\k<|\(\?<?[=!]/.test(pattern)
      ? ' (back-references and look-around are not supported: rule regexes run on RE2, which never backtracks)'
      : '';
    return { ok: false, message: `regex does not compile: ${reason}${unsupported}` };
  }
  return {
    ok: true,
    regex: {
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
