package server

import "syscall"

// errAddrInUse is the error of listening on a port that is taken:
// WSAEADDRINUSE, which is not syscall.EADDRINUSE on Windows.
var errAddrInUse error = syscall.Errno(10048)
