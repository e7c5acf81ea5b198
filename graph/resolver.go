// Package graph is authgraph's GraphQL API: the SDL in graph/schema (one
// file per domain), the executor gqlgen generates into graph/generated,
// models in graph/model, and thin resolvers (one file per schema file) that
// call package store through request-scoped dataloaders.
package graph

//go:generate go -C .. tool gqlgen generate

import (
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/rules"
)

// Resolver is the root resolver; it holds what every request shares.
type Resolver struct {
	Store   *store.Store
	Console store.ConsoleOptions
	// Rules are the rules served and run (nil: the built-in pack).
	Rules  []*rules.Rule
	counts *countCache
}
