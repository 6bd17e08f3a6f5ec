// Package logging provides Pledge's slog logger in Lambda's JSON log format.
//
// Every record is one JSON object with "timestamp", "level", "message" and,
// inside an invocation, "requestId" — the keys Lambda's JSON log format uses,
// so CloudWatch Logs Insights reads them as it reads the runtime's own lines.
// Attribute keys are fixed snake_case names declared here (KeyTenantID,
// KeySnapshotID, ...), so queries do not depend on each author's spelling.
// Email addresses never reach a log: any string value that contains one is
// redacted, whatever its key.
package logging
