package ingest

import (
	"context"
	"time"
)

// Limits bound what a slow, broken or hostile Auth0 endpoint can cost a
// sync: every wait has a deadline, every response a size cap, every list a
// page bound. Zero fields take the defaults (DefaultLimits).
type Limits struct {
	// ConnectTimeout bounds a TCP connect and, separately, a TLS handshake.
	ConnectTimeout time.Duration
	// HeaderTimeout bounds the wait for response headers once a request is
	// sent.
	HeaderTimeout time.Duration
	// TokenTimeout bounds the client-credentials token request, body included.
	TokenTimeout time.Duration
	// CallTimeout bounds one Management API call from first attempt to the
	// last byte of its body, rate-limit waits and retries included.
	CallTimeout time.Duration
	// MaxResponseBytes caps one API response body.
	MaxResponseBytes int64
	// ExportJobTimeout bounds the wait for a users export job to complete.
	ExportJobTimeout time.Duration
	// ExportTimeout bounds the whole export download (it is read as fast as
	// the graph takes it); ExportIdleTimeout fails it when no byte arrives
	// for that long.
	ExportTimeout, ExportIdleTimeout time.Duration
	// MaxExportBytes caps the export file as downloaded (gzip);
	// MaxExportUncompressedBytes caps it decompressed.
	MaxExportBytes, MaxExportUncompressedBytes int64
	// MaxPages bounds the pages of one list walk: a list that keeps saying
	// "more" fails after it.
	MaxPages int
}

// DefaultLimits are the limits of a sync that sets none. The export bounds
// fit a tenant of several million users (about 1 KiB per user as NDJSON,
// a tenth of that gzipped).
var DefaultLimits = Limits{
	ConnectTimeout:             10 * time.Second,
	HeaderTimeout:              60 * time.Second,
	TokenTimeout:               30 * time.Second,
	CallTimeout:                2 * time.Minute,
	MaxResponseBytes:           32 << 20,
	ExportJobTimeout:           2 * time.Hour,
	ExportTimeout:              4 * time.Hour,
	ExportIdleTimeout:          2 * time.Minute,
	MaxExportBytes:             4 << 30,
	MaxExportUncompressedBytes: 32 << 30,
	MaxPages:                   10000,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	set := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.ConnectTimeout, d.ConnectTimeout)
	set(&l.HeaderTimeout, d.HeaderTimeout)
	set(&l.TokenTimeout, d.TokenTimeout)
	set(&l.CallTimeout, d.CallTimeout)
	set(&l.ExportJobTimeout, d.ExportJobTimeout)
	set(&l.ExportTimeout, d.ExportTimeout)
	set(&l.ExportIdleTimeout, d.ExportIdleTimeout)
	if l.MaxResponseBytes <= 0 {
		l.MaxResponseBytes = d.MaxResponseBytes
	}
	if l.MaxExportBytes <= 0 {
		l.MaxExportBytes = d.MaxExportBytes
	}
	if l.MaxExportUncompressedBytes <= 0 {
		l.MaxExportUncompressedBytes = d.MaxExportUncompressedBytes
	}
	if l.MaxPages <= 0 {
		l.MaxPages = d.MaxPages
	}
	return l
}

type maxPagesKey struct{}

// withMaxPages carries the page bound to the list walkers.
func withMaxPages(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, maxPagesKey{}, n)
}

func maxPages(ctx context.Context) int {
	if n, ok := ctx.Value(maxPagesKey{}).(int); ok && n > 0 {
		return n
	}
	return DefaultLimits.MaxPages
}
