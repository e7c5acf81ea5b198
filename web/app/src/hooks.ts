// Small hooks: async loading with cancellation, debouncing, the chosen tenant.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isAbort } from './api/client';

export type Async<T> =
  | { status: 'loading'; data?: T; error?: undefined }
  | { status: 'ok'; data: T; error?: undefined }
  | { status: 'error'; data?: T; error: unknown };

/**
 * Runs load whenever deps change, aborting the previous run. The previous
 * data stays available while loading (tables keep their rows while paging).
 */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
): Async<T> & { reload: () => void } {
  const [state, setState] = useState<Async<T>>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ac = new AbortController();
    setState((s) => ({ status: 'loading', data: s.data }));
    load(ac.signal).then(
      (data) => {
        if (!ac.signal.aborted) setState({ status: 'ok', data });
      },
      (error: unknown) => {
        if (!ac.signal.aborted && !isAbort(error)) setState((s) => ({ status: 'error', error, data: s.data }));
      },
    );
    return () => ac.abort();
    // (deps are the caller's: load is a fresh closure each render)
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

// The tenant the app is scoped to ('' = all), shared by every page and
// kept in localStorage.
const TENANT_KEY = 'authgraph.tenant';
type Listener = (t: string) => void;
const listeners = new Set<Listener>();
let currentTenant = readTenant();

function readTenant(): string {
  try {
    return localStorage.getItem(TENANT_KEY) ?? '';
  } catch {
    return '';
  }
}

export function setTenant(t: string): void {
  currentTenant = t;
  try {
    localStorage.setItem(TENANT_KEY, t);
  } catch {
    /* private mode: keep it in memory */
  }
  listeners.forEach((l) => l(t));
}

export function getTenant(): string {
  return currentTenant;
}

export function useTenant(): [string, (t: string) => void] {
  const [t, setT] = useState(currentTenant);
  useEffect(() => {
    listeners.add(setT);
    return () => {
      listeners.delete(setT);
    };
  }, []);
  return [t, setTenant];
}

/** Calls fn on a key press anywhere unless focus is in a text field. */
export function useGlobalKey(key: string, fn: (e: KeyboardEvent) => void): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
      if (!typing && e.key === key && !e.ctrlKey && !e.metaKey && !e.altKey) ref.current(e);
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, [key]);
}

/** Whether a media query matches, kept up to date. */
export function useMedia(query: string): boolean {
  const [m, setM] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const mq = window.matchMedia(query);
    const on = () => setM(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, [query]);
  return m;
}
