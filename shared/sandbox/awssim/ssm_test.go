package awssim_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/pledge-dev/pledge/shared/sandbox/awssim"
)

const chronyc = "chronyc -c tracking"

// chronyFixture reads what chronyc prints in one of the chrony package's
// captured states.
func chronyFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "chrony", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Instances of the SSM tests: a good Amazon Time Sync clock, a drifting one,
// an unsynchronised one, one without chrony, one whose chronyd is down,
// one that answers slowly, and one whose agent lost its connection.
var (
	good, drifting, unsynced, noChrony, daemonDown, slow, lost = "i-0f000000000000001", "i-0f000000000000002", "i-0f000000000000003", "i-0f000000000000004", "i-0f000000000000005", "i-0f000000000000006", "i-0f000000000000007"
	unmanaged                                                  = "i-0f000000000000099"
)

func newSSM(t *testing.T) (*awssim.Server, *ssm.Client, *testClock) {
	t.Helper()
	clock := &testClock{t: t0}
	srv, url := start(t, awssim.Options{Now: clock.Now})
	out := func(fixture string) map[string]awssim.SSMCommandResult {
		return map[string]awssim.SSMCommandResult{chronyc: {Stdout: chronyFixture(t, fixture)}}
	}
	seed := awssim.SSMSeed{Instances: []awssim.SSMManagedInstance{
		{InstanceId: good, Commands: out("amazon-ipv4.csv")},
		{InstanceId: drifting, Commands: out("phc-large-offset.csv")},
		{InstanceId: unsynced, Commands: out("unsynchronised.csv")},
		{InstanceId: noChrony},
		{InstanceId: daemonDown, Commands: map[string]awssim.SSMCommandResult{chronyc: {Stdout: chronyFixture(t, "daemon-down.txt"), ExitCode: 1}}},
		{InstanceId: slow, Commands: map[string]awssim.SSMCommandResult{chronyc: {Stdout: chronyFixture(t, "amazon-ipv6.csv"), Delay: awssim.Duration(30 * time.Second)}}},
		{InstanceId: lost, PingStatus: "ConnectionLost", Commands: out("amazon-ipv4.csv")},
	}}
	if err := srv.SSM().Seed(seed); err != nil {
		t.Fatal(err)
	}
	return srv, ssm.NewFromConfig(sdkConfig(url, 1)), clock
}

func send(t *testing.T, client *ssm.Client, ids ...string) string {
	t.Helper()
	out, err := client.SendCommand(context.Background(), &ssm.SendCommandInput{
		DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: ids,
		Parameters: map[string][]string{"commands": {chronyc}, "executionTimeout": {"30"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Command == nil || len(aws.ToString(out.Command.CommandId)) != 36 || out.Command.Status != ssmtypes.CommandStatusPending {
		t.Fatalf("SendCommand returned %+v", out.Command)
	}
	return aws.ToString(out.Command.CommandId)
}

// invocations lists a command's invocations with details through the
// SDK's paginator.
func invocations(t *testing.T, client *ssm.Client, id string, limit int32) map[string]ssmtypes.CommandInvocation {
	t.Helper()
	out := map[string]ssmtypes.CommandInvocation{}
	p := ssm.NewListCommandInvocationsPaginator(client, &ssm.ListCommandInvocationsInput{CommandId: aws.String(id), Details: true},
		func(o *ssm.ListCommandInvocationsPaginatorOptions) { o.Limit = limit })
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range page.CommandInvocations {
			out[aws.ToString(inv.InstanceId)] = inv
		}
	}
	return out
}

func TestSSM_RunCommandReportsWhatChronycPrints(t *testing.T) {
	srv, client, clock := newSSM(t)
	id := send(t, client, good, drifting, unsynced, noChrony, daemonDown, slow, lost)

	clock.Advance(2 * time.Second)
	srv.ResetCounts()
	invs := invocations(t, client, id, 2)
	if got, want := srv.Count("ssm", "ListCommandInvocations"), 4; got != want {
		t.Errorf("ListCommandInvocations pages = %d, want %d for 7 invocations 2 a page", got, want)
	}
	output := func(inst string) string { return aws.ToString(invs[inst].CommandPlugins[0].Output) }
	for _, tc := range []struct {
		instance string
		status   ssmtypes.CommandInvocationStatus
		code     int32
		output   string
	}{
		{good, ssmtypes.CommandInvocationStatusSuccess, 0, chronyFixture(t, "amazon-ipv4.csv")},
		{drifting, ssmtypes.CommandInvocationStatusSuccess, 0, chronyFixture(t, "phc-large-offset.csv")},
		{unsynced, ssmtypes.CommandInvocationStatusSuccess, 0, chronyFixture(t, "unsynchronised.csv")},
		{noChrony, ssmtypes.CommandInvocationStatusFailed, 127, "----------ERROR-------\n/var/lib/amazon/ssm/" + noChrony},
		{daemonDown, ssmtypes.CommandInvocationStatusFailed, 1, "506 Cannot talk to daemon\n----------ERROR-------\nfailed to run commands: exit status 1"},
		{slow, ssmtypes.CommandInvocationStatusInProgress, -1, ""},
		{lost, ssmtypes.CommandInvocationStatusPending, -1, ""},
	} {
		inv, ok := invs[tc.instance]
		if !ok {
			t.Errorf("%s: no invocation", tc.instance)
			continue
		}
		if inv.Status != tc.status || len(inv.CommandPlugins) != 1 || inv.CommandPlugins[0].ResponseCode != tc.code {
			t.Errorf("%s: status %s plugins %+v, want %s with code %d", tc.instance, inv.Status, inv.CommandPlugins, tc.status, tc.code)
			continue
		}
		if tc.output == "" && output(tc.instance) != "" || !strings.HasPrefix(output(tc.instance), tc.output) {
			t.Errorf("%s: output %q, want it to start with %q", tc.instance, output(tc.instance), tc.output)
		}
	}
	if !strings.Contains(output(noChrony), "chronyc: command not found") || !strings.HasSuffix(output(noChrony), "failed to run commands: exit status 127") {
		t.Errorf("no chrony: output %q", output(noChrony))
	}

	t.Run("GetCommandInvocation", func(t *testing.T) {
		got, err := client.GetCommandInvocation(context.Background(), &ssm.GetCommandInvocationInput{CommandId: aws.String(id), InstanceId: aws.String(drifting)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(got.StandardOutputContent) != chronyFixture(t, "phc-large-offset.csv") || got.Status != ssmtypes.CommandInvocationStatusSuccess || got.ResponseCode != 0 || aws.ToString(got.StandardErrorContent) != "" {
			t.Errorf("drifting: %+v", got)
		}
		_, err = client.GetCommandInvocation(context.Background(), &ssm.GetCommandInvocationInput{CommandId: aws.String(id), InstanceId: aws.String(unmanaged)})
		var missing *ssmtypes.InvocationDoesNotExist
		if !errors.As(err, &missing) {
			t.Errorf("unknown invocation: %v, want InvocationDoesNotExist", err)
		}
	})

	t.Run("slow instance finishes on the server clock", func(t *testing.T) {
		clock.Advance(30 * time.Second)
		inv := invocations(t, client, id, 0)[slow]
		if inv.Status != ssmtypes.CommandInvocationStatusSuccess || aws.ToString(inv.CommandPlugins[0].Output) != chronyFixture(t, "amazon-ipv6.csv") {
			t.Errorf("slow: %s %q", inv.Status, aws.ToString(inv.CommandPlugins[0].Output))
		}
	})

	t.Run("lost agent times out delivery", func(t *testing.T) {
		clock.Advance(time.Hour)
		inv := invocations(t, client, id, 0)[lost]
		if inv.Status != ssmtypes.CommandInvocationStatusTimedOut || aws.ToString(inv.StatusDetails) != "DeliveryTimedOut" {
			t.Errorf("lost: %s %s", inv.Status, aws.ToString(inv.StatusDetails))
		}
	})

	st := srv.SSM().State()
	if len(st.Invocations) != 7 || st.Invocations[0].CommandId != id || st.Invocations[0].Commands[0] != chronyc {
		t.Errorf("state invocations = %+v", st.Invocations)
	}
}

func TestSSM_SendCommandErrors(t *testing.T) {
	srv, client, _ := newSSM(t)
	ctx := context.Background()
	shell := func(ids []string) *ssm.SendCommandInput {
		return &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: ids, Parameters: map[string][]string{"commands": {chronyc}}}
	}
	many := fleet(51)
	for _, tc := range []struct {
		name string
		in   *ssm.SendCommandInput
		want string
	}{
		{"51 instances", shell(many), "ValidationException"},
		{"unmanaged instance", shell([]string{good, unmanaged}), "InvalidInstanceId"},
		{"other document", &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunPowerShellScript"), InstanceIds: []string{good}, Parameters: map[string][]string{"commands": {"w32tm /query /status"}}}, "InvalidDocument"},
		{"no commands", &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{good}}, "InvalidParameters"},
		{"unknown parameter", &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{good}, Parameters: map[string][]string{"commands": {chronyc}, "shell": {"zsh"}}}, "InvalidParameters"},
		{"no instances", shell(nil), "InvalidParameters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.SendCommand(ctx, tc.in)
			if got := apiCode(err); got != tc.want {
				t.Errorf("error = %v, want %s", err, tc.want)
			}
		})
	}
	t.Run("typed InvalidInstanceId", func(t *testing.T) {
		_, err := client.SendCommand(ctx, shell([]string{unmanaged}))
		var bad *ssmtypes.InvalidInstanceId
		if !errors.As(err, &bad) || !strings.Contains(bad.ErrorMessage(), unmanaged) {
			t.Errorf("error = %v, want *types.InvalidInstanceId naming %s", err, unmanaged)
		}
	})
	t.Run("a batch of exactly 50 managed instances is accepted", func(t *testing.T) {
		var seed awssim.SSMSeed
		for _, id := range fleet(50) {
			seed.Instances = append(seed.Instances, awssim.SSMManagedInstance{InstanceId: id})
		}
		if err := srv.SSM().Seed(seed); err != nil {
			t.Fatal(err)
		}
		if _, err := client.SendCommand(ctx, shell(fleet(50))); err != nil {
			t.Errorf("50 instances: %v", err)
		}
	})
	t.Run("ErrAccessDenied", func(t *testing.T) {
		if err := srv.SetFault(awssim.Fault{Service: "ssm", Operation: "SendCommand", Kind: awssim.FaultAccessDenied}); err != nil {
			t.Fatal(err)
		}
		defer srv.ClearFaults()
		_, err := client.SendCommand(ctx, shell([]string{good}))
		if got := apiCode(err); got != "AccessDeniedException" {
			t.Errorf("error = %v, want AccessDeniedException", err)
		}
	})
	if n := len(srv.SSM().State().Invocations); n != 50 {
		t.Errorf("invocations stored = %d, want only the 50 of the accepted batch", n)
	}
}

func TestSSM_ListCommandInvocationsErrors(t *testing.T) {
	_, client, _ := newSSM(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		in   *ssm.ListCommandInvocationsInput
		want string
	}{
		{"unknown command", &ssm.ListCommandInvocationsInput{CommandId: aws.String("00000000-0000-0000-0000-000000000000")}, "InvalidCommandId"},
		{"short command id", &ssm.ListCommandInvocationsInput{CommandId: aws.String("abc")}, "ValidationException"},
		{"MaxResults too large", &ssm.ListCommandInvocationsInput{MaxResults: aws.Int32(51)}, "ValidationException"},
		{"forged token", &ssm.ListCommandInvocationsInput{NextToken: aws.String("x")}, "InvalidNextToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.ListCommandInvocations(ctx, tc.in)
			if got := apiCode(err); got != tc.want {
				t.Errorf("error = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestSSM_DescribeInstanceInformationPaginates(t *testing.T) {
	srv, client, _ := newSSM(t)
	var seed awssim.SSMSeed
	for _, id := range fleet(20) {
		seed.Instances = append(seed.Instances, awssim.SSMManagedInstance{InstanceId: id})
	}
	if err := srv.SSM().Seed(seed); err != nil {
		t.Fatal(err)
	}
	list := func(in *ssm.DescribeInstanceInformationInput, limit int32) map[string]ssmtypes.InstanceInformation {
		t.Helper()
		out := map[string]ssmtypes.InstanceInformation{}
		p := ssm.NewDescribeInstanceInformationPaginator(client, in, func(o *ssm.DescribeInstanceInformationPaginatorOptions) { o.Limit = limit })
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, info := range page.InstanceInformationList {
				if _, dup := out[aws.ToString(info.InstanceId)]; dup {
					t.Errorf("%s listed twice", aws.ToString(info.InstanceId))
				}
				out[aws.ToString(info.InstanceId)] = info
			}
		}
		return out
	}
	srv.ResetCounts()
	all := list(&ssm.DescribeInstanceInformationInput{}, 5)
	if len(all) != 27 || srv.Count("ssm", "DescribeInstanceInformation") != 6 {
		t.Errorf("listed %d in %d pages, want 27 in 6", len(all), srv.Count("ssm", "DescribeInstanceInformation"))
	}
	if all[lost].PingStatus != ssmtypes.PingStatusConnectionLost || all[good].PingStatus != ssmtypes.PingStatusOnline || all[good].PlatformType != ssmtypes.PlatformTypeLinux {
		t.Errorf("lost %+v good %+v", all[lost], all[good])
	}
	some := list(&ssm.DescribeInstanceInformationInput{Filters: []ssmtypes.InstanceInformationStringFilter{
		{Key: aws.String("InstanceIds"), Values: []string{good, lost, unmanaged}},
	}}, 0)
	if len(some) != 2 {
		t.Errorf("filtered by ids: %d instances, want the 2 managed ones", len(some))
	}
	_, err := client.DescribeInstanceInformation(context.Background(), &ssm.DescribeInstanceInformationInput{MaxResults: aws.Int32(4)})
	if got := apiCode(err); got != "ValidationException" {
		t.Errorf("MaxResults 4: %v", err)
	}
}

// postSeed seeds a service through the control endpoint POST /_sim/seed/<service>.
func postSeed(srv *awssim.Server, service, body string) error {
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("POST", "/_sim/seed/"+service, strings.NewReader(body)))
	if rec.Code != 200 {
		return fmt.Errorf("seed %s: HTTP %d: %s", service, rec.Code, rec.Body.String())
	}
	return nil
}

func TestSSM_SeedRejectsBadInstances(t *testing.T) {
	srv := awssim.New(awssim.Options{})
	for _, in := range []awssim.SSMManagedInstance{
		{InstanceId: "web-1"},
		{InstanceId: good, PingStatus: "Offline"},
		{InstanceId: good, Commands: map[string]awssim.SSMCommandResult{chronyc: {ExitCode: 300}}},
	} {
		if err := srv.SSM().Seed(awssim.SSMSeed{Instances: []awssim.SSMManagedInstance{in}}); err == nil {
			t.Errorf("seed %+v: no error", in)
		}
	}
	if err := postSeed(srv, "ssm", `{"Instances":[{"InstanceId":"`+good+`","Commands":{"chronyc -c tracking":{"Stdout":"x","Delay":"2s"}}}]}`); err != nil {
		t.Errorf("seed JSON with a duration string: %v", err)
	}
	if d := srv.SSM().State().Instances[0].Commands[chronyc].Delay; time.Duration(d) != 2*time.Second {
		t.Errorf("Delay = %v, want 2s", time.Duration(d))
	}
}

// TestSSM_OwnDocumentRunsOnlyItsCommands: a document of the account's own
// runs its fixed lines, takes no parameters, and is recorded by name; an
// unknown document is refused as AWS refuses it.
func TestSSM_OwnDocumentRunsOnlyItsCommands(t *testing.T) {
	srv, client, clock := newSSM(t)
	const doc = "pledge-prod-chronyc-tracking"
	if err := srv.SSM().Seed(awssim.SSMSeed{Documents: []awssim.SSMDocument{{Name: doc, Commands: []string{chronyc}}}}); err != nil {
		t.Fatal(err)
	}
	out, err := client.SendCommand(context.Background(), &ssm.SendCommandInput{
		DocumentName: aws.String("arn:aws:ssm:ap-northeast-1:000000000000:document/" + doc), InstanceIds: []string{good},
	})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	inv := invocations(t, client, aws.ToString(out.Command.CommandId), 0)[good]
	if inv.Status != ssmtypes.CommandInvocationStatusSuccess || aws.ToString(inv.CommandPlugins[0].Output) != chronyFixture(t, "amazon-ipv4.csv") || aws.ToString(inv.DocumentName) != doc {
		t.Errorf("own document: %s %s %q", inv.Status, aws.ToString(inv.DocumentName), aws.ToString(inv.CommandPlugins[0].Output))
	}
	for name, in := range map[string]*ssm.SendCommandInput{
		"ParameterRefused": {DocumentName: aws.String(doc), InstanceIds: []string{good}, Parameters: map[string][]string{"commands": {"reboot"}}},
		"UnknownDocument":  {DocumentName: aws.String("pledge-staging-chronyc-tracking"), InstanceIds: []string{good}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := client.SendCommand(context.Background(), in); err == nil {
				t.Errorf("SendCommand %s with %v succeeded", aws.ToString(in.DocumentName), in.Parameters)
			}
		})
	}
	if err := srv.SSM().Seed(awssim.SSMSeed{Documents: []awssim.SSMDocument{{Name: "AWS-Mine", Commands: []string{"x"}}}}); err == nil {
		t.Error("a document named AWS-... was seeded")
	}
}
