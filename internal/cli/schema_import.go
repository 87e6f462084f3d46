package cli

import (
	"context"
	"errors"
	"strconv"

	"github.com/exo-dev/exo/migrate"
)

// parseAccessFlags parses --query-access and --mutation-access (true or
// false) of exo schema import and exo new --from-database.
func parseAccessFlags(queryAccess, mutationAccess string) (qa, ma bool, err error) {
	qa, err1 := strconv.ParseBool(queryAccess)
	ma, err2 := strconv.ParseBool(mutationAccess)
	if err1 != nil || err2 != nil {
		return false, false, withExitCode(ExitUsage, errors.New("--query-access and --mutation-access take true or false"))
	}
	return qa, ma, nil
}

// importModel inspects the database (database, else EXO_POSTGRES_URL or
// DATABASE_URL) within scope ("" for all schemas) and returns the .exo
// model (or fragments) for it.
func importModel(ctx context.Context, database, scope string, opts migrate.ImportOptions) (string, error) {
	sc := migrate.AllSchemas()
	if scope != "" {
		p, err := parseScopeFlag(scope)
		if err != nil {
			return "", err
		}
		sc = *p
	}
	conn, err := connectDB(ctx, database)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	live, err := migrate.Inspect(ctx, conn, sc, nil)
	if err != nil {
		return "", withExitCode(ExitModel, err)
	}
	views, err := migrate.InspectViews(ctx, conn, sc)
	if err != nil {
		return "", withExitCode(ExitModel, err)
	}
	return migrate.Import(live.Schema, views, opts), nil
}
