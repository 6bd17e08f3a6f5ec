package purger

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// Attachment is one file attached to a mail.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Mail is one message to one recipient.
type Mail struct {
	From, To string
	// Subject may hold any Unicode; it is sent as an RFC 2047 encoded-word.
	Subject string
	// Date is shown in its own zone (the recipient's).
	Date time.Time
	// Text is the plain-text body, UTF-8.
	Text        string
	Attachments []Attachment
	// Boundary is the multipart boundary; empty picks a random one.
	Boundary string
}

// Raw renders the mail as an RFC 5322 message: multipart/mixed with the
// text part (UTF-8, quoted-printable) and each attachment (base64), as SES
// v2 SendEmail's Content.Raw takes it. Addresses must parse; header values
// are encoded, so nothing in them can start a new header.
func (m Mail) Raw() ([]byte, error) {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, fmt.Errorf("mail: from address: %w", err)
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("mail: recipient address: %w", err)
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if m.Boundary != "" {
		if err := mw.SetBoundary(m.Boundary); err != nil {
			return nil, fmt.Errorf("mail: boundary: %w", err)
		}
	}
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", from.String())
	hdr("To", to.String())
	// One encoded-word per folded line keeps header lines under 78
	// characters.
	hdr("Subject", strings.ReplaceAll(mime.BEncoding.Encode("UTF-8", m.Subject), "?= =?", "?=\r\n =?"))
	hdr("Date", m.Date.Format(time.RFC1123Z))
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")

	text, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/plain; charset=UTF-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		return nil, err
	}
	qp := quotedprintable.NewWriter(text)
	if _, err := qp.Write([]byte(strings.ReplaceAll(m.Text, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	for _, a := range m.Attachments {
		if a.Name == "" || strings.ContainsAny(a.Name, "\r\n\"") {
			return nil, fmt.Errorf("mail: attachment name %q is empty or holds a quote or line break", a.Name)
		}
		part, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {mime.FormatMediaType(a.ContentType, map[string]string{"name": a.Name})},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": a.Name})},
			"Content-Transfer-Encoding": {"base64"},
		})
		if err != nil {
			return nil, err
		}
		enc := base64.StdEncoding.EncodeToString(a.Data)
		for len(enc) > 76 {
			part.Write([]byte(enc[:76] + "\r\n"))
			enc = enc[76:]
		}
		part.Write([]byte(enc + "\r\n"))
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
