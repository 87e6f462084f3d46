package pg

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// initdbCacheDir returns where the initialised data directory for these
// binaries is cached, or "" when there is no user cache directory.
func initdbCacheDir(binDir string) string {
	base, err := os.UserCacheDir()
	if err != nil || base == "" {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "v2\x00%s\x00%s\x00", binDir, strings.Join(initdbArgs, " "))
	for _, name := range serverBinaries {
		fi, err := os.Stat(filepath.Join(binDir, name+exeSuffix))
		if err != nil {
			return ""
		}
		fmt.Fprintf(h, "%s %d %d\x00", name, fi.Size(), fi.ModTime().UnixNano())
	}
	return filepath.Join(base, "exo", "pg-initdb", hex.EncodeToString(h.Sum(nil))[:16])
}

// copyFromCache copies a cached data directory to data, owned by runAs.
func copyFromCache(cache, data string, runAs *credential) error {
	if _, err := os.Stat(filepath.Join(cache, "PG_VERSION")); err != nil {
		return err
	}
	return copyTree(cache, data, runAs)
}

// saveToCache copies a freshly initialised data directory into the cache,
// atomically (copy to a temp name, then rename); concurrent savers race
// harmlessly.
func saveToCache(data, cache string) error {
	if _, err := os.Stat(cache); err == nil {
		return nil
	}
	parent := filepath.Dir(cache)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	staged := filepath.Join(tmp, "data")
	if err := copyTree(data, staged, nil); err != nil {
		return err
	}
	if err := os.Rename(staged, cache); err != nil {
		if _, statErr := os.Stat(cache); statErr == nil {
			return nil // someone else won the race
		}
		return err
	}
	return nil
}

// copyTree copies directories, regular files and symlinks, keeping
// permissions, and chowns everything to owner when set.
func copyTree(src, dst string, owner *credential) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if err := os.Mkdir(target, info.Mode().Perm()); err != nil {
				return err
			}
			if err := os.Chmod(target, info.Mode().Perm()); err != nil { // umask
				return err
			}
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			if err := os.Symlink(link, target); err != nil {
				return err
			}
		case d.Type().IsRegular():
			if err := copyFile(path, target, info.Mode().Perm()); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected file type %v", path)
		}
		if owner != nil {
			return os.Lchown(target, int(owner.uid), int(owner.gid))
		}
		return nil
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, perm)
}
