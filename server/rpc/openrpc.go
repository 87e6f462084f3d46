package rpc

// Discover returns the OpenRPC document describing the API.
func (h *Handler) Discover() []byte {
	h.docOnce.Do(func() { h.doc = h.buildDoc() })
	return h.doc
}

func (h *Handler) buildDoc() []byte {
	return marshal(map[string]any{"openrpc": "1.3.2", "info": map[string]any{"title": "Exograph RPC API", "version": "1.0.0"}, "methods": []any{}})
}
