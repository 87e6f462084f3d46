package ir

import (
	"bufio"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// FormatVersion is the version of the IR file format. Bump it whenever a
// change to the types above changes what an older reader would understand.
//
// Version 2: Module.Wasm (the binary of @wasm modules).
const FormatVersion uint16 = 2

// magic starts every IR file.
var magic = [6]byte{'E', 'X', 'O', 'I', 'R', 0}

// DefaultPath is where `exo build` writes the IR, relative to the project.
const DefaultPath = "target/index.exo_ir"

// ErrNotIR is returned when a file is not an IR file.
var ErrNotIR = errors.New("not an exo IR file")

// VersionError reports an IR file written by an incompatible exo.
type VersionError struct{ Got, Want uint16 }

func (e *VersionError) Error() string {
	return fmt.Sprintf("IR file format version %d is not supported (this exo reads version %d): rebuild with `exo build`", e.Got, e.Want)
}

// Encode writes s to w: the magic, the format version, then the system.
func Encode(w io.Writer, s *System) error {
	var hdr [8]byte
	copy(hdr[:6], magic[:])
	binary.BigEndian.PutUint16(hdr[6:], FormatVersion)
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	return gob.NewEncoder(w).Encode(s)
}

// Decode reads a system written by Encode.
func Decode(r io.Reader) (*System, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, ErrNotIR
		}
		return nil, err
	}
	if [6]byte(hdr[:6]) != magic {
		return nil, ErrNotIR
	}
	if v := binary.BigEndian.Uint16(hdr[6:]); v != FormatVersion {
		return nil, &VersionError{Got: v, Want: FormatVersion}
	}
	s := new(System)
	if err := gob.NewDecoder(r).Decode(s); err != nil {
		return nil, fmt.Errorf("corrupt IR file: %w", err)
	}
	s.Index()
	return s, nil
}

// WriteFile encodes s into path atomically (temp file + rename), creating
// the parent directory.
func WriteFile(path string, s *System) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".exo_ir-*")
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(tmp)
	err = Encode(bw, s)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// ReadFile loads the system stored at path.
func ReadFile(path string) (*System, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := Decode(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
