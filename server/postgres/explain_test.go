package postgres

import (
	"os"
	"testing"
)

func TestExplainNested(t *testing.T) {
	if os.Getenv("EXO_EXPLAIN") == "" {
		t.Skip("set EXO_EXPLAIN=1 to print the plan of the benchmark query")
	}
	v := newEnv(t, Options{})
	if _, err := v.conn.Exec(v.ctx, benchSeed+";ANALYZE"); err != nil {
		t.Fatal(err)
	}
	sql, args, err := v.e.Plan(v.ctx, nestedListQuery())
	if err != nil {
		t.Fatal(err)
	}
	t.Log(sql)
	rows, err := v.conn.Query(v.ctx, "EXPLAIN ANALYZE "+sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		rows.Scan(&line)
		t.Log(line)
	}
}
