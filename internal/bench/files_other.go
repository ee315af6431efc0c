//go:build !unix

package bench

// Windows has no per-process limit on open sockets of the kind Unix sets
// (handles run into the millions); the tool's limit is the machine's.
const noFileLimit = 1 << 24

func raiseFileLimit() (uint64, error) { return noFileLimit, nil }

func openFileLimit() (uint64, error) { return noFileLimit, nil }
