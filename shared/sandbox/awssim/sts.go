package awssim

import "fmt"

func init() { RegisterService("sts", newSTSService) }

func newSTSService(s *Server) *Service {
	return &Service{
		Name:         "sts",
		Protocol:     ProtocolQuery,
		XMLNamespace: "https://sts.amazonaws.com/doc/2011-06-15/",
		Operations: map[string]Handler{
			"GetCallerIdentity": func(c *Call) (any, error) {
				return struct {
					Arn     string `xml:"Arn"`
					UserId  string `xml:"UserId"`
					Account string `xml:"Account"`
				}{
					Arn:     fmt.Sprintf("arn:aws:iam::%s:user/sandbox", c.Account()),
					UserId:  "AIDA" + hash8("user:" + c.AccessKeyID)[:17],
					Account: c.Account(),
				}, nil
			},
		},
		Dump: func() any { return map[string]string{"Account": s.opts.AccountID} },
	}
}
