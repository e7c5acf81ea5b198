package main

import (
	"runtime"
	"runtime/metrics"
	"testing"
)

// After holdDeepStacks and a GC, new goroutines start with stacks of at
// least 8 KiB (the runtime's floor is 2 KiB).
func TestHoldDeepStacksLiftsStartingStack(t *testing.T) {
	read := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/stack/starting-size:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	holdDeepStacks(stackHolders, stackHoldKB)
	runtime.GC()
	if got := read(); got < 8<<10 {
		t.Fatalf("starting stack size %d bytes after holdDeepStacks, want at least 8 KiB", got)
	}
}
