package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

var goaws struct {
	once        sync.Once
	endpoint    string
	sqsEndpoint string
	err         error
}

// GoawsEndpoint returns the URL of this process's goaws, which serves SQS
// and SNS on one port.
func GoawsEndpoint(t testing.TB) string {
	t.Helper()
	goaws.once.Do(func() {
		goaws.endpoint, goaws.err = startGoaws(startDeadline(t))
		if goaws.err == nil {
			goaws.sqsEndpoint = sqsBridge(goaws.endpoint).URL
		}
	})
	if goaws.err != nil {
		t.Fatal(goaws.err)
	}
	return goaws.endpoint
}

// SQSEndpoint is where SQS clients of this process's goaws connect: the
// protocol bridge in front of it.
func SQSEndpoint(t testing.TB) string {
	GoawsEndpoint(t)
	return goaws.sqsEndpoint
}

// SQS and SNS return clients of this process's goaws. SQS calls pass
// through sqsBridge (see there why).
func SQS(t testing.TB) *sqs.Client {
	return sqs.NewFromConfig(AWSConfig(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(SQSEndpoint(t)) })
}

func SNS(t testing.TB) *sns.Client {
	return sns.NewFromConfig(AWSConfig(), func(o *sns.Options) { o.BaseEndpoint = aws.String(GoawsEndpoint(t)) })
}

func startGoaws(deadline time.Time) (string, error) {
	binary, err := goInstall(goawsPackage, deadline)
	if err != nil {
		return "", fmt.Errorf("goaws: %w", err)
	}
	dir, err := os.MkdirTemp("", "goaws-")
	if err != nil {
		return "", err
	}
	config := filepath.Join(dir, "goaws.yaml")
	_, ports, err := startOnFreePorts("goaws", deadline, 1, func(ports []string) *exec.Cmd {
		// A config that cannot be written fails the start below, quoting
		// goaws' complaint about it.
		_ = os.WriteFile(config, []byte(fmt.Sprintf(`Local:
  Host: 127.0.0.1
  Port: %s
  Region: %s
  AccountId: "100010001000"
  LogToFile: false
  QueueAttributeDefaults:
    VisibilityTimeout: 30
    ReceiveMessageWaitTimeSeconds: 0
`, ports[0], Region)), 0o600)
		cmd := exec.Command(binary, "-config", config, "Local")
		cmd.Dir = dir
		return cmd
	}, func(c *child, ports []string) error {
		endpoint := "http://127.0.0.1:" + ports[0]
		client := sns.NewFromConfig(AWSConfig(), func(o *sns.Options) { o.BaseEndpoint = aws.String(endpoint) })
		return c.waitReady(endpoint, ports, func(ctx context.Context) error {
			_, err := client.ListTopics(ctx, &sns.ListTopicsInput{})
			return err
		})
	})
	if err != nil {
		return "", err
	}
	return "http://127.0.0.1:" + ports[0], nil
}
