//go:build !sandbox

package functions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/capacity"
	"github.com/payhook/payhook/internal/lambdabuild"
	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/internal/wait"
	"github.com/payhook/payhook/shared/process"
	"github.com/payhook/payhook/shared/provider"
	"github.com/payhook/payhook/shared/provider/stripe"
	"github.com/payhook/payhook/shared/samples"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/dynamo"
)

// TestCapacityInputs measures what docs/capacity.md's model takes as its
// inputs, with the built binaries under the Runtime Interface Emulator:
// 100 Stripe payments, each a payment_intent.created then .succeeded,
// through the receiver (API Gateway events), then the table's stream
// (DynamoDB Local's) to the processor (filtered as its event source
// mapping is) and the auditor, each function's DynamoDB client through
// its own counting proxy. Per webhook, it counts each function's DynamoDB
// requests and request units, and reads its CPU time from /proc (warm:
// after one invocation that touches nothing).
//
// The counts are deterministic, and must be what internal/capacity's
// measured.json says: a change that adds a request fails here until the
// figures, and docs/capacity.md after them, are written again:
//
//	PAYHOOK_CAPACITY_WRITE=1 go test -count=1 -run TestCapacityInputs ./functions/
//	go run ./tools/capacitydoc -write
//
// CPU time is only logged (and written with the rest): it is a measure of
// this machine, never asserted.
func TestCapacityInputs(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	const payments = 100
	webhooks := 2 * payments
	bin := t.TempDir()
	is.NoErr(lambdabuild.Build("..", bin, runtime.GOARCH))
	bootstrap := func(name string) string {
		dir := filepath.Join(bin, name+"-fn") // the emulator names the function after it
		is.NoErr(os.MkdirAll(dir, 0o755))
		is.NoErr(os.Rename(filepath.Join(bin, name), filepath.Join(dir, "bootstrap")))
		return filepath.Join(dir, "bootstrap")
	}

	direct := testenv.DynamoDB(t)
	table := testenv.UniqueName(t)
	is.NoErr(dynamo.CreateTable(ctx, direct, table))
	endpoint := testenv.DynamoDBEndpoint(t)
	const secretARN = "arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:payhook-capacity/providers"
	secret := "whsec_capacity"
	secretsEndpoint := testenv.SecretsManager(t, secretARN, `{"PAYHOOK_STRIPE_SIGNING_SECRETS":"`+secret+`"}`)
	snsClient, sqsClient := testenv.SNS(t), testenv.SQS(t)
	topic, err := snsClient.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(table + "-alerts")})
	is.NoErr(err)
	dlq, err := sqsClient.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(table + "-dlq")})
	is.NoErr(err)
	env := func(proxy *testenv.CountingProxy) []string {
		return []string{
			"AWS_REGION=" + testenv.Region, "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
			"AWS_ENDPOINT_URL_DYNAMODB=" + proxy.URL, "AWS_ENDPOINT_URL_SECRETS_MANAGER=" + secretsEndpoint,
			"AWS_ENDPOINT_URL_SQS=" + testenv.SQSEndpoint(t), "AWS_ENDPOINT_URL_SNS=" + testenv.GoawsEndpoint(t),
			"PAYHOOK_TABLE_NAME=" + table, "PAYHOOK_SECRETS_ARN=" + secretARN,
			"PAYHOOK_DLQ_URL=" + aws.ToString(dlq.QueueUrl), "PAYHOOK_ALERT_TOPIC_ARN=" + aws.ToString(topic.TopicArn),
		}
	}
	proxies := map[string]*testenv.CountingProxy{}
	emulators := map[string]*testenv.Emulator{}
	for _, name := range []string{"receiver", "processor", "auditor"} {
		proxies[name] = testenv.NewCountingProxy(t, endpoint)
		emulators[name] = testenv.RuntimeEmulator(t, bootstrap(name), env(proxies[name]))
	}

	// One invocation each that touches nothing starts the bootstrap (init
	// and a first, cold invocation): CPU is counted from after it.
	var refused events.APIGatewayProxyResponse
	invoke(t, emulators["receiver"].URL, events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/webhook/nobody", PathParameters: map[string]string{"provider": "nobody"}}, &refused)
	is.Equal(refused.StatusCode, 404)
	var none events.DynamoDBEventResponse
	for _, name := range []string{"processor", "auditor"} {
		invoke(t, emulators[name].URL, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{}}, &none)
	}
	cpuBefore := map[string]time.Duration{}
	for name, e := range emulators {
		cpu, err := e.FunctionCPU()
		is.NoErr(err)
		cpuBefore[name] = cpu
	}
	outputBefore := map[string]int{}
	for name, e := range emulators {
		outputBefore[name] = len(e.Output())
	}

	// The processor and the auditor read the stream as their mappings do.
	records := map[string]*recordCount{"processor": {}, "auditor": {}}
	streams := dynamodbstreams.NewFromConfig(testenv.AWSConfig(), func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(endpoint) })
	for _, p := range []*testenv.StreamPoller{
		{DynamoDB: direct, Streams: streams, Table: table, Handler: records["processor"].invoking(t, emulators["processor"].URL), Filter: process.Wants, BatchSize: 100, PollInterval: 20 * time.Millisecond},
		{DynamoDB: direct, Streams: streams, Table: table, Handler: records["auditor"].invoking(t, emulators["auditor"].URL), BatchSize: 100, PollInterval: 20 * time.Millisecond},
	} {
		pollCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- p.Run(pollCtx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		})
	}

	var ids []string
	keys := provider.Keys{stripe.SigningSecrets: {secret}}
	for i := range payments {
		paymentID := fmt.Sprintf("pi_capacity_%04d", i)
		for _, eventType := range []string{"payment_intent.created", "payment_intent.succeeded"} {
			body, id, err := samples.Build("stripe", eventType, provider.SampleOptions{PaymentID: paymentID, Amount: 4999})
			is.NoErr(err)
			signed, err := samples.Sign("stripe", body, keys, id, time.Now())
			is.NoErr(err)
			var resp events.APIGatewayProxyResponse
			invoke(t, emulators["receiver"].URL, events.APIGatewayProxyRequest{
				HTTPMethod: "POST", Path: "/webhook/stripe", PathParameters: map[string]string{"provider": "stripe"},
				Headers: map[string]string{"Stripe-Signature": signed.Header.Get("Stripe-Signature"), "Content-Type": "application/json"},
				Body:    string(body), RequestContext: events.APIGatewayProxyRequestContext{RequestID: "req-" + id, Identity: events.APIGatewayRequestIdentity{SourceIP: "203.0.113.5"}},
			}, &resp)
			is.Equal(resp.StatusCode, 200)
			ids = append(ids, id)
		}
	}
	tableStore := dynamo.New(direct, table)
	wait.Until(t, 3*time.Minute, "every webhook processed", func() bool {
		for len(ids) > 0 {
			w, err := tableStore.GetWebhook(ctx, "stripe", ids[0])
			if err != nil || w.Status != store.StatusProcessed {
				return false
			}
			ids = ids[1:]
		}
		return true
	})
	// Its INSERT, its MODIFY to PROCESSED, and its payment's INSERT or MODIFY.
	wait.Until(t, 2*time.Minute, "every change audited", func() bool { return records["auditor"].count() >= 3*webhooks })
	time.Sleep(time.Second) // nothing more comes

	n := float64(webhooks)
	measured := capacity.Measured{
		Date:     time.Now().UTC().Format(time.DateOnly),
		Machine:  machine(),
		Command:  "PAYHOOK_CAPACITY_WRITE=1 go test -count=1 -run TestCapacityInputs ./functions/",
		Webhooks: webhooks,
	}
	for _, name := range []string{"receiver", "processor", "auditor"} {
		cpu, err := emulators[name].FunctionCPU()
		is.NoErr(err)
		f := capacity.Function{Name: name, CPUMs: round(float64((cpu-cpuBefore[name]).Microseconds())/1000/n, 3), Requests: map[string]float64{},
			LogBytes: round(float64(functionLogBytes(emulators[name].Output()[outputBefore[name]:]))/n, 0)}
		if c := records[name]; c != nil {
			f.StreamRecords = round(float64(c.count())/n, 3)
		}
		for op, c := range proxies[name].Counts() {
			f.Requests[op] = round(float64(c.Requests)/n, 3)
			f.WRU += c.WriteUnits / n
			f.RRU += c.ReadUnits / n
		}
		f.WRU, f.RRU = round(f.WRU, 3), round(f.RRU, 3)
		measured.Functions = append(measured.Functions, f)
	}

	// What the table keeps: every item, scanned once.
	scan := testenv.NewCountingProxy(t, endpoint)
	pages := dynamodb.NewScanPaginator(dynamodb.NewFromConfig(testenv.AWSConfig(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(scan.URL) }), &dynamodb.ScanInput{TableName: aws.String(table)})
	for pages.HasMorePages() {
		_, err := pages.NextPage(ctx)
		is.NoErr(err)
	}
	scanned := scan.Counts()["Scan"]
	is.Equal(scanned.Items, webhooks+payments)
	measured.StoredBytes = round(float64(scanned.ItemBytes+100*scanned.Items)/n, 0) // DynamoDB bills 100 bytes more per item

	got, err := json.MarshalIndent(measured, "", "  ")
	is.NoErr(err)
	t.Logf("measured:\n%s", got)
	if os.Getenv("PAYHOOK_CAPACITY_WRITE") != "" {
		is.NoErr(os.WriteFile("../internal/capacity/measured.json", append(got, '\n'), 0o644))
		t.Log("written to internal/capacity/measured.json: now go run ./tools/capacitydoc -write")
		return
	}
	want, err := capacity.LoadMeasured()
	is.NoErr(err)
	for _, f := range measured.Functions {
		recorded, err := want.Function(f.Name)
		is.NoErr(err)
		if fmt.Sprint(f.Requests, f.WRU, f.RRU, f.StreamRecords) != fmt.Sprint(recorded.Requests, recorded.WRU, recorded.RRU, recorded.StreamRecords) {
			t.Errorf("the %s's requests, request units and stream records per webhook are now %v %v WRU %v RRU %v records, where the capacity model has %v %v WRU %v RRU %v records: measure again and regenerate docs/capacity.md (this test's comment says how)",
				f.Name, f.Requests, f.WRU, f.RRU, f.StreamRecords, recorded.Requests, recorded.WRU, recorded.RRU, recorded.StreamRecords)
		}
	}
}

// recordCount counts the stream records a function was handed.
type recordCount struct {
	mu sync.Mutex
	n  int
}

func (c *recordCount) invoking(t *testing.T, url string) func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	return func(_ context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		var resp events.DynamoDBEventResponse
		invoke(t, url, e, &resp)
		if len(resp.BatchItemFailures) > 0 {
			t.Errorf("a batch failed in part: %v", resp.BatchItemFailures)
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.n += len(e.Records)
		return resp, nil
	}
}

func (c *recordCount) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// functionLogBytes counts the function's own log lines (JSON) in what the
// emulator printed, leaving the emulator's lines out.
func functionLogBytes(output string) int {
	n := 0
	for _, line := range strings.Split(output, "\n") {
		if strings.HasPrefix(line, "{") {
			n += len(line) + 1
		}
	}
	return n
}

// machine names this machine's processor, cores and Go.
func machine() string {
	model := "unknown processor"
	if cpuinfo, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(cpuinfo), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s/%s, %s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}

func round(x float64, digits int) float64 {
	scale := 1.0
	for range digits {
		scale *= 10
	}
	return float64(int64(x*scale+0.5)) / scale
}
