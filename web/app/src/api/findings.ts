// Security rules and their findings: every call the findings, rule, asset
// and overview pages make about them.

import { gql } from './client';
import type { Connection, JsonObject, Subgraph } from './types';

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFO';
export type FindingStatus = 'OPEN' | 'RESOLVED' | 'SUPPRESSED';

export const SEVERITIES: Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];
export const STATUSES: FindingStatus[] = ['OPEN', 'SUPPRESSED', 'RESOLVED'];

export interface RuleResult {
  rule: string;
  tenant: string;
  evaluated: number;
  failing: number;
  suppressed: number;
  passRatio: number;
  ranAt: string | null;
  error: string | null;
}

export interface RuleInfo {
  id: string;
  title: string;
  severity: Severity;
  category: string;
  kind: string;
  builtin: boolean;
}

export interface RuleDetail extends RuleInfo {
  description: string;
  remediation: string;
  references: string[];
  tags: string[];
  query: string;
  graph: string | null;
  results: RuleResult[];
}

export interface Suppression {
  by: string;
  reason: string;
  at: string;
  until: string | null;
}

export interface Finding {
  id: string;
  ruleId: string;
  tenant: string;
  title: string;
  severity: Severity;
  category: string;
  status: FindingStatus;
  assetId: string;
  kind: string;
  nativeId: string;
  name: string;
  asset: { id: string } | null;
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
  evidence: JsonObject;
  suppression: Suppression | null;
}

export interface FindingFilter {
  tenant?: string;
  severity?: Severity[];
  status?: FindingStatus[];
  rule?: string;
  assetId?: string;
  kind?: string;
}

const FINDING = `id ruleId tenant title severity category status assetId kind nativeId name asset { id }
  firstSeen lastSeen resolvedAt evidence suppression { by reason at until }`;
const RESULT = `rule tenant evaluated failing suppressed passRatio ranAt error`;

function cleanFilter(f: FindingFilter): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  if (f.tenant) out.tenant = f.tenant;
  if (f.severity?.length) out.severity = f.severity;
  if (f.status?.length) out.status = f.status;
  if (f.rule) out.rule = f.rule;
  if (f.assetId) out.assetId = f.assetId;
  if (f.kind) out.kind = f.kind;
  return Object.keys(out).length ? out : null;
}

export type FindingOrderField = 'SEVERITY' | 'FIRST_SEEN' | 'LAST_SEEN' | 'RULE' | 'ASSET' | 'TENANT' | 'STATUS';
export interface FindingOrder {
  field: FindingOrderField;
  direction: 'ASC' | 'DESC';
}

/** One page of findings in the server's order (most severe first unless order says otherwise). */
export async function fetchFindings(
  filter: FindingFilter, first: number, after: string | null, signal?: AbortSignal, order?: FindingOrder,
): Promise<Connection<Finding>> {
  const d = await gql<{ findings: Connection<Finding> }>(
    `query Findings($filter: FindingFilter, $orderBy: FindingOrder, $first: Int, $after: String) {
      findings(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        nodes { ${FINDING} }
      }
    }`,
    { filter: cleanFilter(filter), orderBy: order ?? null, first, after },
    signal,
  );
  return d.findings;
}

export async function fetchRules(signal?: AbortSignal): Promise<(RuleInfo & { results: RuleResult[] })[]> {
  const d = await gql<{ rules: (RuleInfo & { results: RuleResult[] })[] }>(
    `query Rules { rules { id title severity category kind builtin results { ${RESULT} } } }`, {}, signal,
  );
  return d.rules;
}

export async function fetchRule(id: string, tenant: string, signal?: AbortSignal): Promise<RuleDetail | null> {
  const d = await gql<{ rule: RuleDetail | null }>(
    `query Rule($id: ID!, $tenant: String) {
      rule(id: $id) {
        id title severity category kind builtin description remediation references tags query graph
        results(tenant: $tenant) { ${RESULT} }
      }
    }`,
    { id, tenant: tenant || null },
    signal,
  );
  return d.rule;
}

const NODE = `id elementId labels kind name properties`;
const EDGE = `id type source target`;

/** A finding with the subgraph its rule's graph query draws for it. */
export async function fetchFindingGraph(id: string, signal?: AbortSignal): Promise<(Finding & { graph: Subgraph | null }) | null> {
  const d = await gql<{ finding: (Finding & { graph: Subgraph | null }) | null }>(
    `query FindingGraph($id: ID!) {
      finding(id: $id) { ${FINDING} graph { truncated nodes { ${NODE} } edges { ${EDGE} } } }
    }`,
    { id },
    signal,
  );
  return d.finding;
}

export interface SeverityStatusCount {
  severity: Severity;
  status: FindingStatus;
  count: number;
}

export interface FindingsSummary {
  tenant: string;
  score: number;
  open: number;
  suppressed: number;
  resolved: number;
  counts: SeverityStatusCount[];
}

/** The posture of several tenants in one request (one aliased field each). */
export async function fetchSummaries(tenants: string[], signal?: AbortSignal): Promise<FindingsSummary[]> {
  if (!tenants.length) return [];
  const vars: Record<string, string> = {};
  const decl = tenants.map((_, i) => `$t${i}: String!`).join(', ');
  const fields = tenants
    .map((t, i) => {
      vars[`t${i}`] = t;
      return `s${i}: findingsSummary(tenant: $t${i}) { tenant score open suppressed resolved counts { severity status count } }`;
    })
    .join('\n');
  const d = await gql<Record<string, FindingsSummary>>(`query Summaries(${decl}) {\n${fields}\n}`, vars, signal);
  return tenants.map((_, i) => d[`s${i}`]).filter((s): s is FindingsSummary => !!s);
}

export async function suppressFinding(id: string, reason: string, until: string | null): Promise<Finding> {
  const d = await gql<{ suppressFinding: Finding }>(
    `mutation Suppress($id: ID!, $reason: String!, $until: Time) { suppressFinding(id: $id, reason: $reason, until: $until) { ${FINDING} } }`,
    { id, reason, until },
  );
  return d.suppressFinding;
}

export async function unsuppressFinding(id: string): Promise<Finding> {
  const d = await gql<{ unsuppressFinding: Finding }>(
    `mutation Unsuppress($id: ID!) { unsuppressFinding(id: $id) { ${FINDING} } }`,
    { id },
  );
  return d.unsuppressFinding;
}
