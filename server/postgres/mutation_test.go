package postgres

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/exo-dev/exo/server/graphql"
)

func TestMutations(t *testing.T) {
	v := newEnv(t, Options{})

	t.Run("create with nested children", func(t *testing.T) {
		v.t = t
		v.expect(fa("createVenue", obj{"data": obj{"name": "New", "published": true, "latitude": 2.5,
			"concerts": list{
				obj{"title": "A", "published": true, "price": "1.10", "tags": list{"x", "y\"z"}, "meta": obj{"k": list{int64(1)}}, "data": "SGk=", "startsAt": "2024-01-02T03:04:05Z", "day": "2024-01-02T23:00:00+05:00"},
				obj{"title": "B", "published": false, "price": json.Number("2")},
			}}},
			f("name"), f("latitude"), fa("concerts", obj{"orderBy": obj{"title": "ASC"}}, f("title"), f("price"), f("tags"), f("meta"), f("data"), f("startsAt"), f("day"), f("venue", f("name")))),
			`{"name":"New","latitude":2.5,"concerts":[
			  {"title":"A","price":"1.10","tags":["x","y\"z"],"meta":{"k":[1]},"data":"SGk=","startsAt":"2024-01-02T03:04:05+00:00","day":"2024-01-02","venue":{"name":"New"}},
			  {"title":"B","price":"2.00","tags":null,"meta":null,"data":null,"startsAt":null,"day":null,"venue":{"name":"New"}}]}`)
	})
	t.Run("createMany with reference", func(t *testing.T) {
		v.t = t
		v.expect(fa("createConcerts", obj{"data": list{
			obj{"title": "C1", "venue": obj{"id": int64(3)}, "published": true, "price": "3"},
			obj{"title": "C2", "venue": obj{"id": int64(3)}, "published": true, "price": "4"},
		}}, f("title"), f("venue", f("name"))),
			`[{"title":"C1","venue":{"name":"Empty"}},{"title":"C2","venue":{"name":"Empty"}}]`)
	})
	t.Run("create composite nested", func(t *testing.T) {
		v.t = t
		v.expect(fa("createPerson", obj{"data": obj{"firstName": "Ann", "lastName": "Lee", "email": "ann@x",
			"addresses": list{obj{"street": "9 Elm"}}}}, f("firstName"), fa("addresses", nil, f("street"), f("person", f("email")))),
			`{"firstName":"Ann","addresses":[{"street":"9 Elm","person":{"email":"ann@x"}}]}`)
	})
	t.Run("create without selection", func(t *testing.T) {
		v.t = t
		v.expect(fa("createEmployee", obj{"data": obj{"name": "Solo"}}), `{}`)
	})
	t.Run("create errors", func(t *testing.T) {
		v.t = t
		v.expectErr(fa("createConcert", obj{"data": obj{"title": "X", "venue": obj{"id": int64(999)}, "published": true, "price": "1"}}, f("id")), MsgOperationFailed)
		v.expectErr(fa("createConcert", obj{"data": obj{"title": "X", "venue": obj{"id": int64(1)}, "published": true, "price": "1", "rank": int64(-1)}}, f("id")),
			"Invalid value for 'range': min = 0, provided value = -1")
		// the error points at the value of the data argument
		rf := fa("createConcert", obj{"data": obj{"title": "X", "venue": obj{"id": int64(1)}, "published": true, "price": "1", "rank": int64(101)}}, f("id"))
		rf.ArgLocations = map[string]graphql.Location{"data": {Line: 2, Column: 23}}
		_, err := v.e.ResolveOn(v.ctx, v.conn, rf)
		ge, ok := GraphQLError(err).(*graphql.Error)
		if !ok || ge.Message != "Invalid value for 'range': max = 100, provided value = 101" ||
			len(ge.Locations) != 1 || ge.Locations[0] != (graphql.Location{Line: 2, Column: 23}) {
			t.Errorf("range error: %#v", GraphQLError(err))
		}
		v.expectErr(fa("createConcert", obj{"data": obj{"title": "X", "venue": obj{"id": int64(1)}, "published": true, "price": "1", "rank": int64(70000)}}, f("id")),
			"Unable to convert input to the expected type: trying to convert the 'rank' field to the '16-bit integer' type")
		v.expectErr(fa("createConcert", obj{"data": obj{"title": "X", "venue": obj{"id": int64(1)}, "published": true, "price": "1", "data": "!!"}}, f("id")),
			"Unable to convert input to the expected type: trying to convert the 'data' field to the 'Blob' type")
	})
	t.Run("update by pk", func(t *testing.T) {
		v.t = t
		v.expect(fa("updateConcert", obj{"id": int64(2), "data": obj{"title": "Jazz!", "venue": obj{"id": int64(2)}, "startsAt": nil}}, f("id"), f("title"), f("startsAt"), f("venue", f("name"))),
			`{"id":2,"title":"Jazz!","startsAt":null,"venue":{"name":"Arena"}}`)
		v.expect(fa("updateConcert", obj{"id": int64(999), "data": obj{"title": "none"}}, f("id")), `null`)
	})
	t.Run("updateMany", func(t *testing.T) {
		v.t = t
		v.expect(fa("updateConcerts", obj{"where": obj{"venue": obj{"id": obj{"eq": int64(3)}}}, "data": obj{"published": false}}, f("title"), f("published")),
			`[{"title":"C1","published":false},{"title":"C2","published":false}]`)
	})
	t.Run("nested update", func(t *testing.T) {
		v.t = t
		v.expect(fa("updatePerson", obj{"firstName": "John", "lastName": "Doe", "data": obj{"email": "j@d",
			"addresses": obj{
				"create": list{obj{"street": "new st"}},
				"update": list{obj{"id": int64(1), "street": "1 Main (upd)"}},
				"delete": list{obj{"id": int64(2)}},
			}}}, f("email"), fa("addresses", obj{"orderBy": obj{"street": "ASC"}}, f("street"))),
			`{"email":"j@d","addresses":[{"street":"1 Main (upd)"},{"street":"new st"}]}`)
		// deleting another parent's child is a no-op
		v.expect(fa("updatePerson", obj{"firstName": "John", "lastName": "Doe", "data": obj{"addresses": obj{"delete": list{obj{"id": int64(3)}}}}},
			fa("addressesAgg", nil, f("id", f("count")))), `{"addressesAgg":{"id":{"count":2}}}`)
		v.expect(fa("address", obj{"id": int64(3)}, f("street")), `{"street":"3 High"}`)
		v.expectErr(fa("updatePerson", obj{"firstName": "John", "lastName": "Doe", "data": obj{"addresses": obj{"update": list{obj{"street": "x"}}}}}, f("email")),
			"Missing required primary key field 'id' for nested operation.")
		v.expect(fa("updatePerson", obj{"firstName": "Jane", "lastName": "Roe", "data": obj{}}, f("email")), `{"email":"jane@example.com"}`)
	})
	t.Run("delete", func(t *testing.T) {
		v.t = t
		v.expect(fa("deleteConcert", obj{"id": int64(3)}, f("title"), f("venue", f("name"))), `{"title":"Pop","venue":{"name":"Arena"}}`)
		v.expect(fa("deleteConcert", obj{"id": int64(3)}, f("title")), `null`)
		v.expect(fa("deleteConcerts", obj{"where": obj{"title": obj{"startsWith": "C"}}}, f("title")), `[{"title":"C1"},{"title":"C2"}]`)
		v.expectErr(fa("deleteVenue", obj{"id": int64(1)}, f("id")), MsgOperationFailed)
	})
}

// TestTransactionRollback: a failing root field rolls back the fields before it.
func TestTransactionRollback(t *testing.T) {
	v := newEnv(t, Options{})
	err := RunInTx(v.ctx, v.conn, func(ctx context.Context) error {
		if _, err := v.e.Resolve(ctx, fa("createEmployee", obj{"data": obj{"name": "Temp"}}, f("id"))); err != nil {
			return err
		}
		_, err := v.e.Resolve(ctx, fa("createConcert", obj{"data": obj{"title": "X", "venue": obj{"id": int64(999)}, "published": true, "price": "1"}}, f("id")))
		return err
	})
	if err == nil || err.(*Error).Message != MsgOperationFailed {
		t.Fatalf("err = %v", err)
	}
	v.expect(fa("employeesAgg", obj{"where": obj{"name": obj{"eq": "Temp"}}}, f("id", f("count"))), `{"id":{"count":0}}`)
}

// Nested operations run in Exograph's order (update, create, delete), which shows in the
// physical order of the rows that unordered queries return.
func TestNestedUpdateOrder(t *testing.T) {
	v := newEnv(t, Options{})
	v.expect(fa("updateVenue", obj{"id": int64(1), "data": obj{"concerts": obj{
		"create": list{obj{"title": "New", "published": true, "price": "1"}},
		"update": list{obj{"id": int64(1), "title": "Rock 2"}},
		"delete": list{obj{"id": int64(2)}},
	}}}, fa("concerts", nil, f("title"))), `{"concerts":[{"title":"Rock 2"},{"title":"New"}]}`)
}
