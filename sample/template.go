// Package sample writes files to start from: the empty import template, with
// drop-down lists and an explanation of every column, and realistic
// generated user lists of any size for trying roster and for benchmarks.
package sample

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sheet"
)

// templateRows is how many rows of the XLSX template carry drop-down lists.
const templateRows = 5000

// Template writes an empty import file with every column of the catalogue.
// The XLSX one has a drop-down list on each enum and bool column and a
// second sheet that explains the columns.
func Template(w io.Writer, format sheet.Format) error {
	header := make([]string, len(catalog.Columns))
	for i, c := range catalog.Columns {
		header[i] = c.Name
	}
	if format != sheet.XLSX {
		sw, err := sheet.NewWriter(w, format, sheet.WriteOptions{})
		if err != nil {
			return err
		}
		if err := sw.Write(header); err != nil {
			return err
		}
		return sw.Close()
	}
	f := excelize.NewFile()
	defer f.Close()
	const users, help = "users", "columns"
	if err := f.SetSheetName("Sheet1", users); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": keeps 0042 as typed
	if err != nil {
		return err
	}
	for i, c := range catalog.Columns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		f.SetCellStr(users, col+"1", c.Name)
		f.SetColWidth(users, col, col, float64(max(12, len(c.Name)+2)))
		if err := f.SetColStyle(users, col, text); err != nil {
			return err
		}
		var values []string
		switch c.Type {
		case catalog.Enum:
			values = c.Values
		case catalog.Bool:
			values = []string{"1", "0"}
		}
		if values == nil {
			continue
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, templateRows)
		if err := dv.SetDropList(values); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, c.Name, "Pick one of: "+strings.Join(values, ", "))
		if err := f.AddDataValidation(users, dv); err != nil {
			return err
		}
	}
	last, _ := excelize.ColumnNumberToName(len(catalog.Columns))
	f.SetCellStyle(users, "A1", last+"1", bold)
	f.SetPanes(users, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})

	if _, err := f.NewSheet(help); err != nil {
		return err
	}
	rows := [][]string{{"column", "resource", "type", "required", "aliases", "rule", "default"}}
	for _, c := range catalog.Columns {
		rows = append(rows, []string{c.Name, c.Resource, c.Describe(), c.Requirement(), strings.Join(c.Aliases, ", "), c.Doc, c.Default})
	}
	for r, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		vals := make([]any, len(row))
		for i, v := range row {
			vals[i] = v
		}
		if err := f.SetSheetRow(help, cell, &vals); err != nil {
			return err
		}
	}
	f.SetCellStyle(help, "A1", "G1", bold)
	for col, width := range map[string]float64{"A": 26, "B": 16, "C": 36, "D": 22, "E": 30, "F": 70, "G": 16} {
		f.SetColWidth(help, col, col, width)
	}
	_, err = f.WriteTo(w)
	return err
}
