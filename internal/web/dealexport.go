package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/export"
	"github.com/dealtrail/dealtrail/internal/model"
)

// dealSource feeds export.Build one deal and its activities, so that an
// export of one deal reads only that deal's activities.
type dealSource struct {
	deal model.Deal
	acts func(ctx context.Context) ([]model.Activity, error)
}

// Deals returns the one deal.
func (d dealSource) Deals(context.Context) ([]model.Deal, error) { return []model.Deal{d.deal}, nil }

// Activities returns the deal's activities.
func (d dealSource) Activities(ctx context.Context) ([]model.Activity, error) { return d.acts(ctx) }

// exportDeal builds the export document of one deal, shaped as
// `dealtrail export -deal ID` shapes it.
func (s *Server) exportDeal(ctx context.Context, d model.Deal) (export.Document, error) {
	return export.Build(ctx, dealSource{deal: d, acts: func(ctx context.Context) ([]model.Activity, error) {
		return s.st.DealActivities(ctx, d.ID)
	}}, d.ID)
}

// dealExportJSON downloads a deal with its activities as JSON (GET
// /deals/:id/export.json).
func (s *Server) dealExportJSON(c *gin.Context) {
	s.dealExport(c, "json", "application/json; charset=utf-8", export.WriteJSON)
}

// dealExportCSV downloads a deal's activities as CSV (GET
// /deals/:id/export.csv).
func (s *Server) dealExportCSV(c *gin.Context) {
	s.dealExport(c, "csv", "text/csv; charset=utf-8", export.WriteCSV)
}

// dealExport writes the export of the deal in the path with write.
func (s *Server) dealExport(c *gin.Context, ext, contentType string, write func(io.Writer, export.Document) error) {
	d, ok := s.findDeal(c)
	if !ok {
		return
	}
	doc, err := s.exportDeal(c.Request.Context(), d.Deal)
	if err != nil {
		s.internalError(c, "exporting the deal", err)
		return
	}
	var buf bytes.Buffer
	if err := write(&buf, doc); err != nil {
		s.internalError(c, "exporting the deal", err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="dealtrail-`+fileSafe(d.ID)+`.`+ext+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, contentType, buf.Bytes())
}

// fileSafe keeps the letters, digits, dots, dashes and underscores of s,
// for a file name in a header.
func fileSafe(s string) string {
	out := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
	if out == "" {
		return "deal"
	}
	return out
}
