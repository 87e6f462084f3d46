package modules

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/exo-dev/exo/server/graphql"
)

// Shape returns raw (a JSON value) reduced to the selection of f: objects
// keep only the selected fields, keyed by their response keys (aliases), in
// selection order, with __typename filled in; lists are shaped element by
// element; fields without a sub-selection keep their value as is.
//
// Module functions return objects keyed by field names (byAlias false).
// Values that already went through a resolver (what an @around interceptor
// got from proceed(), possibly modified) are keyed by response keys:
// byAlias looks a field up by its alias first, then by its name.
func Shape(raw json.RawMessage, f *graphql.Field, byAlias bool) (json.RawMessage, error) {
	var b bytes.Buffer
	if err := shape(&b, raw, f, byAlias); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func firstByte(raw json.RawMessage) byte {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c
	}
	return 0
}

func shape(b *bytes.Buffer, raw json.RawMessage, f *graphql.Field, byAlias bool) error {
	switch firstByte(raw) {
	case 0, 'n':
		b.WriteString("null")
		return nil
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return err
		}
		b.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := shape(b, it, f, byAlias); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return err
		}
		b.WriteByte('{')
		for i, sf := range f.Selections {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, sf.Alias)
			b.WriteByte(':')
			if sf.Kind == graphql.FieldTypename {
				name := ""
				if sf.ParentType != nil {
					name = sf.ParentType.Name
				} else if f.Type != nil {
					name = f.Type.Name
				}
				writeString(b, name)
				continue
			}
			v, ok := json.RawMessage(nil), false
			if byAlias {
				v, ok = obj[sf.Alias]
			}
			if !ok {
				v, ok = obj[sf.Name]
			}
			if !ok {
				b.WriteString("null")
				continue
			}
			if len(sf.Selections) == 0 {
				b.Write(bytes.TrimSpace(v))
				continue
			}
			if err := shape(b, v, sf, byAlias); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	}
	if len(f.Selections) > 0 {
		return fmt.Errorf("expected an object for %s, got %.40s", f.Name, raw)
	}
	b.Write(bytes.TrimSpace(raw))
	return nil
}

func writeString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}
