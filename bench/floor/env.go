package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/exo-dev/exo/bench/floor/load"
	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/dev/pg"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/schema"
	"github.com/exo-dev/exo/server"
)

//go:embed chinook.exo
var model []byte

// Seed is the Chinook-sized data: 275 artists, 347 albums, 3,503 tracks
// (the first 50 albums hold 533 tracks), with the foreign-key indexes a
// real Chinook database has.
const Seed = `
INSERT INTO artists (name) SELECT 'Artist number ' || g FROM generate_series(1, 275) g;
INSERT INTO albums (title, artist_id) SELECT 'Album "' || g || '" title', (g - 1) % 275 + 1 FROM generate_series(1, 347) g;
INSERT INTO tracks (name, album_id, composer, milliseconds, unit_price)
  SELECT 'Track ' || g || ' of the album', (g - 1) % 347 + 1,
         CASE WHEN g % 4 = 0 THEN NULL ELSE 'Composer ' || g % 50 END,
         180000 + (g * 7919) % 240000, CASE WHEN g % 3 = 0 THEN 1.99 ELSE 0.99 END
  FROM generate_series(1, 3503) g;
CREATE INDEX ON albums (artist_id);
CREATE INDEX ON tracks (album_id);
ANALYZE;
`

// Query is the nested list query served by exo.
const Query = `{ albums(orderBy: {id: ASC}, limit: 50) { id title artist { id name } tracks(orderBy: {id: ASC}) { id name composer milliseconds unitPrice } } }`

// jsonSQL is Exograph's shape: JSON built in PostgreSQL with json_agg and
// json_build_object in correlated subselects, returned as one text value.
const jsonSQL = `SELECT COALESCE(json_agg(json_build_object('id', a.id, 'title', a.title,
  'artist', (SELECT json_build_object('id', ar.id, 'name', ar.name) FROM artists ar WHERE ar.id = a.artist_id),
  'tracks', COALESCE((SELECT json_agg(json_build_object('id', t.id, 'name', t.name, 'composer', t.composer,
      'milliseconds', t.milliseconds, 'unitPrice', t.unit_price::text) ORDER BY t.id) FROM tracks t WHERE t.album_id = a.id), '[]'::json)
  ) ORDER BY a.id), '[]'::json)::text
FROM (SELECT * FROM albums ORDER BY id LIMIT 50) a`

// rowsSQL is the flat join: one row per track (albums without tracks kept),
// no JSON in PostgreSQL.
const rowsSQL = `SELECT a.id, a.title, ar.id, ar.name, t.id, t.name, t.composer, t.milliseconds, t.unit_price::text
FROM (SELECT id, title, artist_id FROM albums ORDER BY id LIMIT 50) a
JOIN artists ar ON ar.id = a.artist_id
LEFT JOIN tracks t ON t.album_id = a.id
ORDER BY a.id, t.id`

// Target is one server under load.
type Target struct {
	Name string
	URL  string
	Body []byte
}

// Env is a seeded database with the three servers listening on loopback.
type Env struct {
	Targets []Target
	Tracks  int
	Size    int
	DBURL   string
	Exo     *server.Server

	closers []func()
}

// Close stops the servers and the database.
func (e *Env) Close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
}

// Compile compiles chinook.exo and returns the system and its DDL.
func Compile() (*ir.System, string, error) {
	sys, diags := compiler.Compile(compiler.Options{FS: fstest.MapFS{"src/index.exo": {Data: model}}, Root: "."})
	if sys == nil {
		return nil, "", fmt.Errorf("compiling chinook.exo: %v", diags)
	}
	return sys, strings.Join(schema.FromIR(sys).DDL(), ";\n") + ";\n", nil
}

// Setup launches PostgreSQL, seeds it and starts the servers.
func Setup(ctx context.Context, pool int) (_ *Env, err error) {
	e := &Env{}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	sys, ddl, err := Compile()
	if err != nil {
		return nil, err
	}
	cluster, err := pg.Start(ctx, pg.Options{})
	if err != nil {
		return nil, fmt.Errorf("starting PostgreSQL: %w", err)
	}
	e.closers = append(e.closers, func() { cluster.Stop() })
	if err := cluster.CreateDatabase(ctx, "chinook"); err != nil {
		return nil, err
	}
	e.DBURL = cluster.URL("chinook")
	conn, err := pgx.Connect(ctx, e.DBURL)
	if err != nil {
		return nil, err
	}
	_, err = conn.Exec(ctx, ddl+Seed)
	conn.Close(ctx)
	if err != nil {
		return nil, fmt.Errorf("seeding: %w", err)
	}

	// exo
	cfg, err := server.FromEnv(map[string]string{"EXO_POSTGRES_URL": e.DBURL,
		"EXO_CONNECTION_POOL_SIZE": strconv.Itoa(pool), "EXO_LOG": "warn"})
	if err != nil {
		return nil, err
	}
	s, err := server.New(ctx, sys, cfg, nil)
	if err != nil {
		return nil, err
	}
	e.Exo = s
	e.closers = append(e.closers, s.Close)
	body, _ := json.Marshal(map[string]string{"query": Query})
	u, err := e.listen(s.Handler())
	if err != nil {
		return nil, err
	}
	e.Targets = append(e.Targets, Target{Name: "exo", URL: u + "/graphql", Body: body})

	// the floors
	pcfg, err := pgxpool.ParseConfig(e.DBURL)
	if err != nil {
		return nil, err
	}
	pcfg.MaxConns = int32(pool)
	db, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, err
	}
	e.closers = append(e.closers, db.Close)
	u, err = e.listen(jsonFloor(db))
	if err != nil {
		return nil, err
	}
	e.Targets = append(e.Targets, Target{Name: "floor-json", URL: u + "/albums", Body: []byte("{}")})
	u, err = e.listen(rowsFloor(db))
	if err != nil {
		return nil, err
	}
	e.Targets = append(e.Targets, Target{Name: "floor-rows", URL: u + "/albums", Body: []byte("{}")})
	return e, nil
}

func (e *Env) listen(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	e.closers = append(e.closers, func() { hs.Close() })
	return "http://" + ln.Addr().String(), nil
}

// Check makes sure every server answers the same data, and records its size.
func (e *Env) Check() error {
	client := load.Client(1)
	defer client.Transport.(*http.Transport).CloseIdleConnections()
	var first any
	for _, t := range e.Targets {
		status, body, err := load.Post(client, t.URL, t.Body)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		if status != http.StatusOK {
			return fmt.Errorf("%s: status %d: %.300s", t.Name, status, body)
		}
		var v struct {
			Data struct {
				Albums []struct {
					Tracks []any `json:"tracks"`
				} `json:"albums"`
			} `json:"data"`
			Errors any `json:"errors"`
		}
		if err := json.Unmarshal(body, &v); err != nil || v.Errors != nil || len(v.Data.Albums) != 50 {
			return fmt.Errorf("%s: unexpected response (%v): %.300s", t.Name, err, body)
		}
		var all any
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&all); err != nil {
			return err
		}
		if first == nil {
			first = all
			e.Size = len(body)
			for _, a := range v.Data.Albums {
				e.Tracks += len(a.Tracks)
			}
		} else if !reflect.DeepEqual(first, all) {
			return fmt.Errorf("%s answers other data than %s: %.300s", t.Name, e.Targets[0].Name, body)
		}
	}
	return nil
}

const (
	prefix = `{"data":{"albums":`
	suffix = `}}`
)

// jsonFloor passes the JSON text built by PostgreSQL through.
func jsonFloor(db *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var text string
		if err := db.QueryRow(r.Context(), jsonSQL).Scan(&text); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		buf := make([]byte, 0, len(prefix)+len(text)+len(suffix))
		buf = append(append(append(buf, prefix...), text...), suffix...)
		w.Write(buf)
	})
}

// rowsFloor scans the flat join and writes the JSON by hand.
func rowsFloor(db *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := db.Query(r.Context(), rowsSQL)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		buf := make([]byte, 0, 64<<10)
		buf = append(buf, prefix...)
		buf = append(buf, '[')
		var (
			albumID, artistID int64
			title, artist     string
			trackID, ms       pgtype.Int8
			name, price       pgtype.Text
			composer          pgtype.Text
			last              int64 = -1
			firstTrack        bool
		)
		for rows.Next() {
			if err := rows.Scan(&albumID, &title, &artistID, &artist, &trackID, &name, &composer, &ms, &price); err != nil {
				rows.Close()
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			if albumID != last {
				if last != -1 {
					buf = append(buf, "]},"...)
				}
				last = albumID
				buf = append(buf, `{"id":`...)
				buf = strconv.AppendInt(buf, albumID, 10)
				buf = append(buf, `,"title":`...)
				buf = appendString(buf, title)
				buf = append(buf, `,"artist":{"id":`...)
				buf = strconv.AppendInt(buf, artistID, 10)
				buf = append(buf, `,"name":`...)
				buf = appendString(buf, artist)
				buf = append(buf, `},"tracks":[`...)
				firstTrack = true
			}
			if !trackID.Valid {
				continue
			}
			if !firstTrack {
				buf = append(buf, ',')
			}
			firstTrack = false
			buf = append(buf, `{"id":`...)
			buf = strconv.AppendInt(buf, trackID.Int64, 10)
			buf = append(buf, `,"name":`...)
			buf = appendString(buf, name.String)
			buf = append(buf, `,"composer":`...)
			if composer.Valid {
				buf = appendString(buf, composer.String)
			} else {
				buf = append(buf, "null"...)
			}
			buf = append(buf, `,"milliseconds":`...)
			buf = strconv.AppendInt(buf, ms.Int64, 10)
			buf = append(buf, `,"unitPrice":`...)
			buf = appendString(buf, price.String)
			buf = append(buf, '}')
		}
		if err := rows.Err(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if last != -1 {
			buf = append(buf, "]}"...)
		}
		buf = append(buf, ']')
		buf = append(buf, suffix...)
		w.Header().Set("Content-Type", "application/json")
		w.Write(buf)
	})
}

// appendString appends s as a JSON string.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			buf = append(buf, `\u00`...)
			buf = append(buf, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
