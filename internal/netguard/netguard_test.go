package netguard

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		addr    string
		refused bool
	}{
		{"169.254.169.254:80", true},
		{"[::ffff:169.254.169.254]:80", true},
		{"[::ffff:a9fe:a9fe]:443", true},
		{"[fe80::1]:443", true},
		{"[fe80::1%eth0]:443", true},
		{"0.0.0.0:443", true},
		{"[::]:443", true},
		{"224.0.0.1:443", true},
		{"[ff02::1]:443", true},
		{"127.0.0.1:4010", false},
		{"[::1]:4010", false},
		{"10.1.2.3:443", false},
		{"93.184.216.34:443", false},
	} {
		err := Check(c.addr)
		if (err != nil) != c.refused {
			t.Errorf("Check(%s) = %v, want refused=%v", c.addr, err, c.refused)
		}
	}
}

// The dialer refuses after resolution: a URL spelled as a decimal integer
// still reaches 169.254.169.254 through Go's resolver, and is refused there.
func TestDialerRefusesMetadataAddress(t *testing.T) {
	d := &net.Dialer{Timeout: time.Second, Control: Control}
	c := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: 2 * time.Second}
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/", "http://[fe80::1]/"} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
		_, err := c.Do(req)
		if err == nil || !strings.Contains(err.Error(), "refused:") {
			t.Errorf("GET %s: err = %v, want the guard's refusal", u, err)
		}
	}
}
