# syntax=docker/dockerfile:1
#
# Production image of exo-server: a static binary on distroless, running as
# a non-root user. Build it from the repository root:
#
#   docker build -t exo-server .
#
# and derive your application's image from it, adding the IR built by
# `exo build` (the server reads target/index.exo_ir from its working
# directory, /app):
#
#   FROM exo-server
#   COPY target/index.exo_ir ./target/index.exo_ir
#
# Run with the settings in the environment, e.g.
#   docker run -e EXO_POSTGRES_URL=postgres://... -p 9876:9876 my-app

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/exo-server ./cmd/exo-server

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/exo-server /usr/local/bin/exo-server
# The server must listen on all interfaces inside a container.
ENV EXO_SERVER_HOST=0.0.0.0 \
    EXO_SERVER_PORT=9876 \
    EXO_ENV=production
EXPOSE 9876
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/exo-server"]
