package sheet_test

import (
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestZZExplore(t *testing.T) {
	for _, code := range []string{"0.##############", "[hh]:mm:ss", "[h]:mm:ss", "General"} {
		f := excelize.NewFile()
		c := code
		st, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &c})
		vals := []any{"0042", "text", true, false, -123456789012.5, 0.3, 1.5, 0.3, "=x", "1.5E+3", 1e-5, 3.0}
		for i, v := range vals {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			f.SetCellValue("Sheet1", cell, v)
			f.SetCellStyle("Sheet1", cell, cell, st)
		}
		f.SetCellFormula("Sheet1", "L1", `"abc"`)
		rows, _ := f.GetRows("Sheet1")
		fmt.Printf("%-20q %q\n", code, rows)
	}
}
