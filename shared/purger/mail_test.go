package purger_test

import (
	"bytes"
	"flag"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/purger"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sample() purger.Mail {
	la, _ := time.LoadLocation("America/Los_Angeles")
	return purger.Mail{
		From: "security@pledge-demo.example", To: "it-admin@tenant-1.example.com",
		Subject:  "【データ削除証明書】株式会社サンプル 様 / Data deletion certificate for 株式会社サンプル",
		Date:     time.Date(2026, 11, 22, 1, 2, 3, 0, time.UTC).In(la),
		Text:     "データ削除証明書 / Data Deletion Certificate\n\n【日本語】\nお客様のデータを削除いたしました。" + strings.Repeat("長い行", 40) + "\n",
		Boundary: "pledge-test-boundary",
		Attachments: []purger.Attachment{
			{Name: "certificate.json", ContentType: "application/json", Data: []byte(`{"format":"pledge-deletion-certificate/1","tenant_id":"tenant-1"}`)},
			{Name: "certificate.sig", ContentType: "application/octet-stream", Data: bytes.Repeat([]byte{0x30, 0x45, 0x02, 0xff}, 30)},
		},
	}
}

func TestMail_RawGolden(t *testing.T) {
	raw, err := sample().Raw()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "certificate-mail.eml")
	if *update {
		if err := os.WriteFile(golden, raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, want) {
		t.Errorf("rendered mail differs from %s (run with -update after checking):\n%s", golden, raw)
	}
}

// TestMail_RawParsesBack reads the message with the standard library, as a
// mail client would: headers, the Japanese subject, the text and every
// attachment come back exactly.
func TestMail_RawParsesBack(t *testing.T) {
	m := sample()
	m.Boundary = ""
	raw, err := m.Raw()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line of %d characters: RFC 5322 allows 998", len(line))
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("subject %q (%v), want %q", subject, err, m.Subject)
	}
	if to, err := mail.ParseAddress(msg.Header.Get("To")); err != nil || to.Address != m.To {
		t.Errorf("to %v %v", to, err)
	}
	if d, err := msg.Header.Date(); err != nil || !d.Equal(m.Date) || !strings.HasSuffix(msg.Header.Get("Date"), "-0800") {
		t.Errorf("date %q: %v; want the recipient's zone", msg.Header.Get("Date"), err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("content type %q %v", mt, err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var parts []*multipart.Part
	var bodies [][]byte
	for {
		p, err := mr.NextPart() // decodes quoted-printable itself
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		parts, bodies = append(parts, p), append(bodies, b)
	}
	if len(parts) != 1+len(m.Attachments) {
		t.Fatalf("%d parts, want %d", len(parts), 1+len(m.Attachments))
	}
	if got := strings.ReplaceAll(string(bodies[0]), "\r\n", "\n"); got != m.Text {
		t.Errorf("text part:\n%q\nwant\n%q", got, m.Text)
	}
	for i, a := range m.Attachments {
		p := parts[i+1]
		if p.FileName() != a.Name || p.Header.Get("Content-Transfer-Encoding") != "base64" {
			t.Errorf("part %d: file %q encoding %q", i+1, p.FileName(), p.Header.Get("Content-Transfer-Encoding"))
		}
		dec, err := io.ReadAll(base64Reader(bodies[i+1]))
		if err != nil || !bytes.Equal(dec, a.Data) {
			t.Errorf("attachment %s does not round-trip: %v", a.Name, err)
		}
	}
}

func TestMail_RawRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*purger.Mail)
		want string
	}{
		{"ErrBadRecipient", func(m *purger.Mail) { m.To = "not an address" }, "recipient"},
		{"ErrBadSender", func(m *purger.Mail) { m.From = "" }, "from"},
		{"ErrAttachmentNameBreaksHeader", func(m *purger.Mail) { m.Attachments[0].Name = "a\r\nBcc: x@example.com" }, "attachment name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sample()
			tt.edit(&m)
			if _, err := m.Raw(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// TestMail_SubjectCannotInjectHeaders: a tenant name with a line break
// stays inside the encoded subject.
func TestMail_SubjectCannotInjectHeaders(t *testing.T) {
	m := sample()
	m.Subject = "x\r\nBcc: attacker@example.com"
	raw, err := m.Raw()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Bcc") != "" {
		t.Fatal("subject injected a Bcc header")
	}
}
