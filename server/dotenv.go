package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// LoadEnvFiles returns system overlaid on the variables of the .env files in
// dir for the mode system["EXO_ENV"] (managing-env.md). Precedence, highest
// first: the system environment, .env.{mode}.local, .env.local,
// .env.{mode}, .env. Missing files are skipped; a malformed file is an
// error naming the file and line. system is not modified.
//
// The syntax is that of dotenv files: KEY=VALUE lines, blank lines and #
// comments, an optional "export " prefix, values in single quotes (literal)
// or double quotes (\n, \t, \", \\ escapes, may span lines), and unquoted
// values, which end at " #". $VAR and ${VAR} in unquoted and double-quoted
// values expand to variables defined earlier or in the system environment.
func LoadEnvFiles(dir string, system map[string]string) (map[string]string, error) {
	mode := system["EXO_ENV"]
	var names []string // lowest precedence first
	names = append(names, ".env")
	if mode != "" {
		names = append(names, ".env."+mode)
	}
	names = append(names, ".env.local")
	if mode != "" {
		names = append(names, ".env."+mode+".local")
	}
	out := make(map[string]string, len(system))
	lookup := func(k string) (string, bool) {
		if v, ok := system[k]; ok {
			return v, true
		}
		v, ok := out[k]
		return v, ok
	}
	for _, name := range names {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, err
		}
		vars, err := parseDotEnv(data, lookup)
		if err != nil {
			return nil, fmt.Errorf("%s:%w", path, err)
		}
		for _, kv := range vars {
			out[kv[0]] = kv[1]
		}
	}
	for k, v := range system {
		out[k] = v
	}
	return out, nil
}

// parseDotEnv parses one file; errors start with the line number.
func parseDotEnv(data []byte, lookup func(string) (string, bool)) ([][2]string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var out [][2]string
	defined := map[string]string{}
	get := func(k string) (string, bool) {
		if v, ok := defined[k]; ok {
			return v, true
		}
		return lookup(k)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		start := line
		text := strings.TrimSpace(strings.TrimSuffix(sc.Text(), "\r"))
		if text == "" || text[0] == '#' {
			continue
		}
		text = strings.TrimPrefix(text, "export ")
		key, rest, ok := strings.Cut(text, "=")
		key = strings.TrimSpace(key)
		if !ok || !validEnvName(key) {
			return nil, fmt.Errorf("%d: expected KEY=VALUE", start)
		}
		rest = strings.TrimLeft(rest, " \t")
		var val string
		switch {
		case strings.HasPrefix(rest, "'") || strings.HasPrefix(rest, `"`):
			q := rest[0]
			body := rest[1:]
			// Quoted values may span lines.
			for !hasClosingQuote(body, q) {
				if !sc.Scan() {
					return nil, fmt.Errorf("%d: unterminated quoted value of %s", start, key)
				}
				line++
				body += "\n" + strings.TrimSuffix(sc.Text(), "\r")
			}
			end := closingQuote(body, q)
			tail := strings.TrimSpace(body[end+1:])
			if tail != "" && tail[0] != '#' {
				return nil, fmt.Errorf("%d: unexpected text after the quoted value of %s", line, key)
			}
			body = body[:end]
			if q == '\'' {
				val = body
			} else {
				val = expandEnv(unescapeDouble(body), get)
			}
		default:
			if i := strings.Index(rest, " #"); i >= 0 {
				rest = rest[:i]
			}
			val = expandEnv(strings.TrimSpace(rest), get)
		}
		defined[key] = val
		out = append(out, [2]string{key, val})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%d: %v", line, err)
	}
	return out, nil
}

func validEnvName(k string) bool {
	if k == "" {
		return false
	}
	for i, c := range k {
		if !(c == '_' || c == '.' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func closingQuote(s string, q byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && q == '"' {
			i++
			continue
		}
		if s[i] == q {
			return i
		}
	}
	return -1
}

func hasClosingQuote(s string, q byte) bool { return closingQuote(s, q) >= 0 }

func unescapeDouble(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '$':
			b.WriteString(`\$`) // kept literal by expandEnv
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// expandEnv replaces $VAR and ${VAR}; \$ is a literal dollar sign.
func expandEnv(s string, get func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if c != '$' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		if s[i+1] == '{' {
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				b.WriteByte(c)
				continue
			}
			v, _ := get(s[i+2 : i+end])
			b.WriteString(v)
			i += end
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] == '_' || 'a' <= s[j] && s[j] <= 'z' || 'A' <= s[j] && s[j] <= 'Z' || j > i+1 && '0' <= s[j] && s[j] <= '9') {
			j++
		}
		if j == i+1 {
			b.WriteByte(c)
			continue
		}
		v, _ := get(s[i+1 : j])
		b.WriteString(v)
		i = j - 1
	}
	return b.String()
}
