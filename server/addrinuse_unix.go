//go:build unix

package server

import "syscall"

// errAddrInUse is the error of listening on a port that is taken.
var errAddrInUse error = syscall.EADDRINUSE
