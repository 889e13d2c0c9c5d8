package web

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/dealtrail/dealtrail/internal/model"
)

// routes wires every route and middleware.
//
// Public: /healthz, /metrics, /static/*, /login. The HTML UI needs a
// session (else 303 to /login); /api/v1 takes a session or a bearer token
// (else 401 JSON). Every POST made with a session needs its CSRF token;
// /admin needs the admin role.
func (s *Server) routes() (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(s.opts.TrustedProxies); err != nil {
		return nil, fmt.Errorf("web: trusted proxies: %w", err)
	}
	r.MaxMultipartMemory = maxUpload
	r.HandleMethodNotAllowed = true
	r.Use(s.recoverPanic, s.observe, limitBody)
	r.NoRoute(s.notFound)
	r.NoMethod(s.methodNotAllowed)

	r.GET("/healthz", s.healthz)
	r.HEAD("/healthz", s.healthz)
	r.GET("/metrics", s.metricsPage)
	r.GET("/static/*file", s.static)
	r.GET("/login", s.sessionAuth, s.loginPage)
	r.POST("/login", s.login)

	ui := r.Group("/", s.sessionAuth, s.requireLogin, s.requireCSRF)
	ui.GET("/", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/deals") })
	ui.POST("/logout", s.logout)
	ui.GET("/deals", s.dealsPage)
	ui.GET("/deals/:id", s.dealPage)
	ui.POST("/deals/:id/notes", s.dealNote)
	ui.GET("/deals/:id/export.json", s.dealExportJSON)
	ui.GET("/deals/:id/export.csv", s.dealExportCSV)
	ui.GET("/deals/:id/print", s.dealPrint)
	ui.GET("/activities/:id", s.activityPage)
	ui.GET("/review", s.reviewPage)
	ui.POST("/review/decide", s.reviewDecide)
	ui.GET("/corrections", s.correctionsPage)
	ui.GET("/sources", s.sourcesPage)

	admin := ui.Group("/admin", s.requireRole(model.Admin))
	admin.GET("", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/admin/deals") })
	admin.GET("/deals", s.adminDeals)
	admin.GET("/deals/new", s.adminDealNew)
	admin.POST("/deals", s.adminDealCreate)
	admin.GET("/deals/:id/edit", s.adminDealEdit)
	admin.POST("/deals/:id", s.adminDealUpdate)
	admin.POST("/deals/:id/close", s.adminDealClose)
	admin.GET("/deals/import", s.adminImportPage)
	admin.POST("/deals/import", s.adminImport)
	admin.GET("/users", s.adminUsers)
	admin.POST("/users", s.adminUserAdd)
	admin.POST("/users/:id", s.adminUserUpdate)
	admin.POST("/users/:id/password", s.adminUserPassword)

	api := r.Group("/api/v1", s.apiAuth, s.requireCSRF)
	api.GET("/deals", s.apiDeals)
	api.GET("/deals/:id", s.apiDeal)
	api.GET("/review", s.apiReview)
	api.POST("/activities/:id/decision", s.apiDecision)
	api.GET("/sources", s.apiSources)
	return r, nil
}
