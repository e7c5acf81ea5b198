package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestGeneratedFilesAreFresh renders every generated file in memory and
// compares it with the committed one, so a declaration changed without
// `go generate ./...` fails here (and in CI).
func TestGeneratedFilesAreFresh(t *testing.T) {
	files, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	var stale []string
	for path, want := range files {
		got, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(path)))
		if err != nil || string(got) != string(want) {
			stale = append(stale, path)
		}
	}
	old, _ := filepath.Glob(filepath.Join("..", "..", "graph", "schema", "*.generated.graphqls"))
	for _, p := range old {
		rel := strings.TrimPrefix(filepath.ToSlash(p), "../../")
		if _, ok := files[rel]; !ok {
			stale = append(stale, rel+" (no longer declared)")
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Fatalf("stale generated files (run go generate ./...):\n  %s", strings.Join(stale, "\n  "))
	}
}

// TestGeneratedHeader checks every generated file starts with Go's
// standard "Code generated … DO NOT EDIT." line in its comment syntax.
func TestGeneratedHeader(t *testing.T) {
	files, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	for path, body := range files {
		first, _, _ := strings.Cut(string(body), "\n")
		if !strings.Contains(first, "Code generated ") || !strings.Contains(first, " DO NOT EDIT.") {
			t.Errorf("%s: first line %q lacks the generated-code header", path, first)
		}
	}
}
