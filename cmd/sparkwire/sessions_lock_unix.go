//go:build unix

package main

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive flock on the file at p, created 0600 if missing, and returns
// its release. flock locks belong to an open file, so they also exclude goroutines of one
// process that open the file separately.
func lockFile(p string) (func(), error) {
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
