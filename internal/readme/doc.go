// Package readme holds the test that runs every example query a new user
// is shown — the Cypher and GraphQL blocks of README.md and the Cypher
// console's examples (web/app/src/console/examples.ts), read from those
// files so they can't drift — against the demo's tenant (the simulator's
// default seed, synced as `make demo` does) and checks each returns what
// its text says.
package readme
