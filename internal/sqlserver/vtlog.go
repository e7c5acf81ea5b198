package sqlserver

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	vtlog "github.com/dolthub/vitess/go/vt/log"
)

// protocolLog receives the wire protocol's own messages (dolthub/vitess
// logs through package-level functions, which go-mysql-server points at
// logrus). They go to the listener's logger at debug level: what matters
// (sign-ins, refusals, statements) is logged by this package, and the
// protocol's warnings repeat it ("Error authenticating user …") or are a
// closed socket. A caught panic is logged as an error.
var (
	protocolLog atomic.Pointer[slog.Logger]
	routeOnce   sync.Once
)

// routeProtocolLog points the protocol's messages at l (the latest
// listener's logger); the functions are replaced once.
func routeProtocolLog(l *slog.Logger) {
	protocolLog.Store(l)
	routeOnce.Do(routeVitess)
}

func routeVitess() {
	emit := func(msg string) {
		lg := protocolLog.Load()
		if lg == nil {
			return
		}
		level := slog.LevelDebug
		if strings.Contains(msg, "panic") {
			level = slog.LevelError
		}
		lg.Log(context.Background(), level, "sql: protocol", "msg", strings.TrimSpace(msg))
	}
	print := func(args ...any) { emit(fmt.Sprint(args...)) }
	printf := func(format string, args ...any) { emit(fmt.Sprintf(format, args...)) }
	vtlog.Info, vtlog.Warning, vtlog.Error = print, print, print
	vtlog.Infof, vtlog.Warningf, vtlog.Errorf = printf, printf, printf
}
