package evidencepack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/pledge-dev/pledge/shared/certificate"
	"github.com/pledge-dev/pledge/shared/config"
)

// EvidenceStore writes evidence once (evidence.Store).
type EvidenceStore interface {
	PutObject(ctx context.Context, key, contentType string, body []byte) error
}

// Signer signs the index with the stack's KMS key (certificate.Signer).
type Signer interface {
	PublicKey(ctx context.Context) (certificate.Signing, []byte, error)
	SignBytes(ctx context.Context, body []byte) (certificate.Detached, error)
}

// Renderer writes a pack as an HTML page in a language ("ja" or "en").
type Renderer func(p Pack, lang string) ([]byte, error)

// Reporter makes and stores the monthly evidence pack.
type Reporter struct {
	Collector *Collector
	Evidence  EvidenceStore
	Signer    Signer
	Render    Renderer
	Config    config.Config
	Now       func() time.Time
	DryRun    bool
	Log       *slog.Logger
}

// Result says what a run made.
type Result struct {
	Month  string `json:"month"`
	DryRun bool   `json:"dryRun"`
	// Prefix is where the pack is (or, in a dry run, would be) written.
	Prefix string `json:"prefix"`
	// Existing names the index signature of a pack already made for the
	// month, when the run made none for that reason.
	Existing string        `json:"existing,omitempty"`
	Objects  int           `json:"objects"`
	Problems int           `json:"problems"`
	Controls []ControlLine `json:"controls"`
	// Written are the keys stored, the signature last.
	Written []string `json:"written"`
	// IndexSHA256 is the SHA-256 of the signed index.
	IndexSHA256 string `json:"indexSha256,omitempty"`
}

// ControlLine is one control in a run's result.
type ControlLine struct {
	ID      string `json:"id"`
	Status  Status `json:"status"`
	Summary string `json:"summary"`
}

func (r *Reporter) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

// existing returns the signature key of a complete pack of the month, or
// "".
func (r *Reporter) existing(ctx context.Context, month string) (string, error) {
	found, err := r.Collector.list(ctx, fmt.Sprintf("%s/%s/", KindPack, month))
	if err != nil {
		return "", err
	}
	best := ""
	for k := range found {
		if strings.HasSuffix(k, "/"+FileSignature) && k > best {
			best = k
		}
	}
	return best, nil
}

// Run makes the pack of month: it refuses a month not yet over, and makes
// nothing when a complete pack of the month exists unless force is set
// (a second pack then sits beside the first; both stay, write-once). It
// reads every evidence object of the month, builds the figures, renders
// JSON and HTML in Japanese and English, lists every object with its
// SHA-256 in the index, has KMS sign the index, and writes the pack's files
// with the signature last. A dry run does all but the signing and writing.
func (r *Reporter) Run(ctx context.Context, month Month, force bool) (Result, error) {
	if r.Collector == nil || r.Now == nil || r.Render == nil {
		return Result{}, errors.New("evidence pack: the reporter needs a Collector, Render and Now")
	}
	now := r.Now().UTC().Truncate(time.Second)
	res := Result{Month: month.String(), DryRun: r.DryRun, Controls: []ControlLine{}, Written: []string{}}
	if !month.Ended(now) {
		return res, fmt.Errorf("evidence pack: month %s is not over until %s, so its evidence is not complete", month, month.End().Format(time.RFC3339))
	}
	res.Prefix = Prefix(month.String(), now.Format("20060102T150405Z"))
	log := r.log().With("month", month.String(), "dry_run", r.DryRun)
	if !force {
		key, err := r.existing(ctx, month.String())
		if err != nil {
			return res, fmt.Errorf("evidence pack: %w", err)
		}
		if key != "" {
			res.Existing = key
			log.Info("evidence pack already made for the month; nothing to do", "existing", key)
			return res, nil
		}
	}
	ev, err := r.Collector.Collect(ctx, month)
	if err != nil {
		return res, fmt.Errorf("evidence pack: %w", err)
	}
	pack := Build(ev, r.Config, now)
	if !r.DryRun {
		if r.Signer == nil || r.Evidence == nil {
			return res, errors.New("evidence pack: the reporter needs a Signer and an evidence store outside a dry run")
		}
		signing, _, err := r.Signer.PublicKey(ctx)
		if err != nil {
			return res, fmt.Errorf("evidence pack: %w", err)
		}
		pack.Signing = &Signing{KeyID: signing.KeyID, Algorithm: signing.Algorithm, PublicKeySHA256: signing.PublicKeySHA256}
	}
	files, err := r.files(pack)
	if err != nil {
		return res, err
	}
	objects := append([]Object(nil), ev.Objects...)
	for _, f := range files {
		objects = append(objects, hashed(res.Prefix+f.name, KindPack, f.body))
	}
	index, err := Index(objects)
	if err != nil {
		return res, fmt.Errorf("evidence pack: %w", err)
	}
	res.Objects, res.Problems = len(objects), len(pack.Problems)
	res.IndexSHA256 = hashed("", "", index).SHA256
	for _, c := range pack.Controls {
		res.Controls = append(res.Controls, ControlLine{ID: c.ID, Status: c.Status, Summary: c.Summary.EN})
	}
	if r.DryRun {
		log.Info("evidence pack planned", "objects", res.Objects, "problems", res.Problems)
		return res, nil
	}
	sig, err := r.Signer.SignBytes(ctx, index)
	if err != nil {
		return res, fmt.Errorf("evidence pack: %w", err)
	}
	if sig.Signing.PublicKeySHA256 != pack.Signing.PublicKeySHA256 {
		return res, fmt.Errorf("evidence pack: the index was signed with key %s, but the pack names %s", sig.Signing.PublicKeySHA256, pack.Signing.PublicKeySHA256)
	}
	files = append(files,
		file{FileIndex, "text/plain; charset=utf-8", index},
		file{FilePublicKey, "application/x-pem-file", sig.PublicKeyPEM},
		file{FileSignature, "application/octet-stream", sig.Signature})
	for _, f := range files {
		if err := r.Evidence.PutObject(ctx, res.Prefix+f.name, f.ctype, f.body); err != nil {
			return res, fmt.Errorf("evidence pack: store %s: %w", f.name, err)
		}
		res.Written = append(res.Written, res.Prefix+f.name)
	}
	log.Info("evidence pack stored", "prefix", res.Prefix, "objects", res.Objects, "problems", res.Problems, "index_sha256", res.IndexSHA256)
	return res, nil
}

type file struct {
	name, ctype string
	body        []byte
}

// files renders the pack's JSON and HTML.
func (r *Reporter) files(p Pack) ([]file, error) {
	js, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("evidence pack: encode: %w", err)
	}
	out := []file{{FileJSON, "application/json", append(js, '\n')}}
	for _, lang := range []struct{ code, name string }{{"ja", FileHTMLJA}, {"en", FileHTMLEN}} {
		page, err := r.Render(p, lang.code)
		if err != nil {
			return nil, fmt.Errorf("evidence pack: render %s: %w", lang.name, err)
		}
		out = append(out, file{lang.name, "text/html; charset=utf-8", page})
	}
	return out, nil
}
