package lambda

import (
	"context"
	"encoding/json"
	"io"
	"testing"
)

// FuzzParseEvent: any invocation payload becomes a request or an error,
// never a panic, and a request it makes can be served and answered.
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"requestContext":{"http":{"method":"POST","path":"/graphql"}},"path":"/graphql","body":"{\"query\":\"{ a }\"}"}`))
	f.Add([]byte(`{"version":"2.0","rawPath":"/graphql","rawQueryString":"a=1","headers":{"x":"y"},"cookies":["c=d"],"requestContext":{"http":{"method":"GET"}},"body":"e30=","isBase64Encoded":true}`))
	f.Add([]byte(`{"httpMethod":"POST","path":"/graphql","multiValueHeaders":{"a":["b","c"]},"queryStringParameters":{"q":"1"},"body":"{}"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, f, err := parseEvent(context.Background(), data)
		if err != nil {
			return
		}
		w := newResponseWriter()
		w.Header().Set("Set-Cookie", "a=b")
		io.Copy(w, req.Body)
		if _, err := json.Marshal(w.response(f)); err != nil {
			t.Errorf("response of %q: %v", data, err)
		}
	})
}
