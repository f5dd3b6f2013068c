// Package setupfile reads and writes the YAML file that declares a
// directory's reference data (roster setup): tenants, contexts with their
// number ranges, roles, CTI profiles, call permissions, skill groups and
// desks.
package setupfile

import (
	"bytes"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"

	"github.com/roster-dev/roster"
)

// MaxSize bounds a setup file; real ones are a few kilobytes.
const MaxSize = 4 << 20

// Read decodes a setup file. Unknown keys are errors, so that a typo does
// not silently declare nothing.
func Read(r io.Reader) (*roster.Reference, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxSize {
		return nil, fmt.Errorf("the file is larger than %d MiB; a setup file is a few kilobytes", MaxSize>>20)
	}
	var ref roster.Reference
	dec := yaml.NewDecoder(bytes.NewReader(body))
	dec.KnownFields(true)
	if err := dec.Decode(&ref); err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("the file is empty")
		}
		return nil, err
	}
	return &ref, nil
}

// Write encodes reference data in the format Read reads.
func Write(w io.Writer, ref *roster.Reference) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(ref); err != nil {
		return err
	}
	return enc.Close()
}
