// Package rules holds authgraph's security rules: the built-in pack (the
// YAML files beside this file, embedded in the binary), the rule format, and
// the loader that validates built-in and custom rules. Evaluating rules and
// keeping findings is internal/findings' job.
package rules

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

//go:embed *.yaml
var builtin embed.FS

// Severities, most severe first. The order is the findings' sort order.
var Severities = []string{"critical", "high", "medium", "low", "info"}

// SeverityRank is 0 for critical … 4 for info, -1 for an unknown severity.
func SeverityRank(s string) int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return -1
}

// Rule is one security rule. Query is read-only Cypher taking $tenant and
// returning one row per affected asset: `id` (the asset's key) and
// `evidence` (a map). Graph, when set, is read-only Cypher taking $tenant and
// $asset (the asset's key) that returns the subgraph showing one finding.
type Rule struct {
	ID          string   `yaml:"id" json:"id"`
	Title       string   `yaml:"title" json:"title"`
	Severity    string   `yaml:"severity" json:"severity"`
	Category    string   `yaml:"category" json:"category"`
	Kind        string   `yaml:"kind" json:"kind"`
	Description string   `yaml:"description" json:"description"`
	Remediation string   `yaml:"remediation" json:"remediation"`
	References  []string `yaml:"references" json:"references"`
	Tags        []string `yaml:"tags" json:"tags"`
	Query       string   `yaml:"query" json:"query"`
	Graph       string   `yaml:"graph,omitempty" json:"graph,omitempty"`
	// Override lets a custom rule replace the built-in rule of the same id.
	Override bool `yaml:"override,omitempty" json:"override,omitempty"`
	// Requires names data the rule's answer depends on that the graph may
	// not hold for every asset yet (store.Coverages, e.g.
	// direct_permissions): assets without it that the rule did not flag are
	// reported unknown, not passing.
	Requires []string `yaml:"requires,omitempty" json:"requires,omitempty"`

	// Source is "builtin" or the custom rule's file.
	Source string `yaml:"-" json:"source"`
}

// Builtin reports whether the rule comes from the embedded pack.
func (r *Rule) Builtin() bool { return r.Source == "builtin" }

// KindDecl returns the schema kind the rule evaluates.
func (r *Rule) KindDecl() *schema.Kind {
	k, _ := schema.KindByName(r.Kind)
	return k
}

// LoadError says why one rule file was not loaded.
type LoadError struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

func (e LoadError) Error() string { return e.File + ": " + e.Reason }

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,63}$`)

// tenantParam matches the $tenant parameter as a whole word.
var tenantParam = regexp.MustCompile(`\$tenant\b`)

// Parse decodes one rule file strictly (unknown fields are errors) and
// validates it.
func Parse(data []byte, source string) (*Rule, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var r Rule
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("bad YAML: %w", err)
	}
	var extra any
	if err := dec.Decode(&extra); err == nil {
		return nil, errors.New("one rule per file: found a second YAML document")
	}
	r.Source = source
	trim(&r)
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

func trim(r *Rule) {
	for _, s := range []*string{&r.ID, &r.Title, &r.Severity, &r.Category, &r.Kind, &r.Description, &r.Remediation, &r.Query, &r.Graph} {
		*s = strings.TrimSpace(*s)
	}
	r.Severity = strings.ToLower(r.Severity)
}

// Validate checks the required fields, the id's form, the severity, the
// kind, and that both queries pass the read-only check and are scoped by
// $tenant. Neo4j's plan check runs again when the rule is evaluated.
func (r *Rule) Validate() error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"id", r.ID}, {"title", r.Title}, {"severity", r.Severity},
		{"category", r.Category}, {"kind", r.Kind}, {"description", r.Description}, {"remediation", r.Remediation}, {"query", r.Query}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing required field(s): %s", strings.Join(missing, ", "))
	}
	if !idPattern.MatchString(r.ID) {
		return fmt.Errorf("id %q: use lower-case letters, digits and '-' (2–64 characters)", r.ID)
	}
	if SeverityRank(r.Severity) < 0 {
		return fmt.Errorf("severity %q: want one of %s", r.Severity, strings.Join(Severities, ", "))
	}
	if r.KindDecl() == nil {
		return fmt.Errorf("kind %q is not an asset kind (e.g. Client, User, ResourceServer)", r.Kind)
	}
	if err := CheckQuery(r.Query); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	if !tenantParam.MatchString(r.Query) {
		return errors.New("query: must be scoped to one tenant with the $tenant parameter")
	}
	if r.Graph != "" {
		if err := CheckQuery(r.Graph); err != nil {
			return fmt.Errorf("graph: %w", err)
		}
		if !tenantParam.MatchString(r.Graph) {
			return errors.New("graph: must be scoped to one tenant with the $tenant parameter")
		}
	}
	for _, req := range r.Requires {
		c, ok := store.Coverages[req]
		if !ok {
			names := make([]string, 0, len(store.Coverages))
			for n := range store.Coverages {
				names = append(names, n)
			}
			sort.Strings(names)
			return fmt.Errorf("requires %q: want one of %s", req, strings.Join(names, ", "))
		}
		if c.Kind.Name != r.Kind {
			return fmt.Errorf("requires %q: only for rules of kind %s (it is known per %s)", req, c.Kind.Name, c.Kind.Name)
		}
	}
	for _, ref := range r.References {
		if !strings.HasPrefix(ref, "https://") {
			return fmt.Errorf("reference %q: want an https:// URL", ref)
		}
	}
	return nil
}

// CheckQuery is the one place rule text meets the console's read-only
// check: writes, procedures off the allowlist, several statements and
// administration commands are refused before anything reaches Neo4j.
func CheckQuery(q string) error { return store.CheckConsoleQuery(q) }

// Builtin returns the embedded pack, sorted by id. An invalid built-in rule
// is a bug (a test loads them all), reported as an error.
func Builtin() ([]*Rule, error) {
	var out []*Rule
	seen := map[string]string{}
	err := fs.WalkDir(builtin, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := builtin.ReadFile(path)
		if err != nil {
			return err
		}
		r, err := Parse(data, "builtin")
		if err != nil {
			return fmt.Errorf("built-in rule %s: %w", path, err)
		}
		if f, dup := seen[r.ID]; dup {
			return fmt.Errorf("built-in rule %s: id %s already used by %s", path, r.ID, f)
		}
		seen[r.ID] = path
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortRules(out)
	return out, nil
}

// Load returns the built-in pack plus the custom rules of dir (when dir is
// not empty). A custom rule that fails to parse or validate, reuses an id
// in dir, or reuses a built-in id without `override: true` is reported in
// the LoadErrors and left out; the others load. err is set only when dir
// itself cannot be read.
func Load(dir string) ([]*Rule, []LoadError, error) {
	base, err := Builtin()
	if err != nil {
		return nil, nil, err
	}
	if dir == "" {
		return base, nil, nil
	}
	custom, lerrs, err := LoadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]int{}
	for i, r := range base {
		byID[r.ID] = i
	}
	out := base
	for _, r := range custom {
		if i, ok := byID[r.ID]; ok {
			if !r.Override {
				lerrs = append(lerrs, LoadError{File: r.Source, Reason: fmt.Sprintf("id %s is a built-in rule; set `override: true` to replace it", r.ID)})
				continue
			}
			out[i] = r
			continue
		}
		out = append(out, r)
	}
	sortRules(out)
	return out, lerrs, nil
}

// LoadDir reads every *.yaml / *.yml file of dir (not recursive).
func LoadDir(dir string) ([]*Rule, []LoadError, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("rules dir: %w", err)
	}
	var out []*Rule
	var lerrs []LoadError
	seen := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			lerrs = append(lerrs, LoadError{File: path, Reason: err.Error()})
			continue
		}
		r, err := Parse(data, path)
		if err != nil {
			lerrs = append(lerrs, LoadError{File: path, Reason: err.Error()})
			continue
		}
		if f, dup := seen[r.ID]; dup {
			lerrs = append(lerrs, LoadError{File: path, Reason: fmt.Sprintf("id %s is already used by %s", r.ID, f)})
			continue
		}
		seen[r.ID] = path
		out = append(out, r)
	}
	return out, lerrs, nil
}

func sortRules(rs []*Rule) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].ID < rs[j].ID })
}
