// Command directlists adds, after gqlgen generates the executor, a call to
// the direct writers of graph view lists (model.MarshalGraphNodes and
// model.MarshalEdges) at the top of gqlgen's marshallers of those lists. It
// runs from go generate in graph/ and fails when gqlgen's output no longer
// has the shape it expects, so a gqlgen upgrade cannot drop the call
// silently. Running it twice changes nothing.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
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

// addHooks returns src with each hook's call at the top of its function.
func addHooks(src []byte) ([]byte, error) {
	lines := strings.Split(string(src), "\n")
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
