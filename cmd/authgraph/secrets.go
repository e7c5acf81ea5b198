package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authgraph/authgraph/internal/apperr"
)

// warnf prints one warning line on the command's stderr.
func warnf(cmd *cobra.Command, format string, args ...any) {
	fmt.Fprintf(cmd.ErrOrStderr(), "warning: "+format+"\n", args...)
}

// maxSecretSize bounds what a secret file (or stdin) may hold.
const maxSecretSize = 64 << 10

// resolveSecret takes the client secret from --client-secret (which warns:
// arguments reach `ps` and shell history), --client-secret-file (which
// warns unless only its owner can read it; "-" reads stdin), or the
// AUTH0_CLIENT_SECRET environment variable, in that order.
func resolveSecret(cmd *cobra.Command, flag, file string) (string, error) {
	if flag != "" && file != "" {
		return "", apperr.New(apperr.Invalid, "pass either --client-secret or --client-secret-file, not both")
	}
	switch {
	case file == "-":
		s, err := readSecret(cmd.InOrStdin())
		if err != nil {
			return "", apperr.Wrap(apperr.Invalid, err, "cannot read the client secret from stdin")
		}
		return s, nil
	case file != "":
		fi, err := os.Stat(file)
		if err != nil {
			return "", apperr.Wrap(apperr.Invalid, err, "cannot read the client secret file")
		}
		if fi.Mode().Perm()&0o077 != 0 {
			warnf(cmd, "the client secret file %s has mode %04o: other users may read it; chmod 600 %s", file, fi.Mode().Perm(), file)
		}
		f, err := os.Open(file)
		if err != nil {
			return "", apperr.Wrap(apperr.Invalid, err, "cannot read the client secret file")
		}
		defer f.Close()
		s, err := readSecret(f)
		if err != nil {
			return "", apperr.Wrap(apperr.Invalid, err, "cannot read the client secret file")
		}
		return s, nil
	case flag != "":
		warnf(cmd, "--client-secret on the command line is visible to other local users (ps) and kept in shell history; prefer --client-secret-file (mode 0600), --client-secret-file - (stdin) or AUTH0_CLIENT_SECRET")
		return flag, nil
	}
	return os.Getenv("AUTH0_CLIENT_SECRET"), nil
}

// readSecret reads a secret (surrounding whitespace trimmed) of at most
// maxSecretSize bytes.
func readSecret(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(bufio.NewReader(r), maxSecretSize+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxSecretSize {
		return "", fmt.Errorf("more than %d bytes: not a client secret", maxSecretSize)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("it is empty")
	}
	return s, nil
}
