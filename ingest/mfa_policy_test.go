package ingest

import (
	"strings"
	"testing"
)

func TestMfaPolicyNames(t *testing.T) {
	for in, want := range map[string]string{"": "never", " ": "never", "all-applications": "all-applications",
		"confidence-score": "confidence-score", "all-applications confidence-score": "all-applications,confidence-score"} {
		list := strings.Split(in, " ")
		if got := mfaPolicy(list); got != want {
			t.Errorf("mfaPolicy(%q) = %q, want %q", list, got, want)
		}
	}
}
