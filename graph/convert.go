package graph

import (
	"sort"

	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/redact"
	"github.com/authgraph/authgraph/internal/store"
)

func syncFrom(s store.SyncRecord) *model.Sync {
	out := &model.Sync{
		ID: s.ID, Tenant: s.Tenant, Status: s.Status,
		APICalls: s.APICalls, Retries: s.Retries, Seen429: s.Seen429,
		Counts: []*model.KindCount{}, Skipped: []*model.SkippedKind{},
		Mode: s.Mode, Touched: s.Touched, LogEvents: s.LogEvents, Applies: max(s.Applies, 1),
	}
	if out.Mode == "" {
		out.Mode = store.SyncFull
	}
	if s.Reason != "" {
		r := redact.Secrets(s.Reason)
		out.Reason = &r
	}
	if out.Mode == store.SyncReconcile {
		d := s.Drift
		out.Drift = &d
	}
	if !s.Started.IsZero() && !s.Finished.IsZero() {
		d := int(s.Finished.Sub(s.Started).Milliseconds())
		out.DurationMs = &d
	}
	if !s.Started.IsZero() {
		t := s.Started.UTC()
		out.Started = &t
	}
	if !s.Finished.IsZero() {
		t := s.Finished.UTC()
		out.Finished = &t
	}
	if s.Error != "" {
		e := redact.Secrets(s.Error) // records written before errors were redacted when stored
		out.Error = &e
	}
	for k, n := range s.Counts {
		out.Counts = append(out.Counts, &model.KindCount{Kind: k, Count: n})
	}
	sort.Slice(out.Counts, func(i, j int) bool { return out.Counts[i].Kind < out.Counts[j].Kind })
	for k, why := range s.Skipped {
		out.Skipped = append(out.Skipped, &model.SkippedKind{Kind: k, Reason: redact.Secrets(why)})
	}
	sort.Slice(out.Skipped, func(i, j int) bool { return out.Skipped[i].Kind < out.Skipped[j].Kind })
	out.Incomplete = make([]*model.Incompleteness, 0, len(s.Incomplete))
	for _, inc := range s.Incomplete {
		out.Incomplete = append(out.Incomplete, &model.Incompleteness{
			Resource: inc.Resource, Kinds: nonNil(inc.Kinds), Relations: nonNil(inc.Relations), Reason: inc.Reason,
		})
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func accessPathFrom(p store.AccessPath) *model.AccessPath {
	mp := model.PathFrom(p.Path)
	out := &model.AccessPath{
		Via: model.Via(p.Via), Nodes: mp.Nodes, Edges: mp.Edges,
		Role: model.AsPtr[model.Role](p.Role), Organization: model.AsPtr[model.Organization](p.Organization),
	}
	if p.Grant != nil {
		out.ClientGrant = model.AsPtr[model.ClientGrant](p.Grant)
		out.Grant = model.AsPtr[model.Grant](p.Grant)
	}
	return out
}

func accessPathsFrom(ps []store.AccessPath) []*model.AccessPath {
	out := make([]*model.AccessPath, len(ps))
	for i, p := range ps {
		out[i] = accessPathFrom(p)
	}
	return out
}

func effectiveFrom(list []store.PermissionAccess) []*model.EffectivePermission {
	out := make([]*model.EffectivePermission, 0, len(list))
	for _, pa := range list {
		e := &model.EffectivePermission{
			Permission: model.As[model.Permission](pa.Permission),
			API:        model.AsPtr[model.ResourceServer](pa.API),
			Paths:      accessPathsFrom(pa.Paths),
			Via:        []model.Via{},
		}
		seen := map[model.Via]bool{}
		for _, p := range e.Paths {
			if !seen[p.Via] {
				seen[p.Via] = true
				e.Via = append(e.Via, p.Via)
			}
		}
		out = append(out, e)
	}
	return out
}

func apiAccess(c *model.Client, api *model.ResourceServer, e store.Edge) *model.APIAccess {
	a := &model.APIAccess{Client: c, API: api, Scopes: []string{}}
	if l, ok := e.Props["scopes"].([]any); ok {
		for _, s := range l {
			if s, ok := s.(string); ok {
				a.Scopes = append(a.Scopes, s)
			}
		}
	}
	if g, ok := e.Props["grant_id"].(string); ok {
		a.GrantID = &g
	}
	if b, ok := e.Props["is_system"].(bool); ok {
		a.IsSystem = &b
	}
	return a
}
