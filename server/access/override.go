package access

import "fmt"

// WithOverride returns a request context whose values are those of rc
// except for the fields listed in override ({ContextName: {field: value}}),
// which win (ExographPriv.executeQueryPriv). Overridden values are coerced
// to the fields' declared types; a context or field that does not exist is
// an error.
func (rc *RequestContext) WithOverride(override map[string]any) (*RequestContext, error) {
	sys := rc.x.sys
	out := rc.x.NewRequest(rc.ctx, rc.req, rc.query)
	out.parent = rc
	for ctxName, fields := range override {
		ci := -1
		for i := range sys.Contexts {
			if sys.Contexts[i].Name == ctxName {
				ci = i
				break
			}
		}
		if ci < 0 {
			return nil, &Error{Kind: ErrInternal, Message: MsgInternal, Err: fmt.Errorf("context override: no context %q", ctxName)}
		}
		m, ok := fields.(map[string]any)
		if !ok {
			return nil, &Error{Kind: ErrInternal, Message: MsgInternal, Err: fmt.Errorf("context override of %s: not an object", ctxName)}
		}
		for name, raw := range m {
			fi := -1
			for j := range sys.Contexts[ci].Fields {
				if sys.Contexts[ci].Fields[j].Name == name {
					fi = j
					break
				}
			}
			if fi < 0 {
				return nil, &Error{Kind: ErrInternal, Message: MsgInternal, Err: fmt.Errorf("context override: %s has no field %q", ctxName, name)}
			}
			v, err := coerce(sys, raw, sys.Contexts[ci].Fields[fi].Type)
			if err != nil {
				return nil, err
			}
			out.values[[2]int{ci, fi}] = v
		}
	}
	return out, nil
}
