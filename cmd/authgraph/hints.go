package main

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/authgraph/authgraph/internal/apperr"
)

// Hints for what a new user mistypes: the nearest flag, where --help is,
// and what to do about a port in use.

// flagError turns a flag parse error into one line naming the nearest flag
// of the command and its --help.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := unknownFlag(msg); ok {
		if near := nearestFlag(cmd, name); near != "" {
			msg += fmt.Sprintf(" (did you mean --%s?)", near)
		}
	}
	return apperr.New(apperr.Invalid, "%s; see '%s --help'", msg, cmd.CommandPath())
}

// unknownFlag reads the flag name out of pflag's "unknown flag: --adr" or
// "unknown shorthand flag: 'x' in -x".
func unknownFlag(msg string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, "unknown flag: --")
	if !ok {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// nearestFlag is the command's flag closest to name (edit distance at most
// 2, or a prefix), "" when none is close.
func nearestFlag(cmd *cobra.Command, name string) string {
	best, bestD := "", 3
	visit := func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := editDistance(name, f.Name)
		if strings.HasPrefix(f.Name, name) && len(name) >= 3 {
			d = min(d, 1)
		}
		if d < bestD || (d == bestD && f.Name < best) {
			best, bestD = f.Name, d
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	return best
}

// editDistance is Levenshtein's distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// commandError adds where help is to cobra's "unknown command" error (which
// already carries "Did you mean this?" suggestions), on one line.
func commandError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "unknown command") {
		return err
	}
	line, rest, _ := strings.Cut(msg, "\n")
	if _, sugg, ok := strings.Cut(rest, "Did you mean this?"); ok {
		names := strings.Fields(sugg)
		line += fmt.Sprintf(" (did you mean %s?)", strings.Join(names, " or "))
	}
	return apperr.New(apperr.Invalid, "%s; see 'authgraph --help' for the commands", line)
}

// listenError says what to do when the address is taken.
func listenError(err error, addr, what string) error {
	if err != nil && errors.Is(err, syscall.EADDRINUSE) {
		return apperr.New(apperr.Unavailable,
			"%s is in use (another `authgraph %s` or `make demo` may be running): stop it, or pick a free address with --addr, e.g. --addr 127.0.0.1:8081", addr, what)
	}
	return err
}
