package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// JSON-RPC 2.0 error codes used by LSP.
const (
	codeParseError           = -32700
	codeInvalidRequest       = -32600
	codeMethodNotFound       = -32601
	codeInvalidParams        = -32602
	codeInternalError        = -32603
	codeServerNotInitialized = -32002
	codeRequestCancelled     = -32800
)

// RPCError is a JSON-RPC error object.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Error returns the message with its code.
func (e *RPCError) Error() string { return fmt.Sprintf("jsonrpc %d: %s", e.Code, e.Message) }

// message is any JSON-RPC message: request (ID and Method), notification
// (Method only) or response (ID with Result or Error).
type message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *RPCError       `json:"error,omitempty"`
}

// Handler handles an incoming request or notification. For notifications
// (isCall false) the result is ignored.
type Handler func(ctx context.Context, method string, params json.RawMessage, isCall bool) (any, error)

// Conn is a JSON-RPC 2.0 connection with LSP base-protocol framing
// (Content-Length headers). Incoming requests and notifications are handled
// one at a time, in arrival order, by the handler given to [Conn.Run]; the
// handler may send notifications and calls of its own, but must not wait for
// a response to a call from inside the handler.
type Conn struct {
	r *bufio.Reader
	w io.Writer
	c io.Closer

	wmu sync.Mutex

	mu      sync.Mutex
	nextID  int64
	pending map[string]chan *message
	closed  bool
	done    chan struct{}
}

// NewConn returns a connection reading from r and writing to w. closer (may
// be nil) is closed by [Conn.Close].
func NewConn(r io.Reader, w io.Writer, closer io.Closer) *Conn {
	return &Conn{r: bufio.NewReader(r), w: w, c: closer, pending: map[string]chan *message{}, done: make(chan struct{})}
}

// Done is closed when the connection stops reading.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Close closes the underlying stream.
func (c *Conn) Close() error {
	if c.c != nil {
		return c.c.Close()
	}
	return nil
}

// readMessage reads one framed message.
func (c *Conn) readMessage() ([]byte, error) {
	length := -1
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if length < 0 {
				continue // tolerate stray blank lines
			}
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("jsonrpc: bad header line %q", line)
		}
		if strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("jsonrpc: bad Content-Length %q", value)
			}
			length = n
		}
	}
	buf := make([]byte, length)
	if _, err := io.ReadFull(c.r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

func (c *Conn) write(m *message) error {
	m.JSONRPC = "2.0"
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := fmt.Fprintf(c.w, "Content-Length: %d\r\n\r\n", len(data)); err != nil {
		return err
	}
	_, err = c.w.Write(data)
	return err
}

// Notify sends a notification.
func (c *Conn) Notify(method string, params any) error {
	raw, err := json.Marshal(params)
	if err != nil {
		return err
	}
	return c.write(&message{Method: method, Params: raw})
}

// Call sends a request and waits for its response, decoding the result
// into result (which may be nil).
func (c *Conn) Call(ctx context.Context, method string, params, result any) error {
	raw, err := json.Marshal(params)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return io.ErrClosedPipe
	}
	c.nextID++
	id := strconv.FormatInt(c.nextID, 10)
	ch := make(chan *message, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()
	if err := c.write(&message{ID: json.RawMessage(id), Method: method, Params: raw}); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return io.ErrClosedPipe
	case resp := <-ch:
		if resp.Error != nil {
			return resp.Error
		}
		if result != nil && len(resp.Result) > 0 {
			return json.Unmarshal(resp.Result, result)
		}
		return nil
	}
}

// Run reads messages until the stream ends or ctx is cancelled, passing
// requests and notifications to h. It returns nil at a clean end of input.
func (c *Conn) Run(ctx context.Context, h Handler) error {
	defer func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		close(c.done)
	}()
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		data, err := c.readMessage()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) {
				return nil
			}
			return err
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			_ = c.write(&message{ID: json.RawMessage("null"), Error: &RPCError{Code: codeParseError, Message: err.Error()}})
			continue
		}
		if m.Method == "" {
			// A response to one of our calls.
			c.mu.Lock()
			ch := c.pending[string(m.ID)]
			c.mu.Unlock()
			if ch != nil {
				ch <- &m
			}
			continue
		}
		isCall := len(m.ID) > 0 && string(m.ID) != "null"
		res, herr := h(ctx, m.Method, m.Params, isCall)
		if !isCall {
			if errors.Is(herr, errExit) {
				return nil
			}
			continue
		}
		resp := &message{ID: m.ID}
		if herr != nil {
			var re *RPCError
			if !errors.As(herr, &re) {
				re = &RPCError{Code: codeInternalError, Message: herr.Error()}
			}
			resp.Error = re
		} else {
			raw, err := json.Marshal(res)
			if err != nil {
				resp.Error = &RPCError{Code: codeInternalError, Message: err.Error()}
			} else {
				resp.Result = raw
			}
		}
		if err := c.write(resp); err != nil {
			return err
		}
	}
}

// errExit, returned by a notification handler, stops [Conn.Run].
var errExit = errors.New("exit")
