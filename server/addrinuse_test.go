package server

import (
	"fmt"
	"net"
	"testing"
)

// A taken port gives Exograph's message, on every platform (Windows reports
// WSAEADDRINUSE, not EADDRINUSE).
func TestListenPortInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	ln, err := Listen(Config{Host: "127.0.0.1", Port: port})
	if err == nil {
		ln.Close()
		t.Fatalf("listening on taken port %d succeeded", port)
	}
	if want := fmt.Sprintf("Port %d is already in use", port); err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}
