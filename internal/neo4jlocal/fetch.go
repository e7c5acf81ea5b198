package neo4jlocal

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/authgraph/authgraph/internal/apperr"
)

// completeMarker is written into DIR/lib after a successful fetch; a lib
// folder without it (an interrupted fetch) is fetched again.
const completeMarker = ".complete"

// pom is the Maven project whose dependencies are the Neo4j server's jars.
var pom = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by authgraph (neo4jlocal): the jars of Neo4j ` + Version + ` Community. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.authgraph</groupId>
  <artifactId>neo4j-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.neo4j</groupId>
      <artifactId>neo4j</artifactId>
      <version>` + Version + `</version>
    </dependency>
    <dependency>
      <groupId>org.neo4j.app</groupId>
      <artifactId>neo4j-server</artifactId>
      <version>` + Version + `</version>
    </dependency>
  </dependencies>
</project>
`

// Fetched reports whether dir/lib holds a complete fetch of Version.
func Fetched(dir string) bool {
	b, err := os.ReadFile(filepath.Join(libDir(dir), completeMarker))
	return err == nil && strings.TrimSpace(string(b)) == Version
}

// Fetch downloads the Neo4j jars into dir/lib with Maven (through the local
// ~/.m2 cache), unless a complete fetch is already there. Progress goes to
// out. It needs mvn on PATH.
func Fetch(ctx context.Context, dir string, out io.Writer) error {
	if out == nil {
		out = io.Discard
	}
	dir = absDir(dir)
	if Fetched(dir) {
		return nil
	}
	mvn, err := exec.LookPath("mvn")
	if err != nil {
		return apperr.New(apperr.Unavailable,
			"Maven (mvn) not found on PATH: install Maven 3.8+ (e.g. apt-get install maven) so authgraph can fetch Neo4j %s", Version)
	}
	lib := libDir(dir)
	if err := privateDirs(dir); err != nil {
		return err
	}
	// A lib folder without the marker is a partial fetch: start over.
	if err := os.RemoveAll(lib); err != nil {
		return apperr.Wrap(apperr.Internal, err, "clear "+lib)
	}
	pomPath := filepath.Join(dir, "pom.xml")
	if err := os.WriteFile(pomPath, []byte(pom), 0o644); err != nil {
		return apperr.Wrap(apperr.Internal, err, "write "+pomPath)
	}

	fmt.Fprintf(out, "fetching Neo4j %s from Maven Central into %s ...\n", Version, lib)
	began := time.Now()
	cmd := exec.CommandContext(ctx, mvn, "-B", "-q", "-f", pomPath,
		"dependency:copy-dependencies", "-DoutputDirectory="+lib)
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return apperr.Wrap(apperr.Unavailable, err,
			fmt.Sprintf("fetching Neo4j %s with Maven failed (%s)", Version, lastLines(buf.String(), 5)))
	}

	n, size, err := countJars(lib)
	if err != nil {
		return apperr.Wrap(apperr.Internal, err, "read "+lib)
	}
	server := filepath.Join(lib, "neo4j-server-"+Version+".jar")
	if _, err := os.Stat(server); err != nil {
		return apperr.New(apperr.Unavailable, "Maven finished but %s is missing", server)
	}
	if err := os.WriteFile(filepath.Join(lib, completeMarker), []byte(Version+"\n"), 0o644); err != nil {
		return apperr.Wrap(apperr.Internal, err, "mark fetch complete")
	}
	fmt.Fprintf(out, "fetched %d jars (%d MB) in %.1fs\n", n, size>>20, time.Since(began).Seconds())
	return nil
}

func countJars(dir string) (n int, size int64, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, err
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".jar") {
			continue
		}
		n++
		if fi, err := e.Info(); err == nil {
			size += fi.Size()
		}
	}
	return n, size, nil
}

// lastLines returns the last n non-empty lines of s joined on one line,
// leaving out Java stack frames and cutting long lines.
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "at ") || (strings.HasPrefix(l, "... ") && strings.HasSuffix(l, " more")) {
			continue
		}
		if len(l) > 300 {
			l = l[:300] + "..."
		}
		lines = append(lines, l)
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 0 {
		return "no output"
	}
	return "last lines: " + strings.Join(lines, " | ")
}
