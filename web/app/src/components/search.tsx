// Instant, ranked search across kinds: a combobox over the API's search
// field. Debounced; Arrow keys move, Enter opens, Escape closes.

import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { search } from '../api/queries';
import type { SearchHit } from '../api/types';
import { describeError, isAbort } from '../api/client';
import { useDebounced, useTenant } from '../hooks';
import { KindBadge } from './asset';

type Hit = SearchHit['asset'];

interface Props {
  label: string;
  placeholder?: string;
  onPick: (asset: Hit) => void;
  /** Clear the box after a pick (global search) or show the pick (pickers). */
  clearOnPick?: boolean;
  initial?: string;
  class?: string;
  inputRef?: { current: HTMLInputElement | null };
  testId?: string;
  /** Search this tenant instead of the header's scope. */
  tenant?: string;
}

type State =
  | { status: 'idle' }
  | { status: 'loading'; hits: SearchHit[] }
  | { status: 'ok'; hits: SearchHit[]; text: string }
  | { status: 'error'; message: string };

function secondary(a: Hit, scoped: boolean): string {
  const what = a.email || a.identifier || a.resourceServerIdentifier || '';
  if (scoped) return what || a.tenant;
  return what ? `${what} · ${a.tenant}` : a.tenant;
}

export function SearchBox({ label, placeholder, onPick, clearOnPick, initial = '', inputRef, testId, tenant: only, ...rest }: Props) {
  const [text, setText] = useState(initial);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [state, setState] = useState<State>({ status: 'idle' });
  const [scope] = useTenant();
  const tenant = only ?? scope;
  const debounced = useDebounced(text.trim(), 150);
  const id = useId();
  const listId = `${id}-list`;
  const ownRef = useRef<HTMLInputElement | null>(null);
  const ref = inputRef ?? ownRef;
  const wrap = useRef<HTMLDivElement>(null);

  useEffect(() => setText(initial), [initial]);

  useEffect(() => {
    if (debounced.length < 2) {
      setState({ status: 'idle' });
      return;
    }
    const ac = new AbortController();
    setState((s) => ({ status: 'loading', hits: s.status === 'ok' || s.status === 'loading' ? s.hits : [] }));
    search(debounced, { tenant, first: 12 }, ac.signal).then(
      (hits) => {
        if (!ac.signal.aborted) {
          setState({ status: 'ok', hits, text: debounced });
          setActive(0);
        }
      },
      (e: unknown) => {
        if (!ac.signal.aborted && !isAbort(e)) setState({ status: 'error', message: describeError(e).detail });
      },
    );
    return () => ac.abort();
  }, [debounced, tenant]);

  // Close when focus or a click leaves the box.
  useEffect(() => {
    const on = (e: Event) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', on);
    document.addEventListener('focusin', on);
    return () => {
      document.removeEventListener('pointerdown', on);
      document.removeEventListener('focusin', on);
    };
  }, []);

  const hits = state.status === 'ok' || state.status === 'loading' ? state.hits : [];
  const showList = open && text.trim().length >= 2;

  const pick = (h: SearchHit | undefined) => {
    if (!h) return;
    onPick(h.asset);
    setOpen(false);
    setText(clearOnPick ? '' : h.asset.name);
    if (clearOnPick) ref.current?.blur();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, Math.max(hits.length - 1, 0)));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter') {
      if (showList && hits.length) {
        e.preventDefault();
        pick(hits[active]);
      }
    } else if (e.key === 'Escape') {
      if (open && showList) {
        e.preventDefault();
        e.stopPropagation();
        setOpen(false);
      } else if (text) {
        setText('');
      } else {
        ref.current?.blur();
      }
    }
  };

  useEffect(() => {
    document.getElementById(`${id}-opt-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active, id]);

  return (
    <div class={'search ' + (rest.class ?? '')} ref={wrap}>
      <label class="visually-hidden" for={`${id}-input`}>
        {label}
      </label>
      <input
        id={`${id}-input`}
        ref={ref}
        type="search"
        class="search-input"
        autoComplete="off"
        spellcheck={false}
        placeholder={placeholder ?? label}
        value={text}
        role="combobox"
        // Preact's types tie role=combobox on an input to a datalist; the
        // listbox here is our own, so there is none.
        list={undefined}
        aria-autocomplete="list"
        aria-expanded={showList}
        aria-controls={listId}
        aria-activedescendant={showList && hits.length ? `${id}-opt-${active}` : undefined}
        data-testid={testId}
        onInput={(e) => {
          setText((e.target as HTMLInputElement).value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={onKeyDown}
      />
      {showList && (
        <div class="search-pop">
          {state.status === 'error' && <div class="search-note error" role="alert">{state.message}</div>}
          {state.status === 'loading' && !hits.length && <div class="search-note" role="status">Searching…</div>}
          {state.status === 'ok' && !hits.length && (
            <div class="search-note" role="status">No asset matches “{state.text}”.</div>
          )}
          {state.status === 'idle' && <div class="search-note">Type to search…</div>}
          <ul id={listId} role="listbox" aria-label={`${label} results`} class="search-list">
            {hits.map((h, i) => (
              <li
                id={`${id}-opt-${i}`}
                key={h.asset.id}
                role="option"
                aria-selected={i === active}
                class={'search-hit' + (i === active ? ' active' : '')}
                onPointerDown={(e) => e.preventDefault()}
                onClick={() => pick(h)}
                onPointerEnter={() => setActive(i)}
              >
                <KindBadge kind={h.asset.kind} />
                <span class="search-hit-text">
                  <span class="search-hit-name">{h.asset.name}</span>
                  <span class="search-hit-sub">{secondary(h.asset, !!tenant)}</span>
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
