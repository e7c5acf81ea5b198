package auth0sim

import "sync"

// Stats counts what the simulator served since New.
type Stats struct {
	Requests    int64 // every request, /oauth/token and export downloads included
	RateLimited int64 // 429s sent by the rate limiter
	Injected    int64 // 5xx (and other statuses) injected by faults
	Errors      int64 // other responses with status >= 400
	Kinds       map[string]KindStats
}

// KindStats are the counters of one endpoint kind.
type KindStats struct {
	Requests    int64
	RateLimited int64
	Injected    int64
	Errors      int64
}

type statsCollector struct {
	mu sync.Mutex
	st Stats
}

type outcome int

const (
	outOK outcome = iota
	outRateLimited
	outInjected
	outError
)

func (c *statsCollector) record(kind string, o outcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st.Kinds == nil {
		c.st.Kinds = map[string]KindStats{}
	}
	k := c.st.Kinds[kind]
	c.st.Requests++
	k.Requests++
	switch o {
	case outRateLimited:
		c.st.RateLimited++
		k.RateLimited++
	case outInjected:
		c.st.Injected++
		k.Injected++
	case outError:
		c.st.Errors++
		k.Errors++
	}
	c.st.Kinds[kind] = k
}

// Stats returns a copy of the counters.
func (s *Sim) Stats() Stats {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	out := s.stats.st
	out.Kinds = make(map[string]KindStats, len(s.stats.st.Kinds))
	for k, v := range s.stats.st.Kinds {
		out.Kinds[k] = v
	}
	return out
}
