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
EXPOSE 8080
ENTRYPOINT ["dealtrail"]
CMD ["serve", "-config", "/data/dealtrail.yaml"]
