# authgraph in a container: a static Go binary on distroless.
# Used by docker-compose.yml (services authgraph and sim).
FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=auto
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/authgraph ./cmd/authgraph

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/authgraph /usr/local/bin/authgraph
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/authgraph"]
# Never an open server: every request needs an API token
# (`authgraph tokens create --name admin --role admin` makes the first one).
CMD ["serve", "--addr", "0.0.0.0:8080", "--auth", "token"]
