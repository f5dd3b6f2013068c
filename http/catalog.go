package http

import (
	"bytes"
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sample"
	"github.com/roster-dev/roster/sheet"
)

type columnsOutput struct {
	Body []catalog.Info
}

type templateInput struct {
	Format string `query:"format" enum:"csv,xlsx" default:"csv" doc:"csv, or xlsx with drop-down lists and a sheet that explains the columns"`
}

// mediaTypes of the files the API sends.
var mediaTypes = map[sheet.Format]string{
	sheet.CSV:  "text/csv; charset=utf-8",
	sheet.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

func (s *Server) registerCatalog() {
	huma.Register(s.api, huma.Operation{
		OperationID: "list-columns", Method: http.MethodGet, Path: "/api/v1/columns", Tags: []string{"catalogue"},
		Summary: "The column catalogue", Security: secured(""),
	}, func(ctx context.Context, _ *struct{}) (*columnsOutput, error) {
		return &columnsOutput{Body: catalog.Infos()}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "get-template", Method: http.MethodGet, Path: "/api/v1/template", Tags: []string{"catalogue"},
		Summary: "An empty import file with every column", Security: secured(""),
		Responses: map[string]*huma.Response{"200": {Description: "The template",
			Content: map[string]*huma.MediaType{
				mediaTypes[sheet.CSV]:  {Schema: &huma.Schema{Type: "string"}},
				mediaTypes[sheet.XLSX]: {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}},
	}, func(ctx context.Context, in *templateInput) (*rawOutput, error) {
		f := sheet.Format(in.Format)
		var buf bytes.Buffer
		if err := sample.Template(&buf, f); err != nil {
			return nil, s.fail(ctx, err)
		}
		return &rawOutput{ContentType: mediaTypes[f], ContentDisposition: `attachment; filename="roster-template.` + in.Format + `"`,
			Body: buf.Bytes()}, nil
	})
}
