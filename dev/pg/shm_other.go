//go:build unix && !linux

package pg

const shmDir = ""

func memoryDirUsable(string) bool { return false }
