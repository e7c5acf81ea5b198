package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// fastPOST is gqlgen's POST transport with a lighter way out for the common
// case: a response that is data only is written as the executor produced
// it. gqlgen's writer passes it through json.Marshal, which validates and
// copies every byte of the data again (a tenth of the CPU of a request
// that returns a graph view's subgraph). Anything else (errors,
// extensions, a request that asks for application/graphql-response+json,
// a body that does not decode) goes through gqlgen's POST unchanged.
type fastPOST struct{ transport.POST }

var _ graphql.Transport = fastPOST{}

func (h fastPOST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if strings.Contains(r.Header.Get("Accept"), "graphql-response") {
		h.POST.Do(w, r, exec)
		return
	}
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		h.POST.Do(w, r, exec) // reports the read error its way
		return
	}
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.POST.Do(w, r, exec)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	ctx := r.Context()
	rc, opErr := exec.CreateOperationContext(ctx, params)
	if status := accessStatus(opErr); status != 0 {
		// A refused operation says so in the HTTP status too.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		b, _ := json.Marshal(exec.DispatchError(ctx, opErr))
		w.Write(b)
		return
	}
	if opErr != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.POST.Do(w, r, exec)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	w.Header().Set("Content-Type", "application/json")
	if dataOnly(resp) {
		w.Write([]byte(`{"data":`))
		w.Write(resp.Data)
		w.Write([]byte(`}`))
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		http.Error(w, `{"errors":[{"message":"internal error"}]}`, http.StatusInternalServerError)
		return
	}
	w.Write(b)
}

// dataOnly says that a response is its data alone. gqlgen's executor sets
// Extensions to an empty map when no extension wrote one, which
// json.Marshal leaves out (omitempty), so an empty map counts as none.
func dataOnly(resp *graphql.Response) bool {
	return resp != nil && len(resp.Errors) == 0 && len(resp.Extensions) == 0 && resp.Label == "" &&
		resp.Path == nil && resp.HasNext == nil && len(resp.Data) > 0
}

// accessStatus is 401 or 403 when errs refuse the operation for access
// (Authorize), else 0.
func accessStatus(errs gqlerror.List) int {
	for _, e := range errs {
		switch e.Extensions["code"] {
		case CodeUnauthenticated:
			return http.StatusUnauthorized
		case CodeForbidden:
			return http.StatusForbidden
		}
	}
	return 0
}
