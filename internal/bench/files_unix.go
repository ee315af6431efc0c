//go:build unix

package bench

import (
	"fmt"
	"syscall"
)

// raiseFileLimit lifts the soft open-file limit to the hard one: every
// simulated client is a socket. Raising the hard limit needs root or
// `ulimit -Hn` in the shell that starts the tool.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raise open-file limit: %w", err)
		}
	}
	return lim.Cur, nil
}

// openFileLimit is the soft open-file limit: sockets count against it.
func openFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	return lim.Cur, err
}
