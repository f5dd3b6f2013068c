package main

import (
	"bufio"
	"encoding/json"
	"io"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/provision"
)

func (a *app) readCmd() *cobra.Command {
	var rf readFlags
	c := &cobra.Command{
		Use:   "read FILE",
		Short: "Print a file as roster reads it, one JSON row per line",
		Long: `Print a file as roster reads it, before any column rule: one JSON object per line,
{"row": N, "cells": ["…", …]}, the header as row 1 and cells exactly as read. Entirely empty rows are
not printed but still counted. FILE may be - for standard input.`,
		Example: `  roster read users.xlsx
  roster read --sheet Staff --format xls old-export.xls
  roster read --separator ';' --encoding windows-1252 hr.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opt, err := rf.options()
			if err != nil {
				return err
			}
			src, err := a.source(args[0])
			if err != nil {
				return err
			}
			defer src.Close()
			f, err := src.Open(opt)
			if err != nil {
				return provision.Unreadable(err)
			}
			defer f.Close()
			w := bufio.NewWriter(a.stdout)
			defer w.Flush()
			enc := json.NewEncoder(w)
			enc.SetEscapeHTML(false)
			for {
				if err := c.Context().Err(); err != nil {
					return err
				}
				row, err := f.Next()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					w.Flush()
					return provision.Unreadable(err)
				}
				if err := enc.Encode(struct {
					Row   int      `json:"row"`
					Cells []string `json:"cells"`
				}{row.Num, row.Cells}); err != nil {
					return err
				}
			}
		},
	}
	rf.add(c)
	return c
}
