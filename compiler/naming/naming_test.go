package naming

import "testing"

func TestPlural(t *testing.T) {
	for in, want := range map[string]string{
		"Concert": "Concerts", "Person": "People", "Address": "Addresses", "Numbers": "Numberss",
		"AdminDocWithContains": "AdminDocWithContainss", "JournalEntry": "JournalEntries",
		"Todo": "Todos", "ChessPiece": "ChessPieces", "Info": "Infos", "Status": "Statuses",
		"Category": "Categories", "Mouse": "Mice", "Child": "Children", "Sheep": "Sheeps",
		"Information": "Informations", "Metadata": "Metadatas", "Rsvp": "Rsvps", "Box": "Boxes",
		"Knife": "Knives", "Analysis": "Analyses", "Index": "Indices", "Foot": "Feet",
		"Woman": "Women", "Data": "Datas", "AuthUser": "AuthUsers", "CPU": "CPUS",
		"Money": "Monies", "Quiz": "Quizzes", "Leaf": "Leaves",
	} {
		if got := Plural(in); got != want {
			t.Errorf("Plural(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCase(t *testing.T) {
	for _, c := range []struct{ in, snake, lower, upper string }{
		{"ticketPrice", "ticket_price", "ticketPrice", "TicketPrice"},
		{"AuthUsers", "auth_users", "authUsers", "AuthUsers"},
		{"modificationIdV7", "modification_id_v7", "modificationIdV7", "ModificationIdV7"},
		{"event_id", "event_id", "eventId", "EventId"},
		{"HTTPServer", "http_server", "httpServer", "HttpServer"},
		{"contentVector", "content_vector", "contentVector", "ContentVector"},
		{"email_event_id", "email_event_id", "emailEventId", "EmailEventId"},
		{"People", "people", "people", "People"},
	} {
		if got := SnakeCase(c.in); got != c.snake {
			t.Errorf("SnakeCase(%q) = %q, want %q", c.in, got, c.snake)
		}
		if got := LowerCamel(c.in); got != c.lower {
			t.Errorf("LowerCamel(%q) = %q, want %q", c.in, got, c.lower)
		}
		if got := UpperCamel(c.in); got != c.upper {
			t.Errorf("UpperCamel(%q) = %q, want %q", c.in, got, c.upper)
		}
	}
}

func TestConstraintNames(t *testing.T) {
	for got, want := range map[string]string{
		FKName("", "concerts", "venue"):            "concerts_venue_fk",
		FKName("c", "concerts", "venue"):           "c_concerts_venue_fk",
		FKName("info", "logs", "owner"):            "info_logs_owner_fk",
		IndexName("Document", "contentVector"):     "document_contentvector_idx",
		UniqueName("Rsvp", "email_event_id"):       "unique_constraint_rsvp_email_event_id",
		TableName(Plural("ConcertArtist")):         "concert_artists",
		UniqueQuery("User", "email"):               "userByEmail",
		CompositeFKColumnName("address", "street"): "address_street",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
