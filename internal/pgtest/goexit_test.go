package pgtest

import "runtime"

func runtimeGoexit() { runtime.Goexit() }
