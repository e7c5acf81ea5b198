// Past console queries, newest first, in localStorage.

const KEY = 'authgraph.console.history';
const MAX = 50;

export interface HistoryEntry {
  query: string;
  at: number;
  ok: boolean;
  rows?: number;
}

export function loadHistory(): HistoryEntry[] {
  try {
    const raw = localStorage.getItem(KEY);
    const v: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(v) ? (v as HistoryEntry[]).filter((e) => typeof e?.query === 'string') : [];
  } catch {
    return [];
  }
}

export function addHistory(e: HistoryEntry): HistoryEntry[] {
  const list = [e, ...loadHistory().filter((x) => x.query.trim() !== e.query.trim())].slice(0, MAX);
  try {
    localStorage.setItem(KEY, JSON.stringify(list));
  } catch {
    /* full or private mode: history is best effort */
  }
  return list;
}

export function clearHistory(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    /* ignore */
  }
}
