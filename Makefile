# Pledge: build, test, synthesize and run the functions.
# Everything the project needs is installed by these rules into project-local
# directories (.tools/, infra/node_modules/); nothing is installed globally.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

FUNCTIONS := snapshot-rotator tenant-purger finding-notifier compliance-verifier evidence-reporter
TOOLS     := $(CURDIR)/.tools/bin
NODE_BIN  := $(CURDIR)/infra/node_modules/.bin
CDK       := $(NODE_BIN)/cdk
export PATH := $(TOOLS):$(NODE_BIN):$(PATH)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PLEDGE_TOOLS := $(TOOLS)
export PLEDGE_NODE_BIN := $(NODE_BIN)

# Pinned tool versions (see ../shared/docs/toolchain.md for why these).
MINIO_VERSION       := v0.0.0-20260212201848-7aac2a2c5b7c
STATICCHECK_VERSION := v0.8.0
S5CMD_VERSION       := v2.3.0

# The Lambda build: no RPC mode in aws-lambda-go (lambda.norpc); AWS
# credentials from the environment only, without linking the SDK's default
# credential chain (pledge_lambda, see shared/awsconfig); no inlining
# (-gcflags=all=-l: about 1.3 MB less per bootstrap; the functions wait on
# AWS, and make bench measures init and invocation with these flags).
LAMBDA_TAGS  := lambda.norpc,pledge_lambda
LAMBDA_FLAGS := -tags $(LAMBDA_TAGS) -trimpath -gcflags=all=-l -ldflags "-s -w"

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# ---- tools -----------------------------------------------------------------

$(TOOLS)/minio:
	@mkdir -p $(TOOLS)
	@echo "building MinIO $(MINIO_VERSION) into .tools/bin (once; about 3 minutes)" >&2
	GOBIN=$(TOOLS) GOFLAGS=-buildvcs=false go install github.com/minio/minio@$(MINIO_VERSION)

$(TOOLS)/staticcheck:
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# node_modules holds Go templates of the CDK CLI; a go.mod there makes it a
# module of its own, so ./... patterns skip it.
# s5cmd is the purge benchmark's peer. `go install ...@v2.3.0` fails because
# the proxy refuses the module's version list, so build it from a throwaway
# module pinned to the exact version.
$(TOOLS)/s5cmd:
	@mkdir -p $(TOOLS)
	tmp=$$(mktemp -d) && cd $$tmp && go mod init s5cmd-build >/dev/null 2>&1 && \
	  go get github.com/peak/s5cmd/v2@$(S5CMD_VERSION) && \
	  go build -ldflags "-X github.com/peak/s5cmd/v2/version.Version=$(S5CMD_VERSION) -X github.com/peak/s5cmd/v2/version.GitCommit=pinned" \
	    -o $(TOOLS)/s5cmd github.com/peak/s5cmd/v2 && rm -rf $$tmp

.PHONY: s5cmd
s5cmd: $(TOOLS)/s5cmd ## build s5cmd v2.3.0, the purge benchmark's peer, into .tools/bin

infra/node_modules/.package-lock.json: infra/package.json infra/package-lock.json
	npm ci --prefix infra --no-audit --no-fund --loglevel=error
	printf 'module node_modules\n' > infra/node_modules/go.mod

.PHONY: tools
tools: $(TOOLS)/minio infra/node_modules/.package-lock.json ## install the pinned tools (MinIO, Node tooling)

# ---- generated code --------------------------------------------------------

# HTML is written as templ files compiled to Go (*_templ.go, committed, so a
# plain `go build` needs no generator). The templ CLI runs at the version
# go.mod pins for its runtime, so the two cannot drift apart; go.mod stays
# free of the CLI's own dependencies.
TEMPL = go run github.com/a-h/templ/cmd/templ@$$(go list -m -f '{{.Version}}' github.com/a-h/templ)

.PHONY: generate
generate: ## compile the HTML templates (*.templ) into Go (*_templ.go)
	$(TEMPL) generate -log-level warn

.PHONY: check-generated
check-generated: ## fail when a committed *_templ.go is not what its .templ compiles to
	$(TEMPL) generate -check -log-level warn

# ---- build -----------------------------------------------------------------

.PHONY: build
build: $(addprefix bin/,$(addsuffix /bootstrap,$(FUNCTIONS))) ## build every function for Lambda (linux/arm64)

bin/%/bootstrap: FORCE
	@mkdir -p $(@D)
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build $(LAMBDA_FLAGS) -o $@ ./functions/$*

# Size budgets of the arm64 bootstraps, in bytes (1 MB = 1,000,000 bytes):
# function=budget. Every functions/<name> with a main.go needs a line here,
# or make size fails. Every budget is the issue-14 target, 12 MB. Two things
# keep the functions under it: templ instead of html/template (no
# reflect.Value.MethodByName, so the linker drops unused SDK methods), and
# the SDK service modules that moved to schema-based serialisation in
# September-October 2026 (ssm, kms, cloudwatchlogs, lambda, ecs, eks, sqs,
# sesv2) pinned in go.mod at their last release before it: their schema
# tables and type registries are built at package init, so the linker keeps
# every shape of the service (1.7 MB for ssm, kms, logs and lambda alone).
# Upgrading one of them past that release fails here; see README, Benchmarks.
SIZE_BUDGETS := \
	snapshot-rotator=12000000 \
	tenant-purger=12000000 \
	finding-notifier=12000000 \
	compliance-verifier=12000000 \
	evidence-reporter=12000000

.PHONY: size
size: ## build every function for Lambda and fail when a bootstrap exceeds its budget
	@fail=0; for dir in functions/*/; do \
	  fn=$$(basename $$dir); [ -f $$dir/main.go ] || continue; \
	  budget=""; for kv in $(SIZE_BUDGETS); do [ "$${kv%%=*}" = "$$fn" ] && budget=$${kv#*=}; done; \
	  if [ -z "$$budget" ]; then echo "size: functions/$$fn has no budget in SIZE_BUDGETS (Makefile)"; fail=1; continue; fi; \
	  $(MAKE) --no-print-directory -s bin/$$fn/bootstrap >/dev/null || { echo "size: build of $$fn failed"; fail=1; continue; }; \
	  size=$$(stat -c %s bin/$$fn/bootstrap); \
	  if [ $$size -gt $$budget ]; then verdict="OVER BUDGET"; fail=1; else verdict=ok; fi; \
	  awk -v f=$$fn -v s=$$size -v b=$$budget -v v="$$verdict" 'BEGIN { printf "size: %-22s %5.2f MB (%d bytes), budget %5.2f MB: %s\n", f, s/1e6, s, b/1e6, v }'; \
	done; exit $$fail

.PHONY: build-local
build-local: $(addprefix bin/local/,$(FUNCTIONS)) bin/local/preflight ## build every function (and preflight) for this machine (for invoke and the demo)

# preflight is a command of its own, never linked into a function.
bin/local/preflight: FORCE
	@mkdir -p $(@D)
	CGO_ENABLED=0 go build -trimpath -o $@ ./shared/preflight/cmd/preflight

bin/local/%: FORCE
	@mkdir -p $(@D)
	CGO_ENABLED=0 go build -trimpath -o $@ ./functions/$*

.PHONY: FORCE
FORCE:

# ---- quality ---------------------------------------------------------------

# The second go test runs awsconfig's tests on the Lambda build's
# configuration (FromEnvironment); the profile cases do not apply to it: it
# reads no profile.
.PHONY: test
test: tools check-generated size ## run every test (unit, CDK assertions, cdk-nag, sandbox integration) and the size budgets
	go test -count=1 ./...
	go test -count=1 -tags $(LAMBDA_TAGS) -skip 'TestLoad_RetrySettings/^Profile' ./shared/awsconfig

.PHONY: test-long
test-long: tools ## the long tests: a 5,000-page purge and the SIGKILL matrix on about 10,000 versions (4,500 keys), through the binary
	PLEDGE_LONG_TESTS=1 PLEDGE_KILL_KEYS=4500 go test -count=1 -timeout 60m -run 'TestPurger_(FiveThousandPages|KillMatrix)' -v ./functions/tenant-purger

.PHONY: lint
lint: $(TOOLS)/staticcheck ## gofmt, go vet, staticcheck
	@out=$$(gofmt -l functions infra/main.go infra/stack shared); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	staticcheck ./...

# Cold starts: every functions/* bootstrap and the bare aws-lambda-go peer,
# built for this machine with the Lambda flags, each started 20 times
# against a fake Runtime API (shared/runtimeapi); medians per function.
HOST_FUNCTIONS := $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))

bin/host/peer-echo/bootstrap: FORCE
	@mkdir -p $(@D)
	CGO_ENABLED=0 go build $(LAMBDA_FLAGS) -o $@ ./shared/runtimeapi/testdata/echo

bin/host/%/bootstrap: FORCE
	@mkdir -p $(@D)
	CGO_ENABLED=0 go build $(LAMBDA_FLAGS) -o $@ ./functions/$*

.PHONY: bench-coldstart
bench-coldstart: $(addprefix bin/host/,$(addsuffix /bootstrap,$(HOST_FUNCTIONS) peer-echo)) ## cold-start medians of 20 starts per function (init, invocation, peak RSS)
	@echo "load average: $$(cut -d' ' -f1-3 /proc/loadavg) on $$(nproc) cores"
	PLEDGE_BOOTSTRAPS=$(CURDIR)/bin/host go test -run '^$$' -bench ColdStart -benchtime 20x -count 1 ./shared/runtimeapi

.PHONY: bench
bench: bench-coldstart $(TOOLS)/minio $(TOOLS)/s5cmd ## run the benchmarks (cold starts, Go benchmarks, the purge engine against s5cmd on MinIO, the plan CLI on 1M snapshots)
	go test -run '^$$' -bench . -benchtime 1x -count 1 ./shared/retention ./shared/snapshot ./shared/notify ./shared/verify ./shared/purge
	shared/purge/bench.sh
	functions/snapshot-rotator/bench-plan.sh

# ---- CDK -------------------------------------------------------------------

.PHONY: synth
synth: build infra/node_modules/.package-lock.json ## synthesize the CloudFormation template into cdk.out/
	$(CDK) synth --quiet $(CDK_ARGS)

.PHONY: diff
diff: build infra/node_modules/.package-lock.json ## show what a deploy would change
	$(CDK) diff $(CDK_ARGS)

.PHONY: deploy
deploy: build infra/node_modules/.package-lock.json ## deploy the stage's stacks (CDK_ARGS="-c pledge:configFile=..."), outputs in cdk-outputs.json
	$(CDK) deploy --all --outputs-file cdk-outputs.json $(CDK_ARGS)

.PHONY: preflight
preflight: ## check, read-only, that the account is ready for the configuration (CDK_ARGS as for deploy; PREFLIGHT_ARGS="-outputs cdk-outputs.json" after deploying)
	go run ./shared/preflight/cmd/preflight $(CDK_ARGS) $(PREFLIGHT_ARGS)

# ---- local -----------------------------------------------------------------

.PHONY: sandbox
sandbox: tools build-local ## start the local stand-ins for AWS and print their environment
	go run ./shared/sandbox/cmd/sandbox serve

.PHONY: demo
demo: tools build-local ## run every function end to end on local stand-ins, summary on stdout, artifacts in out/ (PROFILE=sotas, or all: prove a seed operator's profile instead)
	go run ./shared/sandbox/cmd/sandbox demo -bin bin/local -out out $(if $(PROFILE),-profile $(PROFILE),)

.PHONY: screenshots
screenshots: ## render out/'s HTML (evidence pack, verification report, emails) in headless Chromium into out/screenshots/ (after make demo)
	shared/sandbox/screenshots.sh out

.PHONY: clean
clean: ## remove build output (keeps the pinned tools)
	rm -rf bin cdk.out out
