package main

import (
	"strings"
	"testing"
)

func TestFormatter(t *testing.T) {
	tests := []struct {
		name   string
		in     []string
		want   []string // substrings of the output, in order
		not    []string
		sum    string
		passes bool
	}{
		{
			name: "a passing package",
			in: []string{
				`{"Action":"run","Package":"p/a","Test":"TestX"}`,
				`{"Action":"output","Package":"p/a","Test":"TestX","Output":"noise\n"}`,
				`{"Action":"pass","Package":"p/a","Test":"TestX","Elapsed":0.1}`,
				`{"Action":"pass","Package":"p/a","Elapsed":1.25}`,
			},
			want: []string{"ok    p/a 1.2s (1 tests)"}, not: []string{"noise"},
			sum: "1 passed, 0 failed", passes: true,
		},
		{
			name: "a failing test shows its output",
			in: []string{
				`{"Action":"pass","Package":"p/a","Test":"TestOK"}`,
				`{"Action":"output","Package":"p/a","Test":"TestBad","Output":"    x_test.go:9: got 2, want 3\n"}`,
				`{"Action":"fail","Package":"p/a","Test":"TestBad"}`,
				`{"Action":"fail","Package":"p/a","Elapsed":2}`,
			},
			want: []string{"FAIL  p/a 2.0s (2 tests, 1 failed)", "got 2, want 3"},
			sum:  "1 passed, 1 failed",
		},
		{
			name: "a build failure",
			in: []string{
				`{"ImportPath":"p/b","Action":"build-output","Output":"b.go:3: undefined: y\n"}`,
				`{"ImportPath":"p/b","Action":"build-fail"}`,
				`{"Action":"fail","Package":"p/b","FailedBuild":"p/b"}`,
			},
			want: []string{"FAIL  p/b [build failed]", "undefined: y"},
			sum:  "0 passed, 0 failed (2 packages failed outside a test)",
		},
		{
			name: "no test files and plain lines",
			in: []string{
				`not json`,
				`{"Action":"output","Package":"p/c","Output":"?   \tp/c\t[no test files]\n"}`,
				`{"Action":"skip","Package":"p/c"}`,
			},
			want: []string{"not json", "?     p/c [no test files]"},
			sum:  "0 passed, 0 failed", passes: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			f := newFormatter(&b)
			for _, l := range tc.in {
				f.line(l)
			}
			out := b.String()
			rest := out
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks %q (in order):\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
			for _, n := range tc.not {
				if strings.Contains(out, n) {
					t.Errorf("output shows %q:\n%s", n, out)
				}
			}
			sum, ok := f.summary()
			if sum != tc.sum || ok != tc.passes {
				t.Errorf("summary %q, %v; want %q, %v", sum, ok, tc.sum, tc.passes)
			}
		})
	}
}
