package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/web"
)

// TestSQLListenerFlags: serve refuses a SQL listener that would send
// tokens in clear off loopback, or let anyone in off loopback, and flags
// that do not go together; a loopback one starts and stops.
func TestSQLListenerFlags(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeTestCert(t, cert, key)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	for _, c := range []struct {
		name string
		f    sqlListenerFlags
		auth string
		want string // part of the error; "" to start
	}{
		{"off", sqlListenerFlags{}, web.AuthToken, ""},
		{"tls without addr", sqlListenerFlags{tlsCert: cert, tlsKey: key}, web.AuthToken, "without --sql-addr"},
		{"cert without key", sqlListenerFlags{addr: "127.0.0.1:0", tlsCert: cert}, web.AuthToken, "go together"},
		{"bad cert", sqlListenerFlags{addr: "127.0.0.1:0", tlsCert: key, tlsKey: cert}, web.AuthToken, "--sql-tls-cert"},
		{"clear text off loopback", sqlListenerFlags{addr: "0.0.0.0:0"}, web.AuthToken, "needs TLS"},
		{"open off loopback", sqlListenerFlags{addr: "0.0.0.0:0", tlsCert: cert, tlsKey: key}, web.AuthNone, "--auth none"},
		{"loopback, no auth", sqlListenerFlags{addr: "127.0.0.1:0"}, web.AuthNone, ""},
		{"loopback, TLS", sqlListenerFlags{addr: "127.0.0.1:0", tlsCert: cert, tlsKey: key}, web.AuthNone, ""},
	} {
		stop, err := c.f.start(ctx, (*store.Store)(nil), store.ConsoleOptions{}, nil, c.auth, log, io.Discard)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			stop()
			continue
		}
		if err == nil {
			stop()
			t.Errorf("%s: started", c.name)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func writeTestCert(t *testing.T, certFile, keyFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
}
