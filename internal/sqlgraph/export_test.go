package sqlgraph

// WithoutKeyFilter is g with the batched key filter off: the engine's
// joins run as planned (tests compare both).
func WithoutKeyFilter(g *Graph) *Graph {
	ng := *g
	ng.noKeyFilter = true
	return &ng
}

// WithKeyCaps is g with the key filter's caps lowered: at most keys
// distinct values per pushed list and rows read first.
func WithKeyCaps(g *Graph, keys, rows int) *Graph {
	ng := *g
	ng.keyCaps = keyCaps{keys: keys, rows: rows}
	return &ng
}

// WithoutCountPushdown is g with the COUNT pushdown off: the engine joins
// and counts (tests compare both).
func WithoutCountPushdown(g *Graph) *Graph {
	ng := *g
	ng.noCountPushdown = true
	return &ng
}

// WithoutTenantInference is g with no tenant carried across join
// equalities (tests compare both).
func WithoutTenantInference(g *Graph) *Graph {
	ng := *g
	ng.noTenantInference = true
	return &ng
}

// WithoutHashJoins is g with the engine's nested-loop joins left as
// planned (tests compare both).
func WithoutHashJoins(g *Graph) *Graph {
	ng := *g
	ng.noHashJoins = true
	return &ng
}
