# sparkwire developer tasks. The README's two commands are `make demo` and `make test`.

# The Spark release of the protocol bindings: the one the Spark image carries (its tag in
# docker/stack/images.env, where the images are named).
SPARK_VERSION    ?= $(shell sed -n 's/^SPARK_IMAGE=.*://p' docker/stack/images.env)
PROTOC_VERSION   ?= 4.33.5
PROTO_PKG        := github.com/sparkwire/sparkwire/connect/internal/sparkpb
PROTO_OUT        := connect/internal/sparkpb
PROTO_WORK       := .build/proto
M2               := $(HOME)/.m2/repository

.PHONY: all build vet test unit e2e demo images stack-up stack-down proto bench soak fmt

all: build vet unit

build:
	go build ./...

vet:
	go vet ./...
	@test -z "$$(gofmt -l . | grep -v '^.build/')" || { gofmt -l . ; echo 'gofmt: files above need formatting'; exit 1; }

## unit: tests that need no containers (the in-memory Spark Connect server), with -race.
unit:
	go test -race -short -count=1 ./connect/... ./producers/... ./jobs/... ./cmd/... ./events/... ./demo/... ./internal/... ./kafkasec/... ./bench/... ./tests/internal/...

## test: the whole suite, unit and end-to-end against real Kafka and Spark containers.
## Installs and starts the Docker engine and builds the images when they are missing.
test:
	bash scripts/test.sh

## demo: starts the local stack (if needed) and runs a query through the CLI.
demo:
	bash scripts/demo.sh

## images: Docker engine, JRE base image, Spark and Kafka images (idempotent).
images:
	bash docker/scripts/images.sh

## bench: every benchmark with its peer (not in CI), against the stack in SPARKWIRE_CONNECT_URL and
## SPARKWIRE_KAFKA_BROKERS or else sparkwire up's. BENCH_SMOKE=1 runs each once with tiny sizes
## against a running stack (the bench code's own check; its figures mean nothing).
bench:
	bash bench/run.sh

## soak: 30 minutes of steady production with the pageviews job running, on the local stack
## (not in CI): RSS of every process over time and the ground-truth check, in bench/results/soak.
## SOAK_DURATION, SOAK_RATE, SOAK_INTERVAL and SOAK_OUT change the defaults (bench/soak.sh).
soak:
	bash bench/soak.sh

fmt:
	gofmt -w $$(git ls-files '*.go')

## proto: regenerates the Go bindings from the .proto files published in Spark's
## spark-connect-common artifact, with protoc from Maven Central and the Go plugins pinned
## as tools in go.mod. The output is committed; `go build` never needs protoc.
proto:
	rm -rf $(PROTO_WORK) && mkdir -p $(PROTO_WORK)/src
	mvn -q -B dependency:copy -Dartifact=org.apache.spark:spark-connect-common_2.13:$(SPARK_VERSION) -DoutputDirectory=$(PROTO_WORK)
	mvn -q -B dependency:copy -Dartifact=com.google.protobuf:protoc:$(PROTOC_VERSION):exe:linux-x86_64 -DoutputDirectory=$(PROTO_WORK)
	mvn -q -B dependency:copy -Dartifact=com.google.protobuf:protobuf-java:$(PROTOC_VERSION) -DoutputDirectory=$(PROTO_WORK)
	cd $(PROTO_WORK)/src && unzip -q -o ../spark-connect-common_2.13-$(SPARK_VERSION).jar 'spark/connect/*.proto' \
	  && unzip -q -o ../protobuf-java-$(PROTOC_VERSION).jar 'google/protobuf/*.proto'
	chmod +x $(PROTO_WORK)/protoc-$(PROTOC_VERSION)-linux-x86_64.exe
	go build -o $(PROTO_WORK)/protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go
	go build -o $(PROTO_WORK)/protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc
	rm -f $(PROTO_OUT)/*.pb.go && mkdir -p $(PROTO_OUT)
	cd $(PROTO_WORK)/src && files=$$(ls spark/connect/*.proto) && \
	  mopts=$$(for f in $$files; do printf ' --go_opt=M%s=$(PROTO_PKG)\;sparkpb --go-grpc_opt=M%s=$(PROTO_PKG)\;sparkpb' $$f $$f; done) && \
	  ../protoc-$(PROTOC_VERSION)-linux-x86_64.exe -I . \
	    --plugin=protoc-gen-go=../protoc-gen-go --plugin=protoc-gen-go-grpc=../protoc-gen-go-grpc \
	    --go_out=$(CURDIR)/$(PROTO_OUT) --go_opt=paths=source_relative \
	    --go-grpc_out=$(CURDIR)/$(PROTO_OUT) --go-grpc_opt=paths=source_relative \
	    $$mopts $$files
	mv $(PROTO_OUT)/spark/connect/*.go $(PROTO_OUT)/ && rm -rf $(PROTO_OUT)/spark
	@echo "proto: generated $(PROTO_OUT) from spark-connect-common $(SPARK_VERSION), protoc $(PROTOC_VERSION)"
