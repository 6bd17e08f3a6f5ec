package logging

import (
	"context"
	"io"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/pledge-dev/pledge/shared/lazyregexp"
)

// Fixed attribute keys. Use these rather than ad-hoc strings.
const (
	KeyFunction   = "function"
	KeyDryRun     = "dry_run"
	KeyError      = "error"
	KeyPolicy     = "policy"
	KeyStage      = "stage"
	KeyTarget     = "target"
	KeySnapshotID = "snapshot_id"
	KeyTenantID   = "tenant_id"
	KeyBucket     = "bucket"
	KeyPrefix     = "prefix"
	KeyFindingID  = "finding_id"
	KeyCheckID    = "check_id"
	KeyResource   = "resource"
	KeyStatus     = "status"
	KeyCount      = "count"
	KeyDuration   = "duration_ms"
	KeyEvidence   = "evidence_key"
	KeyEventType  = "event_type"
)

// Redacted replaces an email address in a log value.
const Redacted = "[redacted-email]"

var emailRE = lazyregexp.New(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

// New returns a JSON logger writing to w at the given level.
func New(w io.Writer, level slog.Leveler) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: replace})
	return slog.New(&requestHandler{Handler: h})
}

// Level reads AWS_LAMBDA_LOG_LEVEL's values (DEBUG, INFO, WARN, ERROR);
// anything else is INFO.
func Level(s string) slog.Level {
	switch s {
	case "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR":
		return slog.LevelError
	}
	return slog.LevelInfo
}

func replace(groups []string, a slog.Attr) slog.Attr {
	a = lambdacontext.ReplaceAttr(groups, a)
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); emailRE.MatchString(s) {
			a.Value = slog.StringValue(emailRE.ReplaceAllString(s, Redacted))
		}
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			a.Value = slog.StringValue(emailRE.ReplaceAllString(err.Error(), Redacted))
		}
	}
	return a
}

// requestHandler adds Lambda's request id from the context to every record.
type requestHandler struct{ slog.Handler }

func (h *requestHandler) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		r.AddAttrs(slog.String("requestId", lc.AwsRequestID))
	}
	return h.Handler.Handle(ctx, r)
}

func (h *requestHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &requestHandler{h.Handler.WithAttrs(as)}
}

func (h *requestHandler) WithGroup(name string) slog.Handler {
	return &requestHandler{h.Handler.WithGroup(name)}
}
