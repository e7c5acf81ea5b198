// Command testfmt reads `go test -json` on stdin and prints one line per
// package as it finishes (ok / FAIL / no test files, with its time and test
// count), the output of the tests that failed, a note every 30 s naming the
// packages still running, and a closing summary line "N passed, N failed,
// N skipped". It exits 1 when a test or a package (build, vet) failed, so
// `go test -json ./... | testfmt` gates CI like `go test ./...` does.
//
//	go test -json -count=1 ./... | go run ./internal/cmd/testfmt
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// event is one line of `go test -json` (test2json's TestEvent, plus the
// build events of Go 1.24+).
type event struct {
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	ImportPath  string
	FailedBuild string
}

type pkgState struct {
	started time.Time
	output  map[string][]string // test ("" for the package) → its output lines
	passed  int
	failed  []string
	skipped int
}

type formatter struct {
	mu       sync.Mutex
	out      io.Writer
	pkgs     map[string]*pkgState
	build    map[string][]string // import path → build output
	passed   int
	failed   int
	skipped  int
	pkgFails int
}

func newFormatter(out io.Writer) *formatter {
	return &formatter{out: out, pkgs: map[string]*pkgState{}, build: map[string][]string{}}
}

func (f *formatter) pkg(name string) *pkgState {
	p := f.pkgs[name]
	if p == nil {
		p = &pkgState{started: time.Now(), output: map[string][]string{}}
		f.pkgs[name] = p
	}
	return p
}

// line handles one input line; a line that is not JSON is passed through.
func (f *formatter) line(raw string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var e event
	if err := json.Unmarshal([]byte(raw), &e); err != nil || (e.Action == "" && e.ImportPath == "") {
		fmt.Fprintln(f.out, raw)
		return
	}
	switch e.Action {
	case "build-output":
		f.build[e.ImportPath] = append(f.build[e.ImportPath], strings.TrimRight(e.Output, "\n"))
		return
	case "build-fail":
		fmt.Fprintf(f.out, "FAIL  %s [build failed]\n", e.ImportPath)
		for _, l := range f.build[e.ImportPath] {
			fmt.Fprintf(f.out, "    %s\n", l)
		}
		f.pkgFails++
		return
	}
	if e.Package == "" {
		return
	}
	p := f.pkg(e.Package)
	switch e.Action {
	case "output":
		p.output[e.Test] = append(p.output[e.Test], strings.TrimRight(e.Output, "\n"))
	case "pass", "fail", "skip":
		if e.Test != "" {
			switch e.Action {
			case "pass":
				p.passed++
				f.passed++
			case "fail":
				p.failed = append(p.failed, e.Test)
				f.failed++
			case "skip":
				p.skipped++
				f.skipped++
			}
			if e.Action != "fail" {
				delete(p.output, e.Test)
			}
			return
		}
		f.finish(e, p)
		delete(f.pkgs, e.Package)
	}
}

// finish prints a package's line (and, when it failed, what it printed).
func (f *formatter) finish(e event, p *pkgState) {
	tests := fmt.Sprintf("%d tests", p.passed+len(p.failed)+p.skipped)
	switch {
	case e.Action == "skip" || (e.Action == "pass" && p.passed+len(p.failed)+p.skipped == 0 && noTestFiles(p)):
		fmt.Fprintf(f.out, "?     %s [no test files]\n", e.Package)
	case e.Action == "pass":
		fmt.Fprintf(f.out, "ok    %s %.1fs (%s)\n", e.Package, e.Elapsed, tests)
	default:
		fmt.Fprintf(f.out, "FAIL  %s %.1fs (%s, %d failed)\n", e.Package, e.Elapsed, tests, len(p.failed))
		if len(p.failed) == 0 {
			f.pkgFails++ // a panic, a timeout, a TestMain failure
		}
		keys := make([]string, 0, len(p.output))
		for k := range p.output {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, l := range p.output[k] {
				if l == "PASS" || l == "FAIL" || strings.HasPrefix(l, "=== RUN") || strings.HasPrefix(l, "ok  ") {
					continue
				}
				fmt.Fprintf(f.out, "    %s\n", l)
			}
		}
	}
}

func noTestFiles(p *pkgState) bool {
	for _, l := range p.output[""] {
		if strings.Contains(l, "[no test files]") {
			return true
		}
	}
	return false
}

// running names the packages that have not finished, for the periodic note.
func (f *formatter) running() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for name, p := range f.pkgs {
		out = append(out, fmt.Sprintf("%s (%.0fs)", short(name), time.Since(p.started).Seconds()))
	}
	sort.Strings(out)
	return out
}

func short(pkg string) string {
	return strings.TrimPrefix(pkg, "github.com/authgraph/authgraph/")
}

func (f *formatter) summary() (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := fmt.Sprintf("%d passed, %d failed", f.passed, f.failed)
	if f.skipped > 0 {
		s += fmt.Sprintf(", %d skipped", f.skipped)
	}
	if f.pkgFails > 0 {
		s += fmt.Sprintf(" (%d packages failed outside a test)", f.pkgFails)
	}
	return s, f.failed == 0 && f.pkgFails == 0
}

func main() {
	f := newFormatter(os.Stdout)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if r := f.running(); len(r) > 0 {
					f.mu.Lock()
					fmt.Fprintf(f.out, "      … still running: %s\n", strings.Join(r, ", "))
					f.mu.Unlock()
				}
			}
		}
	}()
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		f.line(sc.Text())
	}
	close(done)
	s, ok := f.summary()
	fmt.Println(s)
	if !ok {
		os.Exit(1)
	}
}
