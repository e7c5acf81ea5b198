package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/auth0/go-auth0/management"
)

// state carries what one stage learns for later ones (ids to iterate, name
// → id maps). Each field is written by one resource and read after the
// stage barrier; ok flags say whether the writer completed.
type state struct {
	mu sync.Mutex

	connByName     map[string]string   // connection name → id
	connClients    map[string][]string // connection id → enabled client ids
	connectionsOK  bool
	roleIDs        []string
	rolesOK        bool
	orgIDs         []string
	orgsOK         bool
	rsByIdentifier map[string]string // identifier → resource server id
	resourcesOK    bool
	userCount      int
	usersOK        bool
	usersVia       string
}

func newState() *state {
	return &state{connByName: map[string]string{}, connClients: map[string][]string{}, rsByIdentifier: map[string]string{}}
}

// eachOffsetPage walks an offset-paginated list. It stops on a short page or
// when the total is reached, not on HasNext, because some envelopes (actions,
// org connections) carry no start/limit or report limit as the item count.
// A list still full after the page bound (an endpoint that keeps saying
// "more", or a total that lies) fails with ErrEndlessList.
func eachOffsetPage(ctx context.Context, perPage int, fetch func(opts ...management.RequestOption) (n, total int, err error)) (int, error) {
	count := 0
	limit := maxPages(ctx)
	for page := 0; ; page++ {
		if err := ctx.Err(); err != nil {
			return count, err
		}
		if page >= limit {
			return count, fmt.Errorf("%w: still full pages after %d pages (%d items)", ErrEndlessList, limit, count)
		}
		n, total, err := fetch(management.Page(page), management.PerPage(perPage), management.IncludeTotals(true))
		if err != nil {
			return count, err
		}
		count += n
		if n < perPage || (total > 0 && (page+1)*perPage >= total) {
			return count, nil
		}
	}
}

// eachCheckpoint walks a checkpoint-paginated list (from/take) until next is
// empty or a page is empty (org members can end with an empty page that
// followed a page still carrying next). A cursor seen before (a list going
// round in circles) or more pages than the bound fail with ErrEndlessList:
// stopping quietly would pass a partial list off as complete, and stale
// cleanup would then delete what was not read.
func eachCheckpoint(ctx context.Context, take int, fetch func(opts ...management.RequestOption) (n int, next string, err error)) (int, error) {
	count := 0
	from := ""
	seen := map[string]bool{}
	limit := maxPages(ctx)
	for page := 0; ; page++ {
		if err := ctx.Err(); err != nil {
			return count, err
		}
		if page >= limit {
			return count, fmt.Errorf("%w: still a next page after %d pages (%d items)", ErrEndlessList, limit, count)
		}
		opts := []management.RequestOption{management.Take(take)}
		if from != "" {
			opts = append(opts, management.From(from))
		}
		n, next, err := fetch(opts...)
		if err != nil {
			return count, err
		}
		count += n
		if n == 0 || next == "" {
			return count, nil
		}
		if seen[next] || next == from {
			return count, fmt.Errorf("%w: the checkpoint cursor repeated after %d pages (%d items)", ErrEndlessList, page+1, count)
		}
		seen[next] = true
		from = next
	}
}

// ErrEndlessList is returned by a list walk that does not end within the
// page bound (Limits.MaxPages) or whose cursor repeats.
var ErrEndlessList = errors.New("the list does not end")

// Small pure helpers for transforms.

func strs(p *[]string) []string {
	if p == nil {
		return nil
	}
	return *p
}

func anyStrings(v []interface{}) []string {
	out := make([]string, 0, len(v))
	for _, x := range v {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// props builds a property map, dropping nil pointers so absent fields stay
// absent (Auth0 omits optional fields rather than sending null).
type props map[string]any

func (p props) str(k string, v *string) props {
	if v != nil && *v != "" {
		p[k] = *v
	}
	return p
}

func (p props) bool(k string, v *bool) props {
	if v != nil {
		p[k] = *v
	}
	return p
}

func (p props) int(k string, v *int) props {
	if v != nil {
		p[k] = *v
	}
	return p
}

func (p props) float(k string, v *float64) props {
	if v != nil {
		p[k] = *v
	}
	return p
}

func (p props) list(k string, v *[]string) props {
	if v != nil {
		p[k] = append([]string{}, (*v)...)
	}
	return p
}

func (p props) set(k string, v any) props {
	p[k] = v
	return p
}

func (p props) int64(k string, v *int64) props {
	if v != nil {
		p[k] = *v
	}
	return p
}

// eachParent runs fn for every parent id (a role's users, an
// organization's members) with a few workers, so a list of small lists is
// bound by the rate limit rather than by one call's latency. It returns the
// items fn counted; the first error stops the others. progress gets the
// parents done so far.
func eachParent(ctx context.Context, ids []string, workers int, fn func(ctx context.Context, id string) (int, error), progress func(done int)) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan string)
	var (
		mu          sync.Mutex
		total, done int
		first       error
		wg          sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ch {
				n, err := fn(ctx, id)
				mu.Lock()
				total += n
				done++
				if err != nil && first == nil {
					first = err
					cancel()
				}
				d := done
				mu.Unlock()
				if progress != nil && d%20 == 0 {
					progress(d)
				}
			}
		}()
	}
feed:
	for _, id := range ids {
		select {
		case ch <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(ch)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return total, first
}
