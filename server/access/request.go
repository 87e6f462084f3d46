package access

import (
	"net"
	"net/http"
	"strings"
)

// Request is the part of an HTTP request that contexts read.
type Request interface {
	// Header returns the first value of the named header (case-insensitive), or "".
	Header(name string) string
	// Cookie returns the value of the named cookie, or "".
	Cookie(name string) string
	// ClientIP returns the client address: the first `for=` of Forwarded, else the first entry
	// of X-Forwarded-For, else the peer address (without port).
	ClientIP() string
}

// HTTPRequest adapts an *http.Request.
func HTTPRequest(r *http.Request) Request { return httpRequest{r} }

type httpRequest struct{ r *http.Request }

func (h httpRequest) Header(name string) string { return h.r.Header.Get(name) }

func (h httpRequest) Cookie(name string) string {
	c, err := h.r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

func (h httpRequest) ClientIP() string {
	return ClientIP(h.r.Header.Get("Forwarded"), h.r.Header.Get("X-Forwarded-For"), h.r.RemoteAddr)
}

// ClientIP computes the client address like actix-web's realip_remote_addr: the first `for=`
// parameter of the Forwarded header, else the first X-Forwarded-For entry, else the peer address.
// Ports and IPv6 brackets are stripped.
func ClientIP(forwarded, xForwardedFor, remoteAddr string) string {
	if forwarded != "" {
		for _, elem := range strings.Split(forwarded, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "for") {
					if ip := stripPort(strings.Trim(strings.TrimSpace(v), `"`)); ip != "" {
						return ip
					}
				}
			}
		}
	}
	if xForwardedFor != "" {
		first, _, _ := strings.Cut(xForwardedFor, ",")
		if ip := strings.TrimSpace(first); ip != "" {
			return stripPort(ip)
		}
	}
	return stripPort(remoteAddr)
}

func stripPort(s string) string {
	if s == "" {
		return ""
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		return host
	}
	return strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
}

// MapRequest is a Request backed by maps (tests, internal calls).
type MapRequest struct {
	Headers map[string]string // keys compared case-insensitively
	Cookies map[string]string
	IP      string
}

func (m MapRequest) Header(name string) string {
	if v, ok := m.Headers[name]; ok {
		return v
	}
	for k, v := range m.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func (m MapRequest) Cookie(name string) string { return m.Cookies[name] }

func (m MapRequest) ClientIP() string { return m.IP }
