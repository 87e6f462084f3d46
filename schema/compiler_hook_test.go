package schema

import (
	"fmt"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/ir"
)

func init() {
	compileModel = func(dir string) (*ir.System, error) {
		sys, diags := compiler.Compile(compiler.Options{Root: dir})
		if diags.HasErrors() || sys == nil {
			return nil, fmt.Errorf("%d error(s): %v", diags.ErrorCount(), diags)
		}
		return sys, nil
	}
}
