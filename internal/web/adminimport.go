package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/crm"
)

// adminImportPage is the deals CSV upload form.
type adminImportPage struct {
	Page
	// File names the file that failed; Errors are its problems by line.
	File   string
	Errors []string
}

// adminImportPage shows the upload form (GET /admin/deals/import).
func (s *Server) adminImportPage(c *gin.Context) {
	s.render(c, http.StatusOK, "admin_import.html", adminImportPage{Page: s.page(c, "Admin: import deals", "admin")})
}

// adminImport imports an uploaded deals CSV file, all or nothing (POST
// /admin/deals/import), as `dealtrail deals import` does.
func (s *Server) adminImport(c *gin.Context) {
	ctx := c.Request.Context()
	p := adminImportPage{Page: s.page(c, "Admin: import deals", "admin")}
	fh, err := c.FormFile("file")
	if err != nil {
		p.Error = "file: choose a CSV file to upload (at most 10 MB)."
		s.render(c, http.StatusBadRequest, "admin_import.html", p)
		return
	}
	name := importSource(fh.Filename)
	f, err := fh.Open()
	if err != nil {
		s.internalError(c, "reading the upload", err)
		return
	}
	defer f.Close()
	sum, err := crm.Import(ctx, s.st, f, name, s.opts.Team.IsMember)
	if err != nil {
		p.File = name
		p.Error = "Nothing was imported: fix these lines and upload the file again."
		p.Errors = strings.Split(err.Error(), "\n")
		s.render(c, http.StatusUnprocessableEntity, "admin_import.html", p)
		return
	}
	s.afterDealsChanged(ctx)
	s.logger.Info("deals imported", "created", sum.Created, "updated", sum.Updated, "user_id", userOf(c).ID)
	s.redirectWithFlash(c, "/admin/deals", fmt.Sprintf("%s: %d deals created, %d updated.", name, sum.Created, sum.Updated))
}

// importSource names an uploaded file in messages: its base name.
func importSource(name string) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	if name == "" {
		return "upload.csv"
	}
	return name
}
