package http_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
)

// TestWazoImportAndExport: a script written for Wazo's confd imports with
// X-Auth-Token and gets Wazo's shapes: 201 with the users created (row
// numbers counting data rows from 1), or 400 with every failed row, its
// cells (secrets masked) and nothing written; the export is the CSV.
func TestWazoImportAndExport(t *testing.T) {
	e := newEnv(t)
	tok := e.writer("")
	wazo := func(body string) *http.Response {
		return e.do(http.MethodPost, "/1.1/users/import", strings.NewReader(body),
			"X-Auth-Token", tok, "Content-Type", "text/csv; charset=utf-8")
	}

	bad := "firstname,lastname,email,password,exten,context,line_protocol\n" +
		"John,Doe,john@example.com,Secret-1,1000,default,sip\n" +
		"Jane,Roe,jane@,Secret-2,1001,default,sip\n" +
		",Nobody,nobody@example.com,,1002,default,sccp\n"
	var failed struct {
		Errors []struct {
			Message   string  `json:"message"`
			Timestamp float64 `json:"timestamp"`
			Details   struct {
				RowNumber int               `json:"row_number"`
				Row       map[string]string `json:"row"`
			} `json:"details"`
		} `json:"errors"`
	}
	e.decode(wazo(bad), http.StatusBadRequest, &failed)
	if len(failed.Errors) != 2 {
		t.Fatalf("errors %+v, want the 2 failed rows", failed.Errors)
	}
	first := failed.Errors[0]
	if first.Details.RowNumber != 2 || first.Details.Row["email"] != "jane@" || first.Details.Row["password"] != "***" ||
		!strings.HasPrefix(first.Message, "email: ") || first.Timestamp < 1e9 {
		t.Errorf("first error %+v", first)
	}
	if failed.Errors[1].Details.RowNumber != 3 {
		t.Errorf("second error %+v", failed.Errors[1])
	}
	if n := e.users(); n != 0 {
		t.Fatalf("a failed Wazo import wrote %d users", n)
	}

	var created struct {
		Created []struct {
			RowNumber int    `json:"row_number"`
			UserUUID  string `json:"user_uuid"`
		} `json:"created"`
	}
	e.decode(wazo(string(fixture(t, "wazo-users.csv"))), http.StatusCreated, &created)
	if len(created.Created) != 4 || created.Created[0].RowNumber != 1 || created.Created[3].RowNumber != 4 || created.Created[0].UserUUID == "" {
		t.Fatalf("created %+v", created.Created)
	}

	res := e.do(http.MethodGet, "/1.1/users/export", nil, "X-Auth-Token", tok, "Accept", "text/csv; charset=utf-8")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(res.Body).ReadAll()
	if err != nil || len(rows) != 5 || rows[0][0] != "uuid" {
		t.Fatalf("export: %v, %d rows", err, len(rows))
	}
	uuids := map[string]bool{}
	for _, r := range rows[1:] {
		uuids[r[0]] = true
	}
	for _, c := range created.Created {
		if !uuids[c.UserUUID] {
			t.Errorf("created user %s is not in the export", c.UserUUID)
		}
	}

	// The import is a job like the others.
	var list struct {
		Items []*roster.Job `json:"items"`
	}
	e.decode(e.get("/api/v1/jobs", tok), http.StatusOK, &list)
	if len(list.Items) != 2 {
		t.Errorf("%d jobs listed, want the 2 imports", len(list.Items))
	}
}
