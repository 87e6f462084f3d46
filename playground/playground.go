// Package playground serves the GraphQL playground: GraphiQL 5 (with React
// and Monaco) bundled into one self-contained HTML page by build/ (esbuild
// from npm), committed gzip-compressed as graphiql.html.gz and embedded
// with go:embed, so neither the Go build nor the browser needs the network.
//
// As in Exograph, the page reads its settings from window.exoConfig (the
// GraphQL path, the JWT source, an upstream endpoint, live schema
// updates). The handler injects them without recompressing the bundle; see
// build/build.mjs for the layout of the gzip file that makes this possible.
//
// Regenerate the bundle with `go generate ./playground` (needs node/npm).
package playground

//go:generate sh -c "cd build && npm ci --no-audit --no-fund && node build.mjs"

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

//go:embed graphiql.html.gz
var bundleGz []byte

// DisabledText is served instead of the page when introspection is off.
const DisabledText = "Introspection is disabled"

// Options configure the playground page. The JSON names are those of
// Exograph's window.exoConfig.
type Options struct {
	// PlaygroundPath is where the page is served (default "/playground").
	PlaygroundPath string `json:"playgroundHttpPath"`
	// GraphQLPath is the path (or absolute URL) of the server's GraphQL
	// endpoint, used for introspection and, without an upstream, for all
	// operations (default "/graphql").
	GraphQLPath string `json:"graphqlHttpPath"`
	// EnableSchemaLiveUpdate makes the page re-read the schema when the
	// server's changes (exo dev / exo yolo).
	EnableSchemaLiveUpdate bool `json:"enableSchemaLiveUpdate"`
	// OIDCURL is EXO_OIDC_URL (the sign-in dialog then asks for a token).
	OIDCURL string `json:"oidcUrl"`
	// UpstreamGraphQLEndpoint, when set, receives the operations (exo
	// playground --endpoint); the schema still comes from GraphQLPath.
	UpstreamGraphQLEndpoint string `json:"upstreamGraphQLEndpoint"`
	// JWTSourceHeader and JWTSourceCookie are EXO_JWT_SOURCE_HEADER and
	// EXO_JWT_SOURCE_COOKIE: where the page puts the token it signs.
	JWTSourceHeader string `json:"jwtSourceHeader"`
	JWTSourceCookie string `json:"jwtSourceCookie"`

	// Disabled serves DisabledText instead of the page (introspection off).
	Disabled bool `json:"-"`
}

// Handler serves the playground page for exo dev and exo yolo, sending its
// queries to graphqlPath (e.g. "/graphql", or an absolute URL), with the
// live schema update on.
func Handler(graphqlPath string) http.Handler {
	return New(Options{GraphQLPath: graphqlPath, EnableSchemaLiveUpdate: true})
}

// New returns the handler of the playground page configured by o.
func New(o Options) http.Handler {
	if o.Disabled {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !allowMethod(w, r) {
				return
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Content-Length", strconv.Itoa(len(DisabledText)))
			if r.Method != http.MethodHead {
				_, _ = io.WriteString(w, DisabledText)
			}
		})
	}
	if o.PlaygroundPath == "" {
		o.PlaygroundPath = "/playground"
	}
	if o.GraphQLPath == "" {
		o.GraphQLPath = "/graphql"
	}
	b, err := loadBundle()
	if err != nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "the playground bundle is damaged: "+err.Error(), http.StatusInternalServerError)
		})
	}
	p, err := b.page(o)
	if err != nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "cannot configure the playground: "+err.Error(), http.StatusInternalServerError)
		})
	}
	return p
}

func allowMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// bundle is graphiql.html.gz taken apart (see build/build.mjs).
type bundle struct {
	prefix     []byte // the page up to "window.exoConfig="
	suffixDefl []byte // raw deflate stream of the rest of the page
	suffixCRC  uint32
	suffixLen  int64
}

var loadBundle = sync.OnceValues(func() (*bundle, error) { return parseBundle(bundleGz) })

func parseBundle(gz []byte) (*bundle, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	var prefixLen, suffixOff int
	var crc uint32
	var suffixLen int64
	if _, err := fmt.Sscanf(zr.Comment, "exo-playground prefix=%d suffix=%d crc=%x len=%d",
		&prefixLen, &suffixOff, &crc, &suffixLen); err != nil {
		return nil, fmt.Errorf("gzip comment %q: %w", zr.Comment, err)
	}
	if suffixOff <= 10 || suffixOff > len(gz)-8 || prefixLen <= 0 || prefixLen > 1<<16 {
		return nil, errors.New("gzip comment out of range")
	}
	prefix := make([]byte, prefixLen)
	if _, err := io.ReadFull(zr, prefix); err != nil {
		return nil, fmt.Errorf("reading the page prefix: %w", err)
	}
	if !bytes.HasSuffix(prefix, []byte("window.exoConfig=")) {
		return nil, errors.New("the page prefix does not end with window.exoConfig=")
	}
	return &bundle{prefix: prefix, suffixDefl: gz[suffixOff : len(gz)-8], suffixCRC: crc, suffixLen: suffixLen}, nil
}

// page is the page for one configuration.
type page struct {
	b       *bundle
	graphql string
	head    []byte // prefix + configuration, uncompressed
	gzHead  []byte // gzip header + deflate(head), sync-flushed
	gzTail  []byte // gzip trailer: CRC-32 and size of the page
	etag    string
}

func (b *bundle) page(o Options) (*page, error) {
	cfg, err := json.Marshal(o) // escapes <, > and & for the <script> element
	if err != nil {
		return nil, err
	}
	head := append(append([]byte{}, b.prefix...), cfg...)
	var buf bytes.Buffer
	buf.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}) // gzip, deflate, no flags, unknown OS
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := fw.Write(head); err != nil {
		return nil, err
	}
	if err := fw.Flush(); err != nil { // sync flush: byte-aligned, not the final block
		return nil, err
	}
	crc := crc32Combine(crc32.ChecksumIEEE(head), b.suffixCRC, b.suffixLen)
	trailer := binary.LittleEndian.AppendUint32(nil, crc)
	trailer = binary.LittleEndian.AppendUint32(trailer, uint32(int64(len(head))+b.suffixLen))
	return &page{
		b: b, graphql: o.GraphQLPath, head: head, gzHead: buf.Bytes(), gzTail: trailer,
		etag: fmt.Sprintf(`"exo-%08x-%x"`, crc, int64(len(head))+b.suffixLen),
	}, nil
}

func (p *page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !allowMethod(w, r) {
		return
	}
	h := w.Header()
	if strings.Contains(r.Header.Get("Accept"), "application/json") && !strings.Contains(r.Header.Get("Accept"), "text/html") {
		// A GraphQL client pointed here by mistake.
		http.Error(w, "this is the GraphQL playground; send queries to "+p.graphql, http.StatusNotAcceptable)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Vary", "Accept-Encoding")
	h.Set("ETag", p.etag)
	// Inline scripts and styles only; Monaco's workers start from blob: URLs.
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "+
		"worker-src blob:; font-src data:; img-src 'self' data:; connect-src *")
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, p.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(p.gzHead)+len(p.b.suffixDefl)+len(p.gzTail)))
		if r.Method == http.MethodHead {
			return
		}
		for _, part := range [][]byte{p.gzHead, p.b.suffixDefl, p.gzTail} {
			if _, err := w.Write(part); err != nil {
				return
			}
		}
		return
	}
	h.Set("Content-Length", strconv.FormatInt(int64(len(p.head))+p.b.suffixLen, 10))
	if r.Method == http.MethodHead {
		return
	}
	if _, err := w.Write(p.head); err != nil {
		return
	}
	fr := flate.NewReader(bytes.NewReader(p.b.suffixDefl))
	defer fr.Close()
	_, _ = io.Copy(w, fr)
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip.
func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		q := 1.0
		for _, prm := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(prm), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if q > 0 {
			return true
		}
	}
	return false
}

// crc32Combine returns the CRC-32 (IEEE) of A followed by B given those of A
// and B and the length of B (zlib's crc32_combine).
func crc32Combine(crcA, crcB uint32, lenB int64) uint32 {
	if lenB <= 0 {
		return crcA
	}
	var even, odd [32]uint32
	odd[0] = 0xedb88320 // the reversed IEEE polynomial: one zero bit
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	square(&even, &odd) // two zero bits
	square(&odd, &even) // four zero bits
	for {
		square(&even, &odd)
		if lenB&1 != 0 {
			crcA = times(&even, crcA)
		}
		if lenB >>= 1; lenB == 0 {
			break
		}
		square(&odd, &even)
		if lenB&1 != 0 {
			crcA = times(&odd, crcA)
		}
		if lenB >>= 1; lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func times(mat *[32]uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func square(dst, mat *[32]uint32) {
	for n := range 32 {
		dst[n] = times(mat, mat[n])
	}
}
