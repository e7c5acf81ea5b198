package findings

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/rules"
)

// Formats are the export formats.
var Formats = []string{"json", "csv", "sarif", "ocsf"}

// Export writes findings in format. byID resolves rule ids to their rules
// (for descriptions and remediation); a finding of an unknown rule is
// still written, with what the finding itself carries.
func Export(w io.Writer, format string, fs []store.Finding, byID map[string]*rules.Rule, version string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if fs == nil {
			fs = []store.Finding{}
		}
		return enc.Encode(fs)
	case "csv":
		return writeCSV(w, fs)
	case "sarif":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(SARIF(fs, byID, version))
	case "ocsf":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(OCSF(fs, byID, version))
	}
	return apperr.New(apperr.Invalid, "unknown format %q: want one of %s", format, strings.Join(Formats, ", "))
}

// CSVHeader is the csv export's header row.
var CSVHeader = []string{"id", "tenant", "rule", "title", "severity", "status", "kind", "native_id", "name", "asset_id",
	"first_seen", "last_seen", "resolved_at", "suppressed_by", "suppressed_reason", "suppressed_until", "evidence"}

func writeCSV(w io.Writer, fs []store.Finding) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, f := range fs {
		var by, reason, until string
		if s := f.Suppression; s != nil {
			by, reason, until = s.By, s.Reason, ts(s.Until)
		}
		if err := cw.Write([]string{f.ID, f.Tenant, f.Rule, f.Title, f.Severity, f.Status, f.Kind, f.NativeID, f.Name, f.AssetID,
			ts(&f.FirstSeen), ts(&f.LastSeen), ts(f.ResolvedAt), by, reason, until, csvSafe(string(f.Evidence))}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a cell from being read as a formula by spreadsheets.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Fingerprint is a finding's stable identity across runs and exports:
// tenant, rule and asset.
func Fingerprint(f store.Finding) string {
	h := sha256.Sum256([]byte(f.Tenant + "\x00" + f.Rule + "\x00" + f.AssetID))
	return hex.EncodeToString(h[:])
}

// sarifLevel maps a severity to SARIF's level and GitHub's
// security-severity score (critical ≥ 9, high ≥ 7, medium ≥ 4, low > 0).
func sarifLevel(sev string) (string, string) {
	switch sev {
	case "critical":
		return "error", "9.5"
	case "high":
		return "error", "8.0"
	case "medium":
		return "warning", "5.5"
	case "low":
		return "note", "3.0"
	}
	return "note", "0.0"
}

// SARIF builds a SARIF 2.1.0 log: one run, the rules of the findings, one
// result per finding with a logical location (the asset) and a stable
// partial fingerprint. Suppressed findings carry a suppression; resolved
// ones have baselineState "absent".
func SARIF(fs []store.Finding, byID map[string]*rules.Rule, version string) map[string]any {
	ruleIndex := map[string]int{}
	var sRules []any
	results := []any{}
	for _, f := range fs {
		idx, ok := ruleIndex[f.Rule]
		if !ok {
			idx = len(sRules)
			ruleIndex[f.Rule] = idx
			level, score := sarifLevel(f.Severity)
			sr := map[string]any{"id": f.Rule, "name": f.Title, "shortDescription": map[string]any{"text": f.Title},
				"defaultConfiguration": map[string]any{"level": level},
				"properties":           map[string]any{"security-severity": score, "severity": f.Severity}}
			if r := byID[f.Rule]; r != nil {
				sr["fullDescription"] = map[string]any{"text": r.Description}
				sr["help"] = map[string]any{"text": r.Remediation}
				if len(r.References) > 0 {
					sr["helpUri"] = r.References[0]
				}
				sr["properties"].(map[string]any)["tags"] = append([]string{r.Category}, r.Tags...)
			}
			sRules = append(sRules, sr)
		}
		level, score := sarifLevel(f.Severity)
		res := map[string]any{
			"ruleId": f.Rule, "ruleIndex": idx, "level": level,
			"message": map[string]any{"text": fmt.Sprintf("%s: %s %s (%s)", f.Title, f.Kind, f.Name, f.NativeID)},
			"locations": []any{map[string]any{"logicalLocations": []any{map[string]any{
				"name": f.Name, "fullyQualifiedName": f.AssetID, "kind": f.Kind}}}},
			"partialFingerprints": map[string]any{"authgraphFinding/v1": Fingerprint(f)},
			"properties": map[string]any{"security-severity": score, "severity": f.Severity, "status": f.Status,
				"tenant": f.Tenant, "native_id": f.NativeID, "first_seen": f.FirstSeen.Format(time.RFC3339),
				"last_seen": f.LastSeen.Format(time.RFC3339), "evidence": f.Evidence},
		}
		switch f.Status {
		case store.StatusResolved:
			res["baselineState"] = "absent"
		case store.StatusSuppressed:
			if s := f.Suppression; s != nil {
				res["suppressions"] = []any{map[string]any{"kind": "external", "status": "accepted", "justification": s.Reason}}
			}
		}
		results = append(results, res)
	}
	if sRules == nil {
		sRules = []any{}
	}
	return map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{"name": "authgraph", "version": version,
				"informationUri": "https://github.com/authgraph/authgraph", "rules": sRules}},
			"results": results,
		}},
	}
}

// OCSF severity and status ids (Detection Finding, class 2004).
func ocsfSeverity(sev string) (int, string) {
	switch sev {
	case "critical":
		return 5, "Critical"
	case "high":
		return 4, "High"
	case "medium":
		return 3, "Medium"
	case "low":
		return 2, "Low"
	case "info":
		return 1, "Informational"
	}
	return 0, "Unknown"
}

func ocsfStatus(st string) (int, string) {
	switch st {
	case store.StatusOpen:
		return 1, "New"
	case store.StatusSuppressed:
		return 3, "Suppressed"
	case store.StatusResolved:
		return 4, "Resolved"
	}
	return 0, "Unknown"
}

// OCSFVersion is the OCSF schema version the records follow.
const OCSFVersion = "1.3.0"

// OCSF builds one OCSF Detection Finding (class_uid 2004) record per
// finding: activity Create for open ones, Update for suppressed, Close for
// resolved; the asset as the affected resource; the evidence unmapped.
func OCSF(fs []store.Finding, byID map[string]*rules.Rule, version string) []map[string]any {
	out := []map[string]any{}
	for _, f := range fs {
		sevID, sev := ocsfSeverity(f.Severity)
		stID, st := ocsfStatus(f.Status)
		act, actName := 1, "Create"
		switch f.Status {
		case store.StatusSuppressed:
			act, actName = 2, "Update"
		case store.StatusResolved:
			act, actName = 3, "Close"
		}
		info := map[string]any{
			"uid": Fingerprint(f), "title": f.Title,
			"first_seen_time": f.FirstSeen.UnixMilli(), "last_seen_time": f.LastSeen.UnixMilli(),
			"created_time": f.FirstSeen.UnixMilli(), "modified_time": f.LastSeen.UnixMilli(),
			"types":    []string{f.Category},
			"analytic": map[string]any{"uid": f.Rule, "name": f.Title, "type_id": 1, "type": "Rule"},
		}
		rec := map[string]any{
			"activity_id": act, "activity_name": actName,
			"category_uid": 2, "category_name": "Findings",
			"class_uid": 2004, "class_name": "Detection Finding",
			"type_uid": 2004*100 + act, "type_name": "Detection Finding: " + actName,
			"severity_id": sevID, "severity": sev,
			"status_id": stID, "status": st,
			"time":    f.LastSeen.UnixMilli(),
			"message": fmt.Sprintf("%s: %s %s", f.Title, f.Kind, f.Name),
			"metadata": map[string]any{"version": OCSFVersion, "uid": f.ID,
				"product": map[string]any{"name": "authgraph", "vendor_name": "authgraph", "version": version}},
			"finding_info": info,
			"resources": []any{map[string]any{"uid": f.NativeID, "name": f.Name, "type": f.Kind,
				"data": map[string]any{"asset_id": f.AssetID, "tenant": f.Tenant, "exists": f.AssetExists}}},
			"cloud":    map[string]any{"provider": "Auth0", "account": map[string]any{"uid": f.Tenant, "name": f.Tenant}},
			"unmapped": map[string]any{"evidence": f.Evidence, "rule": f.Rule, "tenant": f.Tenant},
		}
		if r := byID[f.Rule]; r != nil {
			info["desc"] = r.Description
			rec["remediation"] = map[string]any{"desc": r.Remediation, "references": r.References}
		}
		if s := f.Suppression; s != nil && f.Status == store.StatusSuppressed {
			rec["status_detail"] = "suppressed by " + s.By + ": " + s.Reason
		}
		out = append(out, rec)
	}
	return out
}

// ParseSeverities splits a comma-separated severity list and checks it.
func ParseSeverities(s string) ([]string, error) {
	return parseList(s, rules.Severities, "severity")
}

// ParseStatuses splits a comma-separated status list and checks it.
func ParseStatuses(s string) ([]string, error) {
	return parseList(s, []string{store.StatusOpen, store.StatusResolved, store.StatusSuppressed}, "status")
}

func parseList(s string, allowed []string, what string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []string
	for _, v := range strings.Split(s, ",") {
		v = strings.ToLower(strings.TrimSpace(v))
		ok := false
		for _, a := range allowed {
			ok = ok || a == v
		}
		if !ok {
			return nil, apperr.New(apperr.Invalid, "unknown %s %q: want %s", what, v, strings.Join(allowed, ", "))
		}
		out = append(out, v)
	}
	return out, nil
}

// ParseUntil reads a suppression end: RFC 3339, a date, or a duration
// from now such as 720h or 30d.
func ParseUntil(s string, now time.Time) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return &t, nil
	}
	if strings.HasSuffix(s, "d") {
		if n, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && n > 0 {
			t := now.Add(time.Duration(n) * 24 * time.Hour)
			return &t, nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		t := now.Add(d)
		return &t, nil
	}
	return nil, apperr.New(apperr.Invalid, "bad --until %q: want RFC 3339 (2026-06-30T00:00:00Z), a date (2026-06-30) or a duration (720h, 30d)", s)
}
