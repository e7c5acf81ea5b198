package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/authgraph/authgraph/internal/neo4jlocal"
)

// cpuMeter reads the CPU time of this process (the server under test and
// its clients) and, when it is the local one `authgraph neo4j start` runs,
// of Neo4j: on a machine they share, where each request's CPU goes is what
// bounds the throughput.
type cpuMeter struct{ neo4jPID int }

func newCPUMeter() cpuMeter {
	t := neo4jlocal.ResolveTarget(neo4jlocal.DefaultDir())
	if !t.Managed {
		return cpuMeter{}
	}
	return cpuMeter{neo4jPID: neo4jlocal.RunningPID(t.Dir)}
}

// cpuSample is the CPU used so far: by this process, and by Neo4j (-1 when
// unknown).
type cpuSample struct{ self, neo4j time.Duration }

func (m cpuMeter) sample() cpuSample {
	s := cpuSample{neo4j: -1}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if m.neo4jPID > 0 {
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(m.neo4jPID) + "/stat"); err == nil {
			// Fields after the command (which may hold spaces): utime and
			// stime are the 12th and 13th, in clock ticks (USER_HZ, 100).
			if i := strings.LastIndexByte(string(b), ')'); i > 0 {
				f := strings.Fields(string(b)[i+1:])
				if len(f) > 12 {
					u, err1 := strconv.ParseInt(f[11], 10, 64)
					k, err2 := strconv.ParseInt(f[12], 10, 64)
					if err1 == nil && err2 == nil {
						s.neo4j = time.Duration(u+k) * 10 * time.Millisecond
					}
				}
			}
		}
	}
	return s
}

// perRequest returns the CPU ms per request between two samples, for this
// process and for Neo4j (-1 when unknown).
func perRequest(a, b cpuSample, n int) (self, neo4j float64) {
	if n == 0 {
		return 0, -1
	}
	self = float64(b.self-a.self) / float64(time.Millisecond) / float64(n)
	neo4j = -1
	if a.neo4j >= 0 && b.neo4j >= 0 {
		neo4j = float64(b.neo4j-a.neo4j) / float64(time.Millisecond) / float64(n)
	}
	return self, neo4j
}
