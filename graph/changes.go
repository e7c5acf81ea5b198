package graph

import (
	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/store"
)

// splitChangeKinds separates change kinds (created, updated, deleted,
// baseline) from asset kinds in the changes field's kinds argument; the
// two vocabularies do not overlap.
func splitChangeKinds(kinds []string) (ops, assetKinds []string) {
	for _, k := range kinds {
		switch k {
		case store.OpCreated, store.OpUpdated, store.OpDeleted, store.OpBaseline:
			ops = append(ops, k)
		default:
			assetKinds = append(assetKinds, k)
		}
	}
	return ops, assetKinds
}

func changeConnection(p store.ChangePage) *model.ChangeConnection {
	out := &model.ChangeConnection{Nodes: make([]*model.Change, 0, len(p.Changes)), PageInfo: &model.PageInfo{HasNextPage: p.HasNext}}
	if p.EndCursor != "" {
		c := p.EndCursor
		out.PageInfo.EndCursor = &c
	}
	if len(p.Changes) > 0 {
		c := store.ChangeCursor(p.Changes[0])
		out.PageInfo.StartCursor = &c
	}
	for _, c := range p.Changes {
		m := &model.Change{ID: c.ID, Tenant: c.Tenant, At: c.At, Kind: c.Op, AssetID: c.AssetID, AssetKind: c.AssetKind,
			NativeID: c.NativeID, Name: c.Name, Fields: make([]*model.FieldChange, 0, len(c.Fields))}
		if c.SyncID != "" {
			s := c.SyncID
			m.SyncID = &s
		}
		if c.Actor != "" {
			a := c.Actor
			m.Actor = &a
		}
		for _, f := range c.Fields {
			fc := &model.FieldChange{Field: f.Field, Old: f.Old, New: f.New}
			if f.Target != "" {
				t := f.Target
				fc.Target = &t
			}
			m.Fields = append(m.Fields, fc)
		}
		out.Nodes = append(out.Nodes, m)
	}
	return out
}
