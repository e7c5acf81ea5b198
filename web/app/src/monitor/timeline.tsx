// An asset's change history (its timeline) and the field diffs of one
// change, shared with the tenant activity feed.

import { useState } from 'preact/hooks';
import { AssetLink, KindBadge } from '../components/asset';
import { ErrorBox, Loading } from '../components/state';
import { ago, formatTime } from '../format';
import { useAsync } from '../hooks';
import { fetchChanges, formatValue, type Change } from './api';

/** The fields a change touched: old → new; links gained (+) or lost (−). */
export function FieldDiffs({ change }: { change: Change }) {
  if (change.kind === 'baseline') {
    const n = change.fields.find((f) => f.field === 'assets')?.new;
    return <p class="muted small">First collection: {typeof n === 'number' ? `${n.toLocaleString('en-US')} assets` : 'every asset'} recorded as the baseline.</p>;
  }
  if (!change.fields.length) return null;
  return (
    <table class="table compact diff-table" data-testid="field-diffs">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {change.fields.map((f, i) => {
          const rel = !!f.target;
          return (
            <tr key={i}>
              <td>
                <code>{f.field}</code>
              </td>
              {rel ? (
                <>
                  <td class="diff-old">{f.old !== null && f.old !== undefined ? <>− <AssetLink asset={{ id: f.target!, name: formatValue(f.old) }} /></> : ''}</td>
                  <td class="diff-new">{f.new !== null && f.new !== undefined ? <>+ <AssetLink asset={{ id: f.target!, name: formatValue(f.new) }} /></> : ''}</td>
                </>
              ) : (
                <>
                  <td class="diff-old mono-cell">{formatValue(f.old)}</td>
                  <td class="diff-new mono-cell">{formatValue(f.new)}</td>
                </>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function ChangeKind({ kind }: { kind: string }) {
  return <span class={`pill change-${kind}`}>{kind}</span>;
}

/** One change as a line of a timeline or a feed. */
export function ChangeEntry({ change, showAsset }: { change: Change; showAsset?: boolean }) {
  return (
    <li class="timeline-entry" data-testid="change-entry" data-kind={change.kind}>
      <div class="timeline-head">
        <ChangeKind kind={change.kind} />
        {showAsset && change.kind !== 'baseline' && (
          <>
            <KindBadge kind={change.assetKind} />
            {change.kind === 'deleted' ? <span class="asset-name">{change.name}</span> : <AssetLink asset={{ id: change.assetId, name: change.name }} />}
          </>
        )}
        <time datetime={change.at} title={formatTime(change.at)} class="muted small">
          {ago(change.at)}
        </time>
        {change.actor && (
          <span class="small" data-testid="change-actor">
            by <b>{change.actor}</b>
          </span>
        )}
      </div>
      <FieldDiffs change={change} />
    </li>
  );
}

/** The timeline of one asset: newest first, 20 at a time. */
export function AssetTimeline({ id }: { id: string }) {
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const res = useAsync(async (s) => {
    const out: Change[] = [];
    let more = false;
    let next: string | null = null;
    for (const after of pages) {
      const p = await fetchChanges({ asset: id, first: 20, after }, s);
      out.push(...p.nodes);
      more = p.pageInfo.hasNextPage;
      next = p.pageInfo.endCursor;
    }
    return { changes: out, more, next };
  }, [id, pages.length]);
  return (
    <section class="block" aria-label="Timeline" data-section="timeline" data-testid="asset-timeline">
      <h2>
        Timeline {res.data && <span class="count">{res.data.changes.length}{res.data.more ? '+' : ''}</span>}
      </h2>
      {res.status === 'error' && <ErrorBox error={res.error} retry={res.reload} compact />}
      {!res.data && res.status === 'loading' && <Loading label="Loading its history…" />}
      {res.data && res.data.changes.length === 0 && (
        <p class="muted">No change recorded. Changes are recorded from a connected tenant's second sync on (see Tenants).</p>
      )}
      {res.data && res.data.changes.length > 0 && (
        <ol class="timeline">
          {res.data.changes.map((c) => (
            <ChangeEntry key={c.id} change={c} />
          ))}
        </ol>
      )}
      {res.data?.more && (
        <button type="button" class="btn btn-small" onClick={() => setPages((p) => [...p, res.data!.next])}>
          Older changes
        </button>
      )}
    </section>
  );
}
