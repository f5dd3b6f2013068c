package xls

// NewWorkbookReader is NewReader over a Workbook stream, for the tests that
// build one record by record.
var NewWorkbookReader = newReader
