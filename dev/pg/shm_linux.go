package pg

import "syscall"

const shmDir = "/dev/shm"

// memoryDirUsable reports whether dir is a tmpfs with at least 1 GiB free
// (Docker's default /dev/shm is 64 MiB, too small).
func memoryDirUsable(dir string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return false
	}
	const tmpfsMagic = 0x01021994
	return st.Type == tmpfsMagic && uint64(st.Bavail)*uint64(st.Bsize) >= 1<<30
}
