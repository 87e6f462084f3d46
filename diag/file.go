package diag

import (
	"sort"
	"sync"
	"unicode/utf8"
)

// File is one source file known to the diagnostics machinery: its display
// name and its bytes. The line table is built lazily on the first call that
// needs line or column information, so parsing never pays for it.
//
// A File is safe for concurrent use once created; Src must not be modified.
type File struct {
	Name string // path as given by the user or the loader (made relative at render time)
	Src  []byte

	once  sync.Once
	lines []int32 // byte offset of the start of each line
}

// NewFile returns a File with the given name and contents.
func NewFile(name string, src []byte) *File {
	return &File{Name: name, Src: src}
}

func (f *File) lineTable() []int32 {
	f.once.Do(func() {
		lines := make([]int32, 1, 64)
		for i, b := range f.Src {
			if b == '\n' {
				lines = append(lines, int32(i+1))
			}
		}
		f.lines = lines
	})
	return f.lines
}

// LineCount returns the number of lines in the file (a file without a final
// newline still counts its last line; an empty file has one empty line).
func (f *File) LineCount() int { return len(f.lineTable()) }

// clamp limits an offset to [0, len(Src)].
func (f *File) clamp(off int) int {
	if off < 0 {
		return 0
	}
	if off > len(f.Src) {
		return len(f.Src)
	}
	return off
}

// Line returns the 1-based line number containing the byte offset off.
// Offsets out of range are clamped.
func (f *File) Line(off int) int {
	off = f.clamp(off)
	lines := f.lineTable()
	return sort.Search(len(lines), func(i int) bool { return int(lines[i]) > off })
}

// LineCol returns the 1-based line and column of the byte offset off. The
// column counts Unicode code points from the start of the line (as
// codespan-reporting does), so it equals the byte column for ASCII text.
// Offsets out of range are clamped.
func (f *File) LineCol(off int) (line, col int) {
	off = f.clamp(off)
	line = f.Line(off)
	start := int(f.lineTable()[line-1])
	return line, utf8.RuneCount(f.Src[start:off]) + 1
}

// LineStart returns the byte offset at which the 1-based line starts.
func (f *File) LineStart(line int) int {
	lines := f.lineTable()
	if line < 1 {
		return 0
	}
	if line > len(lines) {
		return len(f.Src)
	}
	return int(lines[line-1])
}

// LineText returns the text of the 1-based line without its line terminator
// ("\n" or "\r\n").
func (f *File) LineText(line int) []byte {
	lines := f.lineTable()
	if line < 1 || line > len(lines) {
		return nil
	}
	start := int(lines[line-1])
	end := len(f.Src)
	if line < len(lines) {
		end = int(lines[line]) - 1
	}
	if end > start && f.Src[end-1] == '\r' {
		end--
	}
	return f.Src[start:end]
}
