package main

import (
	"bytes"
	"strings"
	"testing"
)

const generated = `package generated

func (ec *executionContext) marshalNEdge2ᚕᚖxᚐEdgeᚄ(ctx context.Context, sel ast.SelectionSet, v []*model.Edge) graphql.Marshaler {
	return nil
}

func (ec *executionContext) marshalNGraphNode2ᚕᚖxᚐGraphNodeᚄ(ctx context.Context, sel ast.SelectionSet, v []*model.GraphNode) graphql.Marshaler {
	return nil
}

var apiAccessImplementors = []string{"ApiAccess"}

func (ec *executionContext) marshalOApiAccess2ᚕᚖgithubᚗcomᚋauthgraphᚋauthgraphᚋgraphᚋmodelᚐAPIAccessᚄ(ctx context.Context, sel ast.SelectionSet, v []*model.APIAccess) graphql.Marshaler {
	return nil
}
`

func TestAddHooks(t *testing.T) {
	out, err := addHooks([]byte(generated))
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range []string{"model.MarshalEdges(ctx, sel, v)", "model.MarshalGraphNodes(ctx, sel, v)", "model.MarshalObjects(ctx, sel, v, apiAccessImplementors)"} {
		if strings.Count(string(out), call) != 1 {
			t.Errorf("want one %s in\n%s", call, out)
		}
	}
	again, err := addHooks(out)
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("a second run changed the file (err %v):\n%s", err, again)
	}
}

func TestAddHooksFailsOnAnUnknownShape(t *testing.T) {
	for name, src := range map[string]string{
		"function gone":     strings.Replace(generated, "marshalNEdge2", "marshalOEdge2", 1),
		"signature changed": strings.Replace(generated, "sel ast.SelectionSet, v []*model.GraphNode", "v []*model.GraphNode", 1),
		"no implementors":   strings.Replace(generated, "var apiAccessImplementors", "var apiImplementors", 1),
	} {
		if _, err := addHooks([]byte(src)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
