package main

import (
	"strings"
	"testing"
)

func TestServeRefusesAnOpenServerOffLoopback(t *testing.T) {
	cases := []struct {
		addr, auth, public string
		ok                 bool
	}{
		{"127.0.0.1:8080", "none", "", true},
		{"[::1]:8080", "none", "", true},
		{"localhost:8080", "none", "", true},
		{"127.0.0.2:8080", "none", "", true},
		{"0.0.0.0:8080", "none", "", false},
		{":8080", "none", "", false},
		{"[::]:8080", "none", "", false},
		{"10.0.0.5:8080", "none", "", false},
		{"localhost.evil.test:8080", "none", "", false},
		{"127.0.0.1.nip.io:8080", "none", "", false},
		{"0.0.0.0:8080", "token", "", true},
		{"0.0.0.0:8080", "oidc", "https://ag.example.com", true},
		{"0.0.0.0:8080", "oidc", "", false}, // nowhere to come back to
		{"127.0.0.1:8080", "basic", "", false},
		{"127.0.0.1:8080", "", "", false},
		{"127.0.0.1:8080", "token", "ftp://x", false},
		{"127.0.0.1:8080", "token", "https://", false},
	}
	for _, c := range cases {
		s := serveSecurity{auth: c.auth, publicURL: c.public}
		err := s.check(c.addr)
		if (err == nil) != c.ok {
			t.Errorf("--addr %s --auth %q --public-url %q: err %v, want ok=%v", c.addr, c.auth, c.public, err, c.ok)
		}
		if err != nil && c.auth == "none" && !strings.Contains(err.Error(), "--auth token") {
			t.Errorf("the refusal does not say how: %v", err)
		}
	}
}
