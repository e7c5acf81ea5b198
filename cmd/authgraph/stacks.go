package main

import "runtime"

// holdDeepStacks starts n goroutines that each hold kb KiB of stack and
// then wait forever.
//
// Why: the runtime starts new goroutines with a stack the size of the
// average stack it scanned at the last GC. gqlgen resolves every element
// of a list in a goroutine of its own whose stack grows (and is copied)
// two or three times; those short-lived goroutines are rarely alive at a
// GC, so the average stays at the 2 KiB floor. Goroutines parked with deep
// stacks lift the average, and new goroutines start big enough. That cut
// runtime.newstack from about a tenth of a list request's CPU (see
// docs/benchmarks.md).
func holdDeepStacks(n, kb int) {
	for range n {
		go holdStack(kb)
	}
}

var stackSink byte

func holdStack(kb int) {
	var buf [1024]byte
	buf[kb%len(buf)] = byte(kb)
	if kb > 1 {
		holdStack(kb - 1)
	} else {
		select {}
	}
	stackSink = buf[kb%len(buf)]
	runtime.KeepAlive(&buf)
}
