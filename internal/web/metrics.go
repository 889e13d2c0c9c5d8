package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// scrapeTimeout bounds the database reads of one /metrics scrape.
const scrapeTimeout = 5 * time.Second

// httpMetrics records the web server's requests and serves the registry.
type httpMetrics struct {
	duration *prometheus.HistogramVec
	handler  http.Handler
}

// observe records one request.
func (m *httpMetrics) observe(method, route, code string, d time.Duration) {
	m.duration.WithLabelValues(method, route, code).Observe(d.Seconds())
}

// newRegistry is a registry with the Go runtime's and the process's
// metrics.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// registerMetrics registers the HTTP histogram and the collector that
// reads sync and activity figures from the database at each scrape.
func registerMetrics(reg *prometheus.Registry, s *Server) (*httpMetrics, error) {
	m := &httpMetrics{duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "dealtrail_http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by method, route and status code.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route", "code"})}
	if err := reg.Register(m.duration); err != nil {
		return nil, err
	}
	if err := reg.Register(&storeCollector{s: s}); err != nil {
		return nil, err
	}
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return m, nil
}

// metricsPage serves the metrics in Prometheus text format (GET
// /metrics). It needs no login: it holds counts, times and source names
// from the config, never mail text or secrets.
func (s *Server) metricsPage(c *gin.Context) {
	s.metrics.handler.ServeHTTP(c.Writer, c.Request)
}

// Descriptions of the figures read from the database.
var (
	descItems = prometheus.NewDesc("dealtrail_source_items",
		"Messages or meetings a source held at its last successful poll.", []string{"source", "kind"}, nil)
	descErrors = prometheus.NewDesc("dealtrail_source_consecutive_errors",
		"Failed polls of a source since its last success.", []string{"source", "kind"}, nil)
	descUp = prometheus.NewDesc("dealtrail_source_up",
		"1 when a source's last poll succeeded, else 0.", []string{"source", "kind"}, nil)
	descLastSuccess = prometheus.NewDesc("dealtrail_source_last_success_timestamp_seconds",
		"When a source last synced, as a Unix time; 0 if never.", []string{"source", "kind"}, nil)
	descLag = prometheus.NewDesc("dealtrail_source_lag_seconds",
		"Seconds since a source last synced (since its first attempt when it never did).", []string{"source", "kind"}, nil)
	descActivities = prometheus.NewDesc("dealtrail_activities",
		"Stored activities by link state (unmatched: waiting to be matched).", []string{"state"}, nil)
	descQueue = prometheus.NewDesc("dealtrail_match_queue_length",
		"Activities waiting to be matched.", nil, nil)
)

// storeCollector reads the sync and activity figures at scrape time.
type storeCollector struct{ s *Server }

// Describe sends the descriptions of every figure.
func (sc *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descItems, descErrors, descUp, descLastSuccess, descLag, descActivities, descQueue} {
		ch <- d
	}
}

// Collect reads the figures; a failed read is reported as an invalid
// metric, so the scrape shows the error.
func (sc *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	now := sc.s.now()
	if states, err := sc.s.st.SourceStates(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(descUp, err)
	} else {
		for _, st := range states {
			kind, _ := splitSource(st.Source)
			up := 0.0
			if sourceOK(st) {
				up = 1
			}
			since := st.LastSuccessAt
			if since.IsZero() {
				since = st.LastAttemptAt
			}
			var last, lag float64
			if !st.LastSuccessAt.IsZero() {
				last = float64(st.LastSuccessAt.Unix())
			}
			if !since.IsZero() {
				lag = max(now.Sub(since).Seconds(), 0)
			}
			ch <- prometheus.MustNewConstMetric(descItems, prometheus.GaugeValue, float64(st.Items), st.Source, kind)
			ch <- prometheus.MustNewConstMetric(descErrors, prometheus.GaugeValue, float64(st.ErrorCount), st.Source, kind)
			ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up, st.Source, kind)
			ch <- prometheus.MustNewConstMetric(descLastSuccess, prometheus.GaugeValue, last, st.Source, kind)
			ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, lag, st.Source, kind)
		}
	}
	if counts, err := sc.s.st.LinkCounts(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(descActivities, err)
	} else {
		for state, n := range counts {
			label := string(state)
			if state == "" {
				label = "unmatched"
			}
			ch <- prometheus.MustNewConstMetric(descActivities, prometheus.GaugeValue, float64(n), label)
		}
	}
	if n, err := sc.s.st.QueueLength(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(descQueue, err)
	} else {
		ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, float64(n))
	}
}
