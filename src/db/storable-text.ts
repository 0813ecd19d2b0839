/**
 * PostgreSQL refuses NUL in text (22021), SQLite keeps it: text from outside (mail, webhooks) loses
 * it before it is stored, so both databases store the same thing. `replacement` marks where one was.
 */
export const storableText = (text: string, replacement = ''): string =>
  (text.includes('\u0000') ? text.replace(/\u0000/g, replacement) : text);
