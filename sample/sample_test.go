package sample_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sample"
	"github.com/roster-dev/roster/sheet"
	"github.com/roster-dev/roster/sqlite"
)

// TestSampleImportsCleanly generates a file larger than the default
// contexts hold, applies the setup it comes with, and imports it.
func TestSampleImportsCleanly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.csv")
	f, _ := os.Create(path)
	w, _ := sheet.NewWriter(f, sheet.CSV, sheet.WriteOptions{})
	ref, err := sample.Write(w, sample.Options{Rows: 1500, Seed: 7,
		With: []string{sample.WithLines, sample.WithVoicemail, sample.WithIncalls, sample.WithGroups, sample.WithRooms}})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	f.Close()
	if ref == nil {
		t.Fatal("1,500 lines need larger contexts, but no setup came with the file")
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SetReference(ctx, ref, false); err != nil {
		t.Fatal(err)
	}
	src, err := sheet.OpenSource(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, err := provision.Import(ctx, db, src, provision.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 0 || *res.Created != 1500 || !res.Applied {
		t.Fatalf("created %d, failed %d: %+v", *res.Created, res.Failed, res.Errors[:min(3, len(res.Errors))])
	}
	// Names come from many scripts.
	body, _ := os.ReadFile(path)
	for _, s := range []string{"Олена", "Ελένη", "Zhang", "é"} {
		if !bytes.Contains(body, []byte(s)) {
			t.Errorf("no %q in the sample", s)
		}
	}
}

func TestSmallSampleNeedsNoSetup(t *testing.T) {
	var buf bytes.Buffer
	w, _ := sheet.NewWriter(&buf, sheet.CSV, sheet.WriteOptions{})
	ref, err := sample.Write(w, sample.Options{Rows: 100, With: []string{sample.WithLines}})
	w.Close()
	if err != nil || ref != nil {
		t.Fatalf("ref %v, err %v", ref, err)
	}
	if _, err := sample.Write(w, sample.Options{Rows: 1, With: []string{"pets"}}); err == nil {
		t.Fatal("an unknown --with was accepted")
	}
}

// TestTemplateHasDropDownsAndExplanations checks the XLSX template: every
// column in catalogue order, a drop-down list on each enum and bool column,
// and a sheet that explains each column.
func TestTemplateHasDropDownsAndExplanations(t *testing.T) {
	var buf bytes.Buffer
	if err := sample.Template(&buf, sheet.XLSX); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("users")
	if len(rows) != 1 || len(rows[0]) != len(catalog.Columns) || rows[0][0] != "uuid" {
		t.Fatalf("header %v", rows)
	}
	dvs, err := f.GetDataValidations("users")
	if err != nil {
		t.Fatal(err)
	}
	lists := map[string]string{}
	for _, dv := range dvs {
		col := strings.TrimRight(strings.Split(dv.Sqref, ":")[0], "0123456789")
		n, _ := excelize.ColumnNameToNumber(col)
		lists[rows[0][n-1]] = dv.Formula1
	}
	for _, c := range catalog.Columns {
		_, has := lists[c.Name]
		if want := c.Type == catalog.Enum || c.Type == catalog.Bool; has != want {
			t.Errorf("%s: drop-down %v, want %v", c.Name, has, want)
		}
	}
	if !strings.Contains(lists["language"], "fr_CA") || !strings.Contains(lists["enabled"], "1") {
		t.Errorf("lists: language %q, enabled %q", lists["language"], lists["enabled"])
	}
	help, _ := f.GetRows("columns")
	if len(help) != len(catalog.Columns)+1 {
		t.Fatalf("%d rows of explanations, want %d", len(help), len(catalog.Columns)+1)
	}
	for _, r := range help[1:] {
		if len(r) < 4 || r[2] == "" || r[3] == "" {
			t.Errorf("column %v is not explained", r)
		}
	}
}
