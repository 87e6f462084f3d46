package pg

import "os"

// statusControlCExit is STATUS_CONTROL_C_EXIT (0xC000013A) as an int32: the
// exit status Windows' default handler gives a process ended by Ctrl-C or a
// console close.
const statusControlCExit = -1073741510

// reraise exits as the default console handler would have: Windows cannot
// send a console control event to this process alone.
func reraise(os.Signal) {
	os.Exit(statusControlCExit)
}
