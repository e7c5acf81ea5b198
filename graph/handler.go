package graph

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/authgraph/authgraph/graph/generated"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/redact"
	"github.com/authgraph/authgraph/internal/sqlgraph"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/rules"
)

// Options configure the GraphQL handler. Zero values mean the defaults.
type Options struct {
	Store *store.Store
	// Introspection enables schema introspection (GraphiQL needs it).
	Introspection bool
	// Console bounds the cypher field.
	Console store.ConsoleOptions
	// ComplexityLimit caps the fields an operation may select (default 5000).
	ComplexityLimit int
	// DepthLimit caps how deeply an operation may nest (default 12;
	// introspection fields are not counted).
	DepthLimit int
	// TokenLimit caps the tokens the parser reads (default 20000).
	TokenLimit int
	// CountTTL is how long list totals are reused (default 30s; negative
	// counts every time).
	CountTTL time.Duration
	// MaxRootFields and MaxAliases cap the root fields and the aliased
	// fields of an operation (defaults DefaultMaxRootFields,
	// DefaultMaxAliases); an operation runs one cypher field at most.
	MaxRootFields int
	MaxAliases    int
	// RequestTimeout is the deadline of one operation (default
	// DefaultRequestTimeout): every read it makes stops by then.
	RequestTimeout time.Duration
	Logger         *slog.Logger
	// Audit records mutations in the audit log (nil: not recorded).
	Audit func(ctx context.Context, action, target, outcome string)
	// Rules are the security rules served and run (nil: the built-in pack).
	Rules []*rules.Rule
	// Tenants manages connected tenants (nil: a default over Store).
	Tenants *monitor.Admin
}

// NewHandler returns the GraphQL HTTP handler: the POST transport (GET is
// off: a query in a URL lands in logs and histories, and a GET is easier to
// forge across sites), the access check of every operation (Authorize),
// limits on complexity, depth and tokens, introspection as
// configured, an error presenter that shows user-safe messages with an
// extensions.code and logs the rest, and request-scoped dataloaders.
func NewHandler(o Options) *handler.Server {
	if o.ComplexityLimit <= 0 {
		o.ComplexityLimit = 5000
	}
	if o.DepthLimit <= 0 {
		o.DepthLimit = 12
	}
	if o.TokenLimit <= 0 {
		o.TokenLimit = 20000
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CountTTL == 0 {
		o.CountTTL = 30 * time.Second
	}
	if o.MaxRootFields <= 0 {
		o.MaxRootFields = DefaultMaxRootFields
	}
	if o.MaxAliases <= 0 {
		o.MaxAliases = DefaultMaxAliases
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.Console.Limiter == nil {
		o.Console.Limiter = store.NewConsoleLimiter(o.Console)
	}
	res := &Resolver{Store: o.Store, Console: o.Console, Rules: o.Rules, Admin: o.Tenants, counts: newCountCache(o.CountTTL)}
	if o.Store != nil {
		// SQL shares the console's limits and its concurrency slots.
		res.SQL = sqlgraph.New(o.Store, o.Console)
	}
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: res}))
	srv.AddTransport(transport.Options{AllowedMethods: []string{http.MethodPost, http.MethodOptions}})
	srv.AddTransport(fastPOST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(o.TokenLimit)
	if o.Introspection {
		srv.Use(extension.Introspection{})
	}
	// OperationLimits first: it counts fragments once, and bounds what the
	// access check, the complexity and depth limits then walk.
	srv.Use(OperationLimits{MaxFields: 4 * o.ComplexityLimit, MaxRootFields: o.MaxRootFields, MaxAliases: o.MaxAliases})
	srv.Use(Authorize{Audit: o.Audit})
	srv.Use(extension.FixedComplexityLimit(o.ComplexityLimit))
	srv.Use(DepthLimit{Max: o.DepthLimit})
	srv.AroundResponses(requestDeadline(o.RequestTimeout))
	srv.SetErrorPresenter(ErrorPresenter(o.Logger))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		o.Logger.Error("graphql: panic in resolver", "panic", v, "path", graphql.GetPath(ctx).String())
		return apperr.New(apperr.Internal, "internal error")
	})
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		l := NewLoaders(o.Store, projectionOf(graphql.GetOperationContext(ctx)))
		return next(WithLoaders(ctx, l))
	})
	return srv
}

// Codes are the extensions.code values of errors, by apperr kind.
var Codes = map[apperr.Kind]string{
	apperr.NotFound:    "NOT_FOUND",
	apperr.Invalid:     "INVALID",
	apperr.Unavailable: "UNAVAILABLE",
	apperr.Forbidden:   "FORBIDDEN",
	apperr.Conflict:    "CONFLICT",
	apperr.Internal:    "INTERNAL",
}

// ErrorPresenter shows apperr messages with their kind as extensions.code,
// keeps GraphQL's own errors (parse, validation, limits), and replaces
// anything else with "internal error", logged with slog.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Kind != apperr.Internal {
			msg := ae.Msg
			if msg == "" {
				msg = string(ae.Kind)
			}
			if ae.Kind == apperr.Unavailable {
				log.Warn("graphql: unavailable", "path", gerr.Path.String(), "err", err)
			}
			return withCode(gerr, msg, Codes[ae.Kind])
		}
		if ae == nil && gerr.Err == nil {
			// gqlgen's own error (syntax, validation, complexity, depth):
			// already user-facing.
			return gerr
		}
		if errors.Is(err, context.Canceled) {
			return withCode(gerr, "request cancelled", "CANCELLED")
		}
		log.Error("graphql: internal error", "path", gerr.Path.String(), "err", err)
		return withCode(gerr, "internal error", Codes[apperr.Internal])
	}
}

func withCode(e *gqlerror.Error, msg, code string) *gqlerror.Error {
	out := &gqlerror.Error{Message: redact.Secrets(msg), Path: e.Path, Locations: e.Locations, Rule: e.Rule}
	out.Extensions = map[string]any{"code": code}
	return out
}

// DepthLimit rejects operations nested deeper than Max fields. Fields of
// introspection (__schema, __type) are not counted, so GraphiQL works.
type DepthLimit struct{ Max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = DepthLimit{}

func (DepthLimit) ExtensionName() string                          { return "DepthLimit" }
func (DepthLimit) Validate(schema graphql.ExecutableSchema) error { return nil }

// MutateOperationContext measures the operation after validation.
func (d DepthLimit) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	depth := selectionDepth(rc.Operation.SelectionSet, rc.Doc.Fragments, map[string]bool{})
	if depth > d.Max {
		e := gqlerror.Errorf("operation is nested %d levels deep; the limit is %d", depth, d.Max)
		e.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED"}
		return e
	}
	return nil
}

func selectionDepth(set ast.SelectionSet, frags ast.FragmentDefinitionList, visiting map[string]bool) int {
	max := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.Name) > 1 && s.Name[:2] == "__" {
				continue
			}
			d = 1 + selectionDepth(s.SelectionSet, frags, visiting)
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, frags, visiting)
		case *ast.FragmentSpread:
			if visiting[s.Name] {
				continue
			}
			if f := frags.ForName(s.Name); f != nil {
				visiting[s.Name] = true
				d = selectionDepth(f.SelectionSet, frags, visiting)
				delete(visiting, s.Name)
			}
		}
		if d > max {
			max = d
		}
	}
	return max
}
