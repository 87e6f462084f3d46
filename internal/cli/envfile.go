package cli

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// modeEnv returns the environment for mode (yolo, dev, ...): the .env files
// of the project in dir, lowest precedence first (.env, .env.<mode>,
// .env.local, .env.<mode>.local), overridden by the process environment,
// as Exograph does.
func modeEnv(dir, mode string, environ []string) map[string]string {
	env := map[string]string{}
	for _, name := range []string{".env", ".env." + mode, ".env.local", ".env." + mode + ".local"} {
		for k, v := range readEnvFile(filepath.Join(dir, name)) {
			env[k] = v
		}
	}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// readEnvFile parses KEY=VALUE lines (optional "export ", # comments,
// single- or double-quoted values). A missing file yields nothing.
func readEnvFile(path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		v = strings.TrimSpace(v)
		switch {
		case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
			if u, err := strconv.Unquote(v); err == nil {
				v = u
			} else {
				v = v[1 : len(v)-1]
			}
		case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
			v = v[1 : len(v)-1]
		default:
			if i := strings.Index(v, " #"); i >= 0 {
				v = strings.TrimSpace(v[:i])
			}
		}
		if k != "" {
			out[k] = v
		}
	}
	return out
}
