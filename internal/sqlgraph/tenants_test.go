package sqlgraph_test

import (
	"strings"
	"testing"

	"github.com/authgraph/authgraph/internal/sqlgraph"
)

// TestTenantInference: a tenant named on one table of an inner join reaches
// the scans joined to it on the tenant (every scan of the join question
// names it, with a second tenant of the same ids and names in the graph),
// the answers equal the plan without the inference, and it does not cross a
// left join's preserved side, an equality on another column, or a join
// that names two tenants.
func TestTenantInference(t *testing.T) {
	e := setup(t)
	T := "'" + e.tenant + "'"
	T2 := secondTenant(t, e)
	// The scans are looked at with the key filter off: it pushes tenants
	// of its own into the side it reads second.
	inferred := sqlgraph.WithoutKeyFilter(e.g)
	plain := sqlgraph.WithoutTenantInference(inferred)
	for _, c := range []struct {
		name string
		sql  string
		// every: each scan names a tenant; without: the scans holding
		// this text name none.
		every   bool
		without string
	}{
		{name: "the join question", every: true, sql: sqlgraph.Questions(e.tenant)[0].SQL},
		{name: "the tenant named on the roles", every: true, sql: `SELECT u.id FROM users u
  JOIN user_roles ur ON ur.user_id = u.id AND ur.tenant = u.tenant
  JOIN roles r ON r.id = ur.role_id AND r.tenant = ur.tenant WHERE r.tenant = ` + T},
		{name: "two tenants named", every: true, sql: `SELECT r.name, u.id FROM users u
  JOIN user_roles ur ON ur.user_id = u.id AND ur.tenant = u.tenant
  JOIN roles r ON r.id = ur.role_id AND r.tenant = ur.tenant WHERE u.tenant IN (` + T + `, '` + T2 + `')`},
		{name: "a left join's other side keeps its rows", sql: `SELECT u.id, ur.role_id FROM user_roles ur
  LEFT JOIN users u ON u.id = ur.user_id AND u.tenant = ur.tenant WHERE ur.tenant = ` + T},
		{name: "joined on another column", without: ":HAS_ROLE", sql: `SELECT u.id, ur.role_id FROM users u
  JOIN user_roles ur ON ur.user_id = u.id WHERE u.tenant = ` + T},
		{name: "no tenant named", without: "MATCH (n:Auth0User)", sql: `SELECT u.id FROM users u
  JOIN user_roles ur ON ur.user_id = u.id AND ur.tenant = u.tenant`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, st := keyRun(t, inferred, c.sql)
			want, _ := keyRun(t, plain, c.sql)
			sameRows(t, c.name, rowsOf(got), rowsOf(want))
			all, _ := keyRun(t, e.g, c.sql)
			sameRows(t, c.name+" (key filter on)", rowsOf(all), rowsOf(want))
			for _, s := range st {
				named := strings.Contains(s.Cypher, ".tenant = $") || strings.Contains(s.Cypher, ".tenant IN $")
				if c.every && !named {
					t.Errorf("a scan names no tenant: %s", s.Cypher)
				}
				if c.without != "" && strings.Contains(s.Cypher, c.without) && named {
					t.Errorf("a tenant was carried where it may not be: %s", s.Cypher)
				}
			}
			if len(got.Rows) == 0 && c.every {
				t.Errorf("no rows: the case proves nothing")
			}
		})
	}
}
