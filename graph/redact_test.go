package graph

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
)

const presigned = "https://exports.s3.amazonaws.com/t.json.gz?X-Amz-Credential=AKIAGRAPHTEST&X-Amz-Signature=9f8e7d6c5b4a"

// An error shown by GraphQL never holds a pre-signed URL's credentials or
// a token, whatever layer wrote its message.
func TestErrorPresenterRedacts(t *testing.T) {
	present := ErrorPresenter(slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, err := range []error{
		apperr.New(apperr.Unavailable, "download users export: Get %q: connection refused", presigned),
		apperr.Wrap(apperr.Invalid, fmt.Errorf("inner"), "bad token Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln in "+presigned),
	} {
		got := present(context.Background(), err)
		if strings.Contains(got.Message, "AKIAGRAPHTEST") || strings.Contains(got.Message, "9f8e7d6c5b4a") || strings.Contains(got.Message, "eyJzdWIi") {
			t.Errorf("GraphQL shows %q", got.Message)
		}
		if !strings.Contains(got.Message, "exports.s3.amazonaws.com/t.json.gz") {
			t.Errorf("the redacted message %q no longer says what failed", got.Message)
		}
	}
}

// Sync records stored before errors were redacted are redacted when shown.
func TestSyncFromRedactsOldRecords(t *testing.T) {
	s := syncFrom(store.SyncRecord{ID: "x", Started: time.Now(), Status: "failed",
		Error:   "users: download users export: Get \"" + presigned + "\": EOF",
		Skipped: map[string]string{"users": "failed: " + presigned}})
	if strings.Contains(*s.Error, "9f8e7d6c5b4a") || strings.Contains(s.Skipped[0].Reason, "9f8e7d6c5b4a") {
		t.Fatalf("shown: %q / %q", *s.Error, s.Skipped[0].Reason)
	}
}
