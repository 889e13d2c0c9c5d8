# dealtrail: a cgo build (mattn/go-sqlite3) and a small non-root runtime.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -o /out/dealtrail ./cmd/dealtrail

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin dealtrail \
    && mkdir -p /data && chown dealtrail /data
COPY --from=build /out/dealtrail /usr/local/bin/dealtrail
USER dealtrail
VOLUME /data
WORKDIR /data
# The config must listen on every interface of the container
# (listen: 0.0.0.0:8080) for the published port to reach it.
EXPOSE 8080
# The image has no curl: dealtrail asks its own /healthz. The start period
# covers the migrations of a first start after an upgrade (about half a
# minute for a million activities), which run before the UI listens.
HEALTHCHECK --interval=30s --timeout=10s --start-period=5m --retries=3 \
    CMD ["dealtrail", "healthcheck", "-url", "http://127.0.0.1:8080/healthz", "-timeout", "5s"]
ENTRYPOINT ["dealtrail"]
CMD ["serve", "-config", "/data/dealtrail.yaml"]
