// Formatting of values for tables and property lists.

import type { Json } from './api/types';

const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatTime(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === '') return '—';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : dtf.format(d);
}

/** "3 minutes ago", "2 days ago". */
export function ago(v: string | number | null | undefined, now = Date.now()): string {
  if (v === null || v === undefined) return 'never';
  const t = new Date(v).getTime();
  if (Number.isNaN(t)) return String(v);
  const s = Math.round((now - t) / 1000);
  if (s < 0) return 'just now';
  const units: [number, string][] = [[86400 * 365, 'year'], [86400 * 30, 'month'], [86400, 'day'], [3600, 'hour'], [60, 'minute']];
  for (const [n, u] of units) {
    if (s >= n) {
      const k = Math.floor(s / n);
      return `${k} ${u}${k === 1 ? '' : 's'} ago`;
    }
  }
  return 'just now';
}

export function formatNumber(n: number): string {
  return n.toLocaleString('en-US');
}

/** Properties holding epoch milliseconds. */
const EPOCH_MS = new Set(['firstseen', 'lastupdated', 'last_sync_at', 'firstSeen', 'lastSeen']);

export function formatJson(key: string, v: Json | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return EPOCH_MS.has(key) ? formatTime(v) : formatNumber(v);
  if (typeof v === 'string') return /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v) ? formatTime(v) : v;
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ') : '—';
  return JSON.stringify(v);
}

/** snake_case or camelCase property name to words. */
export function humanize(key: string): string {
  // authgraph's own bookkeeping, never to be read as Auth0's dates.
  if (key === 'firstseen') return 'First seen by authgraph';
  if (key === 'lastupdated') return 'Last updated by authgraph';
  const s = key.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}
