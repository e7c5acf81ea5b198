package main

import (
	"os"
	"testing"
	"time"
)

func TestCPUMeter(t *testing.T) {
	own := cpuMeter{neo4jPID: os.Getpid()} // this process stands in for Neo4j
	a := own.sample()
	for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
	}
	b := own.sample()
	if b.self <= a.self || a.neo4j < 0 || b.neo4j < a.neo4j {
		t.Errorf("samples %+v then %+v: want CPU time that grows", a, b)
	}
	if s := (cpuMeter{}).sample(); s.neo4j != -1 {
		t.Errorf("without a Neo4j pid: %+v, want neo4j -1", s)
	}
	cases := []struct {
		a, b       cpuSample
		n          int
		self, neo4 float64
	}{
		{cpuSample{0, 0}, cpuSample{2 * time.Second, time.Second}, 1000, 2, 1},
		{cpuSample{0, -1}, cpuSample{time.Second, -1}, 500, 2, -1},
		{cpuSample{0, 0}, cpuSample{time.Second, time.Second}, 0, 0, -1},
	}
	for _, c := range cases {
		self, db := perRequest(c.a, c.b, c.n)
		if self != c.self || db != c.neo4 {
			t.Errorf("perRequest(%+v, %+v, %d) = %v, %v; want %v, %v", c.a, c.b, c.n, self, db, c.self, c.neo4)
		}
	}
}
