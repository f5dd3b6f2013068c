package sheet_test

import (
	"io"
	"os"
	"testing"

	"github.com/roster-dev/roster/sheet"
)

func BenchmarkZZFile(b *testing.B) {
	path := os.Getenv("ZZFILE")
	for b.Loop() {
		f, err := sheet.Open(path, sheet.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := f.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		f.Close()
	}
}
