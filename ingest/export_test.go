package ingest

// AlwaysPerMember makes passes read every member a touch names one by one
// (whatever the organization's list would cost) until the returned func
// restores the choice by cost.
func AlwaysPerMember() (restore func()) {
	alwaysPerMember = true
	return func() { alwaysPerMember = false }
}
