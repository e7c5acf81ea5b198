package ingest

import "fmt"

// errIncompleteInput reports that a resource could not run because one it
// depends on did not complete in this run.
func errIncompleteInput(dep string) error {
	return fmt.Errorf("depends on %s, which did not complete", dep)
}
