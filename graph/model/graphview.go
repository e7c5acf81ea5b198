package model

import "github.com/authgraph/authgraph/internal/store"

// GraphNode is a node of a graph view. Its properties and asset are
// converted only when a query selects them (a neighbourhood of 1000 nodes
// usually asks for ids, kinds and names).
type GraphNode struct {
	ID        string
	ElementID string
	Labels    []string
	Kind      *string
	Name      *string
	node      store.GraphNode
}

// Properties are the node's stored properties as JSON values.
func (g *GraphNode) Properties() map[string]any { return store.JSONProps(g.node.Props) }

// Asset is the node's asset model, nil for nodes that are not assets.
func (g *GraphNode) Asset() Asset {
	if g.node.Asset == nil {
		return nil
	}
	return FromAsset(*g.node.Asset)
}

// Edge is a relationship of a graph view.
type Edge struct {
	ID     string
	Type   string
	Source string
	Target string
	props  map[string]any
}

// Properties are the relationship's properties as JSON values.
func (e *Edge) Properties() map[string]any { return store.JSONProps(e.props) }
