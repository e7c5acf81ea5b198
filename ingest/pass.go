package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/redact"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// A pass keeps a tenant's graph current from its log: after a full
// collection, each pass reads /api/v2/logs from the tenant's checkpoint,
// applies the events' touches (RunIncremental) and saves the new checkpoint
// only once the graph is written. It collects in full instead when the
// checkpoint is unknown or older than the log's retention, and reconciles
// (a pass, then a full collection that counts what the passes missed) on a
// schedule.

// PassDB is what a pass needs from the store.
type PassDB interface {
	IncrementalDB
	GetCheckpoint(ctx context.Context, tenant string) (store.Checkpoint, error)
	SetCheckpoint(ctx context.Context, c store.Checkpoint) error
	// RecordSync writes an incremental pass's Sync record.
	RecordSync(ctx context.Context, r store.SyncRecord) error
}

// PassOptions tune a pass; zero fields mean the defaults noted.
type PassOptions struct {
	// Retention of the tenant's log (the plan's: 1 day on the smallest, up
	// to 30): after a pass older than this, events after its checkpoint
	// may be gone, so the pass collects in full. Default 24 h.
	Retention time.Duration
	// Overlap of each users updated_at window with the previous one (search
	// is eventually consistent). Default 10 min.
	Overlap time.Duration
	// ReconcileEvery is how often a full reconcile runs (default 24 h;
	// negative: never on schedule).
	ReconcileEvery time.Duration
	// Mode forces ModeFull, ModeIncremental (fails without a usable
	// checkpoint? no: falls back to full, saying why) or ModeReconcile;
	// empty decides.
	Mode string
	// MaxLogPages bounds one pass's log reading (100 events a page; default
	// 100). The rest is read by the next pass.
	MaxLogPages int
}

func (o PassOptions) withDefaults() PassOptions {
	if o.Retention <= 0 {
		o.Retention = 24 * time.Hour
	}
	if o.Overlap <= 0 {
		o.Overlap = 10 * time.Minute
	}
	if o.ReconcileEvery == 0 {
		o.ReconcileEvery = 24 * time.Hour
	}
	if o.MaxLogPages <= 0 {
		o.MaxLogPages = 100
	}
	return o
}

// LogIDTime reads the time an Auth0 log id carries ("900" then
// yyyymmddhhmmss), false when it carries none.
func LogIDTime(id string) (time.Time, bool) {
	if len(id) < 17 {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102150405", id[3:17])
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// errCheckpointRefused: the log no longer has the checkpoint's event.
var errCheckpointRefused = errors.New("the tenant's log refused the checkpoint")

// logsFromStart is the checkpoint of a tenant whose log was empty.
const logsFromStart = "0"

// NewestLogID returns the id of the tenant's newest log event (logsFromStart
// when the log is empty).
func NewestLogID(ctx context.Context, api API) (string, error) {
	var evs []*management.Log
	if err := api.Get(ctx, &evs, "logs", management.Take(1)); err != nil {
		return "", err
	}
	if len(evs) == 0 {
		return logsFromStart, nil
	}
	return evs[0].GetLogID(), nil
}

// LogsAfter reads the events after checkpoint from, oldest first, at most
// maxPages pages of 100, and returns them with the new checkpoint.
func LogsAfter(ctx context.Context, api API, from string, maxPages int) ([]*management.Log, string, error) {
	var out []*management.Log
	for page := 0; page < maxPages; page++ {
		var evs []*management.Log
		if err := api.Get(ctx, &evs, "logs", management.From(from), management.Take(100)); err != nil {
			return out, from, err
		}
		if len(evs) == 0 {
			break
		}
		out = append(out, evs...)
		next := evs[len(evs)-1].GetLogID()
		if next == "" || next == from {
			break
		}
		from = next
		if len(evs) < 100 {
			break
		}
	}
	return out, from, nil
}

// Pass runs one pass on a tenant: incremental when its checkpoint allows,
// else a full collection; a reconcile when due. The checkpoint moves only
// after the graph is written.
func Pass(ctx context.Context, db PassDB, api API, cfg Config, opt PassOptions) (*Summary, error) {
	opt = opt.withDefaults()
	if cfg.Tenant == "" {
		return nil, fmt.Errorf("missing tenant name")
	}
	cp, err := db.GetCheckpoint(ctx, cfg.Tenant)
	if err != nil {
		return nil, err
	}
	mode, reason := opt.Mode, ""
	switch {
	case mode == ModeFull:
	case cp.LogID == "":
		mode, reason = ModeFull, "no checkpoint"
	case time.Since(cp.Since) > opt.Retention+opt.Overlap:
		mode, reason = ModeFull, fmt.Sprintf("checkpoint older than the log's retention (%s)", opt.Retention)
	case mode == ModeReconcile:
		reason = "asked for"
	case mode == "" && opt.ReconcileEvery > 0 && time.Since(cp.FullAt) >= opt.ReconcileEvery:
		mode, reason = ModeReconcile, fmt.Sprintf("due (every %s)", opt.ReconcileEvery)
	default:
		mode = ModeIncremental
	}
	switch mode {
	case ModeIncremental:
		sum, err := incrementalPass(ctx, db, api, cfg, opt, cp)
		if errors.Is(err, ErrWindowTooLarge) || errors.Is(err, errCheckpointRefused) {
			return fullPass(ctx, db, api, cfg, opt, err.Error())
		}
		return sum, err
	case ModeReconcile:
		return reconcile(ctx, db, api, cfg, opt, cp, reason)
	}
	return fullPass(ctx, db, api, cfg, opt, reason)
}

func incrementalPass(ctx context.Context, db PassDB, api API, cfg Config, opt PassOptions, cp store.Checkpoint) (*Summary, error) {
	started := time.Now()
	calls0 := apiCalls(api)
	evs, next, err := LogsAfter(ctx, api, cp.LogID, opt.MaxLogPages)
	if s := apiStatus(err); s == 400 || s == 404 {
		// Auth0 no longer knows the checkpoint (purged): collect in full.
		return nil, fmt.Errorf("%w: %s", errCheckpointRefused, firstLine(err.Error()))
	}
	if err != nil {
		return nil, fmt.Errorf("read the tenant's log: %w", err)
	}
	var touches []Touch
	for _, ev := range evs {
		touches = append(touches, TouchesFromLog(ev)...)
	}
	logTook := time.Since(started)
	sum, err := RunIncremental(ctx, db, api, cfg, touches, cp.Since)
	if sum != nil {
		sum.LogEvents, sum.Events, sum.Started = len(evs), evs, started
		if sum.Phases != nil {
			sum.Phases["log"] = logTook
		}
		sum.APICalls = apiCalls(api) - calls0
		sum.Duration = sum.Finished.Sub(started)
		// The pass's own record: the tenant's activity and last sync show
		// it like a full collection's.
		// (Not when it gives way to a full collection, which says why.)
		if !errors.Is(err, ErrWindowTooLarge) {
			if rerr := db.RecordSync(context.WithoutCancel(ctx), IncrementalRecord(sum, err)); rerr != nil && err == nil {
				return sum, rerr
			}
		}
	}
	if err != nil {
		return sum, err
	}
	// The graph holds everything up to next: move the checkpoint.
	if err := db.SetCheckpoint(context.WithoutCancel(ctx), store.Checkpoint{
		Tenant: cfg.Tenant, LogID: next, Since: started.Add(-opt.Overlap), FullAt: cp.FullAt,
	}); err != nil {
		return sum, err
	}
	return sum, nil
}

// fullPass collects the tenant in full; the checkpoint is the newest log
// event before it started, so nothing logged during it is missed.
func fullPass(ctx context.Context, db PassDB, api API, cfg Config, opt PassOptions, reason string) (*Summary, error) {
	started := time.Now()
	cfg.record.reason = reason
	newest, lerr := NewestLogID(ctx, api)
	sum, err := RunWith(ctx, db, api, cfg)
	if sum != nil {
		sum.Reason = reason
	}
	if err != nil || sum.Status == "failed" {
		return sum, err
	}
	if lerr != nil {
		// Without read:logs every pass collects in full.
		if sum.Reason != "" {
			sum.Reason += "; "
		}
		sum.Reason += "the tenant's log cannot be read (read:logs): " + firstLine(lerr.Error())
		return sum, nil
	}
	if sum.Status == "partial" {
		// What failed is not in the graph: the next pass collects in full.
		return sum, nil
	}
	return sum, db.SetCheckpoint(context.WithoutCancel(ctx), store.Checkpoint{
		Tenant: cfg.Tenant, LogID: newest, Since: started.Add(-opt.Overlap), FullAt: started,
	})
}

// reconcile catches up with a pass, then collects in full counting every
// difference the full collection finds: after a pass that caught up, each
// one is something the incremental passes missed.
func reconcile(ctx context.Context, db PassDB, api API, cfg Config, opt PassOptions, cp store.Checkpoint, reason string) (*Summary, error) {
	if _, err := incrementalPass(ctx, db, api, cfg, opt, cp); err != nil && !errors.Is(err, ErrWindowTooLarge) {
		return nil, err
	}
	counter := &driftSink{next: cfg.Changes}
	full := cfg
	full.Changes = counter
	full.record = passRecord{mode: ModeReconcile, drift: &counter.n}
	sum, err := fullPass(ctx, db, api, full, opt, "reconcile "+reason)
	if sum != nil {
		sum.Mode, sum.Drift = ModeReconcile, int(counter.n.Load())
	}
	return sum, err
}

// IncrementalRecord is the Sync record of an incremental pass (or of
// pushed events applied: the caller sets Mode and ID) from its summary and
// error.
func IncrementalRecord(sum *Summary, err error) store.SyncRecord {
	rec := store.SyncRecord{
		ID: sum.SyncID, Tenant: sum.Tenant, Tag: sum.Started.UnixMilli(), Started: sum.Started, Finished: sum.Finished,
		Status: sum.Status, Counts: sum.Counts, APICalls: sum.APICalls, Retries: sum.Retries, Seen429: sum.Seen429,
		Mode: ModeIncremental, Reason: sum.Reason, Touched: sum.Touched, LogEvents: sum.LogEvents, Applies: 1,
	}
	if len(sum.Skipped)+len(sum.Failed) > 0 {
		rec.Skipped = map[string]string{}
		for k, v := range sum.Skipped {
			rec.Skipped[k] = redact.Secrets(v)
		}
		for k, v := range sum.Failed {
			rec.Skipped[k] = "failed: " + redact.Secrets(v)
		}
	}
	if err != nil {
		rec.Error = redact.Secrets(err.Error())
	}
	return rec
}

// driftSink counts the changes it forwards.
type driftSink struct {
	next ChangeSink
	n    atomic.Int64
}

func (d *driftSink) Nodes(k *schema.Kind, ch []store.NodeChange) {
	d.n.Add(int64(len(ch)))
	if d.next != nil {
		d.next.Nodes(k, ch)
	}
}

func (d *driftSink) Rels(r *schema.Relation, ch []store.RelChange) {
	d.n.Add(int64(len(ch)))
	if d.next != nil {
		d.next.Rels(r, ch)
	}
}

func apiCalls(api API) int {
	if s, ok := api.(statsAPI); ok {
		c, _, _ := s.Stats()
		return c
	}
	return 0
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
