import { useEffect, useState } from 'react';
import { setQuery } from '../router.tsx';

/**
 * The text of a list's search box: it follows the URL's `q` (back and forward included) and writes
 * what is typed back to the URL once typing has paused for 300 ms.
 */
export function useSearchText(q: string): [string, (text: string) => void] {
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  useEffect(() => {
    if (text === q) return;
    const t = window.setTimeout(() => setQuery({ q: text.trim() || null }), 300);
    return () => window.clearTimeout(t);
  }, [text, q]);
  return [text, setText];
}
