package main

import (
	"net"
	"os/exec"
	"strings"
	"testing"
)

func TestNearestFlagAndDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"adr", "addr", 1}, {"domian", "domain", 2}, {"", "x", 1}, {"same", "same", 0}} {
		if got := editDistance(c.a, c.b); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}

// A port in use names --addr; the help of serve and of authgraph name the
// web app at /.
func TestPortInUseAndHelp(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	out, err := exec.Command(bin, "sim", "--addr", l.Addr().String()).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is in use") || !strings.Contains(string(out), "--addr") {
		t.Errorf("sim on a port in use: %v, %q", err, out)
	}
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "web app") || !strings.Contains(string(out), "/ ") && !strings.Contains(string(out), ":8080/") {
			t.Errorf("authgraph %v does not mention the web app at /: %v\n%s", args, err, out)
		}
	}
}
