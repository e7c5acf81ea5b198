package model

import "context"

// Page is what every connection shares: its page info and a lazily
// computed total, so a page that does not ask for totalCount does not pay
// for counting.
type Page struct {
	PageInfo *PageInfo
	Count    func(ctx context.Context) (int, error)
}

// TotalCount counts the whole list (every page) when asked.
func (p Page) TotalCount(ctx context.Context) (int, error) {
	if p.Count == nil {
		return 0, nil
	}
	return p.Count(ctx)
}

// The connection type of each kind (XConnection, embedding Page) is
// generated from the declarations into kinds.generated.go.
