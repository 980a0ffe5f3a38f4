//go:build !unix

package main

import (
	"errors"
	"os"
	"time"
)

// lockFile takes the lock at p by creating the file exclusively, waiting up to ten seconds
// for another holder; a lock file older than a minute is taken to be left by a crash.
func lockFile(p string) (func(), error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			f.Close()
			return func() { _ = os.Remove(p) }, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		if st, serr := os.Stat(p); serr == nil && time.Since(st.ModTime()) > time.Minute {
			_ = os.Remove(p)
			continue
		}
		if time.Now().After(deadline) {
			return nil, errors.New("timed out waiting for the lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
