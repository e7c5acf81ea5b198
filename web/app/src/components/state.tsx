// Loading, empty and error states, used by every page.

import type { ComponentChildren } from 'preact';
import { describeError } from '../api/client';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="state state-loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty" role="status">
      <strong>{title}</strong>
      {children && <div class="state-detail">{children}</div>}
    </div>
  );
}

export function ErrorBox({ error, retry, compact }: { error: unknown; retry?: () => void; compact?: boolean }) {
  const e = describeError(error);
  return (
    <div class={'state state-error' + (compact ? ' compact' : '')} role="alert" data-code={e.code}>
      <strong>{e.title}</strong>
      <div class="state-detail">{e.detail}</div>
      {retry && (
        <button type="button" class="btn btn-small" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}
