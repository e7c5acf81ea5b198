// Command directlists adds, after gqlgen generates the executor, calls to
// the direct list writers of package model at the top of gqlgen's
// marshallers of lists of models: model.MarshalGraphNodes and
// model.MarshalEdges for graph views, model.MarshalObjects for the others.
// It runs from go generate in graph/ and fails when gqlgen's output no
// longer has the shape it expects, so a gqlgen upgrade cannot drop the
// calls silently. Running it twice changes nothing.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"regexp"
	"strings"
)

// hook is one list marshaller and the call it starts with.
type hook struct {
	sig  string // the start of the function's declaration, up to the element type
	call string
}

var hooks = []hook{
	{"func (ec *executionContext) marshalNGraphNode2ᚕᚖ", "model.MarshalGraphNodes(ctx, sel, v)"},
	{"func (ec *executionContext) marshalNEdge2ᚕᚖ", "model.MarshalEdges(ctx, sel, v)"},
}

const marker = "// added by graph/internal/directlists"

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: directlists <generated.go>")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "directlists:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := addHooks(src)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}

// listSig matches gqlgen's marshaller of a list of models: its GraphQL
// type name and the model's Go type name.
var listSig = regexp.MustCompile(`^func \(ec \*executionContext\) marshal[NO](\w+?)2ᚕᚖgithubᚗcomᚋauthgraphᚋauthgraphᚋgraphᚋmodelᚐ\w+ᚄ?\(ctx context\.Context, sel ast\.SelectionSet, v \[\]\*model\.(\w+)\) graphql\.Marshaler \{$`)

// addHooks returns src with each hook's call at the top of its function.
func addHooks(src []byte) ([]byte, error) {
	lines := strings.Split(string(src), "\n")
	// Lists of the other models: model.MarshalObjects, given the type's
	// implementors (the names its fragments may use), which gqlgen declares
	// as <type>Implementors.
	objects := 0
	for i := 0; i < len(lines); i++ {
		m := listSig.FindStringSubmatch(lines[i])
		if m == nil || m[2] == "GraphNode" || m[2] == "Edge" {
			continue
		}
		objects++
		impl := strings.ToLower(m[1][:1]) + m[1][1:] + "Implementors"
		if !strings.Contains(string(src), "\nvar "+impl+" = ") {
			return nil, fmt.Errorf("no %s for %s", impl, lines[i])
		}
		if i+1 < len(lines) && strings.Contains(lines[i+1], marker) {
			continue
		}
		call := fmt.Sprintf("\tif m, ok := model.MarshalObjects(ctx, sel, v, %s); ok { %s\n\t\treturn m\n\t}", impl, marker)
		lines = append(lines[:i+1], append([]string{call}, lines[i+1:]...)...)
	}
	if objects == 0 {
		return nil, fmt.Errorf("no marshaller of a list of models found")
	}
	for _, h := range hooks {
		found := 0
		for i := 0; i < len(lines); i++ {
			l := lines[i]
			if !strings.HasPrefix(l, h.sig) {
				continue
			}
			found++
			if !strings.Contains(l, "(ctx context.Context, sel ast.SelectionSet, v []*model.") || !strings.HasSuffix(l, ") graphql.Marshaler {") {
				return nil, fmt.Errorf("unexpected signature: %s", l)
			}
			if i+1 < len(lines) && strings.Contains(lines[i+1], marker) {
				continue // already there
			}
			call := fmt.Sprintf("\tif m, ok := %s; ok { %s\n\t\treturn m\n\t}", h.call, marker)
			lines = append(lines[:i+1], append([]string{call}, lines[i+1:]...)...)
		}
		if found != 1 {
			return nil, fmt.Errorf("want one function starting %q, found %d", h.sig, found)
		}
	}
	out, err := format.Source([]byte(strings.Join(lines, "\n")))
	if err != nil {
		return nil, err
	}
	if bytes.Equal(out, src) {
		return src, nil
	}
	return out, nil
}
