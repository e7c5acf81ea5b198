package store

// InternalLabels are the labels of authgraph's own records: the access
// records (AccessLabels) and the monitor's connected tenants, channels and
// deliveries. Only admins read them, through their own GraphQL fields; the
// console and the rules never do (checkConsolePlan refuses a plan naming
// one, and the console refuses a row holding such a node).
var InternalLabels = append(append([]string{}, AccessLabels...), ConnectedTenantLabel, ChannelLabel, DeliveryLabel, CheckpointLabel)

// InternalRelTypes are every relationship type that touches a node of
// InternalLabels. Internal nodes have no relationship to an asset, so an
// expand from an asset never reaches one; a relationship type added here
// or between an internal node and an asset must be listed (the console
// test checks the graph for others).
var InternalRelTypes = []string{DeliveredRel}

func isInternalLabel(l string) bool {
	for _, x := range InternalLabels {
		if x == l {
			return true
		}
	}
	return false
}

func isInternalRelType(t string) bool {
	for _, x := range InternalRelTypes {
		if x == t {
			return true
		}
	}
	return false
}
