// Package graph is authgraph's GraphQL API: the SDL in graph/schema (per
// domain, a generated file from package schema's declarations and a
// hand-written one for the rest), the executor gqlgen generates into
// graph/generated, models in graph/model, the kinds' list and relation
// resolvers generated into kinds.generated.go, and thin hand-written
// resolvers (<domain>.resolvers.go) that call package store through
// request-scoped dataloaders.
package graph

// First what derives from package schema (SDL, resolvers, the web app's
// table of kinds, docs), then gqlgen's executor and models from the SDL.
//go:generate go run ../internal/schemagen -root ..
//go:generate go -C .. tool gqlgen generate

import (
	"sync"

	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/sqlgraph"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/rules"
)

// Resolver is the root resolver; it holds what every request shares.
type Resolver struct {
	Store   *store.Store
	Console store.ConsoleOptions
	// SQL is read-only SQL over the graph (the sql field), bounded as
	// the console.
	SQL *sqlgraph.Graph
	// Rules are the rules served and run (nil: the built-in pack).
	Rules []*rules.Rule
	// Admin manages connected tenants (nil: one made on first use).
	Admin     *monitor.Admin
	adminOnce sync.Once
	counts    *countCache
	// ruleRuns are the rule runs runRules started in this process.
	ruleRuns ruleRuns
}
