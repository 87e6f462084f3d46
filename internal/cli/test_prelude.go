package cli

import (
	"bytes"
	"context"
	"errors"

	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/exotest"
	"github.com/exo-dev/exo/jsbundle"
)

// preludeBundler bundles the imports of .exotest deno preludes with b (see
// exotest.BundleFunc). Problems with the prelude or its modules (syntax
// errors, missing files or exports, HTTP errors) fail the tests with the
// rendered diagnostics; when the only problems are imports that need the
// network and cannot get it (https: modules without an HTTP answer, npm:
// packages that cannot be installed), the tests are skipped, as
// unsupportedProject does for the modules of a project.
func preludeBundler(b *jsbundle.Bundler) exotest.BundleFunc {
	return func(ctx context.Context, src, dir, name string) ([]byte, error) {
		script, diags, err := b.BundleScript(src, dir, name)
		if err != nil {
			return nil, err
		}
		var errs diag.List
		var network *diag.Diagnostic
		for _, d := range diags {
			if d.Severity != diag.Error {
				continue
			}
			switch d.Code {
			case jsbundle.CodeRemoteUnreachable, jsbundle.CodeNpmFetch:
				if network == nil {
					network = d
				}
			default:
				errs.Add(d)
			}
		}
		switch {
		case len(errs) > 0:
			var buf bytes.Buffer
			_ = diag.Render(&buf, errs, diag.RenderOptions{Cwd: dir, Max: 20})
			return nil, errors.New(buf.String())
		case network != nil && network.Code == jsbundle.CodeNpmFetch:
			return nil, &exotest.SkipError{Reason: "needs network (npm: packages cannot be installed: " + network.Message + ")"}
		case network != nil:
			return nil, &exotest.SkipError{Reason: "needs network (https: modules cannot be fetched: " + network.Message + ")"}
		case script == nil:
			return nil, errors.New("the imports of the deno prelude were not bundled")
		}
		return script, nil
	}
}
