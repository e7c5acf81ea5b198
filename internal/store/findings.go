package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/schema"
)

// Findings in the graph (docs/graph-model.md):
//
//	(:Rule {id, title, severity, …})                       one per rule id, shared by tenants
//	(:Finding {id, tenant, rule, severity, status, …})-[:AFFECTS]->(asset)
//	(:Finding)-[:OF_RULE]->(:Rule)
//	(:RuleResult {id, tenant, rule, evaluated, failing, …}) the latest evaluation of a rule on a tenant
//
// A finding's key is "<tenant>/finding/<rule>/<asset slug>/<native id>": one
// per (rule, asset) per tenant. The asset's key, kind, native id and name are
// copied onto the finding, so it outlives the asset (resolved).
const (
	RuleResultLabel = "RuleResult"
	AffectsRel      = "AFFECTS"
	OfRuleRel       = "OF_RULE"
)

// Finding statuses.
const (
	StatusOpen       = "open"
	StatusResolved   = "resolved"
	StatusSuppressed = "suppressed"
)

// findingStatements are the constraints and indexes of the findings.
func findingStatements() []string {
	return []string{
		fmt.Sprintf("CREATE CONSTRAINT rule_id IF NOT EXISTS FOR (r:%s) REQUIRE r.id IS UNIQUE", schema.RuleLabel),
		fmt.Sprintf("CREATE CONSTRAINT finding_id IF NOT EXISTS FOR (f:%s) REQUIRE f.id IS UNIQUE", schema.FindingLabel),
		fmt.Sprintf("CREATE INDEX finding_tenant IF NOT EXISTS FOR (f:%s) ON (f.tenant)", schema.FindingLabel),
		fmt.Sprintf("CREATE INDEX finding_rule_tenant IF NOT EXISTS FOR (f:%s) ON (f.rule, f.tenant)", schema.FindingLabel),
		fmt.Sprintf("CREATE CONSTRAINT rule_result_id IF NOT EXISTS FOR (r:%s) REQUIRE r.id IS UNIQUE", RuleResultLabel),
		fmt.Sprintf("CREATE INDEX rule_result_tenant IF NOT EXISTS FOR (r:%s) ON (r.tenant)", RuleResultLabel),
	}
}

// RuleHit is one row of a rule's query: the asset's key and the evidence
// (a JSON object).
type RuleHit struct {
	AssetID  string
	Evidence string
}

// RunRuleQuery evaluates a rule's query for one tenant. The text has passed
// the token-level check when the rule was loaded (rules.CheckQuery); here
// Neo4j must plan it read-only, and the plan pass the console's allowlist,
// before it runs, and it runs in a READ
// transaction with a timeout, so a write is refused twice more. Rows must
// have an `id` (string) column; `evidence` is optional and any value.
func (s *Store) RunRuleQuery(ctx context.Context, query, tenant string, timeout time.Duration) ([]RuleHit, error) {
	if timeout <= 0 {
		timeout = time.Minute
	}
	query = strings.TrimRight(strings.TrimSpace(query), "; \t\r\n")
	params := map[string]any{"tenant": tenant}
	ctx, cancel := context.WithTimeout(ctx, timeout+2*time.Second)
	defer cancel()
	sess := s.readSession(ctx)
	defer sess.Close(context.WithoutCancel(ctx))
	tx, err := sess.BeginTransaction(ctx, neo4j.WithTxTimeout(timeout))
	if err != nil {
		return nil, consoleErr(err, timeout)
	}
	defer tx.Close(context.WithoutCancel(ctx))
	plan, err := tx.Run(ctx, explainPrefix+query, params)
	if err != nil {
		return nil, consoleErr(explainErr(err), timeout)
	}
	sum, err := plan.Consume(ctx)
	if err != nil {
		return nil, consoleErr(explainErr(err), timeout)
	}
	if st := sum.StatementType(); st != neo4j.StatementTypeReadOnly {
		return nil, forbid("rules are read-only: Neo4j plans this query as %s", st)
	}
	// The console's plan allowlist: read operators, allowed procedures and
	// functions, this database only.
	if sum.Plan() == nil {
		return nil, forbid("the rule's plan could not be read, so it does not run")
	}
	if d := sum.Database(); d != nil && d.Name() != s.db {
		return nil, forbid("USE is not allowed: rules read the %s database only", s.db)
	}
	if err := checkConsolePlan(readPlan(sum.Plan()), sum.StatementType(), s.db); err != nil {
		return nil, err
	}
	res, err := tx.Run(ctx, query, params)
	if err != nil {
		return nil, consoleErr(err, timeout)
	}
	keys, err := res.Keys()
	if err != nil {
		return nil, consoleErr(err, timeout)
	}
	hasID := false
	for _, k := range keys {
		hasID = hasID || k == "id"
	}
	if !hasID {
		return nil, apperr.New(apperr.Invalid, "the query must return the affected asset's key as `id` (and an `evidence` map); it returns %s", strings.Join(keys, ", "))
	}
	var out []RuleHit
	for res.Next(ctx) {
		rec := res.Record()
		v, _ := rec.Get("id")
		id, ok := v.(string)
		if !ok || id == "" {
			continue
		}
		h := RuleHit{AssetID: id, Evidence: "{}"}
		// Evidence is stored and shown to viewers: never an internal record.
		if err := refuseInternal(rec.Values); err != nil {
			return nil, err
		}
		if ev, ok := rec.Get("evidence"); ok && ev != nil {
			b, err := json.Marshal(jsonValue(ev, nil))
			if err == nil {
				h.Evidence = string(b)
			}
		}
		out = append(out, h)
	}
	if err := res.Err(); err != nil {
		return nil, consoleErr(err, timeout)
	}
	return out, nil
}

// RuleMeta is what the graph keeps of a rule.
type RuleMeta struct {
	ID, Title, Severity, Category, Kind, Description, Remediation, Source string
	References, Tags                                                      []string
	SeverityRank                                                          int
	// Requires names Coverages the rule's answer depends on.
	Requires []string
}

func (m RuleMeta) props() map[string]any {
	return map[string]any{"title": m.Title, "severity": m.Severity, "category": m.Category, "kind": m.Kind,
		"description": m.Description, "remediation": m.Remediation, "source": m.Source,
		"references": nonNil(m.References), "tags": nonNil(m.Tags), "requires": nonNil(m.Requires)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// RecordResult counts what recording one rule's evaluation changed.
type RecordResult struct {
	Opened     int // new findings
	Reopened   int // resolved before, or whose suppression expired
	StillOpen  int // open before and now
	Suppressed int // returned again but suppressed
	Resolved   int // not returned any more
	Ignored    int // rows whose id is not an asset of the rule's kind in the tenant
	Evaluated  int // assets of the rule's kind in the tenant
	Failing    int // open findings after the evaluation
	// Unknown counts the assets the rule did not flag but cannot pass:
	// data it requires is not yet in the graph for them (UnknownReason).
	Unknown       int
	UnknownReason string
}

// findingBatch bounds one UNWIND of findings.
const findingBatch = 2000

const recordFindingsCypher = `
MATCH (r:%[2]s {id: $rule})
UNWIND $hits AS h
MATCH (a:%[1]s {id: h.id}) WHERE a.tenant = $tenant
MERGE (f:%[3]s {id: $tenant + '/finding/' + $rule + substring(a.id, size($tenant))})
ON CREATE SET f.tenant = $tenant, f.rule = $rule, f.firstseen = $now
WITH r, a, h, f, f.status AS prev,
     f.suppressed_at IS NOT NULL AND (f.suppressed_until IS NULL OR f.suppressed_until > $now) AS supp
SET f.status = CASE WHEN supp THEN 'suppressed' ELSE 'open' END,
    f.lastseen = $now, f.run = $run, f.evidence = h.evidence,
    f.severity = r.severity, f.sevrank = $sevrank, f.title = r.title, f.category = r.category,
    f.asset_id = a.id, f.kind = a.kind, f.native_id = a.native_id, f.asset_name = a.name,
    f.resolved_at = null
MERGE (f)-[:AFFECTS]->(a)
MERGE (f)-[:OF_RULE]->(r)
RETURN prev, f.status AS status, count(*) AS n`

// RecordFindings writes one rule's evaluation for a tenant in one
// transaction: the Rule node, a finding per returned asset (opened,
// reopened, kept or left suppressed), every other unresolved finding of the
// rule resolved, and the RuleResult (evaluated/failing counts). run tags
// this evaluation; now is epoch ms.
func (s *Store) RecordFindings(ctx context.Context, tenant string, m RuleMeta, hits []RuleHit, run string, now int64) (RecordResult, error) {
	return s.RecordFindingsWith(ctx, tenant, m, hits, run, now, nil)
}

// RecordCache keeps, for one run of every rule on a tenant, the counts
// each rule's recording would otherwise read again: the assets of a kind
// (a rule's evaluated) and those lacking a coverage (its unknown), each a
// scan of every asset of the kind (100k users, per user rule). The graph
// is taken not to change during the run (a concurrent pushed apply may
// leave these counts one apply behind until the next run).
type RecordCache struct {
	mu      sync.Mutex
	counts  map[string]int
	missing map[string]int
}

// NewRecordCache returns an empty cache for one run.
func NewRecordCache() *RecordCache {
	return &RecordCache{counts: map[string]int{}, missing: map[string]int{}}
}

// cached returns m[key], computing and keeping it once.
func (c *RecordCache) cached(m func(*RecordCache) map[string]int, key string, compute func() (int, error)) (int, error) {
	if c == nil {
		return compute()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := m(c)[key]; ok {
		return n, nil
	}
	n, err := compute()
	if err == nil {
		m(c)[key] = n
	}
	return n, err
}

// RecordFindingsWith is RecordFindings sharing counts through cache (nil:
// none) with the other rules of a run.
func (s *Store) RecordFindingsWith(ctx context.Context, tenant string, m RuleMeta, hits []RuleHit, run string, now int64, cache *RecordCache) (RecordResult, error) {
	k, ok := schema.KindByName(m.Kind)
	if !ok {
		return RecordResult{}, apperr.New(apperr.Invalid, "rule %s: unknown kind %q", m.ID, m.Kind)
	}
	// One row per asset: a query returning an asset twice keeps the last
	// evidence.
	seen := map[string]int{}
	var rows []map[string]any
	for _, h := range hits {
		if !strings.HasPrefix(h.AssetID, tenant+"/") {
			continue // another tenant's asset: never written
		}
		if i, ok := seen[h.AssetID]; ok {
			rows[i]["evidence"] = h.Evidence
			continue
		}
		seen[h.AssetID] = len(rows)
		rows = append(rows, map[string]any{"id": h.AssetID, "evidence": h.Evidence})
	}
	var out RecordResult
	written := 0
	sess := s.writeSession(ctx)
	defer sess.Close(ctx)
	_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		out, written = RecordResult{}, 0
		base := map[string]any{"tenant": tenant, "rule": m.ID, "run": run, "now": now, "sevrank": int64(m.SeverityRank)}
		if _, err := run1(ctx, tx, fmt.Sprintf("MERGE (r:%s {id: $rule}) SET r += $props", schema.RuleLabel),
			map[string]any{"rule": m.ID, "props": m.props()}); err != nil {
			return nil, err
		}
		// What is recorded already: a finding the rule returns again
		// unchanged (same status, evidence, rule metadata and asset name)
		// only gets its lastseen and run; the rest go through the full
		// MERGE. Re-evaluating a large tenant rewrites next to nothing.
		same, err := unchangedFindings(ctx, tx, tenant, m, rows, base)
		if err != nil {
			return nil, err
		}
		var full []map[string]any
		var light []string
		for _, r := range rows {
			id := findingKey(tenant, m.ID, r["id"].(string))
			if st, ok := same[id]; ok && st.evidence == r["evidence"] {
				light = append(light, id)
				if st.status == StatusSuppressed {
					out.Suppressed++
				} else {
					out.StillOpen++
				}
				continue
			}
			full = append(full, r)
		}
		for i := 0; i < len(light); i += lightBatch {
			p := copyParams(base)
			p["ids"] = light[i:min(i+lightBatch, len(light))]
			recs, err := run1(ctx, tx, fmt.Sprintf(`UNWIND $ids AS id
MATCH (f:%s {id: id}) SET f.lastseen = $now, f.run = $run
RETURN count(f) AS n`, schema.FindingLabel), p)
			if err != nil {
				return nil, err
			}
			written += int(toInt(recs[0]["n"]))
		}
		q := fmt.Sprintf(recordFindingsCypher, k.Label, schema.RuleLabel, schema.FindingLabel)
		for i := 0; i < len(full); i += findingBatch {
			p := copyParams(base)
			p["hits"] = full[i:min(i+findingBatch, len(full))]
			recs, err := run1(ctx, tx, q, p)
			if err != nil {
				return nil, err
			}
			for _, r := range recs {
				prev, _ := r["prev"].(string)
				status, _ := r["status"].(string)
				n := int(toInt(r["n"]))
				written += n
				switch {
				case status == StatusSuppressed:
					out.Suppressed += n
				case prev == "":
					out.Opened += n
				case prev == StatusOpen:
					out.StillOpen += n
				default:
					out.Reopened += n
				}
			}
		}
		recs, err := run1(ctx, tx, fmt.Sprintf(`MATCH (f:%s {rule: $rule, tenant: $tenant})
WHERE f.run <> $run AND f.status <> 'resolved'
SET f.status = 'resolved', f.resolved_at = $now
RETURN count(f) AS n`, schema.FindingLabel), base)
		if err != nil {
			return nil, err
		}
		out.Resolved = int(toInt(recs[0]["n"]))
		out.Evaluated, err = cache.cached(func(rc *RecordCache) map[string]int { return rc.counts }, k.Label, func() (int, error) {
			recs, err := run1(ctx, tx, fmt.Sprintf("MATCH (n:%s {tenant: $tenant}) RETURN count(n) AS n", k.Label), base)
			if err != nil {
				return 0, err
			}
			return int(toInt(recs[0]["n"])), nil
		})
		if err != nil {
			return nil, err
		}
		out.Failing = out.Opened + out.Reopened + out.StillOpen
		var reasons []string
		for _, req := range m.Requires {
			c, ok := Coverages[req]
			if !ok || c.Kind != k {
				continue
			}
			// Assets lacking the data that this run did not flag: those
			// lacking it (counted once per run) less those it flagged.
			lacking, err := cache.cached(func(rc *RecordCache) map[string]int { return rc.missing }, k.Label+"/"+req, func() (int, error) {
				recs, err := run1(ctx, tx, fmt.Sprintf(`MATCH (a:%s {tenant: $tenant}) WHERE %s RETURN count(a) AS n`, k.Label, c.missing), base)
				if err != nil {
					return 0, err
				}
				return int(toInt(recs[0]["n"])), nil
			})
			if err != nil {
				return nil, err
			}
			recs, err := run1(ctx, tx, fmt.Sprintf(`MATCH (f:%s {rule: $rule, tenant: $tenant}) WHERE f.run = $run
MATCH (f)-[:AFFECTS]->(a:%s) WHERE %s
RETURN count(a) AS n`, schema.FindingLabel, k.Label, c.missing), base)
			if err != nil {
				return nil, err
			}
			if n := lacking - int(toInt(recs[0]["n"])); n > 0 {
				out.Unknown += n
				reasons = append(reasons, c.Reason)
			}
		}
		out.Unknown = min(out.Unknown, max(out.Evaluated-out.Failing-out.Suppressed, 0))
		out.UnknownReason = strings.Join(reasons, "; ")
		p := copyParams(base)
		p["props"] = map[string]any{"evaluated": int64(out.Evaluated), "failing": int64(out.Failing),
			"suppressed": int64(out.Suppressed), "ran_at": now, "run": run, "error": nil, "kind": m.Kind, "severity": m.Severity,
			"unknown": int64(out.Unknown), "unknown_reason": out.UnknownReason}
		_, err = run1(ctx, tx, fmt.Sprintf(`MATCH (r:%s {id: $rule})
MERGE (x:%s {id: $tenant + '/rule/' + $rule})
ON CREATE SET x.tenant = $tenant, x.rule = $rule
SET x += $props
MERGE (x)-[:OF_RULE]->(r)`, schema.RuleLabel, RuleResultLabel), p)
		return nil, err
	})
	if err != nil {
		return RecordResult{}, wrapDBErr(err)
	}
	out.Ignored = len(rows) - written
	return out, nil
}

// lightBatch bounds one UNWIND of unchanged findings (two properties each).
const lightBatch = 10000

// findingKey is a finding's key: one per (rule, asset) per tenant, as
// recordFindingsCypher makes it.
func findingKey(tenant, rule, assetID string) string {
	return tenant + "/finding/" + rule + assetID[len(tenant):]
}

type recordedFinding struct{ status, evidence string }

// unchangedFindings returns, by key, the rule's unresolved findings among
// rows whose recorded state a new evaluation would not change but for
// lastseen and run: the status it would get (suppressed while a
// suppression lasts, else open) is the one it has, the rule's title,
// severity and category are the ones it carries, and its asset still exists
// under the name it copied. Evidence is compared by the caller.
func unchangedFindings(ctx context.Context, tx neo4j.ManagedTransaction, tenant string, m RuleMeta, rows []map[string]any, base map[string]any) (map[string]recordedFinding, error) {
	out := map[string]recordedFinding{}
	if len(rows) == 0 {
		return out, nil
	}
	p := copyParams(base)
	p["title"], p["severity"], p["category"] = m.Title, m.Severity, m.Category
	recs, err := run1(ctx, tx, fmt.Sprintf(`MATCH (f:%s {rule: $rule, tenant: $tenant}) WHERE f.status <> 'resolved'
MATCH (f)-[:AFFECTS]->(a)
WITH f, a, CASE WHEN f.suppressed_at IS NOT NULL AND (f.suppressed_until IS NULL OR f.suppressed_until > $now)
  THEN 'suppressed' ELSE 'open' END AS status
WHERE status = f.status AND f.title = $title AND f.severity = $severity AND f.category = $category
  AND f.sevrank = $sevrank AND f.asset_id = a.id AND coalesce(f.asset_name, "") = coalesce(a.name, "")
RETURN f.id AS id, f.status AS status, f.evidence AS evidence`, schema.FindingLabel), p)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		id, _ := r["id"].(string)
		st, _ := r["status"].(string)
		ev, _ := r["evidence"].(string)
		out[id] = recordedFinding{status: st, evidence: ev}
	}
	return out, nil
}

// RecordRuleError keeps a rule's failed evaluation on its RuleResult (the
// rule's findings are left as they were: nothing is resolved on an error).
func (s *Store) RecordRuleError(ctx context.Context, tenant string, m RuleMeta, msg string, now int64) error {
	_, err := s.write(ctx, fmt.Sprintf(`MERGE (r:%s {id: $rule}) SET r += $props
MERGE (x:%s {id: $tenant + '/rule/' + $rule})
ON CREATE SET x.tenant = $tenant, x.rule = $rule
SET x.error = $msg, x.ran_at = $now, x.kind = $kind, x.severity = $severity
MERGE (x)-[:OF_RULE]->(r)`, schema.RuleLabel, RuleResultLabel),
		map[string]any{"rule": m.ID, "props": m.props(), "tenant": tenant, "msg": msg, "now": now, "kind": m.Kind, "severity": m.Severity})
	return err
}

func run1(ctx context.Context, tx neo4j.ManagedTransaction, q string, p map[string]any) ([]map[string]any, error) {
	res, err := tx.Run(ctx, q, p)
	if err != nil {
		return nil, err
	}
	var rows []map[string]any
	for res.Next(ctx) {
		rows = append(rows, res.Record().AsMap())
	}
	return rows, res.Err()
}

func copyParams(p map[string]any) map[string]any {
	out := make(map[string]any, len(p)+1)
	for k, v := range p {
		out[k] = v
	}
	return out
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

// Finding is one finding as the API and exports show it.
type Finding struct {
	ID       string `json:"id"`
	Tenant   string `json:"tenant"`
	Rule     string `json:"rule"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Category string `json:"category"`
	Status   string `json:"status"`
	// The asset, as copied when the rule last returned it.
	AssetID  string `json:"asset_id"`
	Kind     string `json:"kind"`
	NativeID string `json:"native_id"`
	Name     string `json:"name"`
	// AssetExists is false once the asset has left the graph.
	AssetExists bool            `json:"asset_exists"`
	FirstSeen   time.Time       `json:"first_seen"`
	LastSeen    time.Time       `json:"last_seen"`
	ResolvedAt  *time.Time      `json:"resolved_at,omitempty"`
	Evidence    json.RawMessage `json:"evidence"`
	Suppression *Suppression    `json:"suppression,omitempty"`
}

// Suppression is who suppressed a finding, why, and until when.
type Suppression struct {
	By     string     `json:"by"`
	Reason string     `json:"reason"`
	At     time.Time  `json:"at"`
	Until  *time.Time `json:"until,omitempty"`
}

const findingExpr = `f{.*, asset_exists: EXISTS { (f)-[:AFFECTS]->() }}`

const findingReturn = findingExpr + ` AS f`

func findingFrom(v any) Finding {
	p, _ := v.(map[string]any)
	str := func(k string) string { s, _ := p[k].(string); return s }
	ms := func(k string) time.Time { return time.UnixMilli(toInt(p[k])).UTC() }
	f := Finding{ID: str("id"), Tenant: str("tenant"), Rule: str("rule"), Title: str("title"), Severity: str("severity"),
		Category: str("category"), Status: str("status"), AssetID: str("asset_id"), Kind: str("kind"),
		NativeID: str("native_id"), Name: str("asset_name"), FirstSeen: ms("firstseen"), LastSeen: ms("lastseen")}
	f.AssetExists, _ = p["asset_exists"].(bool)
	if ev := str("evidence"); ev != "" && json.Valid([]byte(ev)) {
		f.Evidence = json.RawMessage(ev)
	} else {
		f.Evidence = json.RawMessage("{}")
	}
	if p["resolved_at"] != nil {
		t := ms("resolved_at")
		f.ResolvedAt = &t
	}
	if p["suppressed_at"] != nil {
		sp := &Suppression{By: str("suppressed_by"), Reason: str("suppressed_reason"), At: ms("suppressed_at")}
		if p["suppressed_until"] != nil {
			t := ms("suppressed_until")
			sp.Until = &t
		}
		f.Suppression = sp
	}
	return f
}

// FindingFilter selects findings; empty fields select everything.
type FindingFilter struct {
	Tenant     string
	Severities []string
	Statuses   []string
	Rule       string
	AssetID    string
	Kind       string
}

func (ff FindingFilter) where() (string, map[string]any) {
	var conds []string
	p := map[string]any{}
	add := func(cond, name string, v any) {
		conds = append(conds, cond)
		p[name] = v
	}
	if ff.Tenant != "" {
		add("f.tenant = $tenant", "tenant", ff.Tenant)
	}
	if len(ff.Severities) > 0 {
		add("f.severity IN $severities", "severities", ff.Severities)
	}
	if len(ff.Statuses) > 0 {
		add("f.status IN $statuses", "statuses", ff.Statuses)
	}
	if ff.Rule != "" {
		add("f.rule = $rule", "rule", ff.Rule)
	}
	if ff.AssetID != "" {
		add("f.asset_id = $asset", "asset", ff.AssetID)
	}
	if ff.Kind != "" {
		add("f.kind = $kind", "kind", ff.Kind)
	}
	if len(conds) == 0 {
		return "", p
	}
	return "WHERE " + strings.Join(conds, " AND "), p
}

// FindingsPage is one page of findings, most severe first.
type FindingsPage struct {
	Findings []Finding
	Total    int
	// EndCursor continues after the last finding; HasNext says more follow.
	EndCursor string
	HasNext   bool
}

// Findings returns findings matching ff, most severe first then by id,
// first at a time (0: all) after cursor (from an earlier page).
func (s *Store) Findings(ctx context.Context, ff FindingFilter, first int, after string) (*FindingsPage, error) {
	return s.FindingsOrdered(ctx, ff, FindingOrder{}, first, after)
}

// FindingOrder sorts findings by one field (then by id); the zero value is
// most severe first.
type FindingOrder struct {
	// Field: severity (default), first_seen, last_seen, rule (its title),
	// asset (its name), tenant or status.
	Field string
	Desc  bool
}

// findingSortExprs maps an order field to the finding's property it sorts
// by, never null (a missing value sorts as the empty one).
var findingSortExprs = map[string]string{
	"severity":   "coalesce(f.sevrank, 9)",
	"first_seen": "coalesce(f.firstseen, 0)",
	"last_seen":  "coalesce(f.lastseen, 0)",
	"rule":       "coalesce(f.title, '')",
	"asset":      "coalesce(f.asset_name, f.native_id, '')",
	"tenant":     "coalesce(f.tenant, '')",
	"status":     "coalesce(f.status, '')",
}

// FindingsOrdered is Findings in the order o, with keyset paging: the
// cursor holds the order, the last finding's sort value and its id.
func (s *Store) FindingsOrdered(ctx context.Context, ff FindingFilter, o FindingOrder, first int, after string) (*FindingsPage, error) {
	if o.Field == "" {
		o.Field = "severity"
	}
	key, ok := findingSortExprs[o.Field]
	if !ok {
		return nil, apperr.New(apperr.Invalid, "findings cannot be sorted by %q", o.Field)
	}
	dir, cmp := "", ">"
	if o.Desc {
		dir, cmp = " DESC", "<"
	}
	where, p := ff.where()
	cond := ""
	if after != "" {
		c, err := decodeFindingCursor(after)
		if err != nil {
			return nil, err
		}
		if c.Field != o.Field || c.Desc != o.Desc {
			return nil, apperr.New(apperr.Invalid, "the cursor belongs to another order of findings")
		}
		p["akey"], p["aid"] = c.Value, c.ID
		// Ties on the sort value go by id, ascending in both directions.
		cond = fmt.Sprintf("WHERE %[1]s %[2]s $akey OR (%[1]s = $akey AND f.id > $aid)", key, cmp)
	}
	limit := ""
	if first > 0 {
		p["limit"] = int64(first + 1)
		limit = "LIMIT $limit"
	}
	q := fmt.Sprintf(`CALL () { MATCH (f:%[1]s) %[2]s RETURN count(f) AS total }
CALL () { MATCH (f:%[1]s) %[2]s WITH f %[3]s ORDER BY %[6]s%[7]s, f.id %[4]s RETURN collect([%[6]s, %[5]s]) AS fs }
RETURN total, fs`, schema.FindingLabel, where, cond, limit, findingExpr, key, dir)
	rows, err := s.query(ctx, q, p)
	if err != nil {
		return nil, err
	}
	page := &FindingsPage{Findings: []Finding{}}
	if len(rows) == 0 {
		return page, nil
	}
	page.Total = int(toInt(rows[0]["total"]))
	list, _ := rows[0]["fs"].([]any)
	var keys []any
	for _, v := range list {
		pair, _ := v.([]any)
		if len(pair) != 2 {
			continue
		}
		keys = append(keys, pair[0])
		page.Findings = append(page.Findings, findingFrom(pair[1]))
	}
	if first > 0 && len(page.Findings) > first {
		page.Findings, page.HasNext = page.Findings[:first], true
	}
	if n := len(page.Findings); n > 0 {
		page.EndCursor = encodeFindingCursor(findingCursor{Field: o.Field, Desc: o.Desc, Value: keys[n-1], ID: page.Findings[n-1].ID})
	}
	return page, nil
}

// findingCursor is where a page of findings ends: the order, the last
// finding's sort value (a string or an integer) and its id.
type findingCursor struct {
	Field string `json:"f"`
	Desc  bool   `json:"d,omitempty"`
	Value any    `json:"v"`
	ID    string `json:"id"`
}

func encodeFindingCursor(c findingCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeFindingCursor(s string) (findingCursor, error) {
	var c findingCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err = d.Decode(&c); err == nil && c.ID != "" {
			switch v := c.Value.(type) {
			case string:
				return c, nil
			case json.Number:
				if n, err := v.Int64(); err == nil {
					c.Value = n
					return c, nil
				}
			}
		}
	}
	return findingCursor{}, apperr.New(apperr.Invalid, "bad cursor %q", s)
}

// Finding returns one finding by id.
func (s *Store) Finding(ctx context.Context, id string) (*Finding, error) {
	rows, err := s.query(ctx, fmt.Sprintf("MATCH (f:%s {id: $id}) RETURN %s", schema.FindingLabel, findingReturn), map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.NotFound, "finding %q not found", id)
	}
	f := findingFrom(rows[0]["f"])
	return &f, nil
}

// SuppressFinding marks an open (or already suppressed) finding suppressed
// by who, for reason, until (nil: no expiry). A resolved finding cannot be
// suppressed: there is nothing to accept.
func (s *Store) SuppressFinding(ctx context.Context, id, who, reason string, until *time.Time, now time.Time) (*Finding, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, apperr.New(apperr.Invalid, "a suppression needs a reason")
	}
	if strings.TrimSpace(who) == "" {
		return nil, apperr.New(apperr.Invalid, "a suppression needs the name of who makes it")
	}
	var untilMs any
	if until != nil {
		if !until.After(now) {
			return nil, apperr.New(apperr.Invalid, "the suppression's end (%s) is not in the future", until.UTC().Format(time.RFC3339))
		}
		untilMs = until.UnixMilli()
	}
	f, err := s.Finding(ctx, id)
	if err != nil {
		return nil, err
	}
	if f.Status == StatusResolved {
		return nil, apperr.New(apperr.Conflict, "finding %s is resolved: only open findings can be suppressed", id)
	}
	_, err = s.write(ctx, fmt.Sprintf(`MATCH (f:%s {id: $id}) WHERE f.status <> 'resolved'
SET f.status = 'suppressed', f.suppressed_by = $by, f.suppressed_reason = $reason, f.suppressed_at = $now, f.suppressed_until = $until`, schema.FindingLabel),
		map[string]any{"id": id, "by": who, "reason": reason, "now": now.UnixMilli(), "until": untilMs})
	if err != nil {
		return nil, err
	}
	return s.Finding(ctx, id)
}

// UnsuppressFinding lifts a suppression: a suppressed finding is open again
// (a resolved one stays resolved, without its suppression).
func (s *Store) UnsuppressFinding(ctx context.Context, id string) (*Finding, error) {
	if _, err := s.Finding(ctx, id); err != nil {
		return nil, err
	}
	_, err := s.write(ctx, fmt.Sprintf(`MATCH (f:%s {id: $id})
SET f.status = CASE f.status WHEN 'suppressed' THEN 'open' ELSE f.status END,
    f.suppressed_by = null, f.suppressed_reason = null, f.suppressed_at = null, f.suppressed_until = null`, schema.FindingLabel),
		map[string]any{"id": id})
	if err != nil {
		return nil, err
	}
	return s.Finding(ctx, id)
}

// ExpireSuppressions reopens the tenant's suppressed findings whose
// suppression ended before now; it returns how many.
func (s *Store) ExpireSuppressions(ctx context.Context, tenant string, now time.Time) (int, error) {
	c, err := s.write(ctx, fmt.Sprintf(`MATCH (f:%s {tenant: $tenant})
WHERE f.status = 'suppressed' AND f.suppressed_until IS NOT NULL AND f.suppressed_until <= $now
SET f.status = 'open'`, schema.FindingLabel), map[string]any{"tenant": tenant, "now": now.UnixMilli()})
	if err != nil {
		return 0, err
	}
	return c.PropertiesSet(), nil
}

// RuleResult is the latest evaluation of one rule on one tenant.
type RuleResult struct {
	Rule       string    `json:"rule"`
	Tenant     string    `json:"tenant"`
	Kind       string    `json:"kind"`
	Severity   string    `json:"severity"`
	Evaluated  int       `json:"evaluated"`
	Failing    int       `json:"failing"`
	Suppressed int       `json:"suppressed"`
	RanAt      time.Time `json:"ran_at"`
	Error      string    `json:"error,omitempty"`
	// Unknown assets are neither failing nor passing: what the rule
	// requires is not yet known for them (UnknownReason).
	Unknown       int    `json:"unknown,omitempty"`
	UnknownReason string `json:"unknown_reason,omitempty"`
}

// PassRatio is passing / evaluated (1 when nothing was evaluated).
// Suppressed findings count as passing: the risk was accepted. Unknown
// assets do not pass.
func (r RuleResult) PassRatio() float64 {
	if r.Evaluated <= 0 {
		return 1
	}
	pass := r.Evaluated - r.Failing - r.Unknown
	if pass < 0 {
		pass = 0
	}
	return float64(pass) / float64(r.Evaluated)
}

// FindingsSummary is a tenant's posture: findings by severity and status,
// and the latest result of every rule.
type FindingsSummary struct {
	Tenant string `json:"tenant"`
	// Counts[severity][status]
	Counts map[string]map[string]int `json:"counts"`
	Rules  []RuleResult              `json:"rules"`
}

// FindingsSummary reads a tenant's posture in one round trip.
func (s *Store) FindingsSummary(ctx context.Context, tenant string) (*FindingsSummary, error) {
	if tenant == "" {
		return nil, apperr.New(apperr.Invalid, "a tenant is required")
	}
	q := fmt.Sprintf(`CALL () { MATCH (f:%s {tenant: $tenant}) RETURN collect([f.severity, f.status]) AS fs }
CALL () { MATCH (x:%s {tenant: $tenant}) RETURN collect(x{.*}) AS rs }
RETURN fs, rs`, schema.FindingLabel, RuleResultLabel)
	rows, err := s.query(ctx, q, map[string]any{"tenant": tenant})
	if err != nil {
		return nil, err
	}
	out := &FindingsSummary{Tenant: tenant, Counts: map[string]map[string]int{}, Rules: []RuleResult{}}
	if len(rows) == 0 {
		return out, nil
	}
	fs, _ := rows[0]["fs"].([]any)
	for _, v := range fs {
		pair, _ := v.([]any)
		if len(pair) != 2 {
			continue
		}
		sev, _ := pair[0].(string)
		st, _ := pair[1].(string)
		if out.Counts[sev] == nil {
			out.Counts[sev] = map[string]int{}
		}
		out.Counts[sev][st]++
	}
	rs, _ := rows[0]["rs"].([]any)
	for _, v := range rs {
		p, _ := v.(map[string]any)
		str := func(k string) string { s, _ := p[k].(string); return s }
		out.Rules = append(out.Rules, RuleResult{Rule: str("rule"), Tenant: tenant, Kind: str("kind"), Severity: str("severity"),
			Evaluated: int(toInt(p["evaluated"])), Failing: int(toInt(p["failing"])), Suppressed: int(toInt(p["suppressed"])),
			RanAt: time.UnixMilli(toInt(p["ran_at"])).UTC(), Error: str("error"),
			Unknown: int(toInt(p["unknown"])), UnknownReason: str("unknown_reason")})
	}
	return out, nil
}

// Score is the tenant's posture: passing / evaluated over every rule that
// evaluated something and did not fail, as a percentage (100 with nothing
// evaluated).
func (fs *FindingsSummary) Score() float64 {
	pass, total := 0, 0
	for _, r := range fs.Rules {
		if r.Error != "" || r.Evaluated <= 0 {
			continue
		}
		total += r.Evaluated
		pass += max(r.Evaluated-r.Failing-r.Unknown, 0)
	}
	if total == 0 {
		return 100
	}
	return 100 * float64(pass) / float64(total)
}

// RuleGraph runs a rule's graph query for one finding through the console
// (token check, plan check, READ transaction, caps).
func (s *Store) RuleGraph(ctx context.Context, query, tenant, asset string) (*ConsoleResult, error) {
	if query == "" {
		return nil, apperr.New(apperr.NotFound, "the rule has no graph query")
	}
	return s.Console(ctx, query, map[string]any{"tenant": tenant, "asset": asset}, ConsoleOptions{MaxRows: 500})
}

// ErrNoTenant is returned when a rule run names a tenant the graph has not.
var ErrNoTenant = errors.New("tenant not in the graph")

// TenantExists reports whether the tenant has been synced into the graph.
func (s *Store) TenantExists(ctx context.Context, tenant string) (bool, error) {
	rows, err := s.query(ctx, fmt.Sprintf("MATCH (t:%s {id: $id}) RETURN count(t) AS n", schema.Tenant.Label), map[string]any{"id": TenantKey(tenant)})
	if err != nil {
		return false, err
	}
	return len(rows) > 0 && toInt(rows[0]["n"]) > 0, nil
}
